//! Accounts within the caller's scope.

pub mod create;
pub mod list;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create::create_user, list::list_users))
}
