//! The live board: its state as JSON, its events as a server-sent stream, the muster report.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;
use zhiyuan_app::emergency::views::BoardView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Counts against the headcount and every call-up.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/board", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = BoardView), (status = 404, body = ErrorBody)))]
pub async fn get_incident_board(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<BoardView>> {
    Ok(Json(state.app.incident_board(&actor, &id).await?.0))
}

/// Server-sent events of the incident (`text/event-stream`): first `ready`, then one `board`
/// event per change (`{"incident_id","kind","callup_id","volunteer_id","at"}`), from every
/// server process on the same PostgreSQL. A `resync` event asks the board to reload.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/events", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream"), (status = 404, body = ErrorBody)))]
pub async fn stream_incident_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let rx = state.app.incident_events(&actor, &id).await?;
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let changes = stream::unfold((rx, id), |(mut rx, id)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if e.incident_id == id => {
                    let ev = Event::default().event("board").data(e.payload());
                    return Some((Ok(ev), (rx, id)));
                }
                Ok(e) if e.kind == "resync" => {
                    let ev = Event::default().event("resync").data("{}");
                    return Some((Ok(ev), (rx, id)));
                }
                Ok(_) => {}
                // Fell behind: some events were dropped, so the board reloads.
                Err(RecvError::Lagged(_)) => {
                    let ev = Event::default().event("resync").data("{}");
                    return Some((Ok(ev), (rx, id)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream::StreamExt::chain(ready, changes))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The muster report (.xlsx).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/muster.xlsx", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = ".xlsx"), (status = 404, body = ErrorBody)))]
pub async fn get_muster_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (name, bytes) = state.app.muster_report(&actor, &id).await?;
    let disposition = format!(
        "attachment; filename=\"muster.xlsx\"; filename*=UTF-8''{}",
        urlencoding::encode(&name)
    );
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
