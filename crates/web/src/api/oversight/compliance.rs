use axum::extract::{Path, State};
use axum::Json;
use zhiyuan_app::oversight::views::{ComplianceQuery, ComplianceView};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::AppState;

/// Rules broken in the subtree, in the fixed order of the rules, paged (`total`, `by_rule`).
/// Rule codes: village_without_team, team_under_strength, team_without_officer,
/// team_no_monthly_activity (`?month=YYYY-MM`, default the last full month),
/// volunteer_under_20h (from 1 October, or `?year=`), registration_ratio_low,
/// station_standard_incomplete.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/compliance", tag = "oversight", security(("bearer" = [])),
    params(("id" = String, Path), ComplianceQuery),
    responses((status = 200, body = ComplianceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_compliance_findings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> ApiResult<Json<ComplianceView>> {
    Ok(Json(state.app.compliance(&actor, &id, &q).await?))
}
