//! Notifications (issue 5 item 4): the caller's own inbox behind the bell, marking read, and
//! the caller's contact for email and SMS. Nobody reads or marks anyone else's notices.

mod contact;
mod list;
mod read;
mod read_all;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_notifications))
        .routes(routes!(read_all::mark_all_notifications_read))
        .routes(routes!(read::mark_notification_read))
        .routes(routes!(contact::get_contact, contact::update_contact))
}
