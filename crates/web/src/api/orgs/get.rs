use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::OrgView;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// One node of the tree.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OrgView), (status = 404, body = ErrorBody)))]
pub async fn get_org(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(state.app.get_org(&actor, &id).await?))
}
