use axum::extract::State;
use axum::Json;
use zhiyuan_app::views::{Page, UserView};

use crate::error::ApiResult;
use crate::extract::ApiActor;
use crate::AppState;

/// Accounts within the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Page<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Page<UserView>>> {
    Ok(Json(state.app.list_users(&actor).await?))
}
