//! Spot checks and leaving (withdraw, suspend, reinstate, history).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::recruitment::leaving::StatusInput;
use zhiyuan_app::recruitment::spot_checks::{NewSpotCheck, SpotResultInput};
use zhiyuan_app::recruitment::views::{SpotCheckView, StatusChangeView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Draws N active volunteers of an org's subtree at random for verification.
#[utoipa::path(post, path = "/api/v1/spot-checks", tag = "recruitment", security(("bearer" = [])), request_body = NewSpotCheck,
    responses((status = 201, body = SpotCheckView), (status = 422, body = ErrorBody)))]
pub async fn draw_spot_check(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewSpotCheck>,
) -> ApiResult<(StatusCode, Json<SpotCheckView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.draw_spot_check(&actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/spot-checks", tag = "recruitment", security(("bearer" = [])),
    responses((status = 200, body = Vec<SpotCheckView>)))]
pub async fn list_spot_checks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<SpotCheckView>>> {
    Ok(Json(state.app.spot_checks(&actor).await?))
}

#[utoipa::path(get, path = "/api/v1/spot-checks/{id}", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = SpotCheckView), (status = 404, body = ErrorBody)))]
pub async fn get_spot_check(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<SpotCheckView>> {
    Ok(Json(state.app.spot_check(&actor, &id).await?))
}

/// Records one verification result; unverifiable records are flagged.
#[utoipa::path(post, path = "/api/v1/spot-checks/{id}/results/{volunteer_id}", tag = "recruitment", params(("id" = String, Path), ("volunteer_id" = String, Path)), security(("bearer" = [])), request_body = SpotResultInput,
    responses((status = 200, body = SpotCheckView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_spot_check_result(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, volunteer_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<SpotResultInput>,
) -> ApiResult<Json<SpotCheckView>> {
    Ok(Json(
        state
            .app
            .record_spot_result(&actor, &id, &volunteer_id, &input)
            .await?,
    ))
}

/// The volunteer withdraws (own account only).
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/withdraw", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = StatusInput,
    responses((status = 200, body = Vec<StatusChangeView>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<Json<Vec<StatusChangeView>>> {
    Ok(Json(state.app.withdraw(&actor, &id, &input).await?))
}

/// An admin suspends a volunteer.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/suspend", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = StatusInput,
    responses((status = 200, body = Vec<StatusChangeView>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn suspend_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<Json<Vec<StatusChangeView>>> {
    Ok(Json(state.app.suspend(&actor, &id, &input).await?))
}

/// An admin reinstates a suspended volunteer.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/reinstate", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = StatusInput,
    responses((status = 200, body = Vec<StatusChangeView>), (status = 409, body = ErrorBody)))]
pub async fn reinstate_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<Json<Vec<StatusChangeView>>> {
    Ok(Json(state.app.reinstate(&actor, &id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/volunteers/{id}/status-history", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<StatusChangeView>)))]
pub async fn get_status_history(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<StatusChangeView>>> {
    Ok(Json(state.app.volunteer_status_history(&actor, &id).await?))
}
