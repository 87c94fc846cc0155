//! The administrative tree: its nodes, their children and units.

pub mod children;
pub mod create;
pub mod get;
pub mod list;
pub mod teams;
pub mod update;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_org, list::list_orgs))
        .routes(routes!(get::get_org, update::update_org))
        .routes(routes!(children::list_org_children))
        .routes(routes!(teams::list_org_teams))
}
