//! Emergency response (issue 6): pages, one file per screen.
//!
//! Officers: `/incidents` (list and the new-incident form), `/incidents/{id}/board` (the live
//! board: counts, plot, call-ups, candidates, actions; refreshed by server-sent events),
//! `/incidents/{id}/qr` (the scene's rotating check-in code), `/incidents/{id}/muster.xlsx`.
//! Volunteers (390 px phones): `/callups` and `/callups/{id}` (one-tap accept or decline),
//! `/incidents/checkin/{token}` (the scan target at the scene).

mod board;
mod callup;
mod list;
mod qr;

use axum::routing::{get, post};
use axum::Router;
use zhiyuan_domain::emergency::IncidentKind;

use super::forms::Opt;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list::list).post(list::create))
        .route("/incidents/{id}/board", get(board::show))
        .route("/incidents/{id}/board/live", get(board::live))
        .route("/incidents/{id}/callups", post(board::call_up))
        .route("/incidents/{id}/status", post(board::set_status))
        .route("/incidents/{id}/presence", post(board::presence))
        .route("/incidents/{id}/muster.xlsx", get(board::muster))
        .route("/incidents/{id}/qr", get(qr::screen))
        .route("/incidents/{id}/qr/code", get(qr::fragment))
        .route(
            "/incidents/checkin/{token}",
            get(qr::confirm).post(qr::scan),
        )
        .route("/callups", get(callup::list))
        .route("/callups/{id}", get(callup::show))
        .route("/callups/{id}/answer", post(callup::answer))
}

pub(crate) fn kinds() -> Vec<Opt> {
    IncidentKind::all()
        .iter()
        .map(|k| Opt::new(k.as_str(), k.label_zh()))
        .collect()
}
