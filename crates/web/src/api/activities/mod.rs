//! Activities and service hours (issue 4): API handlers, grouped by resource: activities and
//! projects, sign-ups, attendance and records, certificates, photos.

mod certificates;
mod manage;
mod photos;
mod records;
mod signups;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(manage::create_project, manage::list_projects))
        .routes(routes!(manage::create_activity, manage::list_activities))
        .routes(routes!(manage::get_activity))
        .routes(routes!(manage::set_activity_status))
        .routes(routes!(signups::create_signup, signups::list_signups))
        .routes(routes!(signups::cancel_signup))
        .routes(routes!(
            records::record_attendance,
            records::list_attendance
        ))
        .routes(routes!(records::get_activity_checkin_code))
        .routes(routes!(records::scan_activity_checkin))
        .routes(routes!(records::list_service_records))
        .routes(routes!(records::get_service_record))
        .routes(routes!(records::decide_service_record))
        .routes(routes!(records::create_amendment))
        .routes(routes!(records::decide_amendment))
        .routes(routes!(
            certificates::issue_certificate,
            certificates::list_certificates
        ))
        .routes(routes!(certificates::verify_certificate))
        .routes(routes!(certificates::get_certificate_pdf))
        .routes(routes!(certificates::revoke_certificate))
        .routes(
            routes!(photos::upload_photo, photos::list_photos).layer(DefaultBodyLimit::max(
                zhiyuan_app::activities::photos::MAX_PHOTO_BYTES + 64 * 1024,
            )),
        )
        .routes(routes!(photos::get_photo))
}
