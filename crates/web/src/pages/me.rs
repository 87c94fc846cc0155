//! `/me`: a volunteer's own page, made for a phone.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use zhiyuan_app::views::VolunteerView;

use super::{error_page, render, see_other, Chrome};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    chrome: Option<Chrome>,
    v: VolunteerView,
}

pub async fn show(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let Some(id) = actor.volunteer_id.clone() else {
        return see_other("/");
    };
    match state.app.get_volunteer(&actor, &id).await {
        Ok(v) => render(
            StatusCode::OK,
            &MePage {
                chrome: Chrome::of(&actor),
                v,
            },
        ),
        Err(e) => error_page(Some(&actor), &e),
    }
}
