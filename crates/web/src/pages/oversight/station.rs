//! The oversight panel of the org page and the station standard form (六个有).
//!
//! The org page loads `/orgs/{id}/oversight-panel` with htmx: links to the dashboard and the
//! compliance list for admins, and, on a service station, the 六个有 checklist form. The form
//! posts to `/orgs/{id}/station-standard`, which is also a page of its own (for errors, and
//! for browsers without script).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::oversight::views::{StandardItemInput, StationStandardInput, StationStandardView};
use zhiyuan_app::{Actor, AppError};

use crate::error::status_of;
use crate::extract::PageActor;
use crate::pages::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::AppState;

/// One item of the form.
pub struct ItemForm {
    pub item: String,
    pub label: String,
    pub present: bool,
    pub evidence: String,
    /// "张三 2026-05-01 09:00", or empty when never recorded.
    pub recorded: String,
    pub error: String,
}

fn items_of(v: &StationStandardView) -> Vec<ItemForm> {
    v.items
        .iter()
        .map(|i| ItemForm {
            item: i.item.clone(),
            label: i.label.clone(),
            present: i.present == Some(true),
            evidence: i.evidence.clone(),
            recorded: match (&i.recorded_by, &i.recorded_at) {
                (Some(by), Some(at)) => format!(
                    "{}：{by} {}",
                    if i.present == Some(true) {
                        "有"
                    } else {
                        "无"
                    },
                    at.replace('T', " ").chars().take(16).collect::<String>()
                ),
                _ => String::new(),
            },
            error: String::new(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "oversight_panel.html")]
struct Panel {
    org_id: String,
    csrf: String,
    station: Option<StationStandardView>,
    items: Vec<ItemForm>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "oversight_station.html")]
struct StationPage {
    chrome: Option<Chrome>,
    org_id: String,
    org_name: String,
    csrf: String,
    complete: bool,
    saved: bool,
    items: Vec<ItemForm>,
    errors: FieldErrors,
}

/// `GET /orgs/{id}/oversight-panel` (an HTML fragment).
pub async fn panel(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    // Not an admin over this node: nothing to show (the org page stays as it is).
    let view = match state.app.station_standard(&actor, &id).await {
        Ok(v) => v,
        Err(_) => return Html(String::new()).into_response(),
    };
    let items = items_of(&view);
    let p = Panel {
        org_id: view.org_id.clone(),
        csrf: actor.csrf_token.clone(),
        station: view.is_station.then_some(view),
        items,
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &p)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    saved: String,
}

async fn station_page(
    state: &AppState,
    actor: &Actor,
    id: &str,
    saved: bool,
) -> Result<StationPage, AppError> {
    let view = state.app.station_standard(actor, id).await?;
    if !view.is_station {
        return Err(AppError::invalid(
            "org_id",
            "not_a_station",
            "只有退役军人服务站记录“六个有”",
        ));
    }
    Ok(StationPage {
        chrome: Chrome::of(actor),
        org_id: view.org_id.clone(),
        org_name: view.org_name.clone(),
        csrf: actor.csrf_token.clone(),
        complete: view.complete,
        saved,
        items: items_of(&view),
        errors: FieldErrors::default(),
    })
}

/// `GET /orgs/{id}/station-standard`.
pub async fn form(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Response {
    match station_page(&state, &actor, &id, !q.saved.is_empty()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// `POST /orgs/{id}/station-standard`: every item of the form (`present.<item>` checked or
/// not, `evidence.<item>`).
pub async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&actor, f.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let codes = zhiyuan_domain::oversight::StandardItem::all();
    let input = StationStandardInput {
        items: codes
            .iter()
            .map(|item| StandardItemInput {
                item: item.as_str().to_owned(),
                present: f.contains_key(&format!("present.{}", item.as_str())),
                evidence: f
                    .get(&format!("evidence.{}", item.as_str()))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect(),
    };
    match state.app.record_station_standard(&actor, &id, &input).await {
        Ok(_) => see_other(&format!("/orgs/{id}/station-standard?saved=1")),
        Err(e) => match station_page(&state, &actor, &id, false).await {
            Ok(mut page) => {
                // Show what was typed, with the error beside its item.
                for it in &mut page.items {
                    if let Some(i) = input.items.iter().find(|i| i.item == it.item) {
                        it.present = i.present;
                        it.evidence = i.evidence.clone();
                    }
                    if e.field.as_deref() == Some(&format!("evidence.{}", it.item)) {
                        it.error = e.message.clone();
                    }
                }
                if !page.items.iter().any(|i| !i.error.is_empty()) {
                    page.errors = FieldErrors::from_error(&e);
                    if page.errors.general.is_none() {
                        page.errors.general = Some(e.message.clone());
                    }
                }
                render(status_of(e.kind), &page)
            }
            Err(_) => error_page(Some(&actor), &e),
        },
    }
}
