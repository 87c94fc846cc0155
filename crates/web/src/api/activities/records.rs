//! Attendance, service records, approvals, amendments, check-in codes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use zhiyuan_app::activities::records::{Decision, NewAmendment, NewAttendance};
use zhiyuan_app::activities::views::{AmendmentView, RecordView, RecordsPage};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// An officer enters a volunteer's check-in and check-out (API.md).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewAttendance,
    responses((status = 201, body = RecordView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_attendance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewAttendance>,
) -> ApiResult<(StatusCode, Json<RecordView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.record_attendance(&actor, &id, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/attendance", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Vec<RecordView>)))]
pub async fn list_attendance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RecordView>>> {
    Ok(Json(state.app.activity_records(&actor, &id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CodeBody {
    pub token: String,
    pub path: String,
    pub expires_at: i64,
}

/// A fresh rotating check-in code (valid about a minute) for the activity's officer.
#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-code", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = CodeBody)))]
pub async fn get_activity_checkin_code(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CodeBody>> {
    let c = state.app.checkin_code(&actor, &id).await?;
    Ok(Json(CodeBody {
        token: c.token,
        path: c.path,
        expires_at: c.expires_at,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ScanBody {
    /// in or out
    pub action: String,
    pub record: RecordView,
}

/// The logged-in volunteer scans a code: checked in, or out when already in.
#[utoipa::path(post, path = "/api/v1/checkin/{token}", tag = "activities", security(("bearer" = [])), params(("token" = String, Path)),
    responses((status = 200, body = ScanBody), (status = 422, body = ErrorBody)))]
pub async fn scan_activity_checkin(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(token): Path<String>,
) -> ApiResult<Json<ScanBody>> {
    let r = state.app.scan_checkin(&actor, &token).await?;
    Ok(Json(ScanBody {
        action: r.action,
        record: r.record,
    }))
}

/// The volunteer's records with hours, the year's total, 20 h progress and star level.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/service-records", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RecordsPage), (status = 404, body = ErrorBody)))]
pub async fn list_service_records(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<RecordsPage>> {
    Ok(Json(state.app.volunteer_records(&actor, &id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryBody {
    pub record: RecordView,
    pub amendments: Vec<AmendmentView>,
}

/// A record with its amendment history (who, why, old, new).
#[utoipa::path(get, path = "/api/v1/service-records/{id}", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = HistoryBody)))]
pub async fn get_service_record(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<HistoryBody>> {
    let (record, amendments) = state.app.record_history(&actor, &id).await?;
    Ok(Json(HistoryBody { record, amendments }))
}

/// Approves or rejects hours over 8 h (team) or 12 h (level above) in a day.
#[utoipa::path(post, path = "/api/v1/service-records/{id}/decision", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = Decision,
    responses((status = 200, body = RecordView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_service_record(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<RecordView>> {
    Ok(Json(state.app.decide_record(&actor, &id, &d).await?))
}

/// Asks for a correction of a record (never an overwrite).
#[utoipa::path(post, path = "/api/v1/service-records/{id}/amendments", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewAmendment,
    responses((status = 201, body = AmendmentView), (status = 422, body = ErrorBody)))]
pub async fn create_amendment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewAmendment>,
) -> ApiResult<(StatusCode, Json<AmendmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.request_amendment(&actor, &id, &input).await?),
    ))
}

/// The team approves or rejects a correction; not the one who asked.
#[utoipa::path(post, path = "/api/v1/amendments/{id}/decision", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = Decision,
    responses((status = 200, body = AmendmentView), (status = 403, body = ErrorBody)))]
pub async fn decide_amendment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<AmendmentView>> {
    Ok(Json(state.app.decide_amendment(&actor, &id, &d).await?))
}
