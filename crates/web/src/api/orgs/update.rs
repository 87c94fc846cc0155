use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::orgs::OrgPatch;
use zhiyuan_app::views::OrgView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Changes a node's name, population or unit type.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", security(("bearer" = [])), params(("id" = String, Path)), request_body = OrgPatch,
    responses((status = 200, body = OrgView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_org(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<OrgPatch>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(state.app.update_org(&actor, &id, &patch).await?))
}
