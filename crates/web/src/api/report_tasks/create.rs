use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::notifications::report_tasks::{NewReportTask, ReportTaskView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Sets a reporting task for the direct children of `org_id` (default the caller's org), or
/// for every org of `target_level` in its subtree; their admins are notified.
#[utoipa::path(post, path = "/api/v1/report-tasks", tag = "report_tasks", security(("bearer" = [])), request_body = NewReportTask,
    responses((status = 201, body = ReportTaskView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_report_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewReportTask>,
) -> ApiResult<(StatusCode, Json<ReportTaskView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_report_task(&actor, &input).await?),
    ))
}
