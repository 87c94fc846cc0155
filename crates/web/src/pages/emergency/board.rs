//! `/incidents/{id}/board`: the live board. Counts against the headcount, the plot, every
//! call-up and the ranked candidates, with the officer's actions: call one, call the best N,
//! call the next candidate in one click, mark arrivals, stand down, close. The page listens to
//! `/api/v1/incidents/{id}/events` (server-sent events) and reloads its live part
//! (`/incidents/{id}/board/live`) on each event, so it changes without a reload.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::emergency::callups::{CandidateQuery, NewCallups};
use zhiyuan_app::emergency::site::PresenceMark;
use zhiyuan_app::emergency::views::BoardView;
use zhiyuan_app::emergency::CandidateView;
use zhiyuan_app::{Actor, AppError};

use super::super::listing::show_time;
use super::super::{check_csrf, error_page, render, see_other, Chrome};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    done: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    volunteer_id: String,
    best: String,
    response_minutes: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    status: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PresenceForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    volunteer_id: String,
    action: String,
}

#[derive(Template)]
#[template(path = "emergency_board_live.html")]
pub struct LivePart {
    b: BoardView,
    plot: String,
    csrf: String,
}

impl LivePart {
    fn when(&self, rfc: &str) -> String {
        show_time(rfc)
    }
}

#[derive(Template)]
#[template(path = "emergency_board.html")]
struct BoardPage {
    chrome: Option<Chrome>,
    b: BoardView,
    live_html: String,
    candidates: Vec<CandidateView>,
    error: Option<String>,
}

async fn live_part(state: &AppState, actor: &Actor, id: &str) -> Result<LivePart, AppError> {
    let (b, plot) = state.app.incident_board(actor, id).await?;
    Ok(LivePart {
        b,
        plot,
        csrf: actor.csrf_token.clone(),
    })
}

async fn load(
    state: &AppState,
    actor: &Actor,
    id: &str,
    flash: Option<String>,
    error: Option<String>,
) -> Result<BoardPage, AppError> {
    let live = live_part(state, actor, id).await?;
    let candidates = if live.b.incident.status == "open" {
        state
            .app
            .incident_candidates(actor, id, &CandidateQuery { limit: Some(20) })
            .await?
    } else {
        Vec::new()
    };
    Ok(BoardPage {
        chrome: Chrome::with_flash(actor, flash),
        b: live.b.clone(),
        live_html: live.render().map_err(|_| AppError::internal())?,
        candidates,
        error,
    })
}

fn flash_of(done: &str) -> Option<String> {
    Some(
        match done {
            "called" => "已发出召集通知",
            "standing_down" => "已收队：未回复的召集已撤回",
            "closed" => "事件已结束：在场时长已记入服务记录",
            "arrive" => "已登记到场",
            "leave" => "已登记离场",
            _ => return None,
        }
        .to_owned(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Response {
    match load(&state, &actor, &id, flash_of(&q.done), None).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// The live part alone (what the page swaps in on each event).
pub async fn live(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    match live_part(&state, &actor, &id).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// After a failed action: the board again with the message, and the error's status.
async fn failed(state: &AppState, actor: &Actor, id: &str, e: AppError) -> Response {
    match load(state, actor, id, None, Some(e.message.clone())).await {
        Ok(p) => render(status_of(e.kind), &p),
        Err(e2) => error_page(Some(actor), &e2),
    }
}

pub async fn call_up(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CallForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let best = match f.best.trim() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::invalid("best", "not_a_number", "召集人数请填写数字");
                return failed(&state, &actor, &id, e).await;
            }
        },
    };
    let input = NewCallups {
        volunteer_ids: if f.volunteer_id.trim().is_empty() {
            Vec::new()
        } else {
            vec![f.volunteer_id.trim().to_owned()]
        },
        best,
        response_minutes: f.response_minutes.trim().parse().ok(),
    };
    match state.app.call_up(&actor, &id, &input).await {
        Ok(_) => see_other(&format!("/incidents/{id}/board?done=called")),
        Err(e) => failed(&state, &actor, &id, e).await,
    }
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
    match state.app.set_incident_status(&actor, &id, &f.status).await {
        Ok(_) => see_other(&format!("/incidents/{id}/board?done={}", f.status)),
        Err(e) => failed(&state, &actor, &id, e).await,
    }
}

pub async fn presence(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<PresenceForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let m = PresenceMark {
        volunteer_id: f.volunteer_id.clone(),
        action: f.action.clone(),
    };
    match state.app.mark_presence(&actor, &id, &m).await {
        Ok(_) => see_other(&format!("/incidents/{id}/board?done={}", f.action)),
        Err(e) => failed(&state, &actor, &id, e).await,
    }
}

pub async fn muster(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    match state.app.muster_report(&actor, &id).await {
        Ok((name, bytes)) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(Some(&actor), &e),
    }
}
