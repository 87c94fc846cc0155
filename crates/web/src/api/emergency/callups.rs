//! Candidates and call-ups: `GET …/candidates`, `POST/GET …/callups`, a volunteer's own
//! call-ups and their answer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::emergency::callups::{CallupAnswer, CandidateQuery, NewCallups};
use zhiyuan_app::emergency::{CallupView, CandidateView, IncidentView};
use zhiyuan_app::views::Page;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiQuery};
use crate::AppState;

/// Ranked candidates (API.md): `{"items":[{"volunteer_id","name","distance_km","skills",…}]}`,
/// nearest first, then emergency-detachment members, then the least called this year.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/candidates", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path), CandidateQuery),
    responses((status = 200, body = Page<CandidateView>), (status = 404, body = ErrorBody)))]
pub async fn list_candidates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> ApiResult<Json<Page<CandidateView>>> {
    let items = state.app.incident_candidates(&actor, &id, &q).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}

/// Calls up `{"volunteer_ids":[…]}` or `{"best": N}` (API.md), with an optional
/// `response_minutes`. All or nothing: unknown volunteer 404, outside the commanding org 403,
/// not active 422, already called or committed elsewhere 409 (`field`: `volunteer_ids`).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/callups", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewCallups,
    responses((status = 201, body = Page<CallupView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_callups(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewCallups>,
) -> ApiResult<(StatusCode, Json<Page<CallupView>>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.call_up(&actor, &id, &input).await?),
    ))
}

/// Every call-up of an incident and its answer.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/callups", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<CallupView>), (status = 404, body = ErrorBody)))]
pub async fn list_incident_callups(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<CallupView>>> {
    Ok(Json(state.app.incident_callups(&actor, &id).await?))
}

/// The caller's own call-ups (a volunteer account), newest first.
#[utoipa::path(get, path = "/api/v1/callups", tag = "emergency", security(("bearer" = [])),
    responses((status = 200, body = Page<CallupView>), (status = 403, body = ErrorBody)))]
pub async fn list_my_callups(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Page<CallupView>>> {
    let items = state.app.my_callups(&actor).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CallupDetail {
    pub callup: CallupView,
    pub incident: IncidentView,
}

#[utoipa::path(get, path = "/api/v1/callups/{id}", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CallupDetail), (status = 404, body = ErrorBody)))]
pub async fn get_callup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CallupDetail>> {
    let (callup, incident) = state.app.get_callup(&actor, &id).await?;
    Ok(Json(CallupDetail { callup, incident }))
}

/// The volunteer's own answer `{"accept": true|false}`. Declining is always allowed and
/// costs nothing; accepting after the deadline answers 409 `callup_expired`.
#[utoipa::path(post, path = "/api/v1/callups/{id}/answer", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)), request_body = CallupAnswer,
    responses((status = 200, body = CallupView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn answer_callup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<CallupAnswer>,
) -> ApiResult<Json<CallupView>> {
    Ok(Json(state.app.answer_callup(&actor, &id, &a).await?))
}
