//! The scene: the rotating check-in code, a volunteer's scan, an officer's mark.

use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::activities::checkin::CheckinCode;
use zhiyuan_app::emergency::site::{PresenceMark, PresenceResult};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// A fresh check-in code for the scene (valid about a minute).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/checkin-code", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "{token, path, expires_at}"), (status = 404, body = ErrorBody)))]
pub async fn get_incident_checkin_code(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckinCode>> {
    Ok(Json(state.app.incident_checkin_code(&actor, &id).await?))
}

/// The volunteer scanned the scene's code: arrives, or leaves when on site.
#[utoipa::path(post, path = "/api/v1/incidents/checkin/{token}", tag = "emergency", security(("bearer" = [])), params(("token" = String, Path)),
    responses((status = 200, body = PresenceResult), (status = 422, body = ErrorBody)))]
pub async fn scan_incident_checkin(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(token): Path<String>,
) -> ApiResult<Json<PresenceResult>> {
    Ok(Json(state.app.scan_incident_checkin(&actor, &token).await?))
}

/// An officer marks `{"volunteer_id","action":"arrive"|"leave"}`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/presence", tag = "emergency", security(("bearer" = [])), params(("id" = String, Path)), request_body = PresenceMark,
    responses((status = 200, body = PresenceResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_presence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<PresenceMark>,
) -> ApiResult<Json<PresenceResult>> {
    Ok(Json(state.app.mark_presence(&actor, &id, &m).await?))
}
