//! Reporting tasks (报送任务, issue 5 item 3): set a task for the orgs below, list the tasks in
//! scope, see each asked org's status, submit (JSON, or multipart with an .xlsx), download.

mod create;
mod file;
mod get;
mod list;
mod submit;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_report_task, list::list_report_tasks))
        .routes(routes!(get::get_report_task))
        .routes(routes!(submit::submit_report).layer(DefaultBodyLimit::max(
            zhiyuan_app::notifications::report_tasks::MAX_REPORT_FILE_BYTES + 64 * 1024,
        )))
        .routes(routes!(file::download_report_file))
}
