use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::teams::NewTeam;
use zhiyuan_app::views::TeamView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Creates a team (root unit of an org) or a sub-unit under `parent_team_id`.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = NewTeam,
    responses((status = 201, body = TeamView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewTeam>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_team(&actor, &input).await?),
    ))
}
