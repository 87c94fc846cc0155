use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use axum::Json;
use zhiyuan_app::auth::{LoginInput, LoginOutput};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ClientAddr};
use crate::{session_cookie, AppState};

/// Logs in; answers a bearer token and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = LoginOutput), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn begin_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<impl IntoResponse> {
    let out = state.app.login(&input, &addr).await?;
    let cookie = session_cookie(&state, &out.token);
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(out)))
}
