//! Applications: public submission and tracking, the admins' list, one application, the
//! review decision, the reviewer's queue.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use zhiyuan_app::recruitment::applications::{ApplicationList, NewApplication};
use zhiyuan_app::recruitment::review::ReviewInput;
use zhiyuan_app::recruitment::views::{
    ApplicationReceipt, ApplicationStatusView, ApplicationView, QueueView, ReviewResult,
};
use zhiyuan_app::views::Page;

use super::common::optional_actor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiQuery, ClientAddr};
use crate::AppState;

/// Submits an application (政审表). No account needed; with a bearer token, an admin enters it
/// for the applicant. Keep the `tracking_code`: it is the way to follow the application.
#[utoipa::path(post, path = "/api/v1/applications", tag = "recruitment", request_body = NewApplication,
    responses((status = 201, body = ApplicationReceipt), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn submit_application(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(input): ApiJson<NewApplication>,
) -> ApiResult<(StatusCode, Json<ApplicationReceipt>)> {
    let actor = optional_actor(&state, &headers).await?;
    let receipt = state
        .app
        .submit_application(actor.as_ref(), &input, &addr)
        .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Where an application stands, by its tracking code (public).
#[utoipa::path(get, path = "/api/v1/applications/track/{code}", tag = "recruitment", params(("code" = String, Path)),
    responses((status = 200, body = ApplicationStatusView), (status = 404, body = ErrorBody)))]
pub async fn track_application(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<ApplicationStatusView>> {
    Ok(Json(state.app.application_status(&code).await?))
}

/// Resubmits a returned application with corrections (public, by tracking code).
#[utoipa::path(put, path = "/api/v1/applications/track/{code}", tag = "recruitment", params(("code" = String, Path)), request_body = NewApplication,
    responses((status = 200, body = ApplicationStatusView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resubmit_application(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<NewApplication>,
) -> ApiResult<Json<ApplicationStatusView>> {
    Ok(Json(state.app.resubmit_application(&code, &input).await?))
}

/// Applications to units in the caller's area.
#[utoipa::path(get, path = "/api/v1/applications", tag = "recruitment", security(("bearer" = [])), params(ApplicationList),
    responses((status = 200, body = Page<ApplicationView>)))]
pub async fn list_applications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ApplicationList>,
) -> ApiResult<Json<Page<ApplicationView>>> {
    Ok(Json(state.app.list_applications(&actor, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.app.get_application(&actor, &id).await?))
}

/// A reviewer's decision: approve (the last level admits), return for changes, or reject.
#[utoipa::path(post, path = "/api/v1/applications/{id}/review", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = ReviewInput,
    responses((status = 200, body = ReviewResult), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_application(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<Json<ReviewResult>> {
    Ok(Json(
        state.app.review_application(&actor, &id, &input).await?,
    ))
}

/// The caller's review queue with counts per reviewing org.
#[utoipa::path(get, path = "/api/v1/review-queue", tag = "recruitment", security(("bearer" = [])),
    responses((status = 200, body = QueueView)))]
pub async fn get_review_queue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<QueueView>> {
    Ok(Json(state.app.review_queue(&actor).await?))
}
