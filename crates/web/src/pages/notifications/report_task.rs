//! `/report-tasks/{id}`: one reporting task. The setter's side sees every asked org with its
//! status (未报送, 已报送, 逾期报送, 逾期未报) and a bar of the shares; an asked org's admin sees
//! their own org(s) and submits a note with an optional workbook (multipart form).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::notifications::report_tasks::{
    NewReportSubmission, ReportFile, ReportStatus, ReportSubmissionView, ReportTaskDetail,
};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::Opt;
use super::super::listing::show_time;
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
}

pub struct TargetLine {
    pub org_id: String,
    pub org_name: String,
    pub status: String,
    pub label: String,
    /// Tag colour: ok, warn, red or none.
    pub tone: &'static str,
    pub when: String,
}

pub struct SubmissionLine {
    pub s: ReportSubmissionView,
    pub org_name: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "report_tasks_detail.html")]
struct DetailPage {
    chrome: Option<Chrome>,
    d: ReportTaskDetail,
    deadline: String,
    targets: Vec<TargetLine>,
    submissions: Vec<SubmissionLine>,
    /// Width of each bar segment, in percent: submitted, late, overdue.
    bar: (i64, i64, i64),
    /// Asked orgs the actor may submit for (empty on the setter's side).
    submit_orgs: Vec<Opt>,
    org_id: String,
    note: String,
    errors: FieldErrors,
}

fn tone(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Submitted => "ok",
        ReportStatus::Late => "warn",
        ReportStatus::Overdue => "red",
        ReportStatus::NotStarted => "",
    }
}

async fn load(
    state: &AppState,
    actor: &Actor,
    id: &str,
    flash: Option<String>,
    form: (String, String),
    errors: FieldErrors,
) -> Result<DetailPage, AppError> {
    let d = state.app.report_task(actor, id).await?;
    let name_of = |org_id: &str| {
        d.items
            .iter()
            .find(|t| t.org_id == org_id)
            .map(|t| t.org_name.clone())
            .unwrap_or_default()
    };
    let submissions = d
        .submissions
        .iter()
        .map(|s| SubmissionLine {
            org_name: name_of(&s.org_id),
            when: show_time(&s.submitted_at),
            s: s.clone(),
        })
        .collect();
    let targets: Vec<TargetLine> = d
        .items
        .iter()
        .map(|t| TargetLine {
            org_id: t.org_id.clone(),
            org_name: t.org_name.clone(),
            status: t.status.as_str().to_owned(),
            label: t.status_label.clone(),
            tone: tone(t.status),
            when: t
                .first_submitted_at
                .as_deref()
                .map(show_time)
                .unwrap_or_default(),
        })
        .collect();
    let n = (d.items.len() as i64).max(1);
    let bar = (
        d.counts.submitted * 100 / n,
        d.counts.late * 100 / n,
        d.counts.overdue * 100 / n,
    );
    let submit_orgs: Vec<Opt> = if d.task.setter {
        Vec::new()
    } else {
        d.items
            .iter()
            .map(|t| Opt::new(&t.org_id, &t.org_name))
            .collect()
    };
    let org_id = if form.0.is_empty() {
        actor
            .org_id
            .clone()
            .filter(|o| submit_orgs.iter().any(|x| x.value == *o))
            .or_else(|| submit_orgs.first().map(|o| o.value.clone()))
            .unwrap_or_default()
    } else {
        form.0
    };
    Ok(DetailPage {
        chrome: Chrome::with_flash(actor, flash),
        deadline: show_time(&d.task.deadline),
        targets,
        submissions,
        bar,
        submit_orgs,
        org_id,
        note: form.1,
        errors,
        d,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let flash = match q.done.as_str() {
        "created" => Some("报送任务已下达，下级组织的管理员已收到通知".to_owned()),
        "submitted" => Some("已报送".to_owned()),
        _ => None,
    };
    match load(
        &state,
        &actor,
        &id,
        flash,
        Default::default(),
        FieldErrors::default(),
    )
    .await
    {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut input = NewReportSubmission::default();
    let mut file = None;
    let unreadable = || {
        AppError::bad_request(
            "multipart_invalid",
            "上传内容无法读取（文件过大或格式错误）",
        )
        .with_field("file")
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return error_page(Some(&actor), &unreadable()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "_csrf" | "org_id" | "note" => {
                let Ok(text) = field.text().await else {
                    return error_page(Some(&actor), &unreadable());
                };
                match name.as_str() {
                    "_csrf" => csrf = text,
                    "org_id" => input.org_id = Some(text),
                    _ => input.note = text,
                }
            }
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let Ok(bytes) = field.bytes().await else {
                    return error_page(Some(&actor), &unreadable());
                };
                if !(file_name.is_empty() && bytes.is_empty()) {
                    file = Some(ReportFile {
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    if let Err(r) = check_csrf(&actor, &csrf) {
        return r;
    }
    match state.app.submit_report(&actor, &id, &input, file).await {
        Ok(_) => see_other(&format!("/report-tasks/{id}?done=submitted")),
        Err(e) => {
            let errors = super::super::forms::form_errors(&e, &["org_id", "note", "file"], &[]);
            let kept = (input.org_id.unwrap_or_default(), input.note);
            match load(&state, &actor, &id, None, kept, errors).await {
                Ok(p) => render(status_of(e.kind), &p),
                Err(e) => error_page(Some(&actor), &e),
            }
        }
    }
}
