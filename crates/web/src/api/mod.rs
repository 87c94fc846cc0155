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
        .route("/api/v1/auth/login", post(auth::login::begin_session))
        .route("/api/v1/auth/logout", post(auth::logout::end_session))
        .route("/api/v1/auth/me", get(auth::me::get_authenticated_user))
        .route(
            "/api/v1/users",
            post(users::create::create_user).get(users::list::list_users),
        )
        .route(
            "/api/v1/orgs",
            post(orgs::create::create_org).get(orgs::list::list_orgs),
        )
        .route(
            "/api/v1/orgs/{id}",
            get(orgs::get::get_org).patch(orgs::update::update_org),
        )
        .route(
            "/api/v1/orgs/{id}/children",
            get(orgs::children::list_org_children),
        )
        .route("/api/v1/orgs/{id}/teams", get(orgs::teams::list_org_teams))
        .route(
            "/api/v1/teams",
            post(teams::create::create_team).get(teams::list::list_teams),
        )
        .route(
            "/api/v1/teams/{id}",
            get(teams::get::get_team).patch(teams::update::update_team),
        )
        .route(
            "/api/v1/teams/{id}/members",
            get(teams::members::list_team_members).post(teams::add_member::add_team_member),
        )
        .route(
            "/api/v1/teams/{id}/members/{volunteer_id}",
            axum::routing::delete(teams::remove_member::remove_team_member),
        )
        .route(
            "/api/v1/volunteers",
            post(volunteers::create::create_volunteer).get(volunteers::search::search_volunteers),
        )
        .route(
            "/api/v1/volunteers/{id}",
            get(volunteers::get::get_volunteer).patch(volunteers::update::update_volunteer),
        )
        .route(
            "/api/v1/volunteers/{id}/history",
            get(volunteers::history::get_volunteer_history),
        )
        .route("/api/v1/skills", get(volunteers::skills::list_skills))
        .route("/api/v1/audit", get(audit::list::list_audit_entries))
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
        auth::login::begin_session, auth::logout::end_session, auth::me::get_authenticated_user,
        users::create::create_user, users::list::list_users,
        orgs::create::create_org, orgs::list::list_orgs, orgs::get::get_org, orgs::update::update_org,
        orgs::children::list_org_children, orgs::teams::list_org_teams,
        teams::create::create_team, teams::list::list_teams, teams::get::get_team, teams::update::update_team,
        teams::members::list_team_members, teams::add_member::add_team_member, teams::remove_member::remove_team_member,
        volunteers::create::create_volunteer, volunteers::search::search_volunteers, volunteers::get::get_volunteer,
        volunteers::update::update_volunteer, volunteers::history::get_volunteer_history, volunteers::skills::list_skills,
        audit::list::list_audit_entries,
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
