//! `/activities/{id}`: one activity for its officers: status actions, sign-ups (confirmed,
//! waitlisted with positions, walk-ins), attendance entry, hours and corrections waiting for a
//! decision, photos, and the way to the QR screen. The forms post to `detail_actions.rs`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::activities::photos::PhotoView;
use zhiyuan_app::activities::views::{AmendmentView, RecordView, SignupView};
use zhiyuan_app::activities::ActivityView;
use zhiyuan_app::{Actor, AppError};
use zhiyuan_domain::activity::ActivityStatus;

use super::super::forms::Opt;
use super::super::listing::show_time;
use super::super::{error_page, render, Chrome, FieldErrors};
use super::{rfc3339_to_local, show_hours};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    created: String,
    done: String,
}

/// The walk-in form's values.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WalkInForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub volunteer_id: String,
}

/// The attendance form's values (`datetime-local` times).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttendanceForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub volunteer_id: String,
    pub checked_in_at: String,
    pub checked_out_at: String,
    pub content: String,
    pub recipients: String,
}

/// One record as the page shows it.
pub struct RecordLine {
    pub r: RecordView,
    /// "3 小时", or "进行中" while not checked out.
    pub hours: String,
    pub checked_in: String,
    pub checked_out: String,
}

impl RecordLine {
    fn of(r: RecordView) -> RecordLine {
        RecordLine {
            hours: match r.checked_out_at {
                Some(_) => format!("{} 小时", show_hours(r.hours)),
                None => "进行中".to_owned(),
            },
            checked_in: show_time(&r.checked_in_at),
            checked_out: r
                .checked_out_at
                .as_deref()
                .map(show_time)
                .unwrap_or_default(),
            r,
        }
    }
}

pub struct AmendmentLine {
    pub record: RecordView,
    pub m: AmendmentView,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "activities_detail.html")]
pub struct DetailPage {
    pub chrome: Option<Chrome>,
    pub a: ActivityView,
    pub next_statuses: Vec<Opt>,
    pub confirmed: Vec<SignupView>,
    pub waitlisted: Vec<SignupView>,
    pub walk_ins: Vec<SignupView>,
    pub members: Vec<Opt>,
    pub attendees: Vec<Opt>,
    pub records: Vec<RecordLine>,
    pub pending_records: Vec<RecordLine>,
    pub amendments: Vec<AmendmentLine>,
    pub photos: Vec<PhotoView>,
    pub walk_in: WalkInForm,
    pub walk_in_errors: FieldErrors,
    pub attendance: AttendanceForm,
    pub attendance_errors: FieldErrors,
    pub photo_errors: FieldErrors,
    pub status_errors: FieldErrors,
    pub decision_errors: FieldErrors,
    pub is_open: bool,
    pub csrf: String,
    pub signup_window: String,
}

/// The actions an activity in `status` offers (labelled as buttons).
fn next_statuses(status: &str) -> Vec<Opt> {
    let Ok(from) = ActivityStatus::parse(status) else {
        return Vec::new();
    };
    let label = |s: ActivityStatus| match s {
        ActivityStatus::Published => "发布",
        ActivityStatus::Cancelled => "取消活动",
        ActivityStatus::Done => "结束活动",
        ActivityStatus::Draft => "存为草稿",
    };
    ActivityStatus::all()
        .iter()
        .filter(|s| from.can_become(**s))
        .map(|s| Opt::new(s.as_str(), label(*s)))
        .collect()
}

pub async fn load(state: &AppState, actor: &Actor, id: &str) -> Result<DetailPage, AppError> {
    let app = &state.app;
    let a = app.get_activity(actor, id).await?;
    // Officers only: a volunteer who may see the activity is sent the 403 of managing it.
    let records = app.activity_records(actor, id).await?;
    let signups = app.list_signups(actor, id).await?.items;
    let amendments = app
        .pending_amendments(actor, id)
        .await?
        .into_iter()
        .map(|(record, m)| AmendmentLine {
            old: format!(
                "{} 至 {}（{} 小时）",
                show_time(&m.old_checked_in_at),
                m.old_checked_out_at
                    .as_deref()
                    .map(show_time)
                    .unwrap_or_default(),
                m.old_hours.map(show_hours).unwrap_or_default()
            ),
            new: format!(
                "{} 至 {}（{} 小时）",
                show_time(&m.new_checked_in_at),
                show_time(&m.new_checked_out_at),
                show_hours(m.new_hours)
            ),
            record,
            m,
        })
        .collect();
    let photos = app.activity_photos(actor, id).await?;
    let live: Vec<SignupView> = signups
        .into_iter()
        .filter(|s| s.status != "cancelled")
        .collect();
    let signed: Vec<&str> = live.iter().map(|s| s.volunteer_id.as_str()).collect();
    let members = match app.team_members(actor, &a.team_id).await {
        Ok(m) => m
            .items
            .into_iter()
            .filter(|m| !signed.contains(&m.volunteer_id.as_str()))
            .map(|m| {
                Opt::new(
                    m.volunteer_id,
                    format!("{}（{}）", m.name, m.position_label),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let attendees = live
        .iter()
        .filter(|s| s.status == "confirmed")
        .map(|s| Opt::new(&s.volunteer_id, &s.volunteer_name))
        .collect();
    let (confirmed, rest): (Vec<_>, Vec<_>) =
        live.into_iter().partition(|s| s.status == "confirmed");
    let (walk_ins, confirmed): (Vec<_>, Vec<_>) = confirmed.into_iter().partition(|s| s.walk_in);
    let mut waitlisted = rest;
    waitlisted.sort_by_key(|s| s.position.unwrap_or(i64::MAX));
    let (pending, done): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r.status.starts_with("pending"));
    Ok(DetailPage {
        chrome: Chrome::of(actor),
        next_statuses: next_statuses(&a.status),
        is_open: a.status == "published",
        csrf: actor.csrf_token.clone(),
        signup_window: format!(
            "{} 至 {}",
            show_time(&a.signup_opens_at),
            show_time(&a.signup_closes_at)
        ),
        attendance: AttendanceForm {
            checked_in_at: rfc3339_to_local(&a.starts_at),
            checked_out_at: rfc3339_to_local(&a.ends_at),
            ..Default::default()
        },
        a,
        confirmed,
        waitlisted,
        walk_ins,
        members,
        attendees,
        records: done.into_iter().map(RecordLine::of).collect(),
        pending_records: pending.into_iter().map(RecordLine::of).collect(),
        amendments,
        photos,
        walk_in: WalkInForm::default(),
        walk_in_errors: FieldErrors::default(),
        attendance_errors: FieldErrors::default(),
        photo_errors: FieldErrors::default(),
        status_errors: FieldErrors::default(),
        decision_errors: FieldErrors::default(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    match load(&state, &actor, &id).await {
        Ok(mut page) => {
            let flash = match (q.created.as_str(), q.done.as_str()) {
                ("1", _) => Some("活动已创建".to_owned()),
                (n, _) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(format!("已创建 {n} 次重复活动，这是第一次"))
                }
                (_, d) if !d.is_empty() => Some(done_label(d).to_owned()),
                _ => None,
            };
            if flash.is_some() {
                page.chrome = Chrome::with_flash(&actor, flash);
            }
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}

/// The flash after an action (`?done=`).
fn done_label(d: &str) -> &'static str {
    match d {
        "status" => "活动状态已更新",
        "walk_in" => "已现场加入",
        "attendance" => "考勤已记录",
        "photo" => "照片已上传",
        "decision" => "已审核",
        _ => "已完成",
    }
}

#[cfg(test)]
mod tests {
    use super::next_statuses;

    #[test]
    fn actions_follow_the_life_of_an_activity() {
        let values =
            |s: &str| -> Vec<String> { next_statuses(s).into_iter().map(|o| o.value).collect() };
        assert_eq!(values("draft"), vec!["published", "cancelled"]);
        assert_eq!(values("published"), vec!["cancelled", "done"]);
        assert!(values("done").is_empty());
        assert!(values("nonsense").is_empty());
    }
}
