//! Recruitment (issue 3): API handlers, grouped by resource, one function per action.

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

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

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(imports::import_volunteers).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)))
        .routes(routes!(imports::get_import_template))
        .routes(routes!(imports::get_import_job))
        .routes(routes!(
            applications::submit_application,
            applications::list_applications
        ))
        .routes(routes!(
            applications::track_application,
            applications::resubmit_application
        ))
        .routes(routes!(applications::get_application))
        .routes(routes!(applications::review_application))
        .routes(routes!(applications::get_review_queue))
        .routes(routes!(
            registry::get_team_policy,
            registry::update_team_policy
        ))
        .routes(routes!(
            registry::get_review_levels,
            registry::update_review_levels
        ))
        .routes(routes!(registry::set_registration_authority))
        .routes(routes!(
            registry::create_number_range,
            registry::list_number_ranges
        ))
        .routes(routes!(ledgers::search_talent))
        .routes(routes!(ledgers::export_talent))
        .routes(routes!(ledgers::export_org_ledger))
        .routes(routes!(ledgers::export_team_roster))
        .routes(routes!(checks::draw_spot_check, checks::list_spot_checks))
        .routes(routes!(checks::get_spot_check))
        .routes(routes!(checks::record_spot_check_result))
        .routes(routes!(checks::withdraw_volunteer))
        .routes(routes!(checks::suspend_volunteer))
        .routes(routes!(checks::reinstate_volunteer))
        .routes(routes!(checks::get_status_history))
}
