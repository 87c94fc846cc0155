use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::VolunteerView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// One volunteer, with the units they belong to.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = VolunteerView), (status = 404, body = ErrorBody)))]
pub async fn get_volunteer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<VolunteerView>> {
    Ok(Json(state.app.get_volunteer(&actor, &id).await?))
}
