use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::{Page, TeamView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Units in the node's subtree that the caller may see.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/teams", tag = "orgs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<TeamView>), (status = 404, body = ErrorBody)))]
pub async fn list_org_teams(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<TeamView>>> {
    let items = state.app.teams_of_org(&actor, &id).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}
