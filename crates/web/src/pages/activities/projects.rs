//! `/projects`: the service projects (服务项目) of the actor's area, and a form to add one
//! (category, description, the 一村一品 mark for a unit's signature project).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::{NewProject, ProjectView};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, Opt};
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use super::categories;
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    category: String,
    description: String,
    org_id: String,
    team_id: String,
    brand: String,
}

#[derive(Template)]
#[template(path = "activities_projects.html")]
struct ProjectsPage {
    chrome: Option<Chrome>,
    items: Vec<ProjectView>,
    f: ProjectForm,
    errors: FieldErrors,
    categories: Vec<Opt>,
    orgs: Vec<Opt>,
    teams: Vec<Opt>,
    can_create: bool,
}

async fn load(
    state: &AppState,
    actor: &Actor,
    f: ProjectForm,
    errors: FieldErrors,
) -> Result<ProjectsPage, AppError> {
    let app = &state.app;
    let is_volunteer = actor.volunteer_id.is_some() && !actor.is_admin() && actor.team_id.is_none();
    if is_volunteer {
        return Err(AppError::role_forbidden());
    }
    let orgs = forms::org_opts(&forms::area_orgs(app, actor).await?);
    let teams = std::iter::once(Opt::new("", "（属于组织，不指定队伍）"))
        .chain(forms::team_opts(&forms::area_teams(app, actor).await?))
        .collect();
    Ok(ProjectsPage {
        chrome: Chrome::of(actor),
        items: app.list_projects(actor).await?,
        f,
        errors,
        categories: categories(),
        can_create: !orgs.is_empty(),
        orgs,
        teams,
    })
}

pub async fn list(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let f = ProjectForm {
        category: "other".into(),
        org_id: actor.org_id.clone().unwrap_or_default(),
        team_id: actor.team_id.clone().unwrap_or_default(),
        ..Default::default()
    };
    match load(&state, &actor, f, FieldErrors::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewProject {
        name: f.name.clone(),
        category: f.category.clone(),
        description: f.description.clone(),
        org_id: f.org_id.clone(),
        team_id: forms::opt_text(&f.team_id),
        brand: forms::checked(&f.brand),
    };
    match state.app.create_project(&actor, &input).await {
        Ok(p) => see_other(&format!("/projects#p-{}", p.id)),
        Err(e) => {
            let errors = forms::form_errors(
                &e,
                &["name", "category", "description", "org_id", "team_id"],
                &[],
            );
            match load(&state, &actor, f, errors).await {
                Ok(p) => render(status_of(e.kind), &p),
                Err(e) => error_page(Some(&actor), &e),
            }
        }
    }
}
