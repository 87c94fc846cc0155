//! Recruitment (issue 3): pages, one file per screen.

mod apply;
mod exports;
mod import;
mod leaving;
mod review;
mod spot_checks;
mod talent;

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
        .route("/recruitment/talent", get(talent::search))
        .route("/recruitment/talent/export.xlsx", get(exports::talent))
        .route("/teams/{id}/roster.xlsx", get(exports::roster))
        .route("/orgs/{id}/ledger.xlsx", get(exports::ledger))
        .route(
            "/recruitment/spot-checks",
            get(spot_checks::list).post(spot_checks::draw),
        )
        .route("/recruitment/spot-checks/{id}", get(spot_checks::show))
        .route(
            "/recruitment/spot-checks/{id}/results/{volunteer_id}",
            post(spot_checks::record),
        )
        .route(
            "/me/withdraw",
            get(leaving::withdraw_form).post(leaving::withdraw),
        )
        .route("/volunteers/{id}/suspend", post(leaving::suspend))
        .route("/volunteers/{id}/reinstate", post(leaving::reinstate))
}
