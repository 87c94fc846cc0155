use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::VolunteerView;
use zhiyuan_app::volunteers::VolunteerPatch;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Edits a volunteer; the previous state stays in the history.
#[utoipa::path(patch, path = "/api/v1/volunteers/{id}", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)), request_body = VolunteerPatch,
    responses((status = 200, body = VolunteerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<VolunteerPatch>,
) -> ApiResult<Json<VolunteerView>> {
    Ok(Json(state.app.update_volunteer(&actor, &id, &patch).await?))
}
