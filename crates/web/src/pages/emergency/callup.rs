//! A volunteer's call-ups on the phone: `/callups` (newest first) and `/callups/{id}`, the page
//! a notice links to, with one tap to accept or decline. Declining is as easy as accepting
//! and the page says it costs nothing (R-LAW-1 art. 25).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::emergency::callups::CallupAnswer;
use zhiyuan_app::emergency::{CallupView, IncidentView};

use super::super::listing::show_time;
use super::super::{check_csrf, error_page, render, see_other, Chrome};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// "accept" or "decline"
    answer: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

#[derive(Template)]
#[template(path = "emergency_callup.html")]
struct CallupPage {
    chrome: Option<Chrome>,
    c: CallupView,
    i: IncidentView,
    error: Option<String>,
    map_link: String,
}

impl CallupPage {
    fn when(&self, rfc: &str) -> String {
        show_time(rfc)
    }
}

#[derive(Template)]
#[template(path = "emergency_callups.html")]
struct ListPage {
    chrome: Option<Chrome>,
    items: Vec<CallupView>,
}

pub async fn list(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    match state.app.my_callups(&actor).await {
        Ok(items) => render(
            StatusCode::OK,
            &ListPage {
                chrome: Chrome::of(&actor),
                items,
            },
        ),
        Err(e) => error_page(Some(&actor), &e),
    }
}

async fn page(
    state: &AppState,
    actor: &zhiyuan_app::Actor,
    id: &str,
    flash: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    match state.app.get_callup(actor, id).await {
        Ok((c, i)) => render(
            status,
            &CallupPage {
                chrome: Chrome::with_flash(actor, flash),
                map_link: format!("geo:{:.6},{:.6}", i.location.lat, i.location.lon),
                c,
                i,
                error,
            },
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = match q.done.as_str() {
        "accepted" => Some("已接受召集，请尽快安全到达现场，到场后扫码签到。".to_owned()),
        "declined" => Some("已婉拒本次召集。感谢回复，这不影响您的任何记录。".to_owned()),
        _ => None,
    };
    page(&state, &actor, &id, flash, None, StatusCode::OK).await
}

pub async fn answer(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let accept = f.answer == "accept";
    match state
        .app
        .answer_callup(&actor, &id, &CallupAnswer { accept })
        .await
    {
        Ok(_) => see_other(&format!(
            "/callups/{id}?done={}",
            if accept { "accepted" } else { "declined" }
        )),
        Err(e) => {
            page(
                &state,
                &actor,
                &id,
                None,
                Some(e.message.clone()),
                status_of(e.kind),
            )
            .await
        }
    }
}
