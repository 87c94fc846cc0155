//! `/incidents`: incidents in scope, newest first, and the form that opens one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::emergency::{IncidentSearch, IncidentView, NewIncident, NewLocation};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, form_errors, Opt};
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use super::kinds;
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IncidentForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    title: String,
    kind: String,
    lat: String,
    lon: String,
    address: String,
    skills: String,
    needed: String,
    response_minutes: String,
    description: String,
}

fn f_raw<'a>(f: &'a IncidentForm, field: &str) -> &'a str {
    if field == "location.lat" {
        &f.lat
    } else {
        &f.lon
    }
}

#[derive(Template)]
#[template(path = "emergency_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    items: Vec<IncidentView>,
    kinds: Vec<Opt>,
    f: IncidentForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    f: IncidentForm,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let items = state
        .app
        .list_incidents(
            actor,
            &IncidentSearch {
                per_page: Some(100),
                ..Default::default()
            },
        )
        .await?
        .items;
    Ok(ListPage {
        chrome: Chrome::of(actor),
        items,
        kinds: kinds(),
        f,
        errors,
    })
}

pub async fn list(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let f = IncidentForm {
        kind: "rainstorm".into(),
        needed: "10".into(),
        response_minutes: "15".into(),
        ..Default::default()
    };
    match page(&state, &actor, f, FieldErrors::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<IncidentForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let mut checks = forms::Checks::default();
    let lat = checks.number::<f64>("location.lat", &f.lat);
    let lon = checks.number::<f64>("location.lon", &f.lon);
    let needed = checks.number::<i64>("needed", &f.needed);
    for (field, v, what) in [("location.lat", lat, "纬度"), ("location.lon", lon, "经度")] {
        if v.is_none() && f_raw(&f, field).trim().is_empty() {
            checks.fail(AppError::invalid(
                field,
                "required",
                format!("请填写{what}"),
            ));
        }
    }
    if needed.is_none() && f.needed.trim().is_empty() {
        checks.fail(AppError::invalid("needed", "required", "请填写需要人数"));
    }
    let minutes = forms::opt_text(&f.response_minutes)
        .and_then(|m| checks.number::<i64>("response_minutes", &m));
    let result = match checks.finish() {
        Err((kind, errors)) => Err((kind, errors)),
        Ok(()) => {
            let input = NewIncident {
                title: f.title.clone(),
                kind: f.kind.clone(),
                location: NewLocation {
                    lat: lat.unwrap_or_default(),
                    lon: lon.unwrap_or_default(),
                    address: f.address.clone(),
                },
                skills: vec![f.skills.clone()],
                needed: needed.unwrap_or_default(),
                response_minutes: minutes,
                description: forms::opt_text(&f.description),
                ..Default::default()
            };
            state
                .app
                .create_incident(&actor, &input)
                .await
                .map_err(|e| {
                    let fields = [
                        "title",
                        "kind",
                        "location.lat",
                        "location.lon",
                        "location.address",
                        "skills",
                        "needed",
                        "response_minutes",
                        "description",
                    ];
                    (e.kind, form_errors(&e, &fields, &[]))
                })
        }
    };
    match result {
        Ok(i) => see_other(&format!("/incidents/{}/board", i.id)),
        Err((kind, errors)) => match page(&state, &actor, f, errors).await {
            Ok(p) => render(status_of(kind), &p),
            Err(e) => error_page(Some(&actor), &e),
        },
    }
}
