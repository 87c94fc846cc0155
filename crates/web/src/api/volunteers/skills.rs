use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillQuery {
    /// Part of a skill tag.
    #[serde(default)]
    pub q: String,
}

/// Skill tags already in use that contain `q`, most used first.
#[utoipa::path(get, path = "/api/v1/skills", tag = "volunteers", security(("bearer" = [])), params(SkillQuery),
    responses((status = 200, body = Vec<String>)))]
pub async fn list_skills(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<SkillQuery>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(state.app.skill_suggestions(&actor, &q.q).await?))
}
