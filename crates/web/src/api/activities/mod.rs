//! Activities and service hours (issue 4): API handlers, grouped by resource: activities and
//! projects, sign-ups, attendance and records, certificates, photos.

mod certificates;
mod manage;
mod photos;
mod records;
mod signups;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/projects",
            post(manage::create_project).get(manage::list_projects),
        )
        .route(
            "/api/v1/activities",
            post(manage::create_activity).get(manage::list_activities),
        )
        .route("/api/v1/activities/{id}", get(manage::get_activity))
        .route(
            "/api/v1/activities/{id}/status",
            post(manage::set_activity_status),
        )
        .route(
            "/api/v1/activities/{id}/signups",
            post(signups::create_signup).get(signups::list_signups),
        )
        .route(
            "/api/v1/activities/{id}/signups/{volunteer_id}",
            axum::routing::delete(signups::cancel_signup),
        )
        .route(
            "/api/v1/activities/{id}/attendance",
            post(records::record_attendance).get(records::list_attendance),
        )
        .route(
            "/api/v1/activities/{id}/checkin-code",
            get(records::get_activity_checkin_code),
        )
        .route(
            "/api/v1/checkin/{token}",
            post(records::scan_activity_checkin),
        )
        .route(
            "/api/v1/volunteers/{id}/service-records",
            get(records::list_service_records),
        )
        .route(
            "/api/v1/service-records/{id}",
            get(records::get_service_record),
        )
        .route(
            "/api/v1/service-records/{id}/decision",
            post(records::decide_service_record),
        )
        .route(
            "/api/v1/service-records/{id}/amendments",
            post(records::create_amendment),
        )
        .route(
            "/api/v1/amendments/{id}/decision",
            post(records::decide_amendment),
        )
        .route(
            "/api/v1/volunteers/{id}/certificates",
            post(certificates::issue_certificate).get(certificates::list_certificates),
        )
        .route(
            "/api/v1/certificates/{code}",
            get(certificates::verify_certificate),
        )
        .route(
            "/api/v1/certificates/{code}/pdf",
            get(certificates::get_certificate_pdf),
        )
        .route(
            "/api/v1/certificates/{code}/revoke",
            post(certificates::revoke_certificate),
        )
        .route(
            "/api/v1/activities/{id}/photos",
            post(photos::upload_photo)
                .get(photos::list_photos)
                .layer(DefaultBodyLimit::max(
                    zhiyuan_app::activities::photos::MAX_PHOTO_BYTES + 64 * 1024,
                )),
        )
        .route("/api/v1/photos/{id}", get(photos::get_photo))
}

#[derive(OpenApi)]
#[openapi(paths(
    manage::create_project,
    manage::list_projects,
    manage::create_activity,
    manage::list_activities,
    manage::get_activity,
    manage::set_activity_status,
    signups::create_signup,
    signups::list_signups,
    signups::cancel_signup,
    records::record_attendance,
    records::list_attendance,
    records::get_activity_checkin_code,
    records::scan_activity_checkin,
    records::list_service_records,
    records::get_service_record,
    records::decide_service_record,
    records::create_amendment,
    records::decide_amendment,
    certificates::issue_certificate,
    certificates::list_certificates,
    certificates::verify_certificate,
    certificates::revoke_certificate,
    certificates::get_certificate_pdf,
    photos::upload_photo,
    photos::list_photos,
    photos::get_photo,
))]
pub struct Doc;
