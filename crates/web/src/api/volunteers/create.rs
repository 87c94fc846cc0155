use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::views::VolunteerView;
use zhiyuan_app::volunteers::NewVolunteer;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Registers a volunteer in an org of the caller's scope. The ID number is checked (GB 11643),
/// stored encrypted and never returned whole.
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])), request_body = NewVolunteer,
    responses((status = 201, body = VolunteerView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewVolunteer>,
) -> ApiResult<(StatusCode, Json<VolunteerView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.register_volunteer(&actor, &input).await?),
    ))
}
