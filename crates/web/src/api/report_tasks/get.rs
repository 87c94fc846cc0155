use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::notifications::report_tasks::ReportTaskDetail;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// The task with each asked org's status (`not_started`, `submitted`, `late`, `overdue`): all
/// of them for the setter's side, only its own subtree's for an asked org.
#[utoipa::path(get, path = "/api/v1/report-tasks/{id}", tag = "report_tasks", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ReportTaskDetail), (status = 404, body = ErrorBody)))]
pub async fn get_report_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportTaskDetail>> {
    Ok(Json(state.app.report_task(&actor, &id).await?))
}
