use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::{MemberView, Page};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Members of the unit and its sub-units, with positions (`team_id` tells which unit).
#[utoipa::path(get, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<MemberView>), (status = 404, body = ErrorBody)))]
pub async fn list_team_members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<MemberView>>> {
    Ok(Json(state.app.team_members(&actor, &id).await?))
}
