//! Oversight (issue 5): API handlers. Statistics and compliance of a subtree (API.md), the
//! station standard checklist, establishment templates per tree, and the report tables.

mod compliance;
mod reports;
mod station;
mod stats;
mod templates;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats::get_org_stats))
        .routes(routes!(compliance::list_compliance_findings))
        .routes(routes!(
            station::get_station_standard,
            station::update_station_standard
        ))
        .routes(routes!(
            templates::get_establishment,
            templates::update_establishment
        ))
        .routes(routes!(reports::download_report))
}
