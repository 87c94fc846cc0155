//! `/activities/new`: an officer publishes an activity (or keeps it as a draft, or repeats it
//! weekly/monthly). Times are `datetime-local` inputs read as China time (+08:00).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::activities::{Location, NewActivity};
use zhiyuan_app::{Actor, AppError};

use super::super::forms::{self, Checks, Opt};
use super::super::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use super::{kinds, local_to_rfc3339};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    pub title: String,
    pub team_id: String,
    pub project_id: String,
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place_name: String,
    pub lat: String,
    pub lon: String,
    pub capacity: String,
    pub waitlist: String,
    pub required_skills: String,
    pub signup_opens_at: String,
    pub signup_closes_at: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub description: String,
    pub recurrence: String,
    pub occurrences: String,
    pub draft: String,
}

#[derive(Template)]
#[template(path = "activities_new.html")]
struct NewPage {
    chrome: Option<Chrome>,
    f: ActivityForm,
    errors: FieldErrors,
    teams: Vec<Opt>,
    projects: Vec<Opt>,
    kinds: Vec<Opt>,
    recurrences: Vec<Opt>,
}

/// The form's fields, and where a use-case error about another name belongs.
const FIELDS: [&str; 17] = [
    "title",
    "team_id",
    "project_id",
    "kind",
    "starts_at",
    "ends_at",
    "place_name",
    "lat",
    "capacity",
    "required_skills",
    "signup_opens_at",
    "signup_closes_at",
    "contact_name",
    "contact_phone",
    "description",
    "recurrence",
    "occurrences",
];
const REMAP: [(&str, &str); 3] = [
    ("location.name", "place_name"),
    ("location.lat", "lat"),
    ("location.lon", "lat"),
];

async fn page(
    state: &AppState,
    actor: &Actor,
    f: ActivityForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    if actor.volunteer_id.is_some() && !actor.is_admin() && actor.team_id.is_none() {
        return Err(AppError::role_forbidden());
    }
    let app = &state.app;
    let teams = forms::team_opts(&forms::area_teams(app, actor).await?);
    let projects = std::iter::once(Opt::new("", "（不属于服务项目）"))
        .chain(
            app.list_projects(actor)
                .await?
                .into_iter()
                .map(|p| Opt::new(p.id, format!("{}（{}）", p.name, p.category_label))),
        )
        .collect();
    Ok(NewPage {
        chrome: Chrome::of(actor),
        f,
        errors,
        teams,
        projects,
        kinds: kinds(),
        recurrences: vec![
            Opt::new("", "不重复"),
            Opt::new("weekly", "每周"),
            Opt::new("monthly", "每月"),
        ],
    })
}

pub async fn form(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let f = ActivityForm {
        kind: "community".into(),
        capacity: "20".into(),
        waitlist: "on".into(),
        occurrences: "4".into(),
        team_id: actor.team_id.clone().unwrap_or_default(),
        ..Default::default()
    };
    match page(&state, &actor, f, FieldErrors::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// Skills typed as "急救、驾驶" or "急救, 驾驶".
fn skill_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn to_input(f: &ActivityForm, checks: &mut Checks) -> NewActivity {
    let capacity = checks.number::<i64>("capacity", &f.capacity);
    if f.capacity.trim().is_empty() {
        checks.fail(AppError::invalid("capacity", "required", "请填写名额"));
    }
    let lat = checks.number::<f64>("lat", &f.lat);
    let lon = checks.number::<f64>("lat", &f.lon);
    let occurrences = checks.number::<u32>("occurrences", &f.occurrences);
    let opt_time = |s: &str| forms::opt_text(s).map(|s| local_to_rfc3339(&s));
    NewActivity {
        title: f.title.clone(),
        team_id: f.team_id.clone(),
        project_id: forms::opt_text(&f.project_id),
        starts_at: local_to_rfc3339(&f.starts_at),
        ends_at: local_to_rfc3339(&f.ends_at),
        capacity: capacity.unwrap_or(0),
        waitlist: Some(forms::checked(&f.waitlist)),
        location: forms::opt_text(&f.place_name)
            .map(|name| Location { name, lat, lon })
            .or_else(|| {
                (lat.is_some() || lon.is_some()).then(|| Location {
                    name: String::new(),
                    lat,
                    lon,
                })
            }),
        backfill_reason: None,
        kind: forms::opt_text(&f.kind),
        required_skills: skill_list(&f.required_skills),
        signup_opens_at: opt_time(&f.signup_opens_at),
        signup_closes_at: opt_time(&f.signup_closes_at),
        contact_name: forms::opt_text(&f.contact_name),
        contact_phone: forms::opt_text(&f.contact_phone),
        description: forms::opt_text(&f.description),
        recurrence: forms::opt_text(&f.recurrence),
        occurrences: if forms::opt_text(&f.recurrence).is_some() {
            occurrences
        } else {
            None
        },
        draft: forms::checked(&f.draft),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ActivityForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let mut checks = Checks::default();
    let input = to_input(&f, &mut checks);
    let result = match checks.finish() {
        Err((kind, errors)) => Err((kind, errors)),
        Ok(()) => match state.app.create_activity(&actor, &input).await {
            Ok(created) => Ok(created),
            Err(e) => Err((e.kind, forms::form_errors(&e, &FIELDS, &REMAP))),
        },
    };
    match result {
        Ok(created) => match created.first() {
            Some(a) => see_other(&format!("/activities/{}?created={}", a.id, created.len())),
            None => see_other("/activities"),
        },
        Err((kind, errors)) => match page(&state, &actor, f, errors).await {
            Ok(p) => render(status_of(kind), &p),
            Err(e) => error_page(Some(&actor), &e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::skill_list;

    #[test]
    fn skills_split_on_chinese_and_latin_commas() {
        assert_eq!(
            skill_list("急救、驾驶, 游泳，"),
            vec!["急救", "驾驶", "游泳"]
        );
        assert!(skill_list("  ").is_empty());
    }
}
