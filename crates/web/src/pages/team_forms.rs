//! The forms of `/teams/{id}`: add a sub-unit, appoint or place a member, remove a member.
//! A failed write re-renders the team page with the error.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use zhiyuan_app::teams::{NewMember, NewTeam};
use zhiyuan_app::AppError;

use super::forms::{self, opt_text};
use super::team::{rerender, MemberForm, RemoveForm, UnitForm};
use super::{check_csrf, error_page, see_other};
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

pub async fn create_unit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<UnitForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let parent = match state.app.get_team(&actor, &id).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(&actor), &e),
    };
    let input = NewTeam {
        name: f.name.clone(),
        org_id: parent.org_id.clone(),
        parent_team_id: Some(parent.id.clone()),
        echelon: f.echelon.clone(),
        specialty: opt_text(&f.specialty),
    };
    match state.app.create_team(&actor, &input).await {
        Ok(t) => see_other(&format!("/teams/{}", t.id)),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.unit = f;
                p.unit_errors = forms::form_errors(
                    &e,
                    &["name", "echelon", "specialty"],
                    &[("parent_team_id", "echelon")],
                );
            })
            .await
        }
    }
}

pub async fn appoint(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let unit_id = opt_text(&f.unit_id).unwrap_or_else(|| id.clone());
    let input = NewMember {
        volunteer_id: f.volunteer_id.trim().to_owned(),
        position: f.position.clone(),
    };
    let result = if input.volunteer_id.is_empty() {
        Err(AppError::invalid(
            "volunteer_id",
            "required",
            "请选择志愿者",
        ))
    } else {
        state
            .app
            .appoint_member(&actor, &unit_id, &input)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => see_other(&format!("/teams/{id}?ok=member")),
        Err(e) => {
            // The use case names the unit `team_id`; the form calls it `unit_id`.
            let e = if e.field.as_deref() == Some("team_id") {
                e.with_field("unit_id")
            } else {
                e
            };
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.member = f;
                p.member_errors =
                    forms::form_errors(&e, &["volunteer_id", "unit_id", "position"], &[]);
            })
            .await
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, volunteer_id)): Path<(String, String)>,
    Form(f): Form<RemoveForm>,
) -> Response {
    if let Err(r) = check_csrf(&actor, &f.csrf) {
        return r;
    }
    let unit_id = opt_text(&f.unit_id).unwrap_or_else(|| id.clone());
    match state
        .app
        .remove_member(&actor, &unit_id, &volunteer_id)
        .await
    {
        Ok(()) => see_other(&format!("/teams/{id}?ok=removed")),
        Err(e) => {
            rerender(&state, &actor, &id, status_of(e.kind), |p| {
                p.remove_error = Some(e.message.clone())
            })
            .await
        }
    }
}
