//! `/recruitment`: a reviewer's queue (招募审核) with counts per reviewing org, and the
//! decision form of each pending application.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::recruitment::review::ReviewInput;
use zhiyuan_app::recruitment::views::QueueView;

use crate::extract::PageActor;
use crate::pages::{check_csrf, error_page, render, see_other, Chrome};
use crate::AppState;

#[derive(Template)]
#[template(path = "recruitment_queue.html")]
struct QueuePage {
    chrome: Option<Chrome>,
    q: QueueView,
    error: Option<String>,
}

pub async fn queue(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    queue_page(&state, &actor, None, StatusCode::OK).await
}

async fn queue_page(
    state: &AppState,
    actor: &zhiyuan_app::Actor,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    match state.app.review_queue(actor).await {
        Ok(q) => render(
            status,
            &QueuePage {
                chrome: Chrome::of(actor),
                q,
                error,
            },
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    decision: String,
    reason: String,
    version: Option<i64>,
}

pub async fn decide(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let reason = Some(f.reason.clone()).filter(|r| !r.trim().is_empty());
    let input = ReviewInput {
        decision: f.decision.clone(),
        reason: reason.clone(),
        override_reason: reason,
        version: f.version,
        ..Default::default()
    };
    match state.app.review_application(&actor, &id, &input).await {
        Ok(_) => see_other("/recruitment"),
        Err(e) => {
            queue_page(
                &state,
                &actor,
                Some(e.message),
                crate::error::status_of(e.kind),
            )
            .await
        }
    }
}
