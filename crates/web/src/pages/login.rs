use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::auth::LoginInput;

use super::{check_csrf, error_page, render, see_other, Chrome};
use crate::extract::{ClientAddr, PageActor};
use crate::{clear_session_cookie, session_cookie, token_of, AppState};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Option<Chrome>,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths: `next` must not send people to another site after login.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn form(Query(q): Query<NextQuery>) -> Response {
    render(
        StatusCode::OK,
        &LoginPage {
            chrome: None,
            error: None,
            username: String::new(),
            next: safe_next(&q.next),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<LoginForm>,
) -> Response {
    let input = LoginInput {
        username: f.username.clone(),
        password: f.password,
    };
    match state.app.login(&input, &addr).await {
        Ok(out) => {
            let to = if out.user.role == "volunteer" && (f.next.is_empty() || f.next == "/") {
                "/me".to_owned()
            } else {
                safe_next(&f.next)
            };
            let mut resp = see_other(&to);
            if let Ok(v) = session_cookie(&state, &out.token).parse() {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
            resp
        }
        Err(e) => render(
            crate::error::status_of(e.kind),
            &LoginPage {
                chrome: None,
                error: Some(e.message),
                username: f.username,
                next: safe_next(&f.next),
            },
        ),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    if let Some(token) = token_of(&headers) {
        if let Err(e) = state.app.logout(&token).await {
            return error_page(Some(&actor), &e);
        }
    }
    let mut resp = see_other("/login");
    if let Ok(v) = clear_session_cookie(&state).parse() {
        resp.headers_mut().insert(SET_COOKIE, v);
    }
    resp.into_response()
}
