use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::notifications::NotificationView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Marks one of the caller's notices read (again is harmless); anyone else's answers 404.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = NotificationView), (status = 404, body = ErrorBody)))]
pub async fn mark_notification_read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<NotificationView>> {
    Ok(Json(state.app.mark_read(&actor, &id).await?))
}
