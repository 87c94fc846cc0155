//! The scene's check-in: `/incidents/{id}/qr` shows the rotating code (htmx swaps a fresh one
//! every 20 s, as for activities); `/incidents/checkin/{token}` is where a scan leads: after
//! login, one button that checks the volunteer in at the scene, or out when on site.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::emergency::IncidentView;
use zhiyuan_app::{Actor, AppError};

use super::super::activities::qr::{code_stopped, CodeFragment, REFRESH_SECS};
use super::super::{check_csrf, error_page, render, Chrome};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Template)]
#[template(path = "emergency_qr.html")]
struct QrPage {
    chrome: Option<Chrome>,
    i: IncidentView,
    code_html: String,
    refresh_secs: i64,
}

#[derive(Template)]
#[template(path = "emergency_checkin.html")]
struct ConfirmPage {
    chrome: Option<Chrome>,
    token: String,
    preview: Option<(IncidentView, bool)>,
    error: Option<String>,
    done: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

async fn code(
    state: &AppState,
    actor: &Actor,
    id: &str,
    headers: &HeaderMap,
) -> Result<CodeFragment, AppError> {
    let c = state.app.incident_checkin_code(actor, id).await?;
    CodeFragment::new(
        state,
        headers,
        format!("/incidents/{id}/qr/code"),
        &c.path,
        c.expires_at,
    )
}

pub async fn screen(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let loaded = async {
        let i = state.app.get_incident(&actor, &id).await?;
        let code_html = code(&state, &actor, &id, &headers)
            .await?
            .render()
            .map_err(|_| AppError::internal())?;
        Ok::<_, AppError>(QrPage {
            chrome: Chrome::of(&actor),
            i,
            code_html,
            refresh_secs: REFRESH_SECS,
        })
    }
    .await;
    match loaded {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn fragment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match code(&state, &actor, &id, &headers).await {
        Ok(f) => render(StatusCode::OK, &f),
        Err(e) => code_stopped(&e),
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(token): Path<String>,
) -> Response {
    let (status, preview, error) = match state.app.incident_checkin_preview(&actor, &token).await {
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
            done: None,
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
    let (status, done, error) = match state.app.scan_incident_checkin(&actor, &token).await {
        Ok(r) => (
            StatusCode::OK,
            Some(if r.action == "arrived" {
                "已到场签到，注意安全！".to_owned()
            } else {
                "已签退，辛苦了！".to_owned()
            }),
            None,
        ),
        Err(e) => (status_of(e.kind), None, Some(e.message)),
    };
    let preview = state
        .app
        .incident_checkin_preview(&actor, &token)
        .await
        .ok();
    render(
        status,
        &ConfirmPage {
            chrome: Chrome::of(&actor),
            token,
            preview,
            error,
            done,
        },
    )
}
