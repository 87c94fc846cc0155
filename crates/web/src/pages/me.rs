//! `/me`: a volunteer's own page, made for a phone.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::activities::certificates::IssuedCertificate;
use zhiyuan_app::activities::views::{RecordsPage, SignupView};
use zhiyuan_app::activities::ActivityView;
use zhiyuan_app::views::VolunteerView;

use super::activities::{place_label, show_hours, CertificateForm};
use super::{error_page, render, see_other, Chrome, FieldErrors};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    chrome: Option<Chrome>,
    v: VolunteerView,
    // Service hours (issue 4): records, the year's total against 20 h, stars, sign-ups,
    // certificates and the form to ask for one.
    records: RecordsPage,
    year_hours: String,
    total_hours: String,
    to_next_star: String,
    signups: Vec<(ActivityView, SignupView, String)>,
    certificates: Vec<IssuedCertificate>,
    volunteer_id: String,
    cert_form: CertificateForm,
    cert_errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeQuery {
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<MeQuery>,
) -> Response {
    let Some(id) = actor.volunteer_id.clone() else {
        return see_other("/");
    };
    let app = &state.app;
    let loaded = async {
        let v = app.get_volunteer(&actor, &id).await?;
        let records = app.volunteer_records(&actor, &id).await?;
        let signups = app
            .my_signups(&actor)
            .await?
            .into_iter()
            .filter(|(_, s)| s.status != "cancelled")
            .map(|(a, s)| {
                let place = place_label(Some(&s));
                (a, s, place)
            })
            .collect();
        let certificates = app.certificates_of(&actor, &id).await?;
        Ok::<_, zhiyuan_app::AppError>((v, records, signups, certificates))
    }
    .await;
    match loaded {
        Ok((v, records, signups, certificates)) => {
            let flash = match q.done.as_str() {
                "signup" => Some("报名成功".to_owned()),
                "cancel" => Some("已取消报名".to_owned()),
                "withdrawn" => Some("已退出志愿服务，您的记录仍会保留".to_owned()),
                _ => None,
            };
            render(
                StatusCode::OK,
                &MePage {
                    chrome: Chrome::with_flash(&actor, flash),
                    v,
                    year_hours: show_hours(records.year_hours),
                    total_hours: show_hours(records.total_hours),
                    to_next_star: records
                        .hours_to_next_star
                        .map(show_hours)
                        .unwrap_or_default(),
                    records,
                    signups,
                    certificates,
                    volunteer_id: id,
                    cert_form: CertificateForm::default(),
                    cert_errors: FieldErrors::default(),
                },
            )
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}
