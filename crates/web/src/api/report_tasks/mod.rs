//! Reporting tasks (报送任务, issue 5 item 3): set a task for the orgs below, list the tasks in
//! scope, see each asked org's status, submit (JSON, or multipart with an .xlsx), download.

mod create;
mod file;
mod get;
mod list;
mod submit;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/report-tasks",
            post(create::create_report_task).get(list::list_report_tasks),
        )
        .route("/api/v1/report-tasks/{id}", get(get::get_report_task))
        .route(
            "/api/v1/report-tasks/{id}/submissions",
            post(submit::submit_report).layer(DefaultBodyLimit::max(
                zhiyuan_app::notifications::report_tasks::MAX_REPORT_FILE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/api/v1/report-tasks/{id}/submissions/{submission_id}/file",
            get(file::download_report_file),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    create::create_report_task,
    list::list_report_tasks,
    get::get_report_task,
    submit::submit_report,
    file::download_report_file
))]
pub struct Doc;
