use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::{AuditView, Page};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Every change to the volunteer's record: who, when, before and after.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/history", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<AuditView>), (status = 404, body = ErrorBody)))]
pub async fn get_volunteer_history(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<AuditView>>> {
    Ok(Json(state.app.volunteer_history(&actor, &id).await?))
}
