//! The JSON API of API.md, one file per action. Each feature's `routes()` names its handlers
//! once: the axum routes and the OpenAPI document both come from the handlers' annotations.

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub mod activities;
pub mod audit;
pub mod auth;
pub mod emergency;
pub mod notifications;
pub mod orgs;
pub mod oversight;
pub mod recruitment;
pub mod report_tasks;
pub mod teams;
pub mod users;
pub mod volunteers;

/// The API's routes, with `GET /api/v1/openapi.json` serving their description.
pub fn routes() -> Router<AppState> {
    let (router, doc) = documented_routes().split_for_parts();
    // Serialized once: the document never changes while the server runs.
    let json = serde_json::to_string(&doc).expect("the OpenAPI document serializes");
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(CONTENT_TYPE, "application/json")], json) }
        }),
    )
}

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(orgs::routes())
        .merge(teams::routes())
        .merge(volunteers::routes())
        .merge(audit::routes())
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

/// The document's header; the paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "zhiyuan 志愿 API", version = "1", description = "退役军人志愿服务队管理系统 API（v1）。错误一律为 {\"error\":{\"code\",\"message\",\"field\"}}；多个字段有误时另有 \"fields\":[{\"field\",\"code\",\"message\"}]，逐一列出。"),
    modifiers(&BearerAuth)
)]
struct ApiDoc;
