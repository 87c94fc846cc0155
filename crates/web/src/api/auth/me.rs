use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::ApiActor;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: String,
    pub username: String,
    pub role: String,
    pub is_super: bool,
    pub org_id: Option<String>,
    pub team_id: Option<String>,
    pub volunteer_id: Option<String>,
}

/// The caller's own account and scope.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me)))]
pub async fn get_authenticated_user(ApiActor(a): ApiActor) -> Json<Me> {
    Json(Me {
        user_id: a.user_id,
        username: a.username,
        role: a.role.as_str().to_owned(),
        is_super: a.is_super,
        org_id: a.org_id,
        team_id: a.team_id,
        volunteer_id: a.volunteer_id,
    })
}
