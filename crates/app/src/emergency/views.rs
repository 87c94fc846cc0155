//! What the emergency use cases hand back (JSON and pages alike).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::emergency::{CallupStatus, IncidentKind, IncidentStatus};
use zhiyuan_store::emergency::{CallupRow, IncidentRow};

use crate::clock;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PlaceView {
    pub lat: f64,
    pub lon: f64,
    pub address: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
    /// rainstorm, gale, blizzard, flood, fire, epidemic, search, drill, other
    pub kind: String,
    pub kind_label: String,
    /// open, standing_down, closed
    pub status: String,
    pub status_label: String,
    /// The commanding org (指挥机构).
    pub org_id: String,
    pub org_name: String,
    pub team_id: Option<String>,
    pub location: PlaceView,
    pub skills: Vec<String>,
    pub needed: i64,
    pub response_minutes: i64,
    pub description: String,
    pub started_at: String,
    pub stood_down_at: Option<String>,
    pub closed_at: Option<String>,
    /// The activity holding the incident's service records (after close).
    pub activity_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl From<&IncidentRow> for IncidentView {
    fn from(i: &IncidentRow) -> Self {
        IncidentView {
            id: i.id.clone(),
            title: i.title.clone(),
            kind: i.kind.clone(),
            kind_label: IncidentKind::parse(&i.kind)
                .map(|k| k.label_zh().to_owned())
                .unwrap_or_default(),
            status: i.status.clone(),
            status_label: IncidentStatus::parse(&i.status)
                .map(|k| k.label_zh().to_owned())
                .unwrap_or_default(),
            org_id: i.org_id.clone(),
            org_name: i.org_name.clone(),
            team_id: i.team_id.clone(),
            location: PlaceView {
                lat: i.lat,
                lon: i.lon,
                address: i.address.clone(),
            },
            skills: serde_json::from_str(&i.required_skills).unwrap_or_default(),
            needed: i.needed,
            response_minutes: i.response_minutes,
            description: i.description.clone(),
            started_at: clock::rfc3339(i.started_at),
            stood_down_at: i.stood_down_at.map(clock::rfc3339),
            closed_at: i.closed_at.map(clock::rfc3339),
            activity_id: i.activity_id.clone(),
            created_by: i.created_by.clone(),
            created_at: clock::rfc3339(i.created_at),
        }
    }
}

/// A ranked candidate (API.md): nearest first, then detachment members, then the least
/// called this year.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CandidateView {
    pub volunteer_id: String,
    pub name: String,
    pub volunteer_no: String,
    /// Great-circle distance from home to the incident, km (two decimals).
    pub distance_km: f64,
    pub skills: Vec<String>,
    /// A member of an emergency detachment (应急分队) or one of its squads.
    pub in_detachment: bool,
    pub callups_this_year: i64,
    /// 1-based place in the ranking.
    pub rank: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CallupView {
    pub id: String,
    pub incident_id: String,
    pub incident_title: String,
    pub volunteer_id: String,
    pub name: String,
    /// called, accepted, declined, expired, cancelled (expired as soon as the deadline passed)
    pub status: String,
    pub status_label: String,
    pub seq: i64,
    pub distance_km: Option<f64>,
    pub called_by: String,
    pub called_at: String,
    pub deadline_at: String,
    pub responded_at: Option<String>,
    /// On site now (checked in, not yet out).
    pub on_site: bool,
    pub on_site_since: Option<String>,
    /// Was on site at some time.
    pub arrived: bool,
    /// Seconds left to answer (0 once past).
    pub seconds_left: i64,
}

impl CallupView {
    pub fn build(c: &CallupRow, now: i64) -> CallupView {
        let status = CallupStatus::parse(&c.status)
            .map(|s| s.effective(c.deadline_at, now))
            .unwrap_or(CallupStatus::Cancelled);
        CallupView {
            id: c.id.clone(),
            incident_id: c.incident_id.clone(),
            incident_title: c.incident_title.clone(),
            volunteer_id: c.volunteer_id.clone(),
            name: c.volunteer_name.clone(),
            status: status.as_str().to_owned(),
            status_label: if c.on_site_since.is_some() {
                "已到场".to_owned()
            } else {
                status.label_zh().to_owned()
            },
            seq: c.seq,
            distance_km: c.distance_km.map(round2),
            called_by: c.called_by.clone(),
            called_at: clock::rfc3339(c.called_at),
            deadline_at: clock::rfc3339(c.deadline_at),
            responded_at: c.responded_at.map(clock::rfc3339),
            on_site: c.on_site_since.is_some(),
            on_site_since: c.on_site_since.map(clock::rfc3339),
            arrived: c.ever_arrived,
            seconds_left: if status == CallupStatus::Called {
                ((c.deadline_at - now) / 1000).max(0)
            } else {
                0
            },
        }
    }
}

/// The numbers the board compares with the headcount.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct BoardCounts {
    pub needed: i64,
    /// Waiting for an answer.
    pub waiting: i64,
    pub accepted: i64,
    pub declined: i64,
    pub expired: i64,
    pub cancelled: i64,
    /// On site now.
    pub on_site: i64,
    /// Accepted ones still missing for the headcount.
    pub short: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BoardView {
    pub incident: IncidentView,
    pub counts: BoardCounts,
    pub callups: Vec<CallupView>,
}

/// One thing that happened on a board (server-sent to every board of the incident).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct BoardEvent {
    pub incident_id: String,
    /// called, accepted, declined, expired, arrived, left, standing_down, closed
    pub kind: String,
    pub callup_id: Option<String>,
    pub volunteer_id: Option<String>,
    /// unix ms
    pub at: i64,
}

impl BoardEvent {
    pub fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
