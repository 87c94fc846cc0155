//! Service certificates (志愿服务证明) on pages: "开具服务证明" for a period, posted from a
//! volunteer's page (officers) or from `/me` (the volunteer), then `/certificates/{code}` with
//! the number, the verify link and the PDF download.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::certificates::{issued_view, CertificateRequest, IssuedCertificate};
use zhiyuan_app::AppError;

use super::super::forms;
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use super::show_hours;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CertificateForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    /// YYYY-MM-DD (`<input type=date>`); empty: all time.
    pub from: String,
    /// YYYY-MM-DD; empty: today.
    pub to: String,
}

/// A certificate issuing error beside its field (`from`/`to`) or as the form's own.
fn issue_form_errors(e: &AppError) -> FieldErrors {
    forms::form_errors(e, &["from", "to"], &[])
}

#[derive(Template)]
#[template(path = "activities_certificate.html")]
struct CertificatePage {
    chrome: Option<Chrome>,
    c: IssuedCertificate,
    volunteer_id: String,
    volunteer_name: String,
    hours: String,
    issued_on: String,
}

#[derive(Template)]
#[template(path = "activities_certificate_error.html")]
struct IssueErrorPage {
    chrome: Option<Chrome>,
    volunteer_id: String,
    cert_form: CertificateForm,
    cert_errors: FieldErrors,
    back: String,
}

pub async fn issue(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CertificateForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let req = CertificateRequest {
        from: forms::opt_text(&f.from),
        to: forms::opt_text(&f.to),
    };
    match state.app.issue_certificate(&actor, &id, &req).await {
        Ok(c) => see_other(&format!("/certificates/{}", c.code)),
        Err(e) if e.field.as_deref().is_some_and(|f| f == "from" || f == "to") => {
            let back = if actor.volunteer_id.as_deref() == Some(id.as_str()) {
                "/me".to_owned()
            } else {
                format!("/volunteers/{id}")
            };
            render(
                crate::error::status_of(e.kind),
                &IssueErrorPage {
                    chrome: Chrome::of(&actor),
                    volunteer_id: id,
                    cert_errors: issue_form_errors(&e),
                    cert_form: f,
                    back,
                },
            )
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
) -> Response {
    match state.app.certificate_for(&actor, &code).await {
        Ok((c, v)) => {
            let c = issued_view(&c);
            render(
                StatusCode::OK,
                &CertificatePage {
                    chrome: Chrome::of(&actor),
                    hours: show_hours(c.hours),
                    issued_on: c.issued_at.get(..10).unwrap_or_default().to_owned(),
                    c,
                    volunteer_id: v.row.id.clone(),
                    volunteer_name: v.row.name.clone(),
                },
            )
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}
