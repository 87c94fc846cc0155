//! `POST/GET /api/v1/activities`, `GET /api/v1/activities/{id}`, status moves; projects.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_app::activities::{ActivitySearch, ActivityView, NewActivity, NewProject, ProjectView};
use zhiyuan_app::views::Page;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiQuery};
use crate::AppState;

/// Creates a service project (服务项目) of an org or a unit.
#[utoipa::path(post, path = "/api/v1/projects", tag = "activities", security(("bearer" = [])), request_body = NewProject,
    responses((status = 201, body = ProjectView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_project(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_project(&actor, &input).await?),
    ))
}

/// Service projects in the caller's scope.
#[utoipa::path(get, path = "/api/v1/projects", tag = "activities", security(("bearer" = [])), responses((status = 200, body = Page<ProjectView>)))]
pub async fn list_projects(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Page<ProjectView>>> {
    let items = state.app.list_projects(&actor).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}

/// Creates an activity (API.md). Recurring ones (`recurrence`, `occurrences`) create every
/// occurrence and answer the first, with `series_id`. With `backfill_reason` it may lie in the
/// past and is created as done.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), request_body = NewActivity,
    responses((status = 201, body = ActivityView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewActivity>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let views = state.app.create_activity(&actor, &input).await?;
    let mut first = serde_json::to_value(&views[0]).unwrap_or_default();
    if views.len() > 1 {
        first["occurrences"] = serde_json::to_value(&views).unwrap_or_default();
    }
    Ok((StatusCode::CREATED, Json(first)))
}

/// Activities in the caller's scope; for a volunteer, the open ones they may join.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), params(ActivitySearch),
    responses((status = 200, body = Page<ActivityView>)))]
pub async fn list_activities(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ActivitySearch>,
) -> ApiResult<Json<Page<ActivityView>>> {
    Ok(Json(state.app.list_activities(&actor, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ActivityView), (status = 404, body = ErrorBody)))]
pub async fn get_activity(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivityView>> {
    Ok(Json(state.app.get_activity(&actor, &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// published, cancelled or done
    pub status: String,
}

/// Draft → published → cancelled or done.
#[utoipa::path(post, path = "/api/v1/activities/{id}/status", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = StatusChange,
    responses((status = 200, body = ActivityView), (status = 409, body = ErrorBody)))]
pub async fn set_activity_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<StatusChange>,
) -> ApiResult<Json<ActivityView>> {
    Ok(Json(
        state
            .app
            .set_activity_status(&actor, &id, &s.status)
            .await?,
    ))
}
