//! `/verify/{code}` and `/verify?code=…`: public verification of a service certificate, no
//! login, by the QR code's value or the number printed on the paper (a holder without a QR
//! reader types the short one into the box). It shows validity, the masked name, hours,
//! issuer and issue date, and nothing else.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use zhiyuan_app::activities::certificates::CertificateCheck;

use super::super::{render, Chrome};
use super::show_hours;
use crate::error::status_of;
use crate::AppState;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Option<Chrome>,
    check: Option<CertificateCheck>,
    hours: String,
    error: Option<String>,
    /// What was typed into the box, shown back.
    typed: String,
    /// False on the empty form: no result to show yet.
    asked: bool,
}

#[derive(serde::Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    code: String,
}

/// The form, and its answer when a number was typed.
pub async fn form(State(state): State<AppState>, Query(q): Query<VerifyQuery>) -> Response {
    if q.code.trim().is_empty() {
        return render(
            StatusCode::OK,
            &VerifyPage {
                chrome: None,
                check: None,
                hours: String::new(),
                error: None,
                typed: String::new(),
                asked: false,
            },
        );
    }
    answer(&state, q.code.trim()).await
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    answer(&state, &code).await
}

async fn answer(state: &AppState, code: &str) -> Response {
    let typed: String = code.chars().take(64).collect();
    match state.app.verify_certificate(code).await {
        Ok(check) => render(
            StatusCode::OK,
            &VerifyPage {
                chrome: None,
                hours: show_hours(check.hours),
                check: Some(check),
                error: None,
                typed,
                asked: true,
            },
        ),
        Err(e) => render(
            status_of(e.kind),
            &VerifyPage {
                chrome: None,
                check: None,
                hours: String::new(),
                error: Some(e.message),
                typed,
                asked: true,
            },
        ),
    }
}
