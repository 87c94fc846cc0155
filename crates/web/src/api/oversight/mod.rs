//! Oversight (issue 5): API handlers. Statistics and compliance of a subtree (API.md), the
//! station standard checklist, establishment templates per tree, and the report tables.

mod compliance;
mod reports;
mod station;
mod stats;
mod templates;

use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs/{id}/stats", get(stats::get_org_stats))
        .route(
            "/api/v1/orgs/{id}/compliance",
            get(compliance::list_compliance_findings),
        )
        .route(
            "/api/v1/orgs/{id}/station-standard",
            get(station::get_station_standard).put(station::update_station_standard),
        )
        .route(
            "/api/v1/orgs/{id}/establishment",
            get(templates::get_establishment).put(templates::update_establishment),
        )
        .route(
            "/api/v1/orgs/{id}/reports/{file}",
            get(reports::download_report),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    stats::get_org_stats,
    compliance::list_compliance_findings,
    station::get_station_standard,
    station::update_station_standard,
    templates::get_establishment,
    templates::update_establishment,
    reports::download_report,
))]
pub struct Doc;
