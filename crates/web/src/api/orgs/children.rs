use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::views::{OrgView, Page};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// The direct children of a node.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/children", tag = "orgs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Page<OrgView>), (status = 404, body = ErrorBody)))]
pub async fn list_org_children(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<OrgView>>> {
    let items = state.app.org_children(&actor, &id).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}
