//! Attendance and service records (R-LAW-2, R-LAW-3, R-HRS-3): officer entry and back-fill,
//! the daily approval levels, amendments that never overwrite, and a volunteer's totals.

use chrono::{DateTime, Datelike};
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::activity::{
    approval_for_day, check_attendance, hours_of, star_level, Captured, MAX_CYCLES_PER_DAY,
    YEARLY_GOAL_HOURS,
};
use zhiyuan_domain::{is_within, Scope};
use zhiyuan_store::activities::{ActivityRow, AmendmentRow, RecordOutcome, RecordRow};

use super::parse_time;
use super::views::{AmendmentView, RecordView, RecordsPage};
use crate::error::{AppError, AppResult};
use crate::{clock, new_id, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewAttendance {
    pub volunteer_id: String,
    pub checked_in_at: String,
    pub checked_out_at: String,
    /// 服务对象
    pub recipients: Option<String>,
    /// 服务内容 (defaults to the activity's title)
    pub content: Option<String>,
    /// 服务评价
    pub evaluation: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewAmendment {
    pub checked_in_at: String,
    pub checked_out_at: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct Decision {
    pub approve: bool,
}

/// The day rule applied inside the store's write transaction.
pub(crate) fn day_rule(total_ms: i64) -> &'static str {
    approval_for_day(total_ms).status()
}

/// The China date of a time, "YYYY-MM-DD".
pub(crate) fn china_day(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&clock::china())
        .format("%Y-%m-%d")
        .to_string()
}

fn text(field: &str, s: Option<&str>, max: usize) -> AppResult<String> {
    let t = s.unwrap_or("").trim();
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "text_invalid",
            format!("不超过 {max} 个字"),
        ));
    }
    Ok(t.to_owned())
}

impl App {
    /// A record's fields as R-LAW-3 lists them, filled from the activity and the recorder.
    // One argument per field of the record being built.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_record(
        &self,
        actor: &Actor,
        a: &ActivityRow,
        volunteer_id: &str,
        checked_in_at: i64,
        checked_out_at: Option<i64>,
        captured: Captured,
        recipients: String,
        content: String,
        evaluation: String,
    ) -> RecordRow {
        let ms = checked_out_at.map(|o| o - checked_in_at);
        RecordRow {
            id: new_id(),
            activity_id: a.id.clone(),
            volunteer_id: volunteer_id.to_owned(),
            team_id: a.team_id.clone(),
            org_path: a.org_path.clone(),
            day: china_day(checked_in_at),
            checked_in_at,
            checked_out_at,
            minutes_ms: ms,
            captured: captured.as_str().to_owned(),
            status: String::new(),
            eff_in: checked_in_at,
            eff_out: checked_out_at,
            eff_ms: ms.unwrap_or(0),
            place: a.place_name.clone().unwrap_or_default(),
            content: if content.is_empty() {
                a.title.clone()
            } else {
                content
            },
            recipients,
            evaluation,
            person_in_charge: a
                .contact_name
                .clone()
                .unwrap_or_else(|| a.team_name.clone()),
            recorder: actor.username.clone(),
            backfill_reason: a.backfill_reason.clone(),
            approved_by: None,
            approved_at: None,
            created_at: clock::now_ms(),
            activity_title: a.title.clone(),
        }
    }

    /// Writes a record through the store's guarded insert and maps its refusals.
    pub(crate) async fn write_record(
        &self,
        actor: &Actor,
        r: &RecordRow,
        action: &str,
    ) -> AppResult<RecordView> {
        let audit = self.audit_entry(
            actor,
            action,
            "service_record",
            &r.id,
            &r.org_path,
            None,
            crate::snapshot(&RecordView::from(r)),
        );
        match self
            .store
            .insert_record(r, MAX_CYCLES_PER_DAY, day_rule, &audit)
            .await?
        {
            RecordOutcome::Written(_) => {}
            RecordOutcome::TooManyCycles => {
                return Err(AppError::invalid(
                    "checked_in_at",
                    "too_many_cycles",
                    format!("同一活动每人每天最多签到签退 {MAX_CYCLES_PER_DAY} 次"),
                ))
            }
            RecordOutcome::AlreadyOpen => {
                return Err(AppError::conflict(
                    "already_checked_in",
                    "已经签到，请先签退",
                ))
            }
        }
        let row = self
            .store
            .get_record(&r.id)
            .await?
            .ok_or_else(AppError::internal)?;
        Ok(RecordView::from(&row))
    }

    /// An officer enters a volunteer's times (API.md attendance). On a back-filled activity no
    /// sign-up is needed and the record is marked as back-filled.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        activity_id: &str,
        input: &NewAttendance,
    ) -> AppResult<RecordView> {
        let a = self.managed_activity(actor, activity_id).await?;
        let v = self
            .store
            .get_volunteer(input.volunteer_id.trim())
            .await?
            .ok_or_else(|| AppError::not_found("志愿者").with_field("volunteer_id"))?;
        if !self.covers_volunteer(actor, &v).await? && !self.may_join(&v, &a).await? {
            return Err(AppError::forbidden().with_field("volunteer_id"));
        }
        let cin = parse_time("checked_in_at", &input.checked_in_at)?;
        let cout = parse_time("checked_out_at", &input.checked_out_at)?;
        check_attendance(cin, cout, a.starts_at, a.ends_at, clock::now_ms())?;
        let backfilled = a.backfill_reason.is_some();
        if !backfilled {
            let s = self.store.get_signup(&a.id, &v.row.id).await?;
            if s.is_none_or(|s| s.status != "confirmed") {
                return Err(AppError::invalid(
                    "volunteer_id",
                    "not_confirmed",
                    "只能为已确认报名的志愿者记录考勤",
                ));
            }
        }
        let captured = if backfilled {
            Captured::Backfill
        } else {
            Captured::Officer
        };
        let r = self.new_record(
            actor,
            &a,
            &v.row.id,
            cin,
            Some(cout),
            captured,
            text("recipients", input.recipients.as_deref(), 200)?,
            text("content", input.content.as_deref(), 500)?,
            text("evaluation", input.evaluation.as_deref(), 200)?,
        );
        let action = if backfilled {
            "attendance.backfill"
        } else {
            "attendance.officer"
        };
        self.write_record(actor, &r, action).await
    }

    /// Approves (or rejects) hours waiting for approval: >8 h a day by the team's officers,
    /// >12 h by an admin of the level above the team's org.
    pub async fn decide_record(
        &self,
        actor: &Actor,
        record_id: &str,
        d: &Decision,
    ) -> AppResult<RecordView> {
        let r = self
            .store
            .get_record(record_id)
            .await?
            .ok_or_else(|| AppError::not_found("服务记录"))?;
        let team = self
            .store
            .get_team(&r.team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        if !actor.covers_team(&team) {
            return Err(AppError::not_found("服务记录"));
        }
        let allowed = match r.status.as_str() {
            "pending_team" => !matches!(actor.scope, Scope::Volunteer { .. }),
            "pending_higher" => match &actor.scope {
                Scope::All => true,
                Scope::Org { org_path } => {
                    is_within(&team.org_path, org_path) && *org_path != team.org_path
                }
                _ => false,
            },
            _ => return Err(AppError::conflict("not_pending", "该记录无需审核")),
        };
        if !allowed {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "higher_approval_required",
                "单日超过 12 小时须由上一级审核",
            ));
        }
        let to = if d.approve { "approved" } else { "rejected" };
        let audit = self.audit_entry(
            actor,
            "service_record.decide",
            "service_record",
            &r.id,
            &r.org_path,
            Some(serde_json::json!({"status": r.status})),
            Some(serde_json::json!({"status": to})),
        );
        self.store
            .decide_record(
                &r.id,
                &r.status,
                to,
                &actor.username,
                clock::now_ms(),
                &audit,
            )
            .await?;
        let row = self
            .store
            .get_record(&r.id)
            .await?
            .ok_or_else(AppError::internal)?;
        Ok(RecordView::from(&row))
    }

    /// A record the actor may read: the volunteer's own, or one over whose unit they stand.
    async fn visible_record(&self, actor: &Actor, id: &str) -> AppResult<RecordRow> {
        let r = self
            .store
            .get_record(id)
            .await?
            .ok_or_else(|| AppError::not_found("服务记录"))?;
        let own = actor.volunteer_id.as_deref() == Some(r.volunteer_id.as_str());
        let team = self
            .store
            .get_team(&r.team_id)
            .await?
            .ok_or_else(|| AppError::not_found("服务记录"))?;
        if own || actor.covers_team(&team) {
            Ok(r)
        } else {
            Err(AppError::not_found("服务记录"))
        }
    }

    /// Asks for a correction (更正申请): by the volunteer, or entered by an officer. It waits
    /// for the team's approval; the record keeps its captured times either way.
    pub async fn request_amendment(
        &self,
        actor: &Actor,
        record_id: &str,
        input: &NewAmendment,
    ) -> AppResult<AmendmentView> {
        let r = self.visible_record(actor, record_id).await?;
        if r.status == "open" {
            return Err(AppError::conflict("record_open", "尚未签退的记录不能更正"));
        }
        let reason = text("reason", Some(&input.reason), 500)?;
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "required", "请说明更正理由"));
        }
        let a = self
            .store
            .get_activity(&r.activity_id)
            .await?
            .ok_or_else(|| AppError::not_found("活动"))?;
        let cin = parse_time("checked_in_at", &input.checked_in_at)?;
        let cout = parse_time("checked_out_at", &input.checked_out_at)?;
        check_attendance(cin, cout, a.starts_at, a.ends_at, clock::now_ms())?;
        let m = AmendmentRow {
            id: new_id(),
            record_id: r.id.clone(),
            requested_by: actor.username.clone(),
            reason,
            old_in: r.eff_in,
            old_out: r.eff_out,
            new_in: cin,
            new_out: cout,
            status: "pending".into(),
            decided_by: None,
            decided_at: None,
            created_at: clock::now_ms(),
        };
        let view = AmendmentView::from(&m);
        let audit = self.audit_entry(
            actor,
            "amendment.request",
            "service_record",
            &r.id,
            &r.org_path,
            None,
            crate::snapshot(&view),
        );
        self.store.insert_amendment(&m, &audit).await?;
        Ok(view)
    }

    /// The team approves or rejects a correction; nobody approves their own request.
    pub async fn decide_amendment(
        &self,
        actor: &Actor,
        amendment_id: &str,
        d: &Decision,
    ) -> AppResult<AmendmentView> {
        let m = self
            .store
            .get_amendment(amendment_id)
            .await?
            .ok_or_else(|| AppError::not_found("更正申请"))?;
        let r = self.visible_record(actor, &m.record_id).await?;
        let team = self
            .store
            .get_team(&r.team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        if !actor.covers_team(&team) {
            return Err(AppError::role_forbidden());
        }
        if m.requested_by == actor.username {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "self_approval",
                "不能审核自己提出的更正",
            ));
        }
        if m.status != "pending" {
            return Err(AppError::conflict("not_pending", "该更正已处理"));
        }
        let audit = self.audit_entry(
            actor,
            if d.approve { "amendment.approve" } else { "amendment.reject" },
            "service_record",
            &r.id,
            &r.org_path,
            Some(serde_json::json!({"checked_in_at": clock::rfc3339(m.old_in), "checked_out_at": m.old_out.map(clock::rfc3339)})),
            Some(serde_json::json!({"checked_in_at": clock::rfc3339(m.new_in), "checked_out_at": clock::rfc3339(m.new_out), "approved": d.approve})),
        );
        let m = self
            .store
            .decide_amendment(&m.id, d.approve, &actor.username, clock::now_ms(), &audit)
            .await?;
        Ok(AmendmentView::from(&m))
    }

    /// The record with its amendment history.
    pub async fn record_history(
        &self,
        actor: &Actor,
        record_id: &str,
    ) -> AppResult<(RecordView, Vec<AmendmentView>)> {
        let r = self.visible_record(actor, record_id).await?;
        let ms = self.store.amendments_of(&r.id).await?;
        Ok((
            RecordView::from(&r),
            ms.iter().map(AmendmentView::from).collect(),
        ))
    }

    /// A volunteer's records, the year's and all-time approved hours, 20 h progress, stars.
    pub async fn volunteer_records(
        &self,
        actor: &Actor,
        volunteer_id: &str,
    ) -> AppResult<RecordsPage> {
        let v = self.visible_volunteer(actor, volunteer_id).await?;
        let rows = self
            .store
            .records_of_volunteer(&v.row.id, "0000-00-00", "9999-99-99")
            .await?;
        let year = format!("{}-", clock::today().year());
        let approved = |r: &&RecordRow| r.status == "approved";
        let total_ms: i64 = rows.iter().filter(approved).map(|r| r.eff_ms).sum();
        let year_ms: i64 = rows
            .iter()
            .filter(approved)
            .filter(|r| r.day.starts_with(&year))
            .map(|r| r.eff_ms)
            .sum();
        let total_hours = hours_of(total_ms);
        let year_hours = hours_of(year_ms);
        let (star, next) = star_level(total_hours);
        Ok(RecordsPage {
            total: rows.len() as i64,
            items: rows.iter().map(RecordView::from).collect(),
            total_hours,
            year_hours,
            goal_hours: YEARLY_GOAL_HOURS as f64,
            goal_percent: ((year_hours / YEARLY_GOAL_HOURS as f64 * 100.0) as i64).clamp(0, 100),
            star_level: star,
            stars: "★".repeat(star as usize),
            hours_to_next_star: next.map(|n| (n * 100.0).round() / 100.0),
        })
    }

    /// Records of one activity, for its officers.
    pub async fn activity_records(
        &self,
        actor: &Actor,
        activity_id: &str,
    ) -> AppResult<Vec<RecordView>> {
        let a = self.managed_activity(actor, activity_id).await?;
        Ok(self
            .store
            .records_of_activity(&a.id)
            .await?
            .iter()
            .map(RecordView::from)
            .collect())
    }
}
