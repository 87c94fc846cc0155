//! `/orgs/{id}`: a node of the administrative tree, its children and the teams of its
//! subtree; admins add a child node or a team here.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::teams::NewTeam;
use zhiyuan_app::views::{OrgView, TeamView};
use zhiyuan_app::{Actor, AppError};
use zhiyuan_domain::Level;

use super::forms::{self, opt_text, Checks, Opt};
use super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChildForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    level: String,
    population: String,
    unit_type: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    echelon: String,
    specialty: String,
}

pub struct TeamRow {
    indent: usize,
    team: TeamView,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    chrome: Option<Chrome>,
    org: OrgView,
    trail: Vec<OrgView>,
    children: Vec<OrgView>,
    teams: Vec<TeamRow>,
    can_admin: bool,
    levels: Vec<Opt>,
    unit_types: Vec<Opt>,
    echelons: Vec<Opt>,
    child: ChildForm,
    child_errors: FieldErrors,
    team: TeamForm,
    team_errors: FieldErrors,
}

/// The level a new child most likely has: the next one down (a unit stays a unit).
fn next_level(level: &str) -> &'static str {
    let rank = Level::parse(level).map(|l| l.rank()).unwrap_or(5);
    Level::all()
        .iter()
        .find(|l| l.rank() == rank + 1)
        .unwrap_or(&Level::Unit)
        .as_str()
}

async fn load(state: &AppState, actor: &Actor, id: &str) -> Result<OrgPage, AppError> {
    let app = &state.app;
    let org = app.get_org(actor, id).await?;
    let trail = app.org_trail(actor, id).await?;
    let children = app.org_children(actor, id).await?;
    let listed = app.teams_of_org(actor, id).await?;
    let teams = forms::tree_order(listed, |t| &t.id, |t| t.parent_team_id.as_deref())
        .into_iter()
        .map(|(d, team)| TeamRow {
            indent: d.min(5),
            team,
        })
        .collect();
    // An admin who may see the node covers it (only team leaders see an org they don't manage).
    let can_admin = actor.is_admin();
    Ok(OrgPage {
        chrome: Chrome::of(actor),
        child: ChildForm {
            level: next_level(&org.level).to_owned(),
            ..Default::default()
        },
        team: TeamForm {
            echelon: "team".to_owned(),
            ..Default::default()
        },
        org,
        trail,
        children,
        teams,
        can_admin,
        levels: forms::levels(),
        unit_types: std::iter::once(Opt::new("", "（不指定）"))
            .chain(forms::unit_types())
            .collect(),
        echelons: forms::echelons(),
        child_errors: FieldErrors::default(),
        team_errors: FieldErrors::default(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &actor, &id).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// Re-renders the page with a failed form's values and errors.
async fn rerender(
    state: &AppState,
    actor: &Actor,
    id: &str,
    status: StatusCode,
    fill: impl FnOnce(&mut OrgPage),
) -> Response {
    match load(state, actor, id).await {
        Ok(mut page) => {
            fill(&mut page);
            render(status, &page)
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn create_child(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<ChildForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let mut checks = Checks::default();
    let population = checks.number::<i64>("population", &f.population);
    if let Err((kind, errors)) = checks.finish() {
        return rerender(&state, &actor, &id, status_of(kind), |p| {
            p.child = f;
            p.child_errors = errors;
        })
        .await;
    }
    let input = NewOrg {
        name: f.name.clone(),
        level: f.level.clone(),
        parent_id: Some(id.clone()),
        population,
        unit_type: opt_text(&f.unit_type),
    };
    match state.app.create_org(&actor, &input).await {
        Ok(org) => see_other(&format!("/orgs/{}", org.id)),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.child = f;
                p.child_errors = forms::form_errors(
                    &e,
                    &["name", "level", "population", "unit_type"],
                    &[("parent_id", "level")],
                );
            })
            .await
        }
    }
}

pub async fn create_team(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<TeamForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewTeam {
        name: f.name.clone(),
        org_id: id.clone(),
        parent_team_id: None,
        echelon: f.echelon.clone(),
        specialty: opt_text(&f.specialty),
    };
    match state.app.create_team(&actor, &input).await {
        Ok(team) => see_other(&format!("/teams/{}", team.id)),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.team = f;
                p.team_errors = forms::form_errors(
                    &e,
                    &["name", "echelon", "specialty"],
                    &[("parent_team_id", "echelon")],
                );
            })
            .await
        }
    }
}
