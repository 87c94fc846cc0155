//! `/activities`: the officer's list of activities in scope, filtered by status, unit, month.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::activities::{ActivitySearch, ActivityView};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, Opt};
use super::super::listing::{page_of, query_string, Pager};
use super::super::{error_page, render, see_other, Chrome, FieldErrors};
use super::statuses;
use crate::extract::PageActor;
use crate::AppState;

const PER_PAGE: i64 = 30;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    team_id: String,
    /// "YYYY-MM" (an `<input type=month>`).
    month: String,
    page: String,
}

#[derive(Template)]
#[template(path = "activities_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    q: ListQuery,
    statuses: Vec<Opt>,
    teams: Vec<Opt>,
    items: Vec<ActivityView>,
    total: i64,
    pager: Pager,
    errors: FieldErrors,
}

async fn load(state: &AppState, actor: &Actor, q: ListQuery) -> Result<ListPage, AppError> {
    let app = &state.app;
    let teams = std::iter::once(Opt::new("", "全部队伍"))
        .chain(forms::team_opts(&forms::area_teams(app, actor).await?))
        .collect();
    let page = page_of(&q.page);
    let search = ActivitySearch {
        status: forms::opt_text(&q.status),
        team_id: forms::opt_text(&q.team_id),
        month: forms::opt_text(&q.month),
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let mut errors = FieldErrors::default();
    let (items, total) = match app.list_activities(actor, &search).await {
        Ok(got) => (got.items, got.total),
        Err(e) if e.field.as_deref() == Some("month") => {
            errors = FieldErrors::from_error(&e);
            (Vec::new(), 0)
        }
        Err(e) => return Err(e),
    };
    let pager = Pager::new(total, page, PER_PAGE, |n| {
        let n = n.to_string();
        format!(
            "/activities?{}",
            query_string(&[
                ("status", &q.status),
                ("team_id", &q.team_id),
                ("month", &q.month),
                ("page", &n),
            ])
        )
    });
    Ok(ListPage {
        chrome: Chrome::of(actor),
        statuses: statuses(),
        teams,
        items,
        total,
        pager,
        errors,
        q,
    })
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> Response {
    if actor.volunteer_id.is_some() && !actor.is_admin() && actor.team_id.is_none() {
        return see_other("/activities/open");
    }
    match load(&state, &actor, q).await {
        Ok(p) => {
            let status = if p.errors.by_field.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render(status, &p)
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}
