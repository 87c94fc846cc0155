use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::TeamView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// The unit with its sub-units, nested.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = TeamView), (status = 404, body = ErrorBody)))]
pub async fn get_team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(state.app.get_team(&actor, &id).await?))
}
