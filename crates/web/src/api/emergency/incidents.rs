//! `POST/GET /api/v1/incidents`, `GET /api/v1/incidents/{id}`, status moves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_app::emergency::{IncidentSearch, IncidentView, NewIncident};
use zhiyuan_app::views::Page;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiQuery};
use crate::AppState;

/// Opens an incident (API.md). The commanding org is the caller's own (a super-administrator
/// names `org_id`). 422 with `field` for a bad place (`location.lat`, `location.lon`:
/// `coordinate_out_of_range`), headcount (`needed`: `needed_invalid`) or skill (`skills`:
/// `unknown_skill`); nothing is written then.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "emergency", security(("bearer" = [])), request_body = NewIncident,
    responses((status = 201, body = IncidentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewIncident>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_incident(&actor, &input).await?),
    ))
}

/// Incidents commanded in the caller's subtree, newest first.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "emergency", security(("bearer" = [])), params(IncidentSearch),
    responses((status = 200, body = Page<IncidentView>), (status = 403, body = ErrorBody)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<IncidentSearch>,
) -> ApiResult<Json<Page<IncidentView>>> {
    Ok(Json(state.app.list_incidents(&actor, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 404, body = ErrorBody)))]
pub async fn get_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentView>> {
    Ok(Json(state.app.get_incident(&actor, &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// standing_down or closed
    pub status: String,
}

/// Open → standing down (pending call-ups withdrawn) → closed (time on site becomes service
/// records of the incident's activity).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/status", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)), request_body = StatusChange,
    responses((status = 200, body = IncidentView), (status = 409, body = ErrorBody)))]
pub async fn set_incident_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<StatusChange>,
) -> ApiResult<Json<IncidentView>> {
    Ok(Json(
        state
            .app
            .set_incident_status(&actor, &id, &s.status)
            .await?,
    ))
}
