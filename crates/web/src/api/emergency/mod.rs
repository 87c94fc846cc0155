//! Emergency response (issue 6): incidents, candidates, call-ups and answers, the scene
//! check-in, the live board (JSON and server-sent events) and the muster report.

mod board;
mod callups;
mod incidents;
mod site;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            incidents::create_incident,
            incidents::list_incidents
        ))
        .routes(routes!(incidents::get_incident))
        .routes(routes!(incidents::set_incident_status))
        .routes(routes!(callups::list_candidates))
        .routes(routes!(
            callups::create_callups,
            callups::list_incident_callups
        ))
        .routes(routes!(callups::list_my_callups))
        .routes(routes!(callups::get_callup))
        .routes(routes!(callups::answer_callup))
        .routes(routes!(site::get_incident_checkin_code))
        .routes(routes!(site::scan_incident_checkin))
        .routes(routes!(site::mark_presence))
        .routes(routes!(board::get_incident_board))
        .routes(routes!(board::stream_incident_events))
        .routes(routes!(board::get_muster_report))
}
