use axum::extract::State;
use axum::Json;
use zhiyuan_app::views::{Page, VolunteerView};
use zhiyuan_app::volunteers::VolunteerSearch;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

/// Volunteers within the caller's scope, by name fragment, phone tail, skill, org and flags.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])), params(VolunteerSearch),
    responses((status = 200, body = Page<VolunteerView>), (status = 400, body = ErrorBody)))]
pub async fn search_volunteers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<VolunteerSearch>,
) -> ApiResult<Json<Page<VolunteerView>>> {
    Ok(Json(state.app.search_volunteers(&actor, &q).await?))
}
