//! Units (teams and their sub-units) and their members.

pub mod add_member;
pub mod create;
pub mod get;
pub mod list;
pub mod members;
pub mod remove_member;
pub mod update;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_team, list::list_teams))
        .routes(routes!(get::get_team, update::update_team))
        .routes(routes!(
            members::list_team_members,
            add_member::add_team_member
        ))
        .routes(routes!(remove_member::remove_team_member))
}
