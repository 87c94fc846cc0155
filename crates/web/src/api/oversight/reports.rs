//! Report tables as .xlsx.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::api::recruitment::common::xlsx_response;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// A report table of the subtree: `volunteers.xlsx` (注册志愿者统计表, 003 附件5),
/// `stations.xlsx` (服务站统计表, 附件6), `teams.xlsx` (服务队统计表, 附件7),
/// `composition.xlsx` (001: 队伍组成情况、志愿者信息、计划开展的服务项目).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/reports/{file}", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path), ("file" = String, Path, description = "volunteers.xlsx, stations.xlsx, teams.xlsx or composition.xlsx")),
    responses((status = 200, description = ".xlsx"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let kind = file.strip_suffix(".xlsx").unwrap_or(&file);
    Ok(xlsx_response(state.app.report(&actor, &id, kind).await?))
}
