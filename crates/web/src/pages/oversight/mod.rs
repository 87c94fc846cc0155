//! Oversight (issue 5): pages, one file per screen. The dashboard with its charts, the
//! compliance list, and the station standard form with the org page's oversight panel.

pub mod charts;
mod compliance;
mod dashboard;
mod station;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/dashboard", get(dashboard::show_page))
        .route("/orgs/{id}/compliance", get(compliance::show_page))
        .route("/orgs/{id}/establishment", post(compliance::set_templates))
        .route("/orgs/{id}/oversight-panel", get(station::panel))
        .route(
            "/orgs/{id}/station-standard",
            get(station::form).post(station::submit),
        )
}
