//! Ledger downloads from the pages (台账导出): the talent-pool search, a unit's roster
//! (花名册) and an org subtree's volunteer ledger (志愿者台账) as .xlsx, answered with a
//! Chinese file name (RFC 5987 `filename*`). Same use cases as the API; a refusal is an
//! error page rather than JSON, since a person clicked the link.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use zhiyuan_app::recruitment::ledgers::{Export, ExportOptions};
use zhiyuan_app::AppResult;

use super::talent::TalentForm;
use crate::api::recruitment::common::xlsx_response;
use crate::extract::PageActor;
use crate::pages::{error_page, FieldErrors};
use crate::AppState;

fn answer(actor: &zhiyuan_app::Actor, r: AppResult<Export>) -> Response {
    match r {
        Ok(e) => xlsx_response(e),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// `/recruitment/talent/export.xlsx`: the talent search of the same query, every page.
pub async fn talent(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(form): Query<TalentForm>,
) -> Response {
    let search = match form.search_all() {
        Ok(s) => s,
        Err(errors) => {
            let message = errors
                .by_field
                .values()
                .next()
                .cloned()
                .unwrap_or_else(|| "查询条件有误".to_owned());
            return error_page(
                Some(&actor),
                &zhiyuan_app::AppError::invalid("query", "query_invalid", message),
            );
        }
    };
    answer(&actor, state.app.talent_export(&actor, &search).await)
}

/// `/teams/{id}/roster.xlsx`: the unit's roster with its sub-units and positions.
pub async fn roster(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(o): Query<ExportOptions>,
) -> Response {
    answer(&actor, state.app.roster_export(&actor, &id, &o).await)
}

/// `/orgs/{id}/ledger.xlsx`: the volunteer ledger of the org's whole subtree.
pub async fn ledger(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(o): Query<ExportOptions>,
) -> Response {
    answer(&actor, state.app.ledger_export(&actor, &id, &o).await)
}

impl TalentForm {
    /// The search for an export: the typed filters, no paging.
    fn search_all(&self) -> Result<zhiyuan_app::recruitment::ledgers::TalentSearch, FieldErrors> {
        let mut s = self.search().map_err(|(_, e)| e)?;
        s.page = None;
        s.per_page = None;
        Ok(s)
    }
}
