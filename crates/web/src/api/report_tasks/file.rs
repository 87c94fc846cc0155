use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook attached to a submission, for those who see the submitting org.
#[utoipa::path(get, path = "/api/v1/report-tasks/{id}/submissions/{submission_id}/file", tag = "report_tasks", security(("bearer" = [])),
    params(("id" = String, Path), ("submission_id" = String, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub async fn download_report_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, submission_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (name, bytes) = state.app.report_file(&actor, &id, &submission_id).await?;
    let disposition = format!(
        "attachment; filename=\"report.xlsx\"; filename*=UTF-8''{}",
        urlencoding::encode(&name)
    );
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
