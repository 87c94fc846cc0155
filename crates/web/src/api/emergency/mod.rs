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
            post(incidents::create).get(incidents::list),
        )
        .route("/api/v1/incidents/{id}", get(incidents::get))
        .route("/api/v1/incidents/{id}/status", post(incidents::set_status))
        .route(
            "/api/v1/incidents/{id}/candidates",
            get(callups::candidates),
        )
        .route(
            "/api/v1/incidents/{id}/callups",
            post(callups::create).get(callups::list),
        )
        .route("/api/v1/callups", get(callups::mine))
        .route("/api/v1/callups/{id}", get(callups::get))
        .route("/api/v1/callups/{id}/answer", post(callups::answer))
        .route(
            "/api/v1/incidents/{id}/checkin-code",
            get(site::checkin_code),
        )
        .route("/api/v1/incidents/checkin/{token}", post(site::scan))
        .route("/api/v1/incidents/{id}/presence", post(site::presence))
        .route("/api/v1/incidents/{id}/board", get(board::board))
        .route("/api/v1/incidents/{id}/events", get(board::events))
        .route("/api/v1/incidents/{id}/muster.xlsx", get(board::muster))
}

#[derive(OpenApi)]
#[openapi(paths(
    incidents::create,
    incidents::list,
    incidents::get,
    incidents::set_status,
    callups::candidates,
    callups::create,
    callups::list,
    callups::mine,
    callups::get,
    callups::answer,
    site::checkin_code,
    site::scan,
    site::presence,
    board::board,
    board::events,
    board::muster,
))]
pub struct Doc;
