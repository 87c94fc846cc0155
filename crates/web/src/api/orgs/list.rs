use axum::extract::State;
use axum::Json;
use zhiyuan_app::views::{OrgView, Page};

use crate::error::ApiResult;
use crate::extract::ApiActor;
use crate::AppState;

/// The nodes the caller starts from (the roots for a super-administrator, the own node for an admin).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])),
    responses((status = 200, body = Page<OrgView>)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Page<OrgView>>> {
    let items = state.app.my_orgs(&actor).await?;
    Ok(Json(Page {
        total: items.len() as i64,
        items,
    }))
}
