use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::teams::TeamPatch;
use zhiyuan_app::views::TeamView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Renames or moves a unit; never under itself or one of its descendants (`422 team_cycle`).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = String, Path)), request_body = TeamPatch,
    responses((status = 200, body = TeamView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<TeamPatch>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(state.app.update_team(&actor, &id, &patch).await?))
}
