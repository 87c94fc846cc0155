//! `zhiyuan-web`: HTTP for people and programs. The JSON API (`api/`, one file per action)
//! and server-rendered pages (`pages/`) share the use cases of `zhiyuan-app`; neither
//! touches the store.

pub mod api;
pub mod error;
pub mod extract;
pub mod pages;

use std::net::{IpAddr, SocketAddr};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use zhiyuan_app::{App, AppError};

/// Settings of the HTTP layer.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The reverse proxy whose `X-Forwarded-For` is believed.
    pub trusted_proxy: Option<IpAddr>,
    /// Session lifetime, for the cookie's Max-Age.
    pub session_hours: i64,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

/// Largest request body accepted (JSON and forms).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState { app, config };
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .route("/healthz", get(healthz))
        .route("/static/htmx.min.js", get(htmx_js))
        .route("/static/app.css", get(app_css))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                error::error_response(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal())
            },
        ))
        .with_state(state)
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(app: App, config: WebConfig, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    // Emergency response: listen for board events and load the candidate index now.
    app.start_emergency().await;
    app.warm_up_emergency();
    let router = router(app, config);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.app.healthy().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error::error_response(StatusCode::NOT_FOUND, AppError::not_found("接口"))
    } else {
        pages::not_found_page()
    }
}

const HTMX: &str = include_str!("../assets/htmx.min.js");
const APP_CSS: &str = include_str!("../assets/app.css");

fn cached(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

async fn htmx_js() -> Response {
    cached("text/javascript; charset=utf-8", HTMX)
}

async fn app_css() -> Response {
    cached("text/css; charset=utf-8", APP_CSS)
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Lax (no cross-site posts).
pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_hours.max(1) * 3600;
    format!(
        "{}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
        extract::SESSION_COOKIE
    )
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}",
        extract::SESSION_COOKIE
    )
}

/// The token a request authenticated with: bearer first, then the session cookie.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    extract::bearer(headers)
        .or_else(|| extract::cookie(headers, extract::SESSION_COOKIE))
        .map(str::to_owned)
}
