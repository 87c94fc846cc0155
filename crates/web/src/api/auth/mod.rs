//! Sessions: log in (bearer token and cookie), log out, the caller's own account.

pub mod login;
pub mod logout;
pub mod me;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::begin_session))
        .routes(routes!(logout::end_session))
        .routes(routes!(me::get_authenticated_user))
}
