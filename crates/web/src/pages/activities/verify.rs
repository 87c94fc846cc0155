//! `/verify/{code}`: public verification of a service certificate, no login. It shows
//! validity, the masked name, hours, issuer and issue date, and nothing else.

use askama::Template;
use axum::extract::{Path, State};
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
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    match state.app.verify_certificate(&code).await {
        Ok(check) => render(
            StatusCode::OK,
            &VerifyPage {
                chrome: None,
                hours: show_hours(check.hours),
                check: Some(check),
                error: None,
            },
        ),
        Err(e) => render(
            status_of(e.kind),
            &VerifyPage {
                chrome: None,
                check: None,
                hours: String::new(),
                error: Some(e.message),
            },
        ),
    }
}
