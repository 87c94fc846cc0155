//! Recruitment (issue 3): pages, one file per screen.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
