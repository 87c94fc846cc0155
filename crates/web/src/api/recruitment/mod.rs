//! Recruitment (issue 3): API handlers, grouped by resource, one function per action.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub mod applications;
pub mod checks;
pub mod common;
pub mod imports;
pub mod ledgers;
pub mod registry;

/// Upload limit of the import route: the app refuses files over 48 MiB with a clear error;
/// the body limit sits a little above so that error, not a bare 413, is what users see.
pub const IMPORT_BODY_LIMIT: usize = 50 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/imports/volunteers",
            post(imports::create).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route(
            "/api/v1/imports/volunteers/template.xlsx",
            get(imports::template),
        )
        .route("/api/v1/imports/{id}", get(imports::get))
        .route(
            "/api/v1/applications",
            post(applications::submit).get(applications::list),
        )
        .route(
            "/api/v1/applications/track/{code}",
            get(applications::track).put(applications::resubmit),
        )
        .route("/api/v1/applications/{id}", get(applications::get))
        .route(
            "/api/v1/applications/{id}/review",
            post(applications::review),
        )
        .route("/api/v1/review-queue", get(applications::queue))
        .route(
            "/api/v1/teams/{id}/policy",
            get(registry::get_policy).put(registry::put_policy),
        )
        .route(
            "/api/v1/orgs/{id}/review-levels",
            get(registry::get_levels).put(registry::put_levels),
        )
        .route(
            "/api/v1/orgs/{id}/registration-authority",
            put(registry::put_authority),
        )
        .route(
            "/api/v1/orgs/{id}/number-ranges",
            post(registry::create_range).get(registry::list_ranges),
        )
        .route("/api/v1/talent", get(ledgers::search))
        .route("/api/v1/talent/export.xlsx", get(ledgers::export))
        .route("/api/v1/orgs/{id}/ledger.xlsx", get(ledgers::org_ledger))
        .route("/api/v1/teams/{id}/roster.xlsx", get(ledgers::roster))
        .route("/api/v1/spot-checks", post(checks::draw).get(checks::list))
        .route("/api/v1/spot-checks/{id}", get(checks::get))
        .route(
            "/api/v1/spot-checks/{id}/results/{volunteer_id}",
            post(checks::result),
        )
        .route("/api/v1/volunteers/{id}/withdraw", post(checks::withdraw))
        .route("/api/v1/volunteers/{id}/suspend", post(checks::suspend))
        .route("/api/v1/volunteers/{id}/reinstate", post(checks::reinstate))
        .route(
            "/api/v1/volunteers/{id}/status-history",
            get(checks::history),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    imports::create,
    imports::template,
    imports::get,
    applications::submit,
    applications::track,
    applications::resubmit,
    applications::list,
    applications::get,
    applications::review,
    applications::queue,
    registry::get_policy,
    registry::put_policy,
    registry::get_levels,
    registry::put_levels,
    registry::put_authority,
    registry::create_range,
    registry::list_ranges,
    ledgers::search,
    ledgers::export,
    ledgers::org_ledger,
    ledgers::roster,
    checks::draw,
    checks::list,
    checks::get,
    checks::result,
    checks::withdraw,
    checks::suspend,
    checks::reinstate,
    checks::history,
))]
pub struct Doc;
