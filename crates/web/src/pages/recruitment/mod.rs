//! Recruitment (issue 3): pages, one file per screen.

mod apply;
mod import;
mod review;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply::form).post(apply::submit))
        .route("/apply/status/{code}", get(apply::status))
        .route("/recruitment", get(review::queue))
        .route(
            "/recruitment/applications/{id}/review",
            post(review::decide),
        )
        .route(
            "/recruitment/import",
            get(import::form)
                .post(import::submit)
                .layer(DefaultBodyLimit::max(
                    crate::api::recruitment::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/recruitment/imports/{id}", get(import::job))
        .route("/recruitment/imports/{id}/progress", get(import::progress))
}
