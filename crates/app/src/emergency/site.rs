//! At the scene and afterwards: the incident's signed, rotating check-in code (as the
//! activities' one, under its own "incident:" label so neither code opens the other), arrival
//! and departure (QR scan or an officer's mark), and closing: time on site becomes service
//! records of an activity the incident owns, through the activities' own guarded insert
//! (at most 3 stretches a day, 8 h / 12 h approvals, capture method kept), split at China
//! midnights so each day is judged alone; and the muster report.

use chrono::{DateTime, Duration, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::activity::{hours_of, Captured, MAX_CYCLES_PER_DAY};
use zhiyuan_domain::emergency::{CallupStatus, IncidentKind};
use zhiyuan_sheets::muster::{write_muster, Muster, MusterLine};
use zhiyuan_store::activities::{ActivityRow, RecordRow};
use zhiyuan_store::emergency::{ArriveOutcome, IncidentRow, PresenceRow};
use zhiyuan_store::{StoreError, TeamRow};

use super::IncidentView;
use crate::activities::checkin::{CheckinCode, CODE_TTL_MS};
use crate::crypto::constant_time_eq;
use crate::crypto::mac_hex;
use crate::error::{AppError, AppResult};
use crate::{clock, new_id, Actor, App, ErrorKind};

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PresenceResult {
    /// "arrived" or "left"
    pub action: String,
    pub incident_id: String,
    pub incident_title: String,
    pub at: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PresenceMark {
    pub volunteer_id: String,
    /// "arrive" or "leave"
    pub action: String,
}

fn invalid_code() -> AppError {
    AppError::invalid(
        "token",
        "checkin_code_invalid",
        "签到码无效（不是本系统签发或已被改动）",
    )
}

/// Pieces of a stretch, one per China day it touches.
pub(crate) fn split_days(from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let day = DateTime::from_timestamp_millis(start)
            .unwrap_or_default()
            .with_timezone(&clock::china())
            .date_naive();
        let next = clock::china()
            .from_local_datetime(
                &(day + Duration::days(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default(),
            )
            .single()
            .map(|d| d.timestamp_millis())
            .unwrap_or(to);
        let end = next.min(to);
        out.push((start, end));
        start = end.max(start + 1);
    }
    out
}

/// Start of the China day of `ms`.
fn day_start(ms: i64) -> i64 {
    let day = DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&clock::china())
        .date_naive();
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| clock::china().from_local_datetime(&t).single())
        .map(|d| d.timestamp_millis())
        .unwrap_or(ms)
}

impl App {
    fn sign_incident(&self, incident_id: &str, expires: i64) -> String {
        let mac = mac_hex(
            &self.secrets.checkin_key,
            format!("incident:{incident_id}.{expires}").as_bytes(),
        );
        format!("{incident_id}.{expires}.{}", &mac[..32])
    }

    fn verify_incident_token(&self, token: &str, now: i64) -> AppResult<String> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(id), Some(exp), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid_code());
        };
        let expires: i64 = exp.parse().map_err(|_| invalid_code())?;
        if !constant_time_eq(
            self.sign_incident(id, expires).as_bytes(),
            token.trim().as_bytes(),
        ) {
            return Err(invalid_code());
        }
        if now > expires {
            return Err(AppError::new(
                ErrorKind::Unprocessable,
                "checkin_code_expired",
                "签到码已过期，请扫描最新的二维码",
            )
            .with_field("token"));
        }
        Ok(id.to_owned())
    }

    /// A fresh scene check-in code (valid about a minute; the QR page refreshes it).
    pub async fn incident_checkin_code(&self, actor: &Actor, id: &str) -> AppResult<CheckinCode> {
        let i = self.commanded_incident(actor, id).await?;
        if i.status == "closed" {
            return Err(AppError::conflict("incident_closed", "事件已结束"));
        }
        let expires_at = clock::now_ms() + CODE_TTL_MS;
        let token = self.sign_incident(&i.id, expires_at);
        Ok(CheckinCode {
            path: format!("/incidents/checkin/{token}"),
            token,
            expires_at,
        })
    }

    /// What a scan would do, for the confirmation page: the incident and whether it checks
    /// the volunteer out.
    pub async fn incident_checkin_preview(
        &self,
        actor: &Actor,
        token: &str,
    ) -> AppResult<(IncidentView, bool)> {
        let id = self.verify_incident_token(token, clock::now_ms())?;
        let vid = actor
            .volunteer_id
            .clone()
            .ok_or_else(AppError::role_forbidden)?;
        let i = self
            .store
            .get_incident(&id)
            .await?
            .ok_or_else(invalid_code)?;
        let on_site = self
            .store
            .callups_of(&i.id)
            .await?
            .iter()
            .any(|c| c.volunteer_id == vid && c.on_site_since.is_some());
        Ok((IncidentView::from(&i), on_site))
    }

    /// The volunteer scans the code at the scene: arrives, or leaves when on site.
    pub async fn scan_incident_checkin(
        &self,
        actor: &Actor,
        token: &str,
    ) -> AppResult<PresenceResult> {
        let now = clock::now_ms();
        let id = self.verify_incident_token(token, now)?;
        let vid = actor
            .volunteer_id
            .clone()
            .ok_or_else(AppError::role_forbidden)?;
        let i = self
            .store
            .get_incident(&id)
            .await?
            .ok_or_else(invalid_code)?;
        self.presence(actor, &i, &vid, None, Captured::Scan, now)
            .await
    }

    /// An officer marks someone's arrival or departure on the board.
    pub async fn mark_presence(
        &self,
        actor: &Actor,
        id: &str,
        m: &PresenceMark,
    ) -> AppResult<PresenceResult> {
        let i = self.commanded_incident(actor, id).await?;
        let arrive = match m.action.as_str() {
            "arrive" => true,
            "leave" => false,
            _ => {
                return Err(AppError::invalid(
                    "action",
                    "action_invalid",
                    "action 应为 arrive 或 leave",
                ))
            }
        };
        self.presence(
            actor,
            &i,
            m.volunteer_id.trim(),
            Some(arrive),
            Captured::Officer,
            clock::now_ms(),
        )
        .await
    }

    async fn presence(
        &self,
        actor: &Actor,
        i: &IncidentRow,
        vid: &str,
        arrive: Option<bool>,
        how: Captured,
        now: i64,
    ) -> AppResult<PresenceResult> {
        if i.status == "closed" {
            return Err(AppError::conflict("incident_closed", "事件已结束"));
        }
        let c = self
            .store
            .callups_of(&i.id)
            .await?
            .into_iter()
            .find(|c| c.volunteer_id == vid)
            .filter(|c| c.status == CallupStatus::Accepted.as_str())
            .ok_or_else(|| {
                AppError::invalid("volunteer_id", "not_called", "没有已接受的召集，不能签到")
            })?;
        let leave = arrive.map(|a| !a).unwrap_or(c.on_site_since.is_some());
        let result = |action: &str| PresenceResult {
            action: action.to_owned(),
            incident_id: i.id.clone(),
            incident_title: i.title.clone(),
            at: clock::rfc3339(now),
        };
        if leave {
            let event = self.board_event(&i.id, "left", Some(&c.id), Some(vid), now);
            let audit = self.audit_entry(
                actor,
                "incident.left",
                "callup",
                &c.id,
                &i.org_path,
                None,
                Some(serde_json::json!({"left_at": clock::rfc3339(now), "how": how.as_str()})),
            );
            match self
                .store
                .leave(&i.id, vid, now, how.as_str(), &[event.payload()], &audit)
                .await
            {
                Ok(_) => {}
                Err(StoreError::Stale) => {
                    return Err(AppError::conflict("not_on_site", "尚未到场签到"));
                }
                Err(e) => return Err(e.into()),
            }
            self.publish(vec![event]);
            return Ok(result("left"));
        }
        let p = PresenceRow {
            id: new_id(),
            incident_id: i.id.clone(),
            callup_id: c.id.clone(),
            volunteer_id: vid.to_owned(),
            arrived_at: now,
            arrived_how: how.as_str().to_owned(),
            left_at: None,
            left_how: None,
            record_note: None,
            volunteer_name: String::new(),
        };
        let event = self.board_event(&i.id, "arrived", Some(&c.id), Some(vid), now);
        let audit = self.audit_entry(
            actor,
            "incident.arrived",
            "callup",
            &c.id,
            &i.org_path,
            None,
            Some(serde_json::json!({"arrived_at": clock::rfc3339(now), "how": how.as_str()})),
        );
        match self
            .store
            .arrive(
                &p,
                day_start(now),
                MAX_CYCLES_PER_DAY,
                &[event.payload()],
                &audit,
            )
            .await?
        {
            ArriveOutcome::Arrived => {}
            ArriveOutcome::AlreadyOnSite => {
                return Err(AppError::conflict(
                    "already_on_site",
                    "已经到场签到，请先签退",
                ))
            }
            ArriveOutcome::TooManyCycles => {
                return Err(AppError::invalid(
                    "volunteer_id",
                    "too_many_cycles",
                    format!("每人每天最多到场签到 {MAX_CYCLES_PER_DAY} 次"),
                ))
            }
            ArriveOutcome::NotCalled => {
                return Err(AppError::invalid(
                    "volunteer_id",
                    "not_called",
                    "没有已接受的召集，不能签到",
                ))
            }
        }
        self.publish(vec![event]);
        Ok(result("arrived"))
    }

    /// The unit the incident's service records are kept under: the named leading unit, else
    /// the highest emergency detachment of the commanding org's subtree, else the org's own
    /// team, else its first team.
    async fn lead_team(&self, i: &IncidentRow) -> AppResult<Option<TeamRow>> {
        if let Some(tid) = &i.team_id {
            return Ok(self.store.get_team(tid).await?);
        }
        let teams = self.store.teams_in_org_subtree(&i.org_path, 2000).await?;
        let depth = |t: &TeamRow| (t.org_path.len(), t.path.len());
        let pick = teams
            .iter()
            .filter(|t| zhiyuan_domain::emergency::is_emergency_specialty(t.specialty.as_deref()))
            .min_by_key(|t| depth(t))
            .or_else(|| {
                teams
                    .iter()
                    .filter(|t| t.org_id == i.org_id && t.parent_team_id.is_none())
                    .min_by_key(|t| depth(t))
            })
            .or_else(|| teams.iter().min_by_key(|t| depth(t)));
        Ok(pick.cloned())
    }

    /// Closes: pending call-ups withdrawn, open stretches end now, time on site becomes
    /// service records (one transaction).
    pub(crate) async fn close_incident(&self, actor: &Actor, i: &IncidentRow) -> AppResult<()> {
        let now = clock::now_ms();
        let stretches = self.store.presence_of(&i.id).await?;
        let team = self.lead_team(i).await?;
        let activity = match (&team, stretches.is_empty()) {
            (_, true) => None,
            (None, false) => {
                return Err(AppError::conflict(
                    "no_team",
                    "指挥机构辖区内没有队伍，无法记录服务时长；请先建立队伍或指定牵头队伍",
                ))
            }
            (Some(t), false) => {
                let first = stretches.iter().map(|p| p.arrived_at).min().unwrap_or(now);
                let starts_at = i.started_at.min(first);
                let kind = IncidentKind::parse(&i.kind)
                    .map(|k| k.label_zh())
                    .unwrap_or("应急");
                Some(ActivityRow {
                    id: new_id(),
                    title: format!("应急响应：{}", i.title).chars().take(60).collect(),
                    project_id: None,
                    team_id: t.id.clone(),
                    team_path: t.path.clone(),
                    org_path: t.org_path.clone(),
                    kind: "concentrated".into(),
                    status: "done".into(),
                    description: format!("{kind}应急响应（事件 {}），需要 {} 人", i.id, i.needed),
                    starts_at,
                    ends_at: now.max(starts_at + 1),
                    place_name: (!i.address.is_empty()).then(|| i.address.clone()),
                    lat: Some(i.lat),
                    lon: Some(i.lon),
                    capacity: i.needed.max(1),
                    waitlist: false,
                    required_skills: i.required_skills.clone(),
                    signup_opens_at: starts_at,
                    signup_closes_at: starts_at,
                    contact_name: None,
                    contact_phone: None,
                    backfill_reason: None,
                    series_id: None,
                    recurrence: None,
                    confirmed: 0,
                    walk_ins: 0,
                    wait_seq: 0,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    team_name: t.name.clone(),
                })
            }
        };
        let make = |rows: &[PresenceRow]| -> Vec<(String, RecordRow)> {
            let Some(a) = &activity else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for p in rows {
                let Some(left) = p.left_at else { continue };
                let captured = if p.arrived_how == "scan" {
                    Captured::Scan
                } else {
                    Captured::Officer
                };
                let content = if p.left_how.as_deref() == Some("close") {
                    format!("{}（收队时签退）", a.title)
                } else {
                    a.title.clone()
                };
                for (from, to) in split_days(p.arrived_at, left) {
                    out.push((
                        p.id.clone(),
                        self.new_record(
                            actor,
                            a,
                            &p.volunteer_id,
                            from,
                            Some(to),
                            captured,
                            String::new(),
                            content.clone(),
                            String::new(),
                        ),
                    ));
                }
            }
            out
        };
        let event = self.board_event(&i.id, "closed", None, None, now);
        let audit = self.audit_entry(
            actor,
            "incident.close",
            "incident",
            &i.id,
            &i.org_path,
            Some(serde_json::json!({"status": i.status})),
            Some(serde_json::json!({"status": "closed", "activity_id": activity.as_ref().map(|a| &a.id)})),
        );
        let outcome = self
            .store
            .close_incident(
                &i.id,
                &i.status,
                now,
                activity.as_ref(),
                &make,
                MAX_CYCLES_PER_DAY,
                crate::activities::records::day_rule,
                &[event.payload()],
                &audit,
            )
            .await
            .map_err(|e| match e {
                StoreError::Stale => AppError::stale(),
                e => e.into(),
            })?;
        tracing::info!(incident = %i.id, records = outcome.records.len(), skipped = outcome.skipped.len(), "incident closed");
        self.publish(vec![event]);
        Ok(())
    }

    /// The muster report (.xlsx): every call-up with its answer and time on site.
    pub async fn muster_report(&self, actor: &Actor, id: &str) -> AppResult<(String, Vec<u8>)> {
        let i = self.commanded_incident(actor, id).await?;
        let view = IncidentView::from(&i);
        let now = clock::now_ms();
        let callups = self.store.callups_of(&i.id).await?;
        let stretches = self.store.presence_of(&i.id).await?;
        let lines = callups
            .iter()
            .map(|c| {
                let mine: Vec<&PresenceRow> =
                    stretches.iter().filter(|p| p.callup_id == c.id).collect();
                let ms: i64 = mine
                    .iter()
                    .map(|p| p.left_at.unwrap_or(now).max(p.arrived_at) - p.arrived_at)
                    .sum();
                let v = super::CallupView::build(c, now);
                MusterLine {
                    seq: c.seq,
                    name: c.volunteer_name.clone(),
                    volunteer_no: c.volunteer_no.clone(),
                    status: v.status_label,
                    distance_km: v.distance_km,
                    called_at: clock::display(c.called_at),
                    responded_at: c.responded_at.map(clock::display).unwrap_or_default(),
                    arrived_at: mine
                        .iter()
                        .map(|p| p.arrived_at)
                        .min()
                        .map(clock::display)
                        .unwrap_or_default(),
                    left_at: mine
                        .iter()
                        .filter_map(|p| p.left_at)
                        .max()
                        .map(clock::display)
                        .unwrap_or_default(),
                    hours: hours_of(ms),
                    record: mine
                        .iter()
                        .filter_map(|p| p.record_note.as_deref())
                        .map(record_label)
                        .collect::<Vec<_>>()
                        .join("；"),
                }
            })
            .collect();
        let accepted = callups.iter().filter(|c| c.status == "accepted").count();
        let facts = vec![
            ("事件类型".to_owned(), view.kind_label.clone()),
            ("状态".to_owned(), view.status_label.clone()),
            ("指挥机构".to_owned(), view.org_name.clone()),
            (
                "地点".to_owned(),
                format!("{} ({:.5}, {:.5})", view.location.address, i.lat, i.lon),
            ),
            ("发生时间".to_owned(), clock::display(i.started_at)),
            (
                "结束时间".to_owned(),
                i.closed_at.map(clock::display).unwrap_or_default(),
            ),
            ("所需技能".to_owned(), view.skills.join("、")),
            ("需要人数".to_owned(), i.needed.to_string()),
            ("召集人数".to_owned(), callups.len().to_string()),
            ("接受人数".to_owned(), accepted.to_string()),
            (
                "到场人数".to_owned(),
                callups
                    .iter()
                    .filter(|c| c.ever_arrived)
                    .count()
                    .to_string(),
            ),
            ("导出时间".to_owned(), clock::display(now)),
        ];
        let bytes = write_muster(&Muster {
            title: format!("{} 集结点名册", i.title),
            facts,
            lines,
        })
        .map_err(|_| AppError::internal())?;
        Ok((format!("muster-{}.xlsx", i.id), bytes))
    }
}

fn record_label(note: &str) -> String {
    note.split(',')
        .map(|n| match n {
            "recorded:approved" => "已计入服务时长".to_owned(),
            "recorded:pending_team" => "已计入，待队伍审核（超过 8 小时）".to_owned(),
            "recorded:pending_higher" => "已计入，待上级审核（超过 12 小时）".to_owned(),
            "too_many_cycles" => "未计入：超过每日 3 次".to_owned(),
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("，")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn stretches_split_at_china_midnight() {
        let (a, b) = (
            at("2026-07-01T20:00:00+08:00"),
            at("2026-07-02T03:30:00+08:00"),
        );
        let mid = at("2026-07-02T00:00:00+08:00");
        assert_eq!(split_days(a, b), vec![(a, mid), (mid, b)]);
        let (c, d) = (
            at("2026-07-01T09:00:00+08:00"),
            at("2026-07-01T11:00:00+08:00"),
        );
        assert_eq!(split_days(c, d), vec![(c, d)]);
        assert!(split_days(d, d).is_empty());
        assert_eq!(day_start(b), mid);
    }
}
