//! The forms of `/activities/{id}`: status, walk-in, attendance, photo upload, decisions on
//! hours and corrections. 303 back to the activity on success; on failure the activity page
//! again with the message beside the field.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::records::{Decision, NewAttendance};
use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, form_errors};
use super::super::{check_csrf, error_page, render, see_other, FieldErrors};
use super::detail::{load, AttendanceForm, DetailPage, WalkInForm};
use super::local_to_rfc3339;
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    status: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// "approve" or "reject"
    decision: String,
}

async fn rerender(
    state: &AppState,
    actor: &Actor,
    id: &str,
    status: StatusCode,
    fill: impl FnOnce(&mut DetailPage),
) -> Response {
    match load(state, actor, id).await {
        Ok(mut page) => {
            fill(&mut page);
            render(status, &page)
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

fn done(id: &str, what: &str) -> Response {
    see_other(&format!("/activities/{id}?done={what}"))
}

pub async fn set_status(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state.app.set_activity_status(&actor, &id, &f.status).await {
        Ok(_) => done(&id, "status"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.status_errors = form_errors(&e, &["status"], &[]);
            })
            .await
        }
    }
}

pub async fn walk_in(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<WalkInForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewSignup {
        volunteer_id: f.volunteer_id.clone(),
        walk_in: true,
    };
    match state.app.sign_up(&actor, &id, &input).await {
        Ok(_) => done(&id, "walk_in"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.walk_in_errors =
                    form_errors(&e, &["volunteer_id"], &[("walk_in", "volunteer_id")]);
                p.walk_in = f;
            })
            .await
        }
    }
}

pub async fn attendance(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<AttendanceForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewAttendance {
        volunteer_id: f.volunteer_id.clone(),
        checked_in_at: local_to_rfc3339(&f.checked_in_at),
        checked_out_at: local_to_rfc3339(&f.checked_out_at),
        recipients: forms::opt_text(&f.recipients),
        content: forms::opt_text(&f.content),
        evaluation: None,
    };
    match state.app.record_attendance(&actor, &id, &input).await {
        Ok(_) => done(&id, "attendance"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.attendance_errors = form_errors(
                    &e,
                    &[
                        "volunteer_id",
                        "checked_in_at",
                        "checked_out_at",
                        "content",
                        "recipients",
                    ],
                    &[],
                );
                p.attendance = f;
            })
            .await
        }
    }
}

/// The photo form is multipart: `_csrf` and `file`.
pub async fn photo(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Response {
    let (mut csrf, mut file) = (String::new(), None);
    let mut broken = false;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "_csrf" => csrf = field.text().await.unwrap_or_default(),
                "file" => match field.bytes().await {
                    Ok(b) => file = Some(b.to_vec()),
                    Err(_) => {
                        broken = true;
                        break;
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                broken = true;
                break;
            }
        }
    }
    if let Err(r) = check_csrf(&actor, &csrf) {
        return r;
    }
    let result = match file.filter(|b| !b.is_empty()) {
        _ if broken => Err(AppError::invalid(
            "file",
            "upload_failed",
            "上传未完成或文件过大（照片不超过 4 MB）",
        )),
        None => Err(AppError::invalid("file", "required", "请选择一张照片")),
        Some(bytes) => state.app.add_photo(&actor, &id, bytes).await.map(|_| ()),
    };
    match result {
        Ok(()) => done(&id, "photo"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.photo_errors = form_errors(&e, &["file"], &[]);
            })
            .await
        }
    }
}

fn decision(f: &DecisionForm) -> Decision {
    Decision {
        approve: f.decision == "approve",
    }
}

pub async fn decide_record(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, record_id)): Path<(String, String)>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state
        .app
        .decide_record(&actor, &record_id, &decision(&f))
        .await
    {
        Ok(_) => done(&id, "decision"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.decision_errors = FieldErrors::from_error(&AppError { field: None, ..e });
            })
            .await
        }
    }
}

pub async fn decide_amendment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, amendment_id)): Path<(String, String)>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state
        .app
        .decide_amendment(&actor, &amendment_id, &decision(&f))
        .await
    {
        Ok(_) => done(&id, "decision"),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.decision_errors = FieldErrors::from_error(&AppError { field: None, ..e });
            })
            .await
        }
    }
}
