//! The JSON API of API.md, one file per action; the OpenAPI document is built from the
//! handlers' annotations.

use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;

pub mod activities;
pub mod emergency;
pub mod notifications;
pub mod oversight;
pub mod recruitment;
pub mod report_tasks;

pub mod audit {
    pub mod list;
}
pub mod auth {
    pub mod login;
    pub mod logout;
    pub mod me;
}
pub mod orgs {
    pub mod children;
    pub mod create;
    pub mod get;
    pub mod list;
    pub mod teams;
    pub mod update;
}
pub mod teams {
    pub mod add_member;
    pub mod create;
    pub mod get;
    pub mod list;
    pub mod members;
    pub mod remove_member;
    pub mod update;
}
pub mod users {
    pub mod create;
    pub mod list;
}
pub mod volunteers {
    pub mod create;
    pub mod get;
    pub mod history;
    pub mod search;
    pub mod skills;
    pub mod update;
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/auth/login", post(auth::login::login))
        .route("/api/v1/auth/logout", post(auth::logout::logout))
        .route("/api/v1/auth/me", get(auth::me::me))
        .route(
            "/api/v1/users",
            post(users::create::create).get(users::list::list),
        )
        .route(
            "/api/v1/orgs",
            post(orgs::create::create).get(orgs::list::list),
        )
        .route(
            "/api/v1/orgs/{id}",
            get(orgs::get::get).patch(orgs::update::update),
        )
        .route("/api/v1/orgs/{id}/children", get(orgs::children::children))
        .route("/api/v1/orgs/{id}/teams", get(orgs::teams::teams))
        .route(
            "/api/v1/teams",
            post(teams::create::create).get(teams::list::list),
        )
        .route(
            "/api/v1/teams/{id}",
            get(teams::get::get).patch(teams::update::update),
        )
        .route(
            "/api/v1/teams/{id}/members",
            get(teams::members::members).post(teams::add_member::add_member),
        )
        .route(
            "/api/v1/teams/{id}/members/{volunteer_id}",
            axum::routing::delete(teams::remove_member::remove_member),
        )
        .route(
            "/api/v1/volunteers",
            post(volunteers::create::create).get(volunteers::search::search),
        )
        .route(
            "/api/v1/volunteers/{id}",
            get(volunteers::get::get).patch(volunteers::update::update),
        )
        .route(
            "/api/v1/volunteers/{id}/history",
            get(volunteers::history::history),
        )
        .route("/api/v1/skills", get(volunteers::skills::skills))
        .route("/api/v1/audit", get(audit::list::list))
        .merge(recruitment::routes())
        .merge(activities::routes())
        .merge(emergency::routes())
        .merge(notifications::routes())
        .merge(oversight::routes())
        .merge(report_tasks::routes())
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "zhiyuan 志愿 API", version = "1", description = "退役军人志愿服务队管理系统 API（v1）。错误一律为 {\"error\":{\"code\",\"message\",\"field\"}}。"),
    modifiers(&BearerAuth),
    paths(
        auth::login::login, auth::logout::logout, auth::me::me,
        users::create::create, users::list::list,
        orgs::create::create, orgs::list::list, orgs::get::get, orgs::update::update,
        orgs::children::children, orgs::teams::teams,
        teams::create::create, teams::list::list, teams::get::get, teams::update::update,
        teams::members::members, teams::add_member::add_member, teams::remove_member::remove_member,
        volunteers::create::create, volunteers::search::search, volunteers::get::get,
        volunteers::update::update, volunteers::history::history, volunteers::skills::skills,
        audit::list::list,
    )
)]
pub struct ApiDoc;

/// The whole document: the foundation's paths plus each feature's own `Doc`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(recruitment::Doc::openapi());
    doc.merge(activities::Doc::openapi());
    doc.merge(emergency::Doc::openapi());
    doc.merge(notifications::Doc::openapi());
    doc.merge(oversight::Doc::openapi());
    doc.merge(report_tasks::Doc::openapi());
    doc
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi())
}
