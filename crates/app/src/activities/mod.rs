//! Activity and service-hour use cases (issue 4): service projects and activities here;
//! sign-ups, records, check-in codes, certificates and photos in the submodules.

pub mod browse;
pub mod certificate_pdf;
pub mod certificates;
pub mod checkin;
pub mod demo;
pub mod open_view;
pub mod photos;
pub mod records;
mod signup_reads;
pub mod signups;
pub mod views;

use chrono::DateTime;
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::activity::{
    check_capacity, check_signup_window, check_times, occurrences, ActivityKind, ActivityStatus,
    ProjectCategory, Recurrence,
};
use zhiyuan_domain::{GeoPoint, Scope, Skills};
use zhiyuan_store::activities::{ActivityQuery, ActivityRow, ProjectRow};
use zhiyuan_store::VolunteerRecord;

use crate::error::{AppError, AppResult};
use crate::views::Page;
use crate::{clock, new_id, snapshot, Actor, App};
pub use views::{ActivityView, ProjectView};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewProject {
    pub name: String,
    /// emergency, talks, veteran_help, pioneer_post, writing, pairing, elder_care, mentoring,
    /// rural, environment, civility, legal_aid, other
    pub category: String,
    #[serde(default)]
    pub description: String,
    pub org_id: String,
    pub team_id: Option<String>,
    /// 一村一品: the unit's signature project.
    #[serde(default)]
    pub brand: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct Location {
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewActivity {
    pub title: String,
    pub team_id: String,
    pub project_id: Option<String>,
    /// RFC 3339, e.g. 2026-05-01T09:00:00+08:00
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub waitlist: Option<bool>,
    pub location: Option<Location>,
    /// 补录: the activity was held but not entered in time; it may lie in the past.
    pub backfill_reason: Option<String>,
    /// concentrated, community (default), individual, joint
    pub kind: Option<String>,
    #[serde(default)]
    pub required_skills: Vec<String>,
    pub signup_opens_at: Option<String>,
    pub signup_closes_at: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    /// weekly or monthly: creates `occurrences` activities at once.
    pub recurrence: Option<String>,
    pub occurrences: Option<u32>,
    /// Keep as a draft instead of publishing at once.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivitySearch {
    pub team_id: Option<String>,
    pub status: Option<String>,
    /// Only activities that have not ended yet.
    pub upcoming: Option<bool>,
    /// Only activities starting in this month, "YYYY-MM" in China time.
    pub month: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// An RFC 3339 time as unix ms, or 422 naming the field.
pub(crate) fn parse_time(field: &str, s: &str) -> AppResult<i64> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            AppError::invalid(
                field,
                "time_invalid",
                "时间格式应为 RFC 3339，例如 2026-05-01T09:00:00+08:00",
            )
        })
}

fn short_text(field: &str, s: &str, max: usize, required: bool) -> AppResult<String> {
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
    pub async fn create_project(
        &self,
        actor: &Actor,
        input: &NewProject,
    ) -> AppResult<ProjectView> {
        let name = short_text("name", &input.name, 40, true)?;
        let category = ProjectCategory::parse(&input.category)?;
        let description = short_text("description", &input.description, 2000, false)?;
        let org = self
            .writable_org(actor, input.org_id.trim(), "org_id")
            .await;
        let (org, team) = match input.team_id.as_deref().filter(|t| !t.is_empty()) {
            Some(tid) => {
                let team = self.writable_team(actor, tid, "team_id").await?;
                let org = self.visible_org(actor, &team.org_id).await?;
                (org, Some(team))
            }
            None => (org?, None),
        };
        let row = ProjectRow {
            id: new_id(),
            name,
            category: category.as_str().to_owned(),
            description,
            org_id: org.id.clone(),
            team_id: team.map(|t| t.id),
            org_path: org.path.clone(),
            brand: input.brand,
            created_at: clock::now_ms(),
        };
        let view = ProjectView::from(&row);
        let audit = self.audit_entry(
            actor,
            "project.create",
            "project",
            &row.id,
            &org.path,
            None,
            snapshot(&view),
        );
        self.store.insert_project(&row, &audit).await?;
        Ok(view)
    }

    /// Projects of the actor's orgs (admins), or of their unit's org (leaders, volunteers).
    pub async fn list_projects(&self, actor: &Actor) -> AppResult<Vec<ProjectView>> {
        let path = match &actor.scope {
            Scope::All => "/".to_owned(),
            Scope::Org { org_path } => org_path.clone(),
            Scope::Team { org_path, .. } => org_path.clone(),
            Scope::Volunteer { .. } => return Ok(Vec::new()),
        };
        let rows = self.store.projects_in_org_subtree(&path, 500).await?;
        Ok(rows.iter().map(ProjectView::from).collect())
    }

    /// Creates an activity (or every occurrence of a recurring one). With `backfill_reason` it
    /// lies in the past and is created as done, ready for back-filled attendance.
    pub async fn create_activity(
        &self,
        actor: &Actor,
        input: &NewActivity,
    ) -> AppResult<Vec<ActivityView>> {
        if matches!(actor.scope, Scope::Volunteer { .. }) {
            return Err(AppError::role_forbidden());
        }
        let title = short_text("title", &input.title, 60, true)?;
        let description = short_text(
            "description",
            input.description.as_deref().unwrap_or(""),
            2000,
            false,
        )?;
        let starts_at = parse_time("starts_at", &input.starts_at)?;
        let ends_at = parse_time("ends_at", &input.ends_at)?;
        let backfill = match input.backfill_reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => Some(short_text("backfill_reason", r, 500, true)?),
            _ => None,
        };
        let now = clock::now_ms();
        check_times(starts_at, ends_at, now, backfill.is_some())?;
        check_capacity(input.capacity)?;
        let kind = match input.kind.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(k) => ActivityKind::parse(k)?,
            None => ActivityKind::Community,
        };
        let skills = Skills::parse_list(&input.required_skills)
            .map_err(|e| AppError::invalid("required_skills", e.code(), e.message()))?;
        let opens = match input
            .signup_opens_at
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(s) => parse_time("signup_opens_at", s)?,
            None => now.min(starts_at),
        };
        let closes = match input
            .signup_closes_at
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(s) => parse_time("signup_closes_at", s)?,
            None => starts_at,
        };
        if backfill.is_none() {
            check_signup_window(opens, closes, starts_at)?;
        }
        let (place_name, lat, lon) = match &input.location {
            Some(l) => {
                let name = short_text("location.name", &l.name, 80, true)?;
                match (l.lat, l.lon) {
                    (Some(lat), Some(lon)) => {
                        let p = GeoPoint::new(lat, lon).map_err(|e| {
                            AppError::invalid("location.lat", e.code(), e.message())
                        })?;
                        (Some(name), Some(p.lat), Some(p.lon))
                    }
                    (None, None) => (Some(name), None, None),
                    _ => {
                        return Err(AppError::invalid(
                            "location.lat",
                            "location_incomplete",
                            "经纬度须同时填写",
                        ))
                    }
                }
            }
            None => (None, None, None),
        };
        let contact_name = input
            .contact_name
            .as_deref()
            .map(|s| short_text("contact_name", s, 20, false))
            .transpose()?
            .filter(|s| !s.is_empty());
        let contact_phone = match input
            .contact_phone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(p) => Some(
                zhiyuan_domain::Phone::parse(p)
                    .map_err(|e| AppError::invalid("contact_phone", e.code(), e.message()))?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let team = self
            .writable_team(actor, input.team_id.trim(), "team_id")
            .await?;
        let project_id = match input.project_id.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(pid) => {
                let p = self
                    .store
                    .get_project(pid.trim())
                    .await?
                    .ok_or_else(|| AppError::not_found("服务项目").with_field("project_id"))?;
                // A unit runs projects of its own org or of any level above it.
                if !zhiyuan_domain::is_within(&team.org_path, &p.org_path) {
                    return Err(AppError::invalid(
                        "project_id",
                        "project_outside_team",
                        "该服务项目不属于本队伍所在辖区",
                    ));
                }
                Some(p.id)
            }
            None => None,
        };
        let (recurrence, starts) =
            match input.recurrence.as_deref().filter(|r| !r.trim().is_empty()) {
                Some(r) if backfill.is_none() => {
                    let r = Recurrence::parse(r)?;
                    (
                        Some(r),
                        occurrences(starts_at, r, input.occurrences.unwrap_or(4))?,
                    )
                }
                Some(_) => {
                    return Err(AppError::invalid(
                        "recurrence",
                        "recurrence_backfill",
                        "补录的活动不能重复",
                    ))
                }
                None => (None, vec![starts_at]),
            };
        let status = if backfill.is_some() {
            ActivityStatus::Done
        } else if input.draft {
            ActivityStatus::Draft
        } else {
            ActivityStatus::Published
        };
        let series_id = (starts.len() > 1).then(new_id);
        let skills_json = serde_json::to_string(skills.as_slice()).unwrap_or_else(|_| "[]".into());
        let rows: Vec<ActivityRow> = starts
            .iter()
            .map(|s| {
                let shift = s - starts_at;
                ActivityRow {
                    id: new_id(),
                    title: title.clone(),
                    project_id: project_id.clone(),
                    team_id: team.id.clone(),
                    team_path: team.path.clone(),
                    org_path: team.org_path.clone(),
                    kind: kind.as_str().to_owned(),
                    status: status.as_str().to_owned(),
                    description: description.clone(),
                    starts_at: *s,
                    ends_at: ends_at + shift,
                    place_name: place_name.clone(),
                    lat,
                    lon,
                    capacity: input.capacity,
                    waitlist: input.waitlist.unwrap_or(false),
                    required_skills: skills_json.clone(),
                    signup_opens_at: opens,
                    signup_closes_at: closes + shift,
                    contact_name: contact_name.clone(),
                    contact_phone: contact_phone.clone(),
                    backfill_reason: backfill.clone(),
                    series_id: series_id.clone(),
                    recurrence: recurrence.map(|r| r.as_str().to_owned()),
                    confirmed: 0,
                    walk_ins: 0,
                    wait_seq: 0,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    team_name: team.name.clone(),
                }
            })
            .collect();
        let views: Vec<ActivityView> = rows.iter().map(ActivityView::from).collect();
        let action = if backfill.is_some() {
            "activity.backfill"
        } else {
            "activity.create"
        };
        let audit = self.audit_entry(
            actor,
            action,
            "activity",
            &rows[0].id,
            &team.org_path,
            None,
            snapshot(&views),
        );
        self.store.insert_activities(&rows, &audit).await?;
        // Volunteers' pages show it at once (other processes within a second).
        self.open_view_insert(&rows);
        Ok(views)
    }

    /// The activity when the actor may see it: officers over its unit, or a volunteer who may
    /// join it or holds a sign-up.
    pub(crate) async fn visible_activity(&self, actor: &Actor, id: &str) -> AppResult<ActivityRow> {
        let a = self
            .store
            .get_activity(id)
            .await?
            .ok_or_else(|| AppError::not_found("活动"))?;
        if actor.scope.covers_team(&a.team_path, &a.org_path) {
            return Ok(a);
        }
        if let Scope::Volunteer { volunteer_id } = &actor.scope {
            let v = self
                .store
                .get_volunteer(volunteer_id)
                .await?
                .ok_or_else(|| AppError::not_found("活动"))?;
            if self.may_join(&v, &a).await?
                || self.store.get_signup(id, volunteer_id).await?.is_some()
            {
                return Ok(a);
            }
        }
        Err(AppError::not_found("活动"))
    }

    /// The activity when the actor manages its unit: 404 when unseen, 403 when seen only.
    pub(crate) async fn managed_activity(&self, actor: &Actor, id: &str) -> AppResult<ActivityRow> {
        let a = self.visible_activity(actor, id).await?;
        if actor.scope.covers_team(&a.team_path, &a.org_path) {
            Ok(a)
        } else {
            Err(AppError::role_forbidden())
        }
    }

    /// A volunteer may join activities of units they belong to (or units above them), and of
    /// the org their locality lies in (or above).
    pub(crate) async fn may_join(&self, v: &VolunteerRecord, a: &ActivityRow) -> AppResult<bool> {
        if zhiyuan_domain::is_within(&v.row.org_path, &a.org_path) {
            return Ok(true);
        }
        Ok(self
            .store
            .memberships_of(&v.row.id)
            .await?
            .iter()
            .any(|m| zhiyuan_domain::is_within(&m.team_path, &a.team_path)))
    }

    pub async fn get_activity(&self, actor: &Actor, id: &str) -> AppResult<ActivityView> {
        Ok(ActivityView::from(&self.visible_activity(actor, id).await?))
    }

    /// Activities in the actor's scope (officers); for a volunteer, those open to them.
    pub async fn list_activities(
        &self,
        actor: &Actor,
        q: &ActivitySearch,
    ) -> AppResult<Page<ActivityView>> {
        let (limit, offset) = crate::page_window(q.page, q.per_page);
        let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(ActivityStatus::parse(s)?.as_str().to_owned()),
            None => None,
        };
        let (starts_from, starts_before) = match q.month.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => {
                let (from, before) = browse::month_bounds(m)?;
                (Some(from), Some(before))
            }
            None => (None, None),
        };
        let mut query = ActivityQuery {
            status,
            ends_after: q.upcoming.unwrap_or(false).then(clock::now_ms),
            starts_from,
            starts_before,
            limit,
            offset,
            ..Default::default()
        };
        match &actor.scope {
            Scope::All => {}
            Scope::Org { org_path } => query.within_org_path = Some(org_path.clone()),
            Scope::Team { team_path, .. } => query.within_team_path = Some(team_path.clone()),
            Scope::Volunteer { .. } => {
                let items = self.open_activities(actor).await?;
                return Ok(Page {
                    total: items.len() as i64,
                    items,
                });
            }
        }
        if let Some(tid) = q.team_id.as_deref().filter(|t| !t.is_empty()) {
            let team = self.visible_team(actor, tid).await?;
            query.within_team_path = Some(team.path);
        }
        let (rows, total) = self.store.list_activities(&query).await?;
        Ok(Page {
            items: rows.iter().map(ActivityView::from).collect(),
            total,
        })
    }

    /// Published activities that have not ended and that the volunteer may join (their
    /// locality and the orgs above it, their units and the units above them), by start time;
    /// from the in-memory view (open_view.rs).
    pub async fn open_activities(&self, actor: &Actor) -> AppResult<Vec<ActivityView>> {
        Ok(self
            .open_entries(actor)
            .await?
            .iter()
            .map(|e| ActivityView::clone(&e.view))
            .collect())
    }

    /// Publishes a draft, cancels, or closes an activity as done.
    pub async fn set_activity_status(
        &self,
        actor: &Actor,
        id: &str,
        to: &str,
    ) -> AppResult<ActivityView> {
        let a = self.managed_activity(actor, id).await?;
        let from = ActivityStatus::parse(&a.status)?;
        let next = ActivityStatus::parse(to)?;
        if !from.can_become(next) {
            return Err(AppError::conflict(
                "status_transition",
                format!("活动“{}”不能改为“{}”", from.label_zh(), next.label_zh()),
            )
            .with_field("status"));
        }
        let audit = self.audit_entry(
            actor,
            "activity.status",
            "activity",
            id,
            &a.org_path,
            Some(serde_json::json!({"status": from.as_str()})),
            Some(serde_json::json!({"status": next.as_str()})),
        );
        self.store
            .set_activity_status(id, from.as_str(), next.as_str(), clock::now_ms(), &audit)
            .await?;
        // Sign-ups here read it fresh at once (any other process's are refused by the writer).
        self.signup_batcher.activities.forget(id);
        // Volunteers' pages here show it at once (other processes within a second).
        self.open_view_refresh(id, false).await;
        self.get_activity(actor, id).await
    }
}
