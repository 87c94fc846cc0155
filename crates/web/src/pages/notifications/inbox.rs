//! `/notifications`: the actor's notices, newest first, each with a button that marks it read
//! and opens its page; "全部标为已读"; the email and phone for notices outside the app. And
//! `/notifications/bell`, the count the chrome's bell loads.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::notifications::{ContactView, NotificationView};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, opt_text};
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
    done: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    phone: String,
}

/// A notice as the page lists it.
pub struct Item {
    pub n: NotificationView,
    pub when: String,
}

#[derive(Template)]
#[template(path = "notifications_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    items: Vec<Item>,
    unread: i64,
    pager: Pager,
    contact: ContactForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "notifications_bell.html")]
struct Bell {
    unread: i64,
}

impl Bell {
    /// "99+" past 99, so the badge stays small on a phone.
    fn shown(&self) -> String {
        if self.unread > 99 {
            "99+".to_owned()
        } else {
            self.unread.to_string()
        }
    }
}

async fn load(
    state: &AppState,
    actor: &Actor,
    page: i64,
    flash: Option<String>,
    contact: Option<ContactForm>,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let p = state
        .app
        .notifications(actor, Some(page), Some(PER_PAGE))
        .await?;
    let contact = match contact {
        Some(c) => c,
        None => {
            let c = state.app.contact(actor).await?;
            ContactForm {
                csrf: String::new(),
                email: c.email.unwrap_or_default(),
                phone: c.phone.unwrap_or_default(),
            }
        }
    };
    Ok(ListPage {
        chrome: Chrome::with_flash(actor, flash),
        items: p
            .items
            .into_iter()
            .map(|n| Item {
                when: show_time(&n.created_at),
                n,
            })
            .collect(),
        unread: p.unread,
        pager: Pager::new(p.total, page, PER_PAGE, |n| {
            format!("/notifications?page={n}")
        }),
        contact,
        errors,
    })
}

fn flash_of(done: &str) -> Option<String> {
    match done {
        "all" => Some("已全部标为已读".to_owned()),
        "contact" => Some("联系方式已保存".to_owned()),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> Response {
    let page = page_of(&q.page);
    match load(
        &state,
        &actor,
        page,
        flash_of(&q.done),
        None,
        FieldErrors::default(),
    )
    .await
    {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// The bell's badge: the unread count, or only the bell when there is none or no login (the
/// fragment never answers with a login page, which htmx would paste into the header).
pub async fn bell(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let unread = match crate::token_of(&headers) {
        Some(token) => match state.app.authenticate(&token).await {
            Ok(actor) => state.app.unread_count(&actor).await.unwrap_or(0),
            Err(_) => 0,
        },
        None => 0,
    };
    match (Bell { unread }).render() {
        Ok(body) => (
            StatusCode::OK,
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            Html(body),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn read(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state.app.mark_read(&actor, &id).await {
        Ok(_) => see_other(&format!("/notifications#n-{id}")),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// Marks the notice read and goes to its page (or back to the list when it has none).
pub async fn open(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state.app.mark_read(&actor, &id).await {
        Ok(n) => see_other(n.link.as_deref().unwrap_or("/notifications")),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn read_all(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    match state.app.mark_all_read(&actor).await {
        Ok(_) => see_other("/notifications?done=all"),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn contact(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ContactForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = ContactView {
        email: opt_text(&f.email),
        phone: opt_text(&f.phone),
    };
    match state.app.set_contact(&actor, &input).await {
        Ok(_) => see_other("/notifications?done=contact"),
        Err(e) => {
            let errors = forms::form_errors(&e, &["email", "phone"], &[]);
            match load(&state, &actor, 1, None, Some(f), errors).await {
                Ok(p) => render(status_of(e.kind), &p),
                Err(e) => error_page(Some(&actor), &e),
            }
        }
    }
}
