//! `/recruitment/talent`: the talent pool (人力资源库) for admins and unit leaders — veterans
//! in scope by skill, specialty (专长), branch (军种), age range and availability — with a
//! results table and an "导出 Excel" link that downloads the same search as .xlsx.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::recruitment::ledgers::{TalentSearch, TalentView};
use zhiyuan_app::{Actor, AppError};

use crate::extract::PageActor;
use crate::pages::forms::{self, Checks, Opt};
use crate::pages::{error_page, render, Chrome, FieldErrors};
use crate::AppState;

/// Rows per page of the results table.
const PER_PAGE: i64 = 50;

/// The search form as typed (GET query); numbers are parsed here so a bad one is shown
/// beside its field instead of failing the whole request.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TalentForm {
    pub org_id: String,
    pub skill: String,
    pub specialty: String,
    pub branch: String,
    pub min_age: String,
    pub max_age: String,
    /// "true" (default): only volunteers in service; "false": every status.
    pub available: String,
    /// "true" (default): only veterans; "false": every volunteer.
    pub veterans_only: String,
    pub page: String,
}

impl TalentForm {
    /// The use-case search, or the field errors of the numbers typed.
    pub(super) fn search(&self) -> Result<TalentSearch, (StatusCode, FieldErrors)> {
        let mut checks = Checks::default();
        let min_age = checks.number::<u32>("min_age", &self.min_age);
        let max_age = checks.number::<u32>("max_age", &self.max_age);
        let page = checks.number::<i64>("page", &self.page);
        if let Err((kind, errors)) = checks.finish() {
            return Err((crate::error::status_of(kind), errors));
        }
        Ok(TalentSearch {
            org_id: forms::opt_text(&self.org_id),
            skill: forms::opt_text(&self.skill),
            specialty: forms::opt_text(&self.specialty),
            branch: forms::opt_text(&self.branch),
            min_age,
            max_age,
            available: Some(forms::tri(&self.available).unwrap_or(true)),
            veterans_only: Some(forms::tri(&self.veterans_only).unwrap_or(true)),
            page,
            per_page: Some(PER_PAGE),
        })
    }

    /// The query string of this search without the page (for the export and page links).
    pub fn query(&self) -> String {
        let pairs = [
            ("org_id", &self.org_id),
            ("skill", &self.skill),
            ("specialty", &self.specialty),
            ("branch", &self.branch),
            ("min_age", &self.min_age),
            ("max_age", &self.max_age),
            ("available", &self.available),
            ("veterans_only", &self.veterans_only),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencoding::encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Template)]
#[template(path = "recruitment_talent.html")]
struct TalentPage {
    chrome: Option<Chrome>,
    form: TalentForm,
    errors: FieldErrors,
    orgs: Vec<Opt>,
    branches: Vec<Opt>,
    availability: Vec<Opt>,
    who: Vec<Opt>,
    items: Vec<TalentView>,
    total: i64,
    page: i64,
    pages: i64,
    /// The search as a query string (export and paging links).
    query: String,
    searched: bool,
}

fn branch_opts() -> Vec<Opt> {
    let mut out = vec![Opt::new("", "不限")];
    for b in ["陆军", "海军", "空军", "火箭军", "战略支援部队", "武警部队"] {
        out.push(Opt::new(b, b));
    }
    out
}

async fn org_opts(state: &AppState, actor: &Actor) -> Vec<Opt> {
    let mut out = vec![Opt::new("", "我的辖区（全部）")];
    // A unit leader has no org area; the search is then limited to their unit by the use case.
    if actor.is_admin() {
        if let Ok(orgs) = forms::area_orgs(&state.app, actor).await {
            out.extend(forms::org_opts(&orgs));
        }
    }
    out
}

pub async fn search(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(form): Query<TalentForm>,
) -> Response {
    if matches!(actor.scope, zhiyuan_domain::Scope::Volunteer { .. }) {
        return error_page(Some(&actor), &AppError::role_forbidden());
    }
    let (status, errors, found) = match form.search() {
        Err((status, errors)) => (status, errors, None),
        Ok(s) => match state.app.talent_search(&actor, &s).await {
            Ok(p) => (StatusCode::OK, FieldErrors::default(), Some((s, p))),
            Err(e) => (
                crate::error::status_of(e.kind),
                forms::form_errors(
                    &e,
                    &[
                        "org_id",
                        "skill",
                        "specialty",
                        "branch",
                        "min_age",
                        "max_age",
                    ],
                    &[],
                ),
                None,
            ),
        },
    };
    let (page, items, total) = match found {
        Some((s, p)) => (s.page.unwrap_or(1).max(1), p.items, p.total),
        None => (1, Vec::new(), 0),
    };
    let page_view = TalentPage {
        chrome: Chrome::of(&actor),
        query: form.query(),
        searched: status == StatusCode::OK,
        orgs: org_opts(&state, &actor).await,
        branches: branch_opts(),
        availability: vec![
            Opt::new("true", "仅在队（可调派）"),
            Opt::new("false", "全部状态"),
        ],
        who: vec![
            Opt::new("true", "仅退役军人"),
            Opt::new("false", "全部志愿者"),
        ],
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        items,
        total,
        page,
        form,
        errors,
    };
    render(status, &page_view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keeps_typed_filters_and_encodes_chinese() {
        let f = TalentForm {
            skill: " 急救 ".to_owned(),
            max_age: "50".to_owned(),
            page: "3".to_owned(),
            ..Default::default()
        };
        assert_eq!(f.query(), "skill=%E6%80%A5%E6%95%91&max_age=50");
    }

    #[test]
    fn bad_age_is_a_field_error_and_defaults_are_available_veterans() {
        let f = TalentForm {
            min_age: "五十".to_owned(),
            ..Default::default()
        };
        let Err((status, errors)) = f.search() else {
            panic!("a bad age must be refused");
        };
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(errors.has("min_age"));
        let s = TalentForm {
            min_age: "１８".to_owned(),
            ..Default::default()
        }
        .search()
        .unwrap_or_default();
        assert_eq!(s.min_age, Some(18));
        assert_eq!(s.available, Some(true));
        assert_eq!(s.veterans_only, Some(true));
    }
}
