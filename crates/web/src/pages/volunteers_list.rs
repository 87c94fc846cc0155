//! `/volunteers`: search the volunteers the actor may see (a volunteer sees only themselves).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::views::VolunteerView;
use zhiyuan_app::volunteers::VolunteerSearch;
use zhiyuan_app::ErrorKind;

use super::forms::{self, opt_text, tri, Opt};
use super::listing::{page_of, query_string, Pager};
use super::{error_page, render, Chrome};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

const PER_PAGE: i64 = 20;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    skill: String,
    veteran: String,
    party_member: String,
    org_id: String,
    page: String,
}

#[derive(Template)]
#[template(path = "volunteers_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    f: ListQuery,
    orgs: Vec<Opt>,
    yes_no: Vec<Opt>,
    items: Vec<VolunteerView>,
    pager: Pager,
    error: Option<String>,
    can_register: bool,
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(f): Query<ListQuery>,
) -> Response {
    let app = &state.app;
    let orgs = match forms::area_orgs(app, &actor).await {
        Ok(o) => forms::org_opts(&o),
        Err(e) => return error_page(Some(&actor), &e),
    };
    let page = page_of(&f.page);
    let search = VolunteerSearch {
        org_id: opt_text(&f.org_id),
        q: opt_text(&f.q),
        skill: opt_text(&f.skill),
        veteran: tri(&f.veteran),
        party_member: tri(&f.party_member),
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let (items, total, error, status) = match app.search_volunteers(&actor, &search).await {
        Ok(p) => (p.items, p.total, None, StatusCode::OK),
        // A filter the actor may not use (another area's org) is shown, not a dead end.
        Err(e) if e.field.is_some() && e.kind != ErrorKind::Internal => {
            (Vec::new(), 0, Some(e.message.clone()), status_of(e.kind))
        }
        Err(e) => return error_page(Some(&actor), &e),
    };
    let link = |n: i64| {
        let n = n.to_string();
        let qs = query_string(&[
            ("q", &f.q),
            ("skill", &f.skill),
            ("veteran", &f.veteran),
            ("party_member", &f.party_member),
            ("org_id", &f.org_id),
            ("page", &n),
        ]);
        format!("/volunteers?{qs}")
    };
    let pager = Pager::new(total, page, PER_PAGE, link);
    let mut org_choices = vec![Opt::new("", "全部")];
    org_choices.extend(orgs);
    let page = ListPage {
        chrome: Chrome::of(&actor),
        orgs: org_choices,
        yes_no: forms::tristate(),
        items,
        pager,
        error,
        can_register: actor.is_admin(),
        f,
    };
    render(status, &page)
}
