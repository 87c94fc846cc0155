//! Who gets which reminder when (issue 5 item 4). Each rule turns "now" (China time) into the
//! notices due, each with a dedupe key naming the event and the period, so running the rules
//! every minute — in one process or several, before and after a restart — writes each
//! reminder once:
//!
//! - `no_activity:{team}:{YYYY-MM}:{user}` — a team leader whose unit has no activity in the
//!   month, on or after the 20th (R-ACT-1: at least one activity a month);
//! - `under_20h:{volunteer}:{YYYY-MM}:{user}` — a volunteer under 20 h in the year, once a
//!   month in the fourth quarter (R-HRS-1); the scan runs once a day (`reminder_runs`);
//! - `review_pending:{org}:{YYYY-MM-DD}:{user}` — a reviewer with applications waiting, at
//!   most daily (R-VOL-3);
//! - `report_due:{task}:{org}:{user}` — an asked org's admins, within 3 days before a
//!   reporting task's deadline; `report_overdue:…` once after it, for 30 days (R-STAT-3).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone};
use serde::Serialize;
use zhiyuan_domain::activity::{hours_of, YEARLY_GOAL_HOURS};
use zhiyuan_domain::oversight::YEARLY_GOAL_MS;
use zhiyuan_store::notifications::NewNotification;

use crate::error::AppResult;
use crate::{clock, new_id, App};

/// The reminder to a team leader comes from this day of the month on.
pub const NO_ACTIVITY_FROM_DAY: u32 = 20;
/// Volunteers are reminded from this month on (the fourth quarter).
pub const UNDER_HOURS_FROM_MONTH: u32 = 10;
/// Days before a reporting deadline when the asked orgs are reminded.
pub const REPORT_DUE_DAYS: i64 = 3;
/// Days after a deadline during which a missing report is reminded (once).
pub const REPORT_OVERDUE_DAYS: i64 = 30;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// How many notices each rule wrote in one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReminderRun {
    pub no_activity: u64,
    pub under_20h: u64,
    pub review_pending: u64,
    pub report_due: u64,
    pub report_overdue: u64,
}

impl ReminderRun {
    pub fn total(&self) -> u64 {
        self.no_activity
            + self.under_20h
            + self.review_pending
            + self.report_due
            + self.report_overdue
    }
}

/// Unix ms of midnight, China time, at the start of `day`.
fn china_midnight(day: NaiveDate) -> i64 {
    clock::china()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

fn first_of_next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

/// The month of `today` as `[start, end)` in unix ms and "YYYY-MM", when the team-leader
/// reminder is due (on or after the 20th).
pub fn idle_month_window(today: NaiveDate) -> Option<(i64, i64, String)> {
    if today.day() < NO_ACTIVITY_FROM_DAY {
        return None;
    }
    let first = today.with_day(1)?;
    Some((
        china_midnight(first),
        china_midnight(first_of_next_month(first)),
        first.format("%Y-%m").to_string(),
    ))
}

/// The year of `today` as `["YYYY-01-01", "YYYY+1-01-01")` and the month key, when the
/// volunteers' reminder is due (the fourth quarter).
pub fn under_hours_window(today: NaiveDate) -> Option<(String, String, String)> {
    if today.month() < UNDER_HOURS_FROM_MONTH {
        return None;
    }
    Some((
        format!("{:04}-01-01", today.year()),
        format!("{:04}-01-01", today.year() + 1),
        today.format("%Y-%m").to_string(),
    ))
}

fn today_of(now_ms: i64) -> NaiveDate {
    DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&clock::china())
        .date_naive()
}

fn notice(
    user_id: String,
    kind: &str,
    title: String,
    body: String,
    link: &str,
    key: String,
    at: i64,
) -> NewNotification {
    NewNotification {
        id: new_id(),
        user_id,
        kind: kind.to_owned(),
        title,
        body,
        link: Some(link.to_owned()),
        dedupe_key: key,
        created_at: at,
    }
}

/// Hours with at most one decimal, as people say them ("12.5").
fn hours_text(ms: i64) -> String {
    let h = (hours_of(ms) * 10.0).floor() / 10.0;
    if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        format!("{h:.1}")
    }
}

/// Hours still to serve, rounded up to a tenth (19.96 h served leaves 0.1 h, not 0).
fn hours_text_up(ms: i64) -> String {
    let tenths = (ms + 359_999) / 360_000;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl App {
    /// Runs every reminder rule for the moment `now_ms` and writes the notices due. Safe to
    /// call as often as you like: a notice already written is not written again.
    pub async fn run_reminders(&self, now_ms: i64) -> AppResult<ReminderRun> {
        let today = today_of(now_ms);
        let mut run = ReminderRun::default();

        if let Some((from, to, month)) = idle_month_window(today) {
            let label = today.format("%Y年%-m月").to_string();
            let ns = self
                .store
                .idle_team_leaders(from, to)
                .await?
                .into_iter()
                .map(|r| {
                    notice(
                        r.user_id.clone(),
                        "no_activity",
                        format!("本月尚未开展活动：{}", r.team_name),
                        format!(
                            "每支队伍每月至少开展一次活动。{label}已过 {NO_ACTIVITY_FROM_DAY} 日，{}还没有已发布或已结束的活动，请尽快安排。",
                            r.team_name
                        ),
                        "/activities/new",
                        format!("no_activity:{}:{month}:{}", r.team_id, r.user_id),
                        now_ms,
                    )
                })
                .collect::<Vec<_>>();
            run.no_activity = self.write_notices(&ns).await?;
        }

        // The hours scan reads every volunteer's records: once a day is enough (a volunteer
        // registered today is reminded tomorrow), whichever process gets there first.
        let day = today.format("%Y-%m-%d").to_string();
        let hours_window = match under_hours_window(today) {
            Some(w) if !self.store.reminder_ran("under_20h", &day).await? => Some(w),
            _ => None,
        };
        if let Some((from_day, to_day, month)) = hours_window {
            let goal_ms = YEARLY_GOAL_MS;
            let ns = self
                .store
                .volunteers_below_hours(&from_day, &to_day, goal_ms)
                .await?
                .into_iter()
                .map(|r| {
                    notice(
                        r.user_id.clone(),
                        "under_20h",
                        format!("今年服务时长还不到 {YEARLY_GOAL_HOURS} 小时"),
                        format!(
                            "您今年已服务 {} 小时，距每年 {YEARLY_GOAL_HOURS} 小时的目标还差 {} 小时。看看现在可以报名的活动吧。",
                            hours_text(r.served_ms),
                            hours_text_up((goal_ms - r.served_ms).max(0))
                        ),
                        "/activities/open",
                        format!("under_20h:{}:{month}:{}", r.volunteer_id, r.user_id),
                        now_ms,
                    )
                })
                .collect::<Vec<_>>();
            run.under_20h = self.write_notices(&ns).await?;
            self.store
                .record_reminder_run("under_20h", &day, now_ms)
                .await?;
        }

        let ns = self
            .store
            .reviewers_with_pending()
            .await?
            .into_iter()
            .map(|r| {
                notice(
                    r.user_id.clone(),
                    "review_pending",
                    format!("有 {} 份报名申请等待您审核", r.pending),
                    "志愿者报名申请（政审表）正在您这一级等待审核，请及时处理。".to_owned(),
                    "/recruitment",
                    format!("review_pending:{}:{day}:{}", r.org_id, r.user_id),
                    now_ms,
                )
            })
            .collect::<Vec<_>>();
        run.review_pending = self.write_notices(&ns).await?;

        let due = self
            .store
            .pending_reports(now_ms, now_ms + REPORT_DUE_DAYS * DAY_MS)
            .await?
            .into_iter()
            .map(|r| {
                notice(
                    r.user_id.clone(),
                    "report_due",
                    format!("报送任务即将截止：{}", r.title),
                    format!(
                        "{}尚未报送，截止时间 {}。",
                        r.org_name,
                        clock::display(r.deadline)
                    ),
                    &format!("/report-tasks/{}", r.task_id),
                    format!("report_due:{}:{}:{}", r.task_id, r.org_id, r.user_id),
                    now_ms,
                )
            })
            .collect::<Vec<_>>();
        run.report_due = self.write_notices(&due).await?;

        let overdue = self
            .store
            .pending_reports(now_ms - REPORT_OVERDUE_DAYS * DAY_MS, now_ms)
            .await?
            .into_iter()
            .map(|r| {
                notice(
                    r.user_id.clone(),
                    "report_overdue",
                    format!("报送任务已逾期：{}", r.title),
                    format!(
                        "{}尚未报送，截止时间 {} 已过，请尽快补报。",
                        r.org_name,
                        clock::display(r.deadline)
                    ),
                    &format!("/report-tasks/{}", r.task_id),
                    format!("report_overdue:{}:{}:{}", r.task_id, r.org_id, r.user_id),
                    now_ms,
                )
            })
            .collect::<Vec<_>>();
        run.report_overdue = self.write_notices(&overdue).await?;
        Ok(run)
    }

    /// Writes notices in transactions of at most 500, skipping those already written.
    pub(crate) async fn write_notices(&self, ns: &[NewNotification]) -> AppResult<u64> {
        let mut written = 0;
        for chunk in ns.chunks(500) {
            written += self.store.insert_notifications(chunk).await?;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn team_leaders_are_reminded_from_the_20th() {
        assert_eq!(idle_month_window(d(2026, 5, 19)), None);
        let (from, to, key) = idle_month_window(d(2026, 5, 20)).unwrap();
        assert_eq!(key, "2026-05");
        assert_eq!(clock::rfc3339(from), "2026-05-01T00:00:00+08:00");
        assert_eq!(clock::rfc3339(to), "2026-06-01T00:00:00+08:00");
        let (_, to, key) = idle_month_window(d(2026, 12, 31)).unwrap();
        assert_eq!(key, "2026-12");
        assert_eq!(clock::rfc3339(to), "2027-01-01T00:00:00+08:00");
    }

    #[test]
    fn volunteers_are_reminded_in_the_fourth_quarter() {
        assert_eq!(under_hours_window(d(2026, 9, 30)), None);
        assert_eq!(
            under_hours_window(d(2026, 10, 1)),
            Some(("2026-01-01".into(), "2027-01-01".into(), "2026-10".into()))
        );
        assert!(under_hours_window(d(2026, 12, 31)).is_some());
    }

    #[test]
    fn today_is_china_time() {
        // 2026-04-30T16:00Z is already 1 May in China.
        let ms = chrono::Utc
            .with_ymd_and_hms(2026, 4, 30, 16, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(today_of(ms), d(2026, 5, 1));
    }

    #[test]
    fn hours_read_naturally() {
        assert_eq!(hours_text(0), "0");
        assert_eq!(hours_text(19 * 3_600_000 + 1_800_000), "19.5");
        assert_eq!(hours_text(12 * 3_600_000), "12");
        assert_eq!(hours_text_up(1), "0.1");
        assert_eq!(hours_text_up(30 * 60_000), "0.5");
        assert_eq!(hours_text_up(20 * 3_600_000), "20");
    }
}
