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
        .route("/api/v1/notifications", get(list::list))
        .route("/api/v1/notifications/read-all", post(read_all::read_all))
        .route("/api/v1/notifications/{id}/read", post(read::read))
        .route(
            "/api/v1/notifications/contact",
            get(contact::get).put(contact::put),
        )
}

#[derive(OpenApi)]
#[openapi(paths(list::list, read::read, read_all::read_all, contact::get, contact::put))]
pub struct Doc;
