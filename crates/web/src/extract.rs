//! Request extractors: who is calling (bearer token or session cookie, with CSRF for cookie
//! writes), from where, and JSON bodies and queries that fail in the API's error shape.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use zhiyuan_app::{Actor, AppError};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "zy_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The session token of a page request (cookie only).
pub fn session_token(parts: &Parts) -> Option<String> {
    cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned)
}

/// An API caller. A bearer token needs nothing more; a session cookie on a state-changing
/// request must come with the session's CSRF token in `X-CSRF-Token`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            return Ok(ApiActor(state.app.authenticate(token).await?));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(AppError::unauthorized)?;
        let actor = state.app.authenticate(token).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| csrf_matches(s, &actor)) {
                return Err(csrf_error().into());
            }
        }
        Ok(ApiActor(actor))
    }
}

pub fn csrf_error() -> AppError {
    AppError::new(
        zhiyuan_app::ErrorKind::Forbidden,
        "csrf_failed",
        "页面已过期，请刷新后重试",
    )
}

/// The sent CSRF token matches the session's, compared in constant time.
pub fn csrf_matches(sent: &str, actor: &Actor) -> bool {
    zhiyuan_app::crypto::constant_time_eq(sent.as_bytes(), actor.csrf_token.as_bytes())
}

/// A page visitor who must be logged in; others are sent to the login page.
pub struct PageActor(pub Actor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            Redirect::to(&format!("/login?next={}", urlencoding::encode(next))).into_response()
        };
        let Some(token) = session_token(parts) else {
            return Err(to_login());
        };
        match state.app.authenticate(&token).await {
            Ok(actor) => Ok(PageActor(actor)),
            Err(_) => Err(to_login()),
        }
    }
}

/// The client's address for login throttling: the peer, or `X-Forwarded-For`'s last hop
/// when the peer is the configured reverse proxy (trusting it from anyone else would let a
/// guesser pick a fresh bucket per request).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer: Option<IpAddr> = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = || {
            parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        };
        let addr = match (peer, state.config.trusted_proxy) {
            (Some(p), Some(proxy)) if p == proxy => forwarded().or(peer),
            _ => peer,
        };
        Ok(ClientAddr(
            addr.map(|a| a.to_string())
                .unwrap_or_else(|| "local".to_owned()),
        ))
    }
}

/// `Json<T>` whose rejections use the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// `Query<T>` whose rejections use the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(v) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}
