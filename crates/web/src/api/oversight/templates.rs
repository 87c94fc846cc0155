//! Establishment templates (编制) of a tree.

use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::oversight::views::{TemplatesInput, TemplatesView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// The templates of the tree the org belongs to.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/establishment", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TemplatesView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_establishment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<TemplatesView>> {
    Ok(Json(state.app.establishment(&actor, &id).await?))
}

/// Replaces the templates of the tree rooted at this org (a number, null to turn a check off,
/// or left out for the seeds' default).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/establishment", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TemplatesInput,
    responses((status = 200, body = TemplatesView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_establishment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TemplatesInput>,
) -> ApiResult<Json<TemplatesView>> {
    Ok(Json(
        state.app.set_establishment(&actor, &id, &input).await?,
    ))
}
