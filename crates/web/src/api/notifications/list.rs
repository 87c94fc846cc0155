use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zhiyuan_app::notifications::NotificationPage;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The caller's notices, newest first: `{"items":[…],"total":N,"unread":N}`.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = ErrorBody)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<NotificationPage>> {
    Ok(Json(
        state.app.notifications(&actor, q.page, q.per_page).await?,
    ))
}
