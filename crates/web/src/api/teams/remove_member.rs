use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Takes a volunteer out of the unit (their history stays in the audit log).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{volunteer_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path), ("volunteer_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_team_member(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, volunteer_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.remove_member(&actor, &id, &volunteer_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
