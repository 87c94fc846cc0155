//! Leaving (动态管理) from the pages: a volunteer withdraws (退出志愿服务) from `/me` after a
//! confirmation step that asks why; an admin suspends (暂停) or reinstates (恢复) a volunteer
//! from their page. The record and its status history stay; a refused post re-shows the
//! form with the error beside the reason.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use zhiyuan_app::recruitment::leaving::StatusInput;
use zhiyuan_app::{Actor, AppError};

use crate::extract::PageActor;
use crate::pages::forms;
use crate::pages::{check_csrf, error_page, render, see_other, Chrome, FieldErrors};
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    reason: String,
    version: String,
}

impl ReasonForm {
    fn input(&self) -> StatusInput {
        StatusInput {
            reason: self.reason.clone(),
            version: forms::opt_text(&self.version).and_then(|v| v.parse().ok()),
        }
    }
}

/// Which change the form asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Withdraw,
    Suspend,
    Reinstate,
}

impl Change {
    fn heading(self) -> &'static str {
        match self {
            Change::Withdraw => "退出志愿服务",
            Change::Suspend => "暂停志愿者",
            Change::Reinstate => "恢复志愿者",
        }
    }

    fn intro(self) -> &'static str {
        match self {
            Change::Withdraw => "退出后将不再参加队伍活动和调派，您的登记信息和服务记录仍会保留。如需重新加入，请联系所在服务站。",
            Change::Suspend => "暂停期间该志愿者不在人力资源库中可调派，登记信息和服务记录保留，可随时恢复。",
            Change::Reinstate => "恢复后该志愿者重新在队，可参加活动和调派。",
        }
    }

    fn button(self) -> &'static str {
        match self {
            Change::Withdraw => "确认退出",
            Change::Suspend => "确认暂停",
            Change::Reinstate => "确认恢复",
        }
    }
}

#[derive(Template)]
#[template(path = "recruitment_leave.html")]
struct LeavePage {
    chrome: Option<Chrome>,
    heading: &'static str,
    intro: &'static str,
    button: &'static str,
    action: String,
    back: String,
    name: String,
    form: ReasonForm,
    errors: FieldErrors,
}

async fn leave_page(
    state: &AppState,
    actor: &Actor,
    change: Change,
    volunteer_id: &str,
    form: ReasonForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let v = match state.app.get_volunteer(actor, volunteer_id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let (action, back) = match change {
        Change::Withdraw => ("/me/withdraw".to_owned(), "/me".to_owned()),
        Change::Suspend => (
            format!("/volunteers/{}/suspend", v.id),
            format!("/volunteers/{}", v.id),
        ),
        Change::Reinstate => (
            format!("/volunteers/{}/reinstate", v.id),
            format!("/volunteers/{}", v.id),
        ),
    };
    let form = ReasonForm {
        version: if form.version.is_empty() {
            v.version.to_string()
        } else {
            form.version
        },
        ..form
    };
    render(
        status,
        &LeavePage {
            chrome: Chrome::of(actor),
            heading: change.heading(),
            intro: change.intro(),
            button: change.button(),
            action,
            back,
            name: v.name,
            form,
            errors,
        },
    )
}

/// A page for someone without an own volunteer record (an admin account) is refused.
fn no_own_record(actor: &Actor) -> Response {
    error_page(Some(actor), &AppError::role_forbidden())
}

/// `GET /me/withdraw`: the confirmation step.
pub async fn withdraw_form(State(state): State<AppState>, PageActor(actor): PageActor) -> Response {
    let Some(id) = actor.volunteer_id.clone() else {
        return no_own_record(&actor);
    };
    leave_page(
        &state,
        &actor,
        Change::Withdraw,
        &id,
        ReasonForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn apply(
    state: &AppState,
    actor: &Actor,
    change: Change,
    volunteer_id: &str,
    f: ReasonForm,
) -> Response {
    if let Err(r) = check_csrf(actor, &f.csrf) {
        return r;
    }
    let input = f.input();
    let done = match change {
        Change::Withdraw => state.app.withdraw(actor, volunteer_id, &input).await,
        Change::Suspend => state.app.suspend(actor, volunteer_id, &input).await,
        Change::Reinstate => state.app.reinstate(actor, volunteer_id, &input).await,
    };
    match done {
        Ok(_) => see_other(&match change {
            Change::Withdraw => "/me?done=withdrawn".to_owned(),
            Change::Suspend => format!("/volunteers/{volunteer_id}?status=suspended"),
            Change::Reinstate => format!("/volunteers/{volunteer_id}?status=reinstated"),
        }),
        Err(e) => {
            let errors = forms::form_errors(&e, &["reason"], &[]);
            let status = crate::error::status_of(e.kind);
            leave_page(state, actor, change, volunteer_id, f, errors, status).await
        }
    }
}

/// `POST /me/withdraw`: the volunteer withdraws themself.
pub async fn withdraw(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ReasonForm>,
) -> Response {
    let Some(id) = actor.volunteer_id.clone() else {
        return no_own_record(&actor);
    };
    apply(&state, &actor, Change::Withdraw, &id, f).await
}

/// `POST /volunteers/{id}/suspend`.
pub async fn suspend(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    apply(&state, &actor, Change::Suspend, &id, f).await
}

/// `POST /volunteers/{id}/reinstate`.
pub async fn reinstate(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    apply(&state, &actor, Change::Reinstate, &id, f).await
}
