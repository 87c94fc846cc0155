//! Emergency response (应急响应, issue 6): incidents, ranked candidates, call-ups, time on
//! site, the live board and the close with service records and a muster report.
//!
//! - `mod.rs`: incidents (create, read, list, stand down) and the runtime every server process
//!   keeps: the candidate index and the board's event bus;
//! - `index.rs`: the in-memory spatial index; `sync.rs`: its start-up load, its delta poll,
//!   the event listener and the expiry sweep;
//! - `callups.rs`: candidates and call-ups, answers; `site.rs`: check-in at the scene,
//!   closing, the muster report; `board.rs`: the board and its plot; `demo.rs`.

pub mod board;
pub mod callups;
pub mod demo;
pub mod index;
pub mod site;
pub mod sync;
pub mod views;

use serde::Deserialize;
use tokio::sync::{broadcast, Mutex, OnceCell, RwLock};
use utoipa::ToSchema;
use zhiyuan_domain::emergency::{
    check_needed, check_place, check_required_skills, check_response_minutes, IncidentKind,
    IncidentStatus, DEFAULT_RESPONSE_MINUTES,
};
use zhiyuan_domain::Scope;
use zhiyuan_store::emergency::IncidentRow;

use crate::error::{AppError, AppResult};
use crate::views::Page;
use crate::{clock, new_id, snapshot, Actor, App};
pub use views::{BoardEvent, CallupView, CandidateView, IncidentView};

/// What each server process keeps for emergency response.
pub struct Runtime {
    /// The candidate index, loaded on first use (or at start-up by `warm_up`).
    pub(crate) index: OnceCell<RwLock<sync::Indexed>>,
    /// One delta poll at a time.
    pub(crate) sync_lock: Mutex<()>,
    /// Board events of every incident; SSE streams subscribe and filter.
    pub(crate) bus: broadcast::Sender<BoardEvent>,
    /// The listener (PostgreSQL) and the background loop, started once.
    pub(crate) started: OnceCell<()>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            index: OnceCell::new(),
            sync_lock: Mutex::new(()),
            bus: broadcast::channel(1024).0,
            started: OnceCell::new(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewLocation {
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub address: String,
}

/// API.md: `{"title","kind","location":{"lat","lon"},"skills":[…],"needed"}`; the commanding
/// org is the caller's own org (a super-administrator names it with `org_id`).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewIncident {
    pub title: String,
    pub kind: String,
    pub location: NewLocation,
    #[serde(default)]
    pub skills: Vec<String>,
    pub needed: i64,
    /// The commanding org; defaults to the caller's org.
    pub org_id: Option<String>,
    /// The leading unit (牵头队伍), optional.
    pub team_id: Option<String>,
    /// Default response time of its call-ups, minutes (15).
    pub response_minutes: Option<i64>,
    pub description: Option<String>,
    /// When it happened (RFC 3339); defaults to now.
    pub started_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentSearch {
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn text(field: &str, s: &str, max: usize, required: bool) -> AppResult<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(AppError::invalid(field, "required", "此项必填"));
    }
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            field,
            "text_invalid",
            format!("不超过 {max} 个字，且不含控制字符"),
        ));
    }
    Ok(t.to_owned())
}

impl App {
    /// Opens an incident (API.md `POST /api/v1/incidents`). Admins only: emergency command
    /// belongs to the government's service centres (R-LAW-1 art. 24).
    pub async fn create_incident(
        &self,
        actor: &Actor,
        input: &NewIncident,
    ) -> AppResult<IncidentView> {
        actor.require_admin()?;
        let title = text("title", &input.title, 60, true)?;
        let kind = IncidentKind::parse(&input.kind)?;
        let (place, address) = check_place(
            input.location.lat,
            input.location.lon,
            &input.location.address,
        )?;
        let needed = check_needed(input.needed)?;
        let minutes =
            check_response_minutes(input.response_minutes.unwrap_or(DEFAULT_RESPONSE_MINUTES))?;
        let description = text(
            "description",
            input.description.as_deref().unwrap_or(""),
            2000,
            false,
        )?;
        let mut known = std::collections::HashSet::new();
        for s in &input.skills {
            let tag = s.split_whitespace().collect::<Vec<_>>().join(" ");
            if !tag.is_empty() && self.store.skill_known(&tag).await? {
                known.insert(tag);
            }
        }
        let skills = check_required_skills(&input.skills, |s| known.contains(s))?;
        let now = clock::now_ms();
        let started_at = match input.started_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => {
                let t = crate::activities::parse_time("started_at", s)?;
                if t > now + 60_000 {
                    return Err(AppError::invalid(
                        "started_at",
                        "in_future",
                        "发生时间不能在将来",
                    ));
                }
                t
            }
            None => now,
        };
        let org_id = match (
            input
                .org_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
            &actor.org_id,
        ) {
            (Some(id), _) => id.to_owned(),
            (None, Some(own)) => own.clone(),
            (None, None) => {
                return Err(AppError::invalid("org_id", "required", "请指定指挥机构"));
            }
        };
        let org = self.writable_org(actor, &org_id, "org_id").await?;
        let team_id = match input
            .team_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(tid) => {
                let team = self.writable_team(actor, tid, "team_id").await?;
                if !zhiyuan_domain::is_within(&team.org_path, &org.path) {
                    return Err(AppError::invalid(
                        "team_id",
                        "team_outside_org",
                        "牵头队伍不在指挥机构辖区内",
                    ));
                }
                Some(team.id)
            }
            None => None,
        };
        let row = IncidentRow {
            id: new_id(),
            title,
            kind: kind.as_str().to_owned(),
            status: IncidentStatus::Open.as_str().to_owned(),
            org_id: org.id.clone(),
            org_path: org.path.clone(),
            team_id,
            lat: place.lat,
            lon: place.lon,
            address,
            required_skills: serde_json::to_string(skills.as_slice())
                .unwrap_or_else(|_| "[]".into()),
            needed,
            response_minutes: minutes,
            description,
            started_at,
            stood_down_at: None,
            closed_at: None,
            activity_id: None,
            created_by: actor.username.clone(),
            created_at: now,
            updated_at: now,
            org_name: org.name.clone(),
        };
        let view = IncidentView::from(&row);
        let audit = self.audit_entry(
            actor,
            "incident.create",
            "incident",
            &row.id,
            &org.path,
            None,
            snapshot(&view),
        );
        self.store.insert_incident(&row, &audit).await?;
        Ok(view)
    }

    /// The incident when the actor commands over its org: 404 otherwise (unseen is unknown).
    pub(crate) async fn commanded_incident(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<IncidentRow> {
        let i = self
            .store
            .get_incident(id)
            .await?
            .ok_or_else(|| AppError::not_found("事件"))?;
        if actor.scope.covers_org(&i.org_path) {
            Ok(i)
        } else {
            Err(AppError::not_found("事件"))
        }
    }

    pub async fn get_incident(&self, actor: &Actor, id: &str) -> AppResult<IncidentView> {
        Ok(IncidentView::from(
            &self.commanded_incident(actor, id).await?,
        ))
    }

    /// Incidents commanded within the actor's subtree, newest first.
    pub async fn list_incidents(
        &self,
        actor: &Actor,
        q: &IncidentSearch,
    ) -> AppResult<Page<IncidentView>> {
        let path = match &actor.scope {
            Scope::All => "/".to_owned(),
            Scope::Org { org_path } => org_path.clone(),
            _ => return Err(AppError::role_forbidden()),
        };
        let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(IncidentStatus::parse(s)?.as_str().to_owned()),
            None => None,
        };
        let (limit, offset) = crate::page_window(q.page, q.per_page);
        let (rows, total) = self
            .store
            .list_incidents(&path, status.as_deref(), limit, offset)
            .await?;
        Ok(Page {
            items: rows.iter().map(IncidentView::from).collect(),
            total,
        })
    }

    /// Moves the incident on: open → standing down (pending call-ups withdrawn) or closed
    /// (see `close_incident`).
    pub async fn set_incident_status(
        &self,
        actor: &Actor,
        id: &str,
        to: &str,
    ) -> AppResult<IncidentView> {
        let i = self.commanded_incident(actor, id).await?;
        let from = IncidentStatus::parse(&i.status)?;
        let next = IncidentStatus::parse(to)?;
        if !from.can_become(next) {
            return Err(AppError::conflict(
                "status_transition",
                format!("事件“{}”不能改为“{}”", from.label_zh(), next.label_zh()),
            )
            .with_field("status"));
        }
        if next == IncidentStatus::Closed {
            self.close_incident(actor, &i).await?;
        } else {
            let now = clock::now_ms();
            let audit = self.audit_entry(
                actor,
                "incident.stand_down",
                "incident",
                &i.id,
                &i.org_path,
                Some(serde_json::json!({"status": from.as_str()})),
                Some(serde_json::json!({"status": next.as_str()})),
            );
            let event = self.board_event(&i.id, "standing_down", None, None, now);
            self.store
                .stand_down_incident(&i.id, now, &[event.payload()], &audit)
                .await?;
            self.publish(vec![event]);
        }
        self.get_incident(actor, id).await
    }

    pub(crate) fn board_event(
        &self,
        incident_id: &str,
        kind: &str,
        callup_id: Option<&str>,
        volunteer_id: Option<&str>,
        at: i64,
    ) -> BoardEvent {
        BoardEvent {
            incident_id: incident_id.to_owned(),
            kind: kind.to_owned(),
            callup_id: callup_id.map(str::to_owned),
            volunteer_id: volunteer_id.map(str::to_owned),
            at,
        }
    }

    /// After a committed write: on SQLite the events go to this process's boards here; on
    /// PostgreSQL they went out with the write (NOTIFY) and come back through the listener,
    /// to every process alike.
    pub(crate) fn publish(&self, events: Vec<BoardEvent>) {
        if self.store.notifies_events() {
            return;
        }
        for e in events {
            // No board open is no error.
            let _ = self.emergency.bus.send(e);
        }
    }
}
