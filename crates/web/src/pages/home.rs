use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use zhiyuan_app::views::{OrgView, TeamView};

use super::{error_page, render, see_other, Chrome};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Option<Chrome>,
    orgs: Vec<OrgView>,
    teams: Vec<TeamView>,
}

/// The start page: a volunteer goes to their own page; officers see their area and units.
pub async fn home(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    if Chrome::of(&actor).is_some_and(|c| c.is_volunteer) {
        return see_other("/me");
    }
    let loaded = async {
        let orgs = state.app.my_orgs(&actor).await?;
        let teams = state.app.my_teams(&actor).await?;
        Ok::<_, zhiyuan_app::AppError>((orgs, teams))
    }
    .await;
    match loaded {
        Ok((orgs, teams)) => render(StatusCode::OK, &HomePage { chrome: Chrome::of(&actor), orgs, teams }),
        Err(e) => error_page(Some(&actor), &e),
    }
}
