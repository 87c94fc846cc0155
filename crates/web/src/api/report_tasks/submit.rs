use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use zhiyuan_app::notifications::report_tasks::{
    NewReportSubmission, ReportFile, ReportSubmissionView,
};
use zhiyuan_app::AppError;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Submits for an asked org the caller administers: JSON `{"org_id"?,"note"}`, or multipart
/// with fields `org_id`, `note` and `file` (an .xlsx of at most 5 MB). After the deadline the
/// submission is kept and counts as late.
#[utoipa::path(post, path = "/api/v1/report-tasks/{id}/submissions", tag = "report_tasks", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewReportSubmission,
    responses((status = 201, body = ReportSubmissionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<(StatusCode, Json<ReportSubmissionView>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (input, file) = if multipart {
        let form = Multipart::from_request(req, &state)
            .await
            .map_err(|_| bad_multipart())?;
        read_multipart(form).await?
    } else {
        let ApiJson(input) = ApiJson::<NewReportSubmission>::from_request(req, &state).await?;
        (input, None)
    };
    let v = state.app.submit_report(&actor, &id, &input, file).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

fn bad_multipart() -> AppError {
    AppError::bad_request(
        "multipart_invalid",
        "上传内容无法读取（文件过大或格式错误）",
    )
    .with_field("file")
}

/// The fields of a multipart submission (the pages post the same shape).
pub(crate) async fn read_multipart(
    mut form: Multipart,
) -> Result<(NewReportSubmission, Option<ReportFile>), AppError> {
    let mut input = NewReportSubmission::default();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|_| bad_multipart())? {
        match field.name() {
            Some("org_id") => input.org_id = Some(field.text().await.map_err(|_| bad_multipart())?),
            Some("note") => input.note = field.text().await.map_err(|_| bad_multipart())?,
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| bad_multipart())?;
                // A file input left empty still sends a nameless, empty part.
                if !(name.is_empty() && bytes.is_empty()) {
                    file = Some(ReportFile {
                        name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok((input, file))
}
