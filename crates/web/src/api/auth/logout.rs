use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{AppendHeaders, IntoResponse};

use crate::error::ApiResult;
use crate::extract::ApiActor;
use crate::{clear_session_cookie, AppState};

/// Ends the session of the token (or cookie) used to call it.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn end_session(
    State(state): State<AppState>,
    ApiActor(_actor): ApiActor,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = crate::token_of(&headers) {
        state.app.logout(&token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, clear_session_cookie(&state))]),
    ))
}
