use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::teams::NewMember;
use zhiyuan_app::views::MemberView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Appoints a volunteer to a position in the unit: `201` when new to the unit, `200` when
/// their position there changed (one position per person per unit).
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewMember,
    responses((status = 201, body = MemberView), (status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_team_member(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewMember>,
) -> ApiResult<(StatusCode, Json<MemberView>)> {
    let (member, created) = state.app.appoint_member(&actor, &id, &input).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(member),
    ))
}
