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
            post(imports::import_volunteers).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route(
            "/api/v1/imports/volunteers/template.xlsx",
            get(imports::get_import_template),
        )
        .route("/api/v1/imports/{id}", get(imports::get_import_job))
        .route(
            "/api/v1/applications",
            post(applications::submit_application).get(applications::list_applications),
        )
        .route(
            "/api/v1/applications/track/{code}",
            get(applications::track_application).put(applications::resubmit_application),
        )
        .route(
            "/api/v1/applications/{id}",
            get(applications::get_application),
        )
        .route(
            "/api/v1/applications/{id}/review",
            post(applications::review_application),
        )
        .route("/api/v1/review-queue", get(applications::get_review_queue))
        .route(
            "/api/v1/teams/{id}/policy",
            get(registry::get_team_policy).put(registry::update_team_policy),
        )
        .route(
            "/api/v1/orgs/{id}/review-levels",
            get(registry::get_review_levels).put(registry::update_review_levels),
        )
        .route(
            "/api/v1/orgs/{id}/registration-authority",
            put(registry::set_registration_authority),
        )
        .route(
            "/api/v1/orgs/{id}/number-ranges",
            post(registry::create_number_range).get(registry::list_number_ranges),
        )
        .route("/api/v1/talent", get(ledgers::search_talent))
        .route("/api/v1/talent/export.xlsx", get(ledgers::export_talent))
        .route(
            "/api/v1/orgs/{id}/ledger.xlsx",
            get(ledgers::export_org_ledger),
        )
        .route(
            "/api/v1/teams/{id}/roster.xlsx",
            get(ledgers::export_team_roster),
        )
        .route(
            "/api/v1/spot-checks",
            post(checks::draw_spot_check).get(checks::list_spot_checks),
        )
        .route("/api/v1/spot-checks/{id}", get(checks::get_spot_check))
        .route(
            "/api/v1/spot-checks/{id}/results/{volunteer_id}",
            post(checks::record_spot_check_result),
        )
        .route(
            "/api/v1/volunteers/{id}/withdraw",
            post(checks::withdraw_volunteer),
        )
        .route(
            "/api/v1/volunteers/{id}/suspend",
            post(checks::suspend_volunteer),
        )
        .route(
            "/api/v1/volunteers/{id}/reinstate",
            post(checks::reinstate_volunteer),
        )
        .route(
            "/api/v1/volunteers/{id}/status-history",
            get(checks::get_status_history),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    imports::import_volunteers,
    imports::get_import_template,
    imports::get_import_job,
    applications::submit_application,
    applications::track_application,
    applications::resubmit_application,
    applications::list_applications,
    applications::get_application,
    applications::review_application,
    applications::get_review_queue,
    registry::get_team_policy,
    registry::update_team_policy,
    registry::get_review_levels,
    registry::update_review_levels,
    registry::set_registration_authority,
    registry::create_number_range,
    registry::list_number_ranges,
    ledgers::search_talent,
    ledgers::export_talent,
    ledgers::export_org_ledger,
    ledgers::export_team_roster,
    checks::draw_spot_check,
    checks::list_spot_checks,
    checks::get_spot_check,
    checks::record_spot_check_result,
    checks::withdraw_volunteer,
    checks::suspend_volunteer,
    checks::reinstate_volunteer,
    checks::get_status_history,
))]
pub struct Doc;
