//! `/orgs/{id}/compliance`: what is broken in the subtree, grouped by rule, each finding linking
//! to its subject. The 20 h list can be long: the page shows the first ones and pages on with
//! `?rule=volunteer_under_20h&page=N`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::oversight::views::{
    ComplianceQuery, ComplianceView, Finding, RuleCount, TemplatesInput, TemplatesView,
};
use zhiyuan_app::views::OrgView;
use zhiyuan_app::AppError;

use crate::error::status_of;
use crate::extract::PageActor;
use crate::pages::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::AppState;

/// Findings of one rule shown per page.
const PER_PAGE: i64 = 200;
/// Findings of each rule shown when all rules are listed.
const PER_RULE: i64 = 50;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ComplianceForm {
    month: String,
    year: String,
    rule: String,
    page: String,
}

/// A finding as a table row: with the page of its subject and the day it started.
pub struct FindingRow {
    pub f: Finding,
    pub link: String,
    pub since_day: String,
}

pub struct Group {
    pub rule: RuleCount,
    pub items: Vec<FindingRow>,
    /// More findings of this rule than shown.
    pub more: bool,
}

#[derive(Template)]
#[template(path = "oversight_compliance.html")]
struct CompliancePage {
    chrome: Option<Chrome>,
    view: ComplianceView,
    trail: Vec<OrgView>,
    groups: Vec<Group>,
    form: ComplianceForm,
    next_page: Option<i64>,
    /// The tree's establishment templates, editable here on the tree's root.
    templates: TemplatesView,
    /// Typed values of the template form (re-shown after an error).
    template_form: TemplateForm,
    template_errors: FieldErrors,
    is_root: bool,
    csrf: String,
}

/// The establishment template form: minimum members per kind; empty turns a check off.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    village: String,
    township: String,
    county: String,
    small_squad: String,
}

impl TemplateForm {
    fn of(t: &TemplatesView) -> TemplateForm {
        let show = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        TemplateForm {
            csrf: String::new(),
            village: show(t.village),
            township: show(t.township),
            county: show(t.county),
            small_squad: show(t.small_squad),
        }
    }

    fn input(&self) -> Result<TemplatesInput, AppError> {
        let num = |field: &str, s: &str| -> Result<Option<Option<u32>>, AppError> {
            match s.trim() {
                "" => Ok(Some(None)),
                v => v.parse::<u32>().map(|n| Some(Some(n))).map_err(|_| {
                    AppError::invalid(
                        field,
                        "template_invalid",
                        "编制人数应为正整数，留空表示不检查",
                    )
                }),
            }
        };
        Ok(TemplatesInput {
            village: num("village", &self.village)?,
            township: num("township", &self.township)?,
            county: num("county", &self.county)?,
            small_squad: num("small_squad", &self.small_squad)?,
        })
    }
}

/// Where a finding's subject is shown.
pub fn subject_link(f: &Finding) -> String {
    match f.subject_type.as_str() {
        "team" => format!("/teams/{}", f.subject_id),
        "volunteer" => format!("/volunteers/{}", f.subject_id),
        _ => format!("/orgs/{}", f.subject_id),
    }
}

pub async fn show_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(form): Query<ComplianceForm>,
) -> Response {
    match load(&state, &actor, &id, form).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// `POST /orgs/{id}/establishment`: the tree root's template form.
pub async fn set_templates(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<TemplateForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let result = match f.input() {
        Ok(input) => state
            .app
            .set_establishment(&actor, &id, &input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/orgs/{id}/compliance#establishment")),
        Err(e) => match load(&state, &actor, &id, ComplianceForm::default()).await {
            Ok(mut page) => {
                page.template_errors = FieldErrors::from_error(&e);
                page.template_form = TemplateForm {
                    csrf: String::new(),
                    ..f
                };
                render(status_of(e.kind), &page)
            }
            Err(_) => error_page(Some(&actor), &e),
        },
    }
}

async fn load(
    state: &AppState,
    actor: &zhiyuan_app::Actor,
    id: &str,
    form: ComplianceForm,
) -> Result<CompliancePage, AppError> {
    let year = match form.year.trim() {
        "" => None,
        y => Some(
            y.parse::<i32>()
                .map_err(|_| AppError::invalid("year", "year_invalid", "年份应为四位数字"))?,
        ),
    };
    let page = form.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let q = ComplianceQuery {
        month: Some(form.month.clone()).filter(|m| !m.trim().is_empty()),
        year,
        rule: Some(form.rule.clone()).filter(|r| !r.trim().is_empty()),
        page: Some(page),
        per_page: Some(PER_PAGE),
        // All rules at once: the first findings of each; one rule: a page of it.
        per_rule: form.rule.trim().is_empty().then_some(PER_RULE),
    };
    let view = state.app.compliance(actor, id, &q).await?;
    let trail = state.app.org_trail(actor, id).await?;
    let templates = state.app.establishment(actor, id).await?;
    let groups = (view.by_rule.iter())
        .filter(|r| q.rule.is_none() || q.rule.as_deref() == Some(r.rule.as_str()))
        .map(|r| {
            let items: Vec<FindingRow> = (view.items.iter())
                .filter(|f| f.rule == r.rule)
                .map(|f| FindingRow {
                    f: f.clone(),
                    link: subject_link(f),
                    since_day: f.since.chars().take(10).collect(),
                })
                .collect();
            Group {
                more: (items.len() as i64) < r.count,
                rule: r.clone(),
                items,
            }
        })
        .collect();
    let shown_to = (page - 1) * PER_PAGE + view.items.len() as i64;
    let next_page = (q.rule.is_some() && shown_to < view.total).then_some(page + 1);
    Ok(CompliancePage {
        chrome: Chrome::of(actor),
        trail,
        groups,
        form: ComplianceForm {
            month: view.month.clone(),
            year: view.year.map(|y| y.to_string()).unwrap_or_default(),
            ..form
        },
        next_page,
        template_form: TemplateForm::of(&templates),
        template_errors: FieldErrors::default(),
        is_root: templates.root_org_id == view.org.id,
        csrf: actor.csrf_token.clone(),
        templates,
        view,
    })
}
