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
        .route("/api/v1/activities", post(manage::create).get(manage::list))
        .route("/api/v1/activities/{id}", get(manage::get))
        .route("/api/v1/activities/{id}/status", post(manage::set_status))
        .route(
            "/api/v1/activities/{id}/signups",
            post(signups::create).get(signups::list),
        )
        .route(
            "/api/v1/activities/{id}/signups/{volunteer_id}",
            axum::routing::delete(signups::cancel),
        )
        .route(
            "/api/v1/activities/{id}/attendance",
            post(records::attendance).get(records::of_activity),
        )
        .route(
            "/api/v1/activities/{id}/checkin-code",
            get(records::checkin_code),
        )
        .route("/api/v1/checkin/{token}", post(records::scan))
        .route(
            "/api/v1/volunteers/{id}/service-records",
            get(records::of_volunteer),
        )
        .route("/api/v1/service-records/{id}", get(records::history))
        .route(
            "/api/v1/service-records/{id}/decision",
            post(records::decide),
        )
        .route(
            "/api/v1/service-records/{id}/amendments",
            post(records::amend),
        )
        .route(
            "/api/v1/amendments/{id}/decision",
            post(records::decide_amendment),
        )
        .route(
            "/api/v1/volunteers/{id}/certificates",
            post(certificates::issue).get(certificates::list),
        )
        .route("/api/v1/certificates/{code}", get(certificates::verify))
        .route("/api/v1/certificates/{code}/pdf", get(certificates::pdf))
        .route(
            "/api/v1/certificates/{code}/revoke",
            post(certificates::revoke),
        )
        .route(
            "/api/v1/activities/{id}/photos",
            post(photos::upload)
                .get(photos::list)
                .layer(DefaultBodyLimit::max(
                    zhiyuan_app::activities::photos::MAX_PHOTO_BYTES + 64 * 1024,
                )),
        )
        .route("/api/v1/photos/{id}", get(photos::get))
}

#[derive(OpenApi)]
#[openapi(paths(
    manage::create_project,
    manage::list_projects,
    manage::create,
    manage::list,
    manage::get,
    manage::set_status,
    signups::create,
    signups::list,
    signups::cancel,
    records::attendance,
    records::of_activity,
    records::checkin_code,
    records::scan,
    records::of_volunteer,
    records::history,
    records::decide,
    records::amend,
    records::decide_amendment,
    certificates::issue,
    certificates::list,
    certificates::verify,
    certificates::revoke,
    certificates::pdf,
    photos::upload,
    photos::list,
    photos::get,
))]
pub struct Doc;
