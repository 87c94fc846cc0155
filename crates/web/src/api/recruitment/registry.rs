//! Settings: a team's eligibility policy, a tree's review levels, registration authorities
//! and their number ranges.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::recruitment::registry::{
    AuthorityInput, NewRange, PolicyInput, PolicyView, ReviewLevelsInput,
};
use zhiyuan_app::recruitment::views::RangeView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// The policy that applies to applications to this unit (public: the form shows it).
#[utoipa::path(get, path = "/api/v1/teams/{id}/policy", tag = "recruitment", params(("id" = String, Path)),
    responses((status = 200, body = PolicyView), (status = 404, body = ErrorBody)))]
pub async fn get_team_policy(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(state.app.public_policy(&id).await?))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/policy", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = PolicyInput,
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_team_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(state.app.set_policy(&actor, &id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}/review-levels", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<String>)))]
pub async fn get_review_levels(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(state.app.review_levels_of(&actor, &id).await?))
}

/// Which org levels review applications in this tree (set on its root).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/review-levels", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = ReviewLevelsInput,
    responses((status = 200, body = Vec<String>), (status = 422, body = ErrorBody)))]
pub async fn update_review_levels(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewLevelsInput>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(
        state.app.set_review_levels(&actor, &id, &input).await?,
    ))
}

/// Marks or unmarks an org as a registration authority (注册机构).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/registration-authority", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = AuthorityInput,
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn set_registration_authority(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AuthorityInput>,
) -> ApiResult<StatusCode> {
    state
        .app
        .set_registration_authority(&actor, &id, input.registration_authority)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Allots a range of registration numbers to an authority.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/number-ranges", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])), request_body = NewRange,
    responses((status = 201, body = RangeView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_number_range(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewRange>,
) -> ApiResult<(StatusCode, Json<RangeView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.allot_range(&actor, &id, &input).await?),
    ))
}

/// An authority's ranges with usage (`near_end` from 90 %).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/number-ranges", tag = "recruitment", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<RangeView>)))]
pub async fn list_number_ranges(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RangeView>>> {
    Ok(Json(state.app.ranges(&actor, &id).await?))
}
