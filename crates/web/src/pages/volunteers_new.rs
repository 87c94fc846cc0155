//! `/volunteers/new`: the registration form (admins).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::views::GeoView;
use zhiyuan_app::volunteers::NewVolunteer;
use zhiyuan_app::{Actor, AppError};
use zhiyuan_domain::Skills;

use super::forms::{self, checked, opt_text, Checks, Opt};
use super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VolunteerForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    id_number: String,
    phone: String,
    org_id: String,
    veteran: String,
    branch: String,
    enlisted_year: String,
    discharged_year: String,
    military_rank: String,
    party_member: String,
    health: String,
    skills: String,
    home_lat: String,
    home_lon: String,
    consent_data: String,
    consent_location: String,
    guardian_consent: String,
}

const FIELDS: [&str; 17] = [
    "name",
    "id_number",
    "phone",
    "org_id",
    "veteran",
    "branch",
    "enlisted_year",
    "discharged_year",
    "military_rank",
    "party_member",
    "health",
    "skills",
    "home_lat",
    "home_lon",
    "consent_data",
    "consent_location",
    "guardian_consent",
];

#[derive(Template)]
#[template(path = "volunteer_form.html")]
struct FormPage {
    chrome: Option<Chrome>,
    f: VolunteerForm,
    errors: FieldErrors,
    orgs: Vec<Opt>,
    healths: Vec<Opt>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    org_id: String,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    f: VolunteerForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    if let Err(e) = actor.require_admin() {
        return error_page(Some(actor), &e);
    }
    let orgs = match forms::area_orgs(&state.app, actor).await {
        Ok(o) => forms::org_opts(&o),
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut choices = vec![Opt::new("", "请选择")];
    choices.extend(orgs);
    render(
        status,
        &FormPage {
            chrome: Chrome::of(actor),
            f,
            errors,
            orgs: choices,
            healths: forms::healths(),
        },
    )
}

pub async fn form(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NewQuery>,
) -> Response {
    let f = VolunteerForm {
        org_id: q.org_id,
        health: "good".to_owned(),
        consent_data: "1".to_owned(),
        ..Default::default()
    };
    page(&state, &actor, f, FieldErrors::default(), StatusCode::OK).await
}

/// The form read into the use case's input; numbers, skills and the home pair are checked here.
fn to_input(f: &VolunteerForm) -> Result<NewVolunteer, (zhiyuan_app::ErrorKind, FieldErrors)> {
    let mut checks = Checks::default();
    let enlisted_year = checks.number::<i32>("enlisted_year", &f.enlisted_year);
    let discharged_year = checks.number::<i32>("discharged_year", &f.discharged_year);
    let lat = checks.number::<f64>("home_lat", &f.home_lat);
    let lon = checks.number::<f64>("home_lon", &f.home_lon);
    let skills = match Skills::parse_text(&f.skills) {
        Ok(s) => s.into_vec(),
        Err(e) => {
            checks.fail(e.into());
            Vec::new()
        }
    };
    let home = match (lat, lon, opt_text(&f.home_lat), opt_text(&f.home_lon)) {
        (Some(lat), Some(lon), _, _) => Some(GeoView { lat, lon }),
        (_, _, Some(_), None) => {
            checks.fail(AppError::invalid(
                "home_lon",
                "home_incomplete",
                "经度和纬度须同时填写",
            ));
            None
        }
        (_, _, None, Some(_)) => {
            checks.fail(AppError::invalid(
                "home_lat",
                "home_incomplete",
                "经度和纬度须同时填写",
            ));
            None
        }
        _ => None,
    };
    let consent_location = checked(&f.consent_location);
    if home.is_some() && !consent_location {
        // Location is sensitive personal information: it needs its own consent (R-LAW-5).
        checks.fail(AppError::invalid(
            "consent_location",
            "consent_location_required",
            "填写住址位置须经本人单独同意",
        ));
    }
    checks.finish()?;
    Ok(NewVolunteer {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        org_id: f.org_id.trim().to_owned(),
        veteran: checked(&f.veteran),
        party_member: checked(&f.party_member),
        skills,
        home,
        health: opt_text(&f.health),
        branch: opt_text(&f.branch),
        enlisted_year,
        discharged_year,
        military_rank: opt_text(&f.military_rank),
        consent_data: Some(checked(&f.consent_data)),
        consent_location: Some(consent_location),
        guardian_consent: checked(&f.guardian_consent),
    })
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<VolunteerForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let input = match to_input(&f) {
        Ok(i) => i,
        Err((kind, errors)) => return page(&state, &actor, f, errors, status_of(kind)).await,
    };
    match state.app.register_volunteer(&actor, &input).await {
        Ok(v) => see_other(&format!("/volunteers/{}?created=1", v.id)),
        Err(e) => {
            let remap = [
                ("home.lat", "home_lat"),
                ("home.lon", "home_lon"),
                ("rank", "military_rank"),
            ];
            let errors = forms::form_errors(&e, &FIELDS, &remap);
            page(&state, &actor, f, errors, status_of(e.kind)).await
        }
    }
}
