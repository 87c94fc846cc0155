//! `POST /api/v1/imports/volunteers?org_id=`, `GET /api/v1/imports/volunteers/template.xlsx`,
//! `GET /api/v1/imports/{id}` (API.md).

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zhiyuan_app::recruitment::ledgers::Export;
use zhiyuan_app::recruitment::views::{ImportJobView, ImportReport};

use super::common::{read_file, xlsx_response};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The org the volunteers belong to (their locality).
    pub org_id: String,
    /// Answer at once with a job to poll (`202`) instead of the report.
    pub background: Option<bool>,
}

/// Imports volunteers from `.xlsx` or UTF-8 `.csv` (multipart field `file`). Good rows go in,
/// bad rows are reported with their spreadsheet row (the header is row 1) and field; a
/// re-upload adds nobody twice. A bad file (header, encoding, corrupt, too big) answers 422
/// and writes nothing.
#[utoipa::path(post, path = "/api/v1/imports/volunteers", tag = "recruitment", security(("bearer" = [])), params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 200, body = ImportReport), (status = 202, body = ImportJobView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_volunteers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ImportQuery>,
    form: Multipart,
) -> ApiResult<Response> {
    let (name, bytes) = read_file(form).await?;
    if q.background.unwrap_or(false) {
        let job = state
            .app
            .start_import(&actor, &q.org_id, &name, bytes)
            .await?;
        return Ok((StatusCode::ACCEPTED, Json(job)).into_response());
    }
    let report = state
        .app
        .import_volunteers(&actor, &q.org_id, &name, bytes)
        .await?;
    Ok(Json(report).into_response())
}

/// The empty import template with the six headers.
#[utoipa::path(get, path = "/api/v1/imports/volunteers/template.xlsx", tag = "recruitment", security(("bearer" = [])),
    responses((status = 200, description = "the .xlsx template")))]
pub async fn get_import_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Response> {
    actor.require_admin()?;
    let bytes = state.app.import_template()?;
    Ok(xlsx_response(Export {
        file_name: "志愿者导入模板.xlsx".to_owned(),
        bytes,
    }))
}

/// Progress and result of an import job.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ImportJobView), (status = 404, body = ErrorBody)))]
pub async fn get_import_job(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ImportJobView>> {
    Ok(Json(state.app.import_job(&actor, &id).await?))
}
