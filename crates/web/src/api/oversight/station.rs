//! A service station's 六个有 checklist.

use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::oversight::views::{StationStandardInput, StationStandardView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// The station standard (六个有) as recorded, item by item with its evidence.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/station-standard", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = StationStandardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_station_standard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<StationStandardView>> {
    Ok(Json(state.app.station_standard(&actor, &id).await?))
}

/// Records items of a service station's checklist; an item marked present needs evidence.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/station-standard", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = StationStandardInput,
    responses((status = 200, body = StationStandardView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_station_standard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StationStandardInput>,
) -> ApiResult<Json<StationStandardView>> {
    Ok(Json(
        state
            .app
            .record_station_standard(&actor, &id, &input)
            .await?,
    ))
}
