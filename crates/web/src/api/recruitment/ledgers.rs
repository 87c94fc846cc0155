//! The talent pool search and the .xlsx exports (talent pool, org ledger, unit roster).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use zhiyuan_app::recruitment::ledgers::{ExportOptions, TalentSearch, TalentView};
use zhiyuan_app::views::Page;

use super::common::xlsx_response;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

/// The talent pool (人力资源库): veterans in scope by skill, specialty, branch, age, availability.
#[utoipa::path(get, path = "/api/v1/talent", tag = "recruitment", security(("bearer" = [])), params(TalentSearch),
    responses((status = 200, body = Page<TalentView>), (status = 422, body = ErrorBody)))]
pub async fn search_talent(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TalentSearch>,
) -> ApiResult<Json<Page<TalentView>>> {
    Ok(Json(state.app.talent_search(&actor, &q).await?))
}

/// The same search as .xlsx (ID numbers masked).
#[utoipa::path(get, path = "/api/v1/talent/export.xlsx", tag = "recruitment", security(("bearer" = [])), params(TalentSearch),
    responses((status = 200, description = ".xlsx")))]
pub async fn export_talent(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TalentSearch>,
) -> ApiResult<Response> {
    Ok(xlsx_response(state.app.talent_export(&actor, &q).await?))
}

/// The volunteer ledger of an org's subtree; `full_ids=true` only for roles allowed (logged).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/ledger.xlsx", tag = "recruitment", security(("bearer" = [])), params(("id" = String, Path), ExportOptions),
    responses((status = 200, description = ".xlsx"), (status = 403, body = ErrorBody)))]
pub async fn export_org_ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(o): ApiQuery<ExportOptions>,
) -> ApiResult<Response> {
    Ok(xlsx_response(
        state.app.ledger_export(&actor, &id, &o).await?,
    ))
}

/// A unit's roster with its sub-units, positions and registration numbers.
#[utoipa::path(get, path = "/api/v1/teams/{id}/roster.xlsx", tag = "recruitment", security(("bearer" = [])), params(("id" = String, Path), ExportOptions),
    responses((status = 200, description = ".xlsx"), (status = 403, body = ErrorBody)))]
pub async fn export_team_roster(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(o): ApiQuery<ExportOptions>,
) -> ApiResult<Response> {
    Ok(xlsx_response(
        state.app.roster_export(&actor, &id, &o).await?,
    ))
}
