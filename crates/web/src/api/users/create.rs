use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::users::NewUser;
use zhiyuan_app::views::UserView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Creates an account for a lower level; its scope must lie within the caller's.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_user(&actor, &input).await?),
    ))
}
