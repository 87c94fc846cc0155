//! `/activities/open`: on the volunteer's phone, the activities they may join with places
//! left and required skills, a sign-up button each, and their place once signed up
//! ("已报名" or "候补第 N 位") with a cancel button.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::open_view::OtherSignup;
use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::activities::views::SignupView;
use zhiyuan_app::activities::ActivityView;
use zhiyuan_app::{Actor, AppError};

use super::super::{check_csrf, error_page, render, see_other, Chrome};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// Where to go back to: "me" for /me, else the open list.
    back: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenQuery {
    done: String,
}

/// One open activity with the viewer's place in it, if any.
pub struct OpenItem {
    /// Shared with the in-memory view of open activities (never copied per page).
    pub a: Arc<ActivityView>,
    pub mine: Option<SignupView>,
    /// A refusal of this activity's sign-up or cancellation, shown beside it.
    pub error: Option<String>,
}

impl OpenItem {
    /// "已报名", "候补第 N 位", or "" when not signed up.
    pub fn place(&self) -> String {
        place_label(self.mine.as_ref())
    }
}

/// The volunteer's place as the phone shows it.
pub fn place_label(s: Option<&SignupView>) -> String {
    match s {
        Some(s) if s.status == "confirmed" => "已报名".to_owned(),
        Some(s) if s.status == "waitlisted" => match s.position {
            Some(p) => format!("候补第{p}位"),
            None => "候补".to_owned(),
        },
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "activities_open.html")]
struct OpenPage {
    chrome: Option<Chrome>,
    items: Vec<OpenItem>,
    /// Live sign-ups in activities still published but no longer open to the volunteer
    /// (ended and not yet closed, or out of their reach now). Closed and cancelled
    /// activities' sign-ups are history, shown on /me.
    others: Vec<OtherSignup>,
    is_volunteer: bool,
}

async fn load(
    state: &AppState,
    actor: &Actor,
    error: Option<(String, String)>,
) -> Result<OpenPage, AppError> {
    // The open activities from memory; the volunteer's own sign-ups read exactly.
    let page = state.app.open_page(actor).await?;
    let items = page
        .items
        .into_iter()
        .map(|(a, mine)| OpenItem {
            mine: mine.filter(|s| s.status != "cancelled"),
            error: error
                .as_ref()
                .filter(|(id, _)| *id == a.id)
                .map(|(_, m)| m.clone()),
            a,
        })
        .collect();
    let others = page.others;
    Ok(OpenPage {
        chrome: Chrome::with_flash(actor, None),
        items,
        others,
        is_volunteer: actor.volunteer_id.is_some(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<OpenQuery>,
) -> Response {
    match load(&state, &actor, None).await {
        Ok(mut p) => {
            let flash = match q.done.as_str() {
                "signup" => Some("报名成功".to_owned()),
                "cancel" => Some("已取消报名".to_owned()),
                _ => None,
            };
            if flash.is_some() {
                p.chrome = Chrome::with_flash(&actor, flash);
            }
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}

async fn after(
    state: &AppState,
    actor: &Actor,
    activity_id: &str,
    back: &str,
    done: &str,
    result: Result<(), AppError>,
) -> Response {
    match result {
        Ok(()) if back == "me" => see_other(&format!("/me?done={done}#signups")),
        Ok(()) => see_other(&format!("/activities/open?done={done}#a-{activity_id}")),
        Err(e) => match load(
            state,
            actor,
            Some((activity_id.to_owned(), e.message.clone())),
        )
        .await
        {
            Ok(p) if p.items.iter().any(|i| i.a.id == activity_id) => render(status_of(e.kind), &p),
            _ => error_page(Some(actor), &e),
        },
    }
}

fn own_id(actor: &Actor) -> Result<String, AppError> {
    actor.volunteer_id.clone().ok_or_else(|| {
        AppError::invalid(
            "volunteer_id",
            "not_a_volunteer",
            "只有志愿者账号可以在此报名",
        )
    })
}

pub async fn sign_up(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let result = async {
        let input = NewSignup {
            volunteer_id: own_id(&actor)?,
            walk_in: false,
        };
        state.app.sign_up(&actor, &id, &input).await.map(|_| ())
    }
    .await;
    after(&state, &actor, &id, &f.back, "signup", result).await
}

pub async fn cancel(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let result = async {
        let vid = own_id(&actor)?;
        state.app.cancel_signup(&actor, &id, &vid).await.map(|_| ())
    }
    .await;
    after(&state, &actor, &id, &f.back, "cancel", result).await
}
