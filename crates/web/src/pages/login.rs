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

/// Where to go after login: only a path on this site, made of characters that no browser
/// reads as a way off it. Anything else (a scheme, `//host`, `/\\host`, a tab or newline
/// that browsers strip, an encoded slash or backslash that a proxy may decode) goes home.
fn safe_next(next: &str) -> String {
    if is_local_path(next) {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn is_local_path(next: &str) -> bool {
    const SAFE: &str = "-._~/?=&%+:@,;!";
    let plain = next.len() <= 2048
        && next.starts_with('/')
        && next
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SAFE.contains(c));
    if !plain {
        return false;
    }
    // Decoded (as often as a chain of proxies might), it must still be a plain local path.
    let mut text = next.to_owned();
    for _ in 0..3 {
        let decoded = match urlencoding::decode(&text) {
            Ok(d) => d.into_owned(),
            Err(_) => return false,
        };
        let second = decoded.chars().nth(1);
        if !decoded.starts_with('/')
            || matches!(second, Some('/' | '\\'))
            || decoded
                .chars()
                .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
        {
            return false;
        }
        if decoded == text {
            return true;
        }
        text = decoded;
    }
    false
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_local_paths_are_followed_after_login() {
        for ok in [
            "/",
            "/me",
            "/teams/01J?tab=members&page=2",
            "/activities/open",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        let bypasses = [
            "",
            "me",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " /evil",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5c%5cevil.example",
            "/%252F%252Fevil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\u{3000}/evil.example",
            "/ｅｖｉｌ",
            "/%E3%80%80/x",
        ];
        for bad in bypasses {
            assert_eq!(safe_next(bad), "/", "{bad:?} must not be followed");
        }
    }
}
