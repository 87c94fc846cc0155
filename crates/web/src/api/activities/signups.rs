//! Sign-ups (API.md): create, cancel (promotes the first waitlisted), list.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::activities::views::{SignupResult, SignupView};
use zhiyuan_app::views::Page;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Signs a volunteer up: `confirmed` while places remain, else `waitlisted` with a position
/// when the activity keeps a waitlist, else 409. Never more confirmed than capacity.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewSignup,
    responses((status = 201, body = SignupResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_signup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewSignup>,
) -> ApiResult<(StatusCode, Json<SignupResult>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.sign_up(&actor, &id, &input).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/activities/{id}/signups/{volunteer_id}", tag = "activities", security(("bearer" = [])), params(("id" = String, Path), ("volunteer_id" = String, Path)),
    responses((status = 200, body = SignupView), (status = 404, body = ErrorBody)))]
pub async fn cancel_signup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, volunteer_id)): Path<(String, String)>,
) -> ApiResult<Json<SignupView>> {
    Ok(Json(
        state.app.cancel_signup(&actor, &id, &volunteer_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/signups", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<SignupView>), (status = 404, body = ErrorBody)))]
pub async fn list_signups(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<SignupView>>> {
    Ok(Json(state.app.list_signups(&actor, &id).await?))
}
