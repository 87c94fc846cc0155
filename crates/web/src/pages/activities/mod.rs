//! Activities and service hours (issue 4): pages, one file per screen.
//!
//! Officers: `/activities` (list), `/activities/new`, `/activities/{id}` (detail and its
//! actions), `/activities/{id}/qr` (rotating check-in code), `/projects`. Volunteers:
//! `/activities/open`, `/checkin/{token}` (the scan target), their section of `/me`.
//! Anyone: `/verify/{code}`. Certificates: `/volunteers/{id}/certificates`, `/certificates/{code}`.

mod certificates;
mod checkin;
mod detail;
mod detail_actions;
mod list;
mod new;
mod open;
mod projects;
pub(crate) mod qr;
mod verify;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use zhiyuan_domain::activity::{ActivityKind, ActivityStatus, ProjectCategory};

use super::forms::Opt;
use crate::AppState;

pub use certificates::CertificateForm;
pub use open::place_label;
pub use qr::site_origin;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list::list))
        .route("/activities/new", get(new::form).post(new::submit))
        .route("/activities/open", get(open::list))
        .route("/activities/{id}", get(detail::show))
        .route("/activities/{id}/status", post(detail_actions::set_status))
        .route("/activities/{id}/walk-ins", post(detail_actions::walk_in))
        .route(
            "/activities/{id}/attendance",
            post(detail_actions::attendance),
        )
        .route(
            "/activities/{id}/photos",
            post(detail_actions::photo).layer(DefaultBodyLimit::max(
                zhiyuan_app::activities::photos::MAX_PHOTO_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/activities/{id}/records/{record_id}/decision",
            post(detail_actions::decide_record),
        )
        .route(
            "/activities/{id}/amendments/{amendment_id}/decision",
            post(detail_actions::decide_amendment),
        )
        .route("/activities/{id}/signup", post(open::sign_up))
        .route("/activities/{id}/cancel", post(open::cancel))
        .route("/activities/{id}/qr", get(qr::screen))
        .route("/activities/{id}/qr/code", get(qr::fragment))
        .route(
            "/checkin/{token}",
            get(checkin::confirm).post(checkin::scan),
        )
        .route("/checkin-result/{record_id}", get(checkin::result))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/verify", get(verify::form))
        .route("/verify/{code}", get(verify::show))
        .route("/volunteers/{id}/certificates", post(certificates::issue))
        .route("/certificates/{code}", get(certificates::show))
}

/// A `datetime-local` value ("2026-05-01T09:00", seconds optional) read as China time and
/// written as RFC 3339 for the use cases; anything else passes through for them to refuse.
pub(crate) fn local_to_rfc3339(s: &str) -> String {
    let t = s.trim();
    let plain = |p: &str| {
        chrono::NaiveDateTime::parse_from_str(t, p)
            .ok()
            .map(|d| d.format("%Y-%m-%dT%H:%M:%S+08:00").to_string())
    };
    plain("%Y-%m-%dT%H:%M")
        .or_else(|| plain("%Y-%m-%dT%H:%M:%S"))
        .unwrap_or_else(|| t.to_owned())
}

/// An RFC 3339 time ("2026-05-01T09:00:00+08:00") as a `datetime-local` value.
pub(crate) fn rfc3339_to_local(s: &str) -> String {
    s.get(..16).unwrap_or_default().to_owned()
}

pub(crate) fn kinds() -> Vec<Opt> {
    ActivityKind::all()
        .iter()
        .map(|k| Opt::new(k.as_str(), k.label_zh()))
        .collect()
}

pub(crate) fn statuses() -> Vec<Opt> {
    std::iter::once(Opt::new("", "全部状态"))
        .chain(
            ActivityStatus::all()
                .iter()
                .map(|k| Opt::new(k.as_str(), k.label_zh())),
        )
        .collect()
}

pub(crate) fn categories() -> Vec<Opt> {
    ProjectCategory::all()
        .iter()
        .map(|k| Opt::new(k.as_str(), k.label_zh()))
        .collect()
}

/// Hours as people read them: "3", "2.5", "1.25".
pub fn show_hours(h: f64) -> String {
    let s = format!("{:.2}", h);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_china_time() {
        assert_eq!(
            local_to_rfc3339("2026-05-01T09:00"),
            "2026-05-01T09:00:00+08:00"
        );
        assert_eq!(
            local_to_rfc3339(" 2026-05-01T09:00:30 "),
            "2026-05-01T09:00:30+08:00"
        );
        assert_eq!(local_to_rfc3339("明天"), "明天");
        assert_eq!(
            rfc3339_to_local("2026-05-01T09:00:00+08:00"),
            "2026-05-01T09:00"
        );
        assert_eq!(rfc3339_to_local("短"), "");
    }

    #[test]
    fn hours_drop_trailing_zeros() {
        assert_eq!(show_hours(3.0), "3");
        assert_eq!(show_hours(2.5), "2.5");
        assert_eq!(show_hours(1.25), "1.25");
        assert_eq!(show_hours(0.0), "0");
    }
}
