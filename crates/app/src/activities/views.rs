//! What the activity use cases hand back (JSON and pages alike).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::activity::{hours_of, ActivityKind, ActivityStatus, Captured, ProjectCategory};
use zhiyuan_store::activities::{ActivityRow, AmendmentRow, ProjectRow, RecordRow, SignupRow};

use crate::clock;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub category: String,
    pub category_label: String,
    pub description: String,
    pub org_id: String,
    pub team_id: Option<String>,
    /// 一村一品
    pub brand: bool,
}

impl From<&ProjectRow> for ProjectView {
    fn from(p: &ProjectRow) -> Self {
        ProjectView {
            id: p.id.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            category_label: ProjectCategory::parse(&p.category)
                .map(|c| c.label_zh().to_owned())
                .unwrap_or_default(),
            description: p.description.clone(),
            org_id: p.org_id.clone(),
            team_id: p.team_id.clone(),
            brand: p.brand,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PlaceView {
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub title: String,
    pub project_id: Option<String>,
    pub team_id: String,
    pub team_name: String,
    pub kind: String,
    pub kind_label: String,
    /// draft, published, cancelled, done
    pub status: String,
    pub status_label: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    /// "2026-05-01 09:00" for pages.
    pub when: String,
    pub location: Option<PlaceView>,
    pub capacity: i64,
    pub waitlist: bool,
    /// Regular confirmed places taken (never above capacity).
    pub confirmed: i64,
    /// Officers' walk-ins beyond capacity.
    pub walk_ins: i64,
    pub places_left: i64,
    pub required_skills: Vec<String>,
    pub signup_opens_at: String,
    pub signup_closes_at: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub backfill_reason: Option<String>,
    pub series_id: Option<String>,
    pub recurrence: Option<String>,
}

impl From<&ActivityRow> for ActivityView {
    fn from(a: &ActivityRow) -> Self {
        ActivityView {
            id: a.id.clone(),
            title: a.title.clone(),
            project_id: a.project_id.clone(),
            team_id: a.team_id.clone(),
            team_name: a.team_name.clone(),
            kind: a.kind.clone(),
            kind_label: ActivityKind::parse(&a.kind)
                .map(|k| k.label_zh().to_owned())
                .unwrap_or_default(),
            status: a.status.clone(),
            status_label: ActivityStatus::parse(&a.status)
                .map(|k| k.label_zh().to_owned())
                .unwrap_or_default(),
            description: a.description.clone(),
            starts_at: clock::rfc3339(a.starts_at),
            ends_at: clock::rfc3339(a.ends_at),
            when: format!(
                "{} 至 {}",
                clock::display(a.starts_at),
                clock::display(a.ends_at)
            ),
            location: a.place_name.as_ref().map(|n| PlaceView {
                name: n.clone(),
                lat: a.lat,
                lon: a.lon,
            }),
            capacity: a.capacity,
            waitlist: a.waitlist,
            confirmed: a.confirmed,
            walk_ins: a.walk_ins,
            places_left: (a.capacity - a.confirmed).max(0),
            required_skills: serde_json::from_str(&a.required_skills).unwrap_or_default(),
            signup_opens_at: clock::rfc3339(a.signup_opens_at),
            signup_closes_at: clock::rfc3339(a.signup_closes_at),
            contact_name: a.contact_name.clone(),
            contact_phone: a.contact_phone.clone(),
            backfill_reason: a.backfill_reason.clone(),
            series_id: a.series_id.clone(),
            recurrence: a.recurrence.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SignupView {
    pub activity_id: String,
    pub volunteer_id: String,
    pub volunteer_name: String,
    /// confirmed, waitlisted, cancelled
    pub status: String,
    pub status_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    pub walk_in: bool,
}

impl From<&SignupRow> for SignupView {
    fn from(s: &SignupRow) -> Self {
        SignupView {
            activity_id: s.activity_id.clone(),
            volunteer_id: s.volunteer_id.clone(),
            volunteer_name: s.volunteer_name.clone(),
            status: s.status.clone(),
            status_label: status_label(&s.status).to_owned(),
            position: s.position,
            walk_in: s.walk_in,
        }
    }
}

pub fn status_label(s: &str) -> &'static str {
    match s {
        "confirmed" => "已确认",
        "waitlisted" => "候补",
        "cancelled" => "已取消",
        "open" => "已签到",
        "approved" => "有效",
        "pending_team" => "待队伍审核",
        "pending_higher" => "待上级审核",
        "rejected" => "未通过",
        "pending" => "待审核",
        _ => "",
    }
}

/// The answer to a sign-up (API.md): status and, when waitlisted, the position.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SignupResult {
    pub activity_id: String,
    pub volunteer_id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    pub walk_in: bool,
}

/// A service record (R-LAW-3): activity, date, place, recipients, content, hours, evaluation,
/// person in charge, recorder; and how it was captured.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordView {
    pub id: String,
    pub activity_id: String,
    pub activity_title: String,
    pub volunteer_id: String,
    pub date: String,
    pub place: String,
    pub recipients: String,
    pub content: String,
    /// Effective hours (after approved amendments).
    pub hours: f64,
    /// Hours as first captured.
    pub captured_hours: Option<f64>,
    pub checked_in_at: String,
    pub checked_out_at: Option<String>,
    pub evaluation: String,
    pub person_in_charge: String,
    pub recorder: String,
    /// scan, officer, backfill
    pub captured: String,
    pub captured_label: String,
    /// open, approved, pending_team, pending_higher, rejected
    pub status: String,
    pub status_label: String,
    pub backfill_reason: Option<String>,
    pub amended: bool,
}

impl From<&RecordRow> for RecordView {
    fn from(r: &RecordRow) -> Self {
        RecordView {
            id: r.id.clone(),
            activity_id: r.activity_id.clone(),
            activity_title: r.activity_title.clone(),
            volunteer_id: r.volunteer_id.clone(),
            date: r.day.clone(),
            place: r.place.clone(),
            recipients: r.recipients.clone(),
            content: r.content.clone(),
            hours: hours_of(r.eff_ms),
            captured_hours: r.minutes_ms.map(hours_of),
            checked_in_at: clock::rfc3339(r.eff_in),
            checked_out_at: r.eff_out.map(clock::rfc3339),
            evaluation: r.evaluation.clone(),
            person_in_charge: r.person_in_charge.clone(),
            recorder: r.recorder.clone(),
            captured: r.captured.clone(),
            captured_label: Captured::parse(&r.captured)
                .map(|c| c.label_zh().to_owned())
                .unwrap_or_default(),
            status: r.status.clone(),
            status_label: status_label(&r.status).to_owned(),
            backfill_reason: r.backfill_reason.clone(),
            amended: r.eff_in != r.checked_in_at || r.eff_out != r.checked_out_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AmendmentView {
    pub id: String,
    pub record_id: String,
    pub requested_by: String,
    pub reason: String,
    pub old_checked_in_at: String,
    pub old_checked_out_at: Option<String>,
    pub new_checked_in_at: String,
    pub new_checked_out_at: String,
    pub old_hours: Option<f64>,
    pub new_hours: f64,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl From<&AmendmentRow> for AmendmentView {
    fn from(m: &AmendmentRow) -> Self {
        AmendmentView {
            id: m.id.clone(),
            record_id: m.record_id.clone(),
            requested_by: m.requested_by.clone(),
            reason: m.reason.clone(),
            old_checked_in_at: clock::rfc3339(m.old_in),
            old_checked_out_at: m.old_out.map(clock::rfc3339),
            new_checked_in_at: clock::rfc3339(m.new_in),
            new_checked_out_at: clock::rfc3339(m.new_out),
            old_hours: m.old_out.map(|o| hours_of(o - m.old_in)),
            new_hours: hours_of(m.new_out - m.new_in),
            status: m.status.clone(),
            decided_by: m.decided_by.clone(),
            decided_at: m.decided_at.map(clock::rfc3339),
            created_at: clock::rfc3339(m.created_at),
        }
    }
}

/// A volunteer's records with the year's total, progress to 20 h, and star level (R-HRS-4).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordsPage {
    pub items: Vec<RecordView>,
    pub total: i64,
    /// All approved hours ever.
    pub total_hours: f64,
    /// Approved hours this calendar year.
    pub year_hours: f64,
    pub goal_hours: f64,
    /// 0..=100
    pub goal_percent: i64,
    pub star_level: u8,
    pub stars: String,
    pub hours_to_next_star: Option<f64>,
}
