//! `/apply?team_id=`: the public phone page where a person applies to the team of their
//! locality (政审表), no account needed; `/apply/status/{code}`: where it stands.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::recruitment::applications::NewApplication;
use zhiyuan_app::recruitment::registry::PolicyView;
use zhiyuan_app::recruitment::views::ApplicationStatusView;
use zhiyuan_domain::Skills;

use crate::error::status_of;
use crate::extract::ClientAddr;
use crate::pages::forms::{self, checked, opt_text, Checks, Opt};
use crate::pages::{error_page, render, see_other, Chrome, FieldErrors};
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplyForm {
    team_id: String,
    name: String,
    id_number: String,
    phone: String,
    veteran: String,
    branch: String,
    enlisted_year: String,
    discharged_year: String,
    military_rank: String,
    party_member: String,
    health: String,
    no_record: String,
    skills: String,
    consent_data: String,
    guardian_consent: String,
    password: String,
}

#[derive(Template)]
#[template(path = "recruitment_apply.html")]
struct ApplyPage {
    chrome: Option<Chrome>,
    f: ApplyForm,
    errors: FieldErrors,
    team_name: String,
    policy: PolicyView,
    healths: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "recruitment_status.html")]
struct StatusPage {
    chrome: Option<Chrome>,
    s: ApplicationStatusView,
    created: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplyQuery {
    team_id: String,
}

async fn page(
    state: &AppState,
    mut f: ApplyForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let policy = match state.app.public_policy(f.team_id.trim()).await {
        Ok(p) => p,
        Err(e) => return error_page(None, &e),
    };
    let team_name = state
        .app
        .public_team_name(&policy.team_id)
        .await
        .unwrap_or_default();
    f.password.clear();
    render(
        status,
        &ApplyPage {
            chrome: None,
            f,
            errors,
            team_name,
            policy,
            healths: forms::healths(),
        },
    )
}

pub async fn form(State(state): State<AppState>, Query(q): Query<ApplyQuery>) -> Response {
    let f = ApplyForm {
        team_id: q.team_id,
        health: "good".to_owned(),
        ..Default::default()
    };
    page(&state, f, FieldErrors::default(), StatusCode::OK).await
}

fn to_input(f: &ApplyForm) -> Result<NewApplication, (zhiyuan_app::ErrorKind, FieldErrors)> {
    let mut checks = Checks::default();
    let enlisted_year = checks.number::<i32>("enlisted_year", &f.enlisted_year);
    let discharged_year = checks.number::<i32>("discharged_year", &f.discharged_year);
    let skills = match Skills::parse_text(&f.skills) {
        Ok(s) => s.into_vec(),
        Err(e) => {
            checks.fail(e.into());
            Vec::new()
        }
    };
    checks.finish()?;
    Ok(NewApplication {
        team_id: f.team_id.trim().to_owned(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        veteran: checked(&f.veteran),
        branch: opt_text(&f.branch),
        enlisted_year,
        discharged_year,
        military_rank: opt_text(&f.military_rank),
        party_member: checked(&f.party_member),
        health: opt_text(&f.health),
        no_record: checked(&f.no_record),
        skills,
        consent_data: checked(&f.consent_data),
        guardian_consent: checked(&f.guardian_consent),
        password: f.password.clone(),
    })
}

const FIELDS: [&str; 15] = [
    "name",
    "id_number",
    "phone",
    "veteran",
    "branch",
    "enlisted_year",
    "discharged_year",
    "military_rank",
    "party_member",
    "health",
    "no_record",
    "skills",
    "consent_data",
    "guardian_consent",
    "password",
];

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<ApplyForm>,
) -> Response {
    let input = match to_input(&f) {
        Ok(i) => i,
        Err((kind, errors)) => return page(&state, f, errors, status_of(kind)).await,
    };
    match state.app.submit_application(None, &input, &addr).await {
        Ok(r) => see_other(&format!("/apply/status/{}?created=1", r.tracking_code)),
        Err(e) => {
            let errors = forms::form_errors(&e, &FIELDS, &[("rank", "military_rank")]);
            page(&state, f, errors, status_of(e.kind)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusQuery {
    created: Option<String>,
}

pub async fn status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<StatusQuery>,
) -> Response {
    match state.app.application_status(&code).await {
        Ok(s) => render(
            StatusCode::OK,
            &StatusPage {
                chrome: None,
                s,
                created: q.created.is_some(),
            },
        ),
        Err(e) => error_page(None, &e),
    }
}
