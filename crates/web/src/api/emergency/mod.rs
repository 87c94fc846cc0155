//! Emergency response (issue 6): incidents, candidates, call-ups and answers, the scene
//! check-in, the live board (JSON and server-sent events) and the muster report.

mod board;
mod callups;
mod incidents;
mod site;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/incidents",
            post(incidents::create_incident).get(incidents::list_incidents),
        )
        .route("/api/v1/incidents/{id}", get(incidents::get_incident))
        .route(
            "/api/v1/incidents/{id}/status",
            post(incidents::set_incident_status),
        )
        .route(
            "/api/v1/incidents/{id}/candidates",
            get(callups::list_candidates),
        )
        .route(
            "/api/v1/incidents/{id}/callups",
            post(callups::create_callups).get(callups::list_incident_callups),
        )
        .route("/api/v1/callups", get(callups::list_my_callups))
        .route("/api/v1/callups/{id}", get(callups::get_callup))
        .route("/api/v1/callups/{id}/answer", post(callups::answer_callup))
        .route(
            "/api/v1/incidents/{id}/checkin-code",
            get(site::get_incident_checkin_code),
        )
        .route(
            "/api/v1/incidents/checkin/{token}",
            post(site::scan_incident_checkin),
        )
        .route("/api/v1/incidents/{id}/presence", post(site::mark_presence))
        .route(
            "/api/v1/incidents/{id}/board",
            get(board::get_incident_board),
        )
        .route(
            "/api/v1/incidents/{id}/events",
            get(board::stream_incident_events),
        )
        .route(
            "/api/v1/incidents/{id}/muster.xlsx",
            get(board::get_muster_report),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    incidents::create_incident,
    incidents::list_incidents,
    incidents::get_incident,
    incidents::set_incident_status,
    callups::list_candidates,
    callups::create_callups,
    callups::list_incident_callups,
    callups::list_my_callups,
    callups::get_callup,
    callups::answer_callup,
    site::get_incident_checkin_code,
    site::scan_incident_checkin,
    site::mark_presence,
    board::get_incident_board,
    board::stream_incident_events,
    board::get_muster_report,
))]
pub struct Doc;
