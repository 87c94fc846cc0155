use axum::extract::State;
use axum::Json;
use zhiyuan_app::notifications::ContactView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// The caller's email and phone for notices outside the app.
#[utoipa::path(get, path = "/api/v1/notifications/contact", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 401, body = ErrorBody)))]
pub async fn get_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(state.app.contact(&actor).await?))
}

/// Sets the caller's email and phone (`null` or blank clears one).
#[utoipa::path(put, path = "/api/v1/notifications/contact", tag = "notifications", security(("bearer" = [])), request_body = ContactView,
    responses((status = 200, body = ContactView), (status = 422, body = ErrorBody)))]
pub async fn update_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ContactView>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(state.app.set_contact(&actor, &input).await?))
}
