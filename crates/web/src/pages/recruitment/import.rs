//! `/recruitment/import`: upload a ledger (.xlsx or UTF-8 .csv) into an org; the import runs
//! as a background job and `/recruitment/imports/{id}` draws its progress bar, re-polled by
//! htmx every second until done.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use zhiyuan_app::recruitment::views::ImportJobView;
use zhiyuan_app::{Actor, AppError};

use crate::extract::PageActor;
use crate::pages::forms::{self, Opt};
use crate::pages::{check_csrf, error_page, render, see_other, Chrome};
use crate::AppState;

#[derive(Template)]
#[template(path = "recruitment_import.html")]
struct ImportPage {
    chrome: Option<Chrome>,
    orgs: Vec<Opt>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recruitment_job.html")]
struct JobPage {
    chrome: Option<Chrome>,
    job: ImportJobView,
}

#[derive(Template)]
#[template(path = "recruitment_progress.html")]
struct ProgressFragment {
    job: ImportJobView,
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    if let Err(e) = actor.require_admin() {
        return error_page(Some(actor), &e);
    }
    let orgs = match forms::area_orgs(&state.app, actor).await {
        Ok(o) => forms::org_opts(&o),
        Err(e) => return error_page(Some(actor), &e),
    };
    render(
        status,
        &ImportPage {
            chrome: Chrome::of(actor),
            orgs,
            error,
        },
    )
}

pub async fn form(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    form_page(&state, &actor, None, StatusCode::OK).await
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    mut form: Multipart,
) -> Response {
    let (mut csrf, mut org_id, mut file) = (String::new(), String::new(), None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "_csrf" => csrf = field.text().await.unwrap_or_default(),
                "org_id" => org_id = field.text().await.unwrap_or_default(),
                "file" => {
                    let name = field.file_name().unwrap_or("upload").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(_) => break,
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                let e = AppError::bad_request(
                    "multipart_invalid",
                    "上传内容无法读取（文件过大或格式错误）",
                );
                return form_page(&state, &actor, Some(e.message), StatusCode::BAD_REQUEST).await;
            }
        }
    }
    if let Err(r) = check_csrf(&actor, &csrf) {
        return r;
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return form_page(
            &state,
            &actor,
            Some("请选择要上传的文件".to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state.app.start_import(&actor, &org_id, &name, bytes).await {
        Ok(job) => see_other(&format!("/recruitment/imports/{}", job.id)),
        Err(e) => {
            form_page(
                &state,
                &actor,
                Some(e.message),
                crate::error::status_of(e.kind),
            )
            .await
        }
    }
}

pub async fn job(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    match state.app.import_job(&actor, &id).await {
        Ok(job) => render(
            StatusCode::OK,
            &JobPage {
                chrome: Chrome::of(&actor),
                job,
            },
        ),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// The progress bar alone (htmx swaps it in place).
pub async fn progress(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    match state.app.import_job(&actor, &id).await {
        Ok(job) => render(StatusCode::OK, &ProgressFragment { job }),
        Err(e) => error_page(Some(&actor), &e),
    }
}
