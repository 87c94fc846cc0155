//! Pages of notifications (issue 5 item 4) and reporting tasks (issue 5 item 3): the bell's
//! count (an htmx fragment that `base.html` loads on every page), the inbox at
//! `/notifications` (phone-sized), and `/report-tasks` for setting, following and submitting
//! reporting tasks.

mod inbox;
mod report_task;
mod report_tasks;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(inbox::list))
        .route("/notifications/bell", get(inbox::bell))
        .route("/notifications/read-all", post(inbox::read_all))
        .route("/notifications/contact", post(inbox::contact))
        .route("/notifications/{id}/read", post(inbox::read))
        .route("/notifications/{id}/open", post(inbox::open))
        .route(
            "/report-tasks",
            get(report_tasks::list).post(report_tasks::create),
        )
        .route("/report-tasks/{id}", get(report_task::show))
        .route(
            "/report-tasks/{id}/submit",
            post(report_task::submit).layer(DefaultBodyLimit::max(
                zhiyuan_app::notifications::report_tasks::MAX_REPORT_FILE_BYTES + 64 * 1024,
            )),
        )
}
