use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zhiyuan_app::notifications::report_tasks::ReportTaskList;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Tasks set within the caller's subtree or asking an org in it, latest deadline first.
#[utoipa::path(get, path = "/api/v1/report-tasks", tag = "report_tasks", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ReportTaskList), (status = 403, body = ErrorBody)))]
pub async fn list_report_tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ReportTaskList>> {
    Ok(Json(
        state.app.report_tasks(&actor, q.page, q.per_page).await?,
    ))
}
