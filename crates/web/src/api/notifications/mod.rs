//! Notifications (issue 5 item 4): the caller's own inbox behind the bell, marking read, and
//! the caller's contact for email and SMS. Nobody reads or marks anyone else's notices.

mod contact;
mod list;
mod read;
mod read_all;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(list::list_notifications))
        .route(
            "/api/v1/notifications/read-all",
            post(read_all::mark_all_notifications_read),
        )
        .route(
            "/api/v1/notifications/{id}/read",
            post(read::mark_notification_read),
        )
        .route(
            "/api/v1/notifications/contact",
            get(contact::get_contact).put(contact::update_contact),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    list::list_notifications,
    read::mark_notification_read,
    read_all::mark_all_notifications_read,
    contact::get_contact,
    contact::update_contact
))]
pub struct Doc;
