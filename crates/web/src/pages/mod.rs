//! Server-rendered pages (askama templates in `templates/`), Simplified Chinese, one file
//! per screen. Forms post with a hidden `_csrf` field; htmx requests send `X-CSRF-Token`.

pub mod activities;
mod audit;
pub mod emergency;
pub mod forms;
mod home;
mod listing;
mod login;
mod me;
pub mod notifications;
mod org;
pub mod oversight;
pub mod recruitment;
mod skills;
mod team;
mod team_forms;
mod users;
mod volunteers_list;
mod volunteers_new;
mod volunteers_show;

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use zhiyuan_app::{Actor, AppError, ErrorKind};

use crate::extract::csrf_matches;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/orgs", post(home::create_root))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/me", get(me::show))
        .route("/orgs/{id}", get(org::show))
        .route("/orgs/{id}/children", post(org::create_child))
        .route("/orgs/{id}/teams", post(org::create_team))
        .route("/teams/{id}", get(team::show))
        .route("/teams/{id}/units", post(team_forms::create_unit))
        .route("/teams/{id}/members", post(team_forms::appoint))
        .route(
            "/teams/{id}/members/{volunteer_id}/remove",
            post(team_forms::remove),
        )
        .route("/volunteers", get(volunteers_list::list))
        .route(
            "/volunteers/new",
            get(volunteers_new::form).post(volunteers_new::submit),
        )
        .route("/volunteers/{id}", get(volunteers_show::show))
        .route("/skills/suggest", get(skills::suggest))
        .route("/users", get(users::list).post(users::create))
        .route("/audit", get(audit::list))
        .merge(recruitment::routes())
        .merge(activities::routes())
        .merge(emergency::routes())
        .merge(notifications::routes())
        .merge(oversight::routes())
}

/// What every logged-in page shows around its content.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    pub username: String,
    pub role_label: String,
    pub is_admin: bool,
    pub is_volunteer: bool,
    pub csrf: String,
    pub flash: Option<String>,
}

impl Chrome {
    pub fn of(actor: &Actor) -> Option<Chrome> {
        Some(Chrome {
            username: actor.username.clone(),
            role_label: if actor.is_super {
                "超级管理员".to_owned()
            } else {
                actor.role.label_zh().to_owned()
            },
            is_admin: actor.is_admin(),
            is_volunteer: actor.volunteer_id.is_some()
                && !actor.is_admin()
                && actor.team_id.is_none(),
            csrf: actor.csrf_token.clone(),
            flash: None,
        })
    }

    pub fn with_flash(actor: &Actor, flash: Option<String>) -> Option<Chrome> {
        let mut c = Chrome::of(actor)?;
        c.flash = flash;
        Some(c)
    }
}

/// Field errors of a form: field name → zh-CN message, shown beside the field.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors {
    pub by_field: HashMap<String, String>,
    /// An error that belongs to no single field.
    pub general: Option<String>,
}

impl FieldErrors {
    pub fn from_error(e: &AppError) -> FieldErrors {
        let mut out = FieldErrors::default();
        match &e.field {
            Some(f) => {
                out.by_field.insert(f.clone(), e.message.clone());
            }
            None => out.general = Some(e.message.clone()),
        }
        for f in &e.fields {
            out.by_field
                .entry(f.field.clone())
                .or_insert_with(|| f.message.clone());
        }
        out
    }

    /// The message for `field`, or "" (templates test `!is_empty()`).
    pub fn get(&self, field: &str) -> &str {
        self.by_field.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }
}

pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Option<Chrome>,
    heading: String,
    message: String,
}

/// An error as a page, with the status its kind calls for.
pub fn error_page(actor: Option<&Actor>, e: &AppError) -> Response {
    let heading = match e.kind {
        ErrorKind::NotFound => "未找到",
        ErrorKind::Forbidden => "无权访问",
        ErrorKind::Unauthorized => "请先登录",
        ErrorKind::Internal => "出错了",
        _ => "无法完成操作",
    };
    let page = ErrorPage {
        chrome: actor.and_then(Chrome::of),
        heading: heading.to_owned(),
        message: e.message.clone(),
    };
    render(crate::error::status_of(e.kind), &page)
}

pub fn not_found_page() -> Response {
    error_page(None, &AppError::not_found("页面"))
}

/// Form posts carry the session's CSRF token in `_csrf`.
#[allow(clippy::result_large_err)] // the error is the page to answer with
pub fn check_csrf(actor: &Actor, sent: &str) -> Result<(), Response> {
    if csrf_matches(sent, actor) {
        Ok(())
    } else {
        Err(error_page(Some(actor), &crate::extract::csrf_error()))
    }
}

/// A 303 to `to` (after a successful form post).
pub fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_owned())],
    )
        .into_response()
}
