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
        .route("/api/v1/orgs/{id}/stats", get(stats::stats))
        .route("/api/v1/orgs/{id}/compliance", get(compliance::compliance))
        .route(
            "/api/v1/orgs/{id}/station-standard",
            get(station::get).put(station::put),
        )
        .route(
            "/api/v1/orgs/{id}/establishment",
            get(templates::get).put(templates::put),
        )
        .route("/api/v1/orgs/{id}/reports/{file}", get(reports::download))
}

#[derive(OpenApi)]
#[openapi(paths(
    stats::stats,
    compliance::compliance,
    station::get,
    station::put,
    templates::get,
    templates::put,
    reports::download,
))]
pub struct Doc;
