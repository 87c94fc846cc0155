use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::oversight::views::{StatsQuery, StatsView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

/// Totals over the org's subtree (the node included): nodes by level, stations, teams,
/// volunteers (veterans, party members, age bands, sex), activities by kind, project and month,
/// service hours, registered share, and a row per child node. For admins covering the node.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/stats", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path), StatsQuery),
    responses((status = 200, body = StatsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_org_stats(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<StatsView>> {
    Ok(Json(state.app.org_stats(&actor, &id, &q).await?))
}
