use axum::extract::State;
use axum::Json;
use zhiyuan_app::views::{Page, TeamView};

use crate::error::ApiResult;
use crate::extract::ApiActor;
use crate::AppState;

/// The caller's units: a team leader's own unit, an admin's root units.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Page<TeamView>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Page<TeamView>>> {
    let items = state.app.my_teams(&actor).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}
