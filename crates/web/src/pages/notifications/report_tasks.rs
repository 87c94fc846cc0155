//! `/report-tasks`: the reporting tasks (报送任务) the admin set or is asked by, and a form to
//! set one for the orgs below (the direct children, or every org of a chosen level).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::notifications::report_tasks::{NewReportTask, ReportTaskView};
use zhiyuan_app::{Actor, AppError};
use zhiyuan_domain::Level;

use super::super::activities::local_to_rfc3339;
use super::super::forms::{self, Opt};
use super::super::listing::{page_of, show_time, Pager};
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

const PER_PAGE: i64 = 20;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    page: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    title: String,
    description: String,
    /// `datetime-local`, China time.
    deadline: String,
    org_id: String,
    target_level: String,
}

pub struct Row {
    pub t: ReportTaskView,
    pub deadline: String,
    /// Share of asked orgs that submitted, 0–100.
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "report_tasks_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    items: Vec<Row>,
    pager: Pager,
    f: TaskForm,
    errors: FieldErrors,
    orgs: Vec<Opt>,
    levels: Vec<Opt>,
}

fn levels() -> Vec<Opt> {
    std::iter::once(Opt::new("", "直属下级组织"))
        .chain(
            [Level::Township, Level::Village, Level::Unit]
                .iter()
                .map(|l| Opt::new(l.as_str(), format!("辖区内全部{}", l.label_zh()))),
        )
        .collect()
}

async fn load(
    state: &AppState,
    actor: &Actor,
    page: i64,
    f: TaskForm,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let list = state
        .app
        .report_tasks(actor, Some(page), Some(PER_PAGE))
        .await?;
    let orgs = forms::org_opts(&forms::area_orgs(&state.app, actor).await?);
    Ok(ListPage {
        chrome: Chrome::of(actor),
        pager: Pager::new(list.total, page, PER_PAGE, |n| {
            format!("/report-tasks?page={n}")
        }),
        items: list
            .items
            .into_iter()
            .map(|t| Row {
                deadline: show_time(&t.deadline),
                percent: (t.submitted * 100)
                    .checked_div(t.targets)
                    .unwrap_or(0)
                    .clamp(0, 100),
                t,
            })
            .collect(),
        f,
        errors,
        orgs,
        levels: levels(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = TaskForm {
        org_id: actor.org_id.clone().unwrap_or_default(),
        ..Default::default()
    };
    match load(&state, &actor, page_of(&q.page), f, FieldErrors::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<TaskForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = NewReportTask {
        title: f.title.clone(),
        description: f.description.clone(),
        deadline: local_to_rfc3339(&f.deadline),
        org_id: forms::opt_text(&f.org_id),
        target_level: forms::opt_text(&f.target_level),
    };
    match state.app.create_report_task(&actor, &input).await {
        Ok(t) => see_other(&format!("/report-tasks/{}?done=created", t.id)),
        Err(e) => {
            let errors = forms::form_errors(
                &e,
                &["title", "description", "deadline", "org_id", "target_level"],
                &[],
            );
            match load(&state, &actor, 1, f, errors).await {
                Ok(p) => render(status_of(e.kind), &p),
                Err(e) => error_page(Some(&actor), &e),
            }
        }
    }
}
