//! `/users`: the accounts of the admin's area, and a form to create one.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::users::NewUser;
use zhiyuan_app::views::UserView;
use zhiyuan_app::{Actor, AppError};

use super::forms::{self, opt_text, Opt};
use super::listing::show_time;
use super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    username: String,
    password: String,
    role: String,
    org_id: String,
    team_id: String,
    volunteer_id: String,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    created: String,
    /// Prefills a volunteer's own account (link from the volunteer's page).
    volunteer_id: String,
}

/// An account with what it manages, in words.
pub struct Row {
    user: UserView,
    scope: String,
    link: Option<String>,
    created: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Option<Chrome>,
    rows: Vec<Row>,
    roles: Vec<Opt>,
    orgs: Vec<Opt>,
    teams: Vec<Opt>,
    f: UserForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    f: UserForm,
    errors: FieldErrors,
    flash: Option<String>,
    status: StatusCode,
) -> Response {
    let app = &state.app;
    let loaded = async {
        actor.require_admin()?;
        let users = app.list_users(actor).await?;
        let orgs = forms::area_orgs(app, actor).await?;
        let teams = forms::area_teams(app, actor).await?;
        Ok::<_, AppError>((users, orgs, teams))
    }
    .await;
    let (users, orgs, teams) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(Some(actor), &e),
    };
    let org_names: HashMap<&str, &str> = orgs
        .iter()
        .map(|(_, o)| (o.id.as_str(), o.name.as_str()))
        .collect();
    let team_names: HashMap<&str, &str> = teams
        .iter()
        .map(|(_, t)| (t.id.as_str(), t.name.as_str()))
        .collect();
    let rows = users
        .items
        .into_iter()
        .map(|u| {
            let (scope, link) = match (&u.org_id, &u.team_id, &u.volunteer_id) {
                _ if u.is_super => ("全部".to_owned(), None),
                (_, Some(t), _) => (
                    team_names.get(t.as_str()).unwrap_or(&"队伍").to_string(),
                    Some(format!("/teams/{t}")),
                ),
                (_, _, Some(v)) => ("本人记录".to_owned(), Some(format!("/volunteers/{v}"))),
                (Some(o), _, _) => (
                    org_names.get(o.as_str()).unwrap_or(&"组织").to_string(),
                    Some(format!("/orgs/{o}")),
                ),
                _ => ("—".to_owned(), None),
            };
            Row {
                created: show_time(&u.created_at),
                user: u,
                scope,
                link,
            }
        })
        .collect();
    let mut org_opts = vec![Opt::new("", "请选择（管理员必选）")];
    org_opts.extend(forms::org_opts(&orgs));
    let mut team_opts = vec![Opt::new("", "请选择（队长必选）")];
    team_opts.extend(forms::team_opts(&teams));
    let page = UsersPage {
        chrome: Chrome::with_flash(actor, flash),
        rows,
        roles: forms::roles(),
        orgs: org_opts,
        teams: team_opts,
        f,
        errors,
    };
    render(status, &page)
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<UsersQuery>,
) -> Response {
    let role = if q.volunteer_id.is_empty() {
        "admin"
    } else {
        "volunteer"
    };
    let f = UserForm {
        role: role.to_owned(),
        volunteer_id: q.volunteer_id,
        ..Default::default()
    };
    let flash = (q.created == "1").then(|| "账号已创建".to_owned());
    page(
        &state,
        &actor,
        f,
        FieldErrors::default(),
        flash,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<UserForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewUser {
        username: f.username.clone(),
        password: f.password.clone(),
        role: f.role.clone(),
        org_id: opt_text(&f.org_id),
        team_id: opt_text(&f.team_id),
        volunteer_id: opt_text(&f.volunteer_id),
        name: opt_text(&f.name),
    };
    match state.app.create_user(&actor, &input).await {
        Ok(_) => see_other("/users?created=1"),
        Err(e) => {
            let errors = forms::form_errors(
                &e,
                &[
                    "username",
                    "password",
                    "role",
                    "org_id",
                    "team_id",
                    "volunteer_id",
                    "name",
                ],
                &[],
            );
            // The password is never sent back.
            let f = UserForm {
                password: String::new(),
                ..f
            };
            page(&state, &actor, f, errors, None, status_of(e.kind)).await
        }
    }
}
