//! `/activities/{id}/qr`: the officer's phone shows the rotating check-in code (扫码签到) as
//! inline SVG with its link under it; htmx fetches a fresh code every 20 s (a code lives
//! about a minute, so a scan just before the swap still works) and a countdown shows when.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use zhiyuan_app::activities::checkin::qr_svg;
use zhiyuan_app::activities::ActivityView;
use zhiyuan_app::{Actor, AppError};

use super::super::{error_page, render, Chrome};
use crate::extract::PageActor;
use crate::AppState;

/// Seconds between refreshes of the shown code.
pub const REFRESH_SECS: i64 = 20;

/// The rotating code with its link, as htmx swaps it in (activities and incidents alike).
#[derive(Template)]
#[template(path = "qr_code.html")]
pub(crate) struct CodeFragment {
    /// Where htmx fetches the next code.
    refresh_path: String,
    svg: String,
    link: String,
    expires_at: i64,
    refresh_secs: i64,
}

impl CodeFragment {
    /// `code_path` is the scan target; the link is made absolute on this site's own address.
    pub(crate) fn new(
        state: &AppState,
        headers: &HeaderMap,
        refresh_path: String,
        code_path: &str,
        expires_at: i64,
    ) -> Result<CodeFragment, AppError> {
        let link = format!("{}{}", site_origin(state, headers), code_path);
        Ok(CodeFragment {
            refresh_path,
            svg: qr_svg(&link, 320)?,
            link,
            expires_at,
            refresh_secs: REFRESH_SECS,
        })
    }
}

/// The fragment's answer when no code can be shown: htmx swaps only 2xx answers, so say why
/// the code stopped with a 200, which also stops the polling.
pub(crate) fn code_stopped(e: &AppError) -> Response {
    (
        StatusCode::OK,
        Html(format!(
            "<div id=\"qr-code\" class=\"qr-box\"><p class=\"error\" role=\"alert\">{}</p></div>",
            super::super::listing::escape_html(&e.message)
        )),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "checkin_qr.html")]
struct QrPage {
    chrome: Option<Chrome>,
    a: ActivityView,
    /// The rendered [`CodeFragment`], the same markup htmx swaps in later.
    code_html: String,
    refresh_secs: i64,
}

/// The site's own address as the phone that opened this page sees it (Host header), so the
/// scanned link leads back to the same server.
pub fn site_origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

async fn code(
    state: &AppState,
    actor: &Actor,
    id: &str,
    headers: &HeaderMap,
) -> Result<CodeFragment, AppError> {
    let c = state.app.checkin_code(actor, id).await?;
    CodeFragment::new(
        state,
        headers,
        format!("/activities/{id}/qr/code"),
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
        let a = state.app.get_activity(&actor, &id).await?;
        let code_html = code(&state, &actor, &id, &headers)
            .await?
            .render()
            .map_err(|_| AppError::internal())?;
        Ok::<_, AppError>(QrPage {
            chrome: Chrome::of(&actor),
            a,
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

/// The code alone, for htmx to swap in.
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
