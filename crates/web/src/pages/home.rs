//! `/`: the start page. A volunteer goes to their own page; officers see their area and
//! units; a super-administrator may also add a top-level node (the first county of a fresh
//! installation).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::views::{OrgView, TeamView};
use zhiyuan_app::{Actor, AppError};

use super::forms::{opt_text, Checks};
use super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RootForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    level: String,
    population: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Option<Chrome>,
    orgs: Vec<OrgView>,
    teams: Vec<TeamView>,
    can_add_root: bool,
    root: RootForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    root: RootForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let orgs = state.app.my_orgs(actor).await?;
        let teams = state.app.my_teams(actor).await?;
        Ok::<_, AppError>((orgs, teams))
    }
    .await;
    match loaded {
        Ok((orgs, teams)) => render(
            status,
            &HomePage {
                chrome: Chrome::of(actor),
                orgs,
                teams,
                can_add_root: actor.is_super,
                root,
                errors,
            },
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn home(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    if Chrome::of(&actor).is_some_and(|c| c.is_volunteer) {
        return see_other("/me");
    }
    let root = RootForm {
        level: "county".to_owned(),
        ..Default::default()
    };
    page(&state, &actor, root, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /orgs`: a top-level node (super-administrators only; the use case checks).
pub async fn create_root(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<RootForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let mut checks = Checks::default();
    let population = checks.number::<i64>("population", &f.population);
    if let Err((kind, errors)) = checks.finish() {
        return page(&state, &actor, f, errors, status_of(kind)).await;
    }
    let input = NewOrg {
        name: f.name.clone(),
        level: f.level.clone(),
        parent_id: None,
        population,
        unit_type: opt_text(""),
    };
    match state.app.create_org(&actor, &input).await {
        Ok(org) => see_other(&format!("/orgs/{}", org.id)),
        Err(e) => {
            page(
                &state,
                &actor,
                f,
                FieldErrors::from_error(&e),
                status_of(e.kind),
            )
            .await
        }
    }
}
