//! `/checkin/{token}`: where a scanned code leads. Login first (the page extractor sends
//! visitors to `/login?next=…`), then a page that says what will happen (check-in or
//! check-out, which activity) with one button; the post records it and 303s to the result.
//! Expired, altered or foreign codes and volunteers without a confirmed place are refused
//! with the use case's Chinese message.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::views::RecordView;
use zhiyuan_app::activities::ActivityView;

use super::super::listing::show_time;
use super::super::{check_csrf, error_page, render, see_other, Chrome};
use super::show_hours;
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResultQuery {
    action: String,
}

#[derive(Template)]
#[template(path = "checkin_confirm.html")]
struct ConfirmPage {
    chrome: Option<Chrome>,
    token: String,
    /// The activity and whether this scan checks out (a check-in is open).
    preview: Option<(ActivityView, bool)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "checkin_result.html")]
struct ResultPage {
    chrome: Option<Chrome>,
    checked_out: bool,
    r: RecordView,
    checked_in: String,
    checked_out_at: String,
    hours: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(token): Path<String>,
) -> Response {
    let (status, preview, error) = match state.app.checkin_preview(&actor, &token).await {
        Ok(p) => (StatusCode::OK, Some(p), None),
        Err(e) => (status_of(e.kind), None, Some(e.message)),
    };
    render(
        status,
        &ConfirmPage {
            chrome: Chrome::of(&actor),
            token,
            preview,
            error,
        },
    )
}

pub async fn scan(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(token): Path<String>,
    Form(f): Form<ScanForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state.app.scan_checkin(&actor, &token).await {
        Ok(done) => see_other(&format!(
            "/checkin-result/{}?action={}",
            done.record.id, done.action
        )),
        Err(e) => {
            // Show the activity again when the code itself is still good.
            let preview = state.app.checkin_preview(&actor, &token).await.ok();
            render(
                status_of(e.kind),
                &ConfirmPage {
                    chrome: Chrome::of(&actor),
                    token,
                    preview,
                    error: Some(e.message),
                },
            )
        }
    }
}

pub async fn result(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(record_id): Path<String>,
    Query(q): Query<ResultQuery>,
) -> Response {
    match state.app.record_history(&actor, &record_id).await {
        Ok((r, _)) => render(
            StatusCode::OK,
            &ResultPage {
                chrome: Chrome::of(&actor),
                checked_out: q.action == "out" && r.checked_out_at.is_some(),
                checked_in: show_time(&r.checked_in_at),
                checked_out_at: r
                    .checked_out_at
                    .as_deref()
                    .map(show_time)
                    .unwrap_or_default(),
                hours: show_hours(r.hours),
                r,
            },
        ),
        Err(e) => error_page(Some(&actor), &e),
    }
}
