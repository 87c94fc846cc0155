use axum::extract::State;
use axum::Json;
use zhiyuan_app::users::AuditQuery;
use zhiyuan_app::views::{AuditView, Page};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

/// The audit log of the caller's subtree, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Page<AuditView>), (status = 403, body = ErrorBody)))]
pub async fn list_audit_entries(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditView>>> {
    Ok(Json(state.app.audit_log(&actor, &q).await?))
}
