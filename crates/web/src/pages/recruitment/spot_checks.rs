//! `/recruitment/spot-checks`: spot checks (抽查, R-VOL-6). A county admin draws N active
//! volunteers of their area at random, calls each one (phone numbers shown whole, as the
//! caller needs them), records 核实无误 / 无法联系 / 信息不符 with a note, and sees which
//! records are flagged as unverified (a later successful check clears the flag).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::recruitment::spot_checks::{NewSpotCheck, SpotResultInput, MAX_SPOT_CHECK};
use zhiyuan_app::recruitment::views::{SpotCheckView, SpotItemView};
use zhiyuan_app::Actor;

use crate::extract::PageActor;
use crate::pages::forms::{self, Checks, Opt};
use crate::pages::listing::show_time;
use crate::pages::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::AppState;

/// Checks listed with their counts (each needs its items loaded).
const LISTED: usize = 30;

/// The result choices, as stored and as read.
pub fn result_label(r: &str) -> &'static str {
    match r {
        "verified" => "核实无误",
        "unreachable" => "无法联系",
        "mismatch" => "信息不符",
        _ => "未核查",
    }
}

fn result_opts() -> Vec<Opt> {
    ["verified", "unreachable", "mismatch"]
        .iter()
        .map(|r| Opt::new(*r, result_label(r)))
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DrawForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    org_id: String,
    size: String,
}

/// One check in the list, with its progress.
pub struct CheckRow {
    id: String,
    created_at: String,
    drawn_by: String,
    size: i64,
    checked: i64,
    flagged: i64,
}

#[derive(Template)]
#[template(path = "recruitment_spot_checks.html")]
struct ListPage {
    chrome: Option<Chrome>,
    checks: Vec<CheckRow>,
    more: bool,
    orgs: Vec<Opt>,
    form: DrawForm,
    errors: FieldErrors,
    max: i64,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    form: DrawForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let all = state.app.spot_checks(actor).await?;
        let more = all.len() > LISTED;
        let mut checks = Vec::new();
        for c in all.iter().take(LISTED) {
            let full = state.app.spot_check(actor, &c.id).await?;
            checks.push(CheckRow {
                id: full.id,
                created_at: show_time(&full.created_at),
                drawn_by: full.drawn_by,
                size: full.size,
                checked: full.checked,
                flagged: full.flagged,
            });
        }
        let orgs = forms::org_opts(&forms::area_orgs(&state.app, actor).await?);
        Ok::<_, zhiyuan_app::AppError>((checks, more, orgs))
    }
    .await;
    match loaded {
        Ok((checks, more, orgs)) => render(
            status,
            &ListPage {
                chrome: Chrome::of(actor),
                checks,
                more,
                orgs,
                form,
                errors,
                max: MAX_SPOT_CHECK,
            },
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn list(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let form = DrawForm {
        size: "10".to_owned(),
        ..Default::default()
    };
    list_page(&state, &actor, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn draw(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<DrawForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let mut checks = Checks::default();
    let size = checks.number::<i64>("size", &f.size);
    if size.is_none() && f.size.trim().is_empty() {
        checks.fail(zhiyuan_app::AppError::invalid(
            "size",
            "spot_check_size",
            "请填写抽查人数",
        ));
    }
    if let Err((kind, errors)) = checks.finish() {
        return list_page(&state, &actor, f, errors, crate::error::status_of(kind)).await;
    }
    let input = NewSpotCheck {
        org_id: f.org_id.clone(),
        size: size.unwrap_or_default(),
    };
    match state.app.draw_spot_check(&actor, &input).await {
        Ok(c) => see_other(&format!("/recruitment/spot-checks/{}", c.id)),
        Err(e) => {
            let errors = forms::form_errors(&e, &["org_id", "size"], &[]);
            list_page(&state, &actor, f, errors, crate::error::status_of(e.kind)).await
        }
    }
}

/// One drawn volunteer with what the form shows for them.
pub struct ItemRow {
    item: SpotItemView,
    result_label: &'static str,
    checked_at: String,
    /// The result selected in the form (the recorded one, or what was just posted).
    selected: String,
    note: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "recruitment_spot_check.html")]
struct DetailPage {
    chrome: Option<Chrome>,
    check: SpotCheckView,
    created_at: String,
    rows: Vec<ItemRow>,
    results: Vec<Opt>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResultForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    result: String,
    note: String,
}

/// The detail page; `posted` re-shows one volunteer's form with its errors.
async fn detail_page(
    state: &AppState,
    actor: &Actor,
    id: &str,
    posted: Option<(&str, &ResultForm, FieldErrors)>,
    status: StatusCode,
) -> Response {
    let check = match state.app.spot_check(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(Some(actor), &e),
    };
    let rows = check
        .items
        .iter()
        .map(|i| {
            let (selected, note, errors) = match &posted {
                Some((vid, f, errors)) if *vid == i.volunteer_id => {
                    (f.result.clone(), f.note.clone(), errors.clone())
                }
                _ => (
                    i.result.clone().unwrap_or_default(),
                    i.note.clone().unwrap_or_default(),
                    FieldErrors::default(),
                ),
            };
            ItemRow {
                result_label: result_label(i.result.as_deref().unwrap_or_default()),
                checked_at: i.checked_at.as_deref().map(show_time).unwrap_or_default(),
                item: i.clone(),
                selected,
                note,
                errors,
            }
        })
        .collect();
    render(
        status,
        &DetailPage {
            chrome: Chrome::of(actor),
            created_at: show_time(&check.created_at),
            check,
            rows,
            results: result_opts(),
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
) -> Response {
    detail_page(&state, &actor, &id, None, StatusCode::OK).await
}

pub async fn record(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, volunteer_id)): Path<(String, String)>,
    Form(f): Form<ResultForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = SpotResultInput {
        result: f.result.clone(),
        note: forms::opt_text(&f.note),
    };
    match state
        .app
        .record_spot_result(&actor, &id, &volunteer_id, &input)
        .await
    {
        Ok(_) => see_other(&format!("/recruitment/spot-checks/{id}#v-{volunteer_id}")),
        Err(e) => {
            let errors = forms::form_errors(&e, &["result", "note"], &[]);
            let status = crate::error::status_of(e.kind);
            detail_page(
                &state,
                &actor,
                &id,
                Some((&volunteer_id, &f, errors)),
                status,
            )
            .await
        }
    }
}
