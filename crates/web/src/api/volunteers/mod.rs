//! Volunteers: registration, search, edits with their history, skill suggestions.

pub mod create;
pub mod get;
pub mod history;
pub mod search;
pub mod skills;
pub mod update;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_volunteer, search::search_volunteers))
        .routes(routes!(get::get_volunteer, update::update_volunteer))
        .routes(routes!(history::get_volunteer_history))
        .routes(routes!(skills::list_skills))
}
