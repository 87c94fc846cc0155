use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many notices were unread and are now read.
    pub marked: u64,
    pub unread: i64,
}

/// Marks every unread notice of the caller read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = ReadAll), (status = 401, body = ErrorBody)))]
pub async fn mark_all_notifications_read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<ReadAll>> {
    let marked = state.app.mark_all_read(&actor).await?;
    let unread = state.app.unread_count(&actor).await?;
    Ok(Json(ReadAll { marked, unread }))
}
