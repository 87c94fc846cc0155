//! Activities and service hours (活动与服务时长): the pure rules of R-ACT-*, R-HRS-*, R-LAW-3.
//!
//! - kinds of activity (R-ACT-2) and project categories (R-ACT-3);
//! - the life of an activity: draft → published → cancelled or done;
//! - the checks on an activity's times, capacity and sign-up window;
//! - hours: actual time only, the daily approval levels (>8 h the team, >12 h the level above),
//!   at most 3 check-in/out cycles per person per activity per day (R-HRS-3);
//! - star levels by accumulated hours (R-HRS-4) and the yearly 20 h goal (R-HRS-1).

use crate::error::DomainError;

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// At most this many check-in/out cycles per person per activity per day (R-HRS-3).
pub const MAX_CYCLES_PER_DAY: i64 = 3;
/// Each registered volunteer should serve this many hours a year (R-HRS-1): the one figure
/// the compliance rule, the reminder and the volunteer's progress bar all read.
pub const YEARLY_GOAL_HOURS: i64 = 20;
/// The largest activity we accept (a whole county's turnout).
pub const MAX_CAPACITY: i64 = 100_000;
/// Occurrences a recurring activity may produce in one go (a year of weekly meetings).
pub const MAX_OCCURRENCES: u32 = 52;

code_enum! {
    /// Kind of activity (活动方式, R-ACT-2).
    pub enum ActivityKind {
        field = "kind", code = "activity_kind_invalid", what = "活动方式";
        /// 集中活动: with the team flag and uniform.
        Concentrated => ("concentrated", "集中活动"),
        /// 进社区.
        Community => ("community", "进社区"),
        /// 个性化服务.
        Individual => ("individual", "个性化服务"),
        /// 联合其他组织.
        Joint => ("joint", "联合活动"),
    }
}

code_enum! {
    /// Category of a service project (服务项目类别, R-ACT-3).
    pub enum ProjectCategory {
        field = "category", code = "project_category_invalid", what = "项目类别";
        Emergency => ("emergency", "应急救援"),
        Talks => ("talks", "宣讲"),
        VeteranHelp => ("veteran_help", "帮扶战友"),
        PioneerPost => ("pioneer_post", "先锋示范岗"),
        Writing => ("writing", "文化书写"),
        Pairing => ("pairing", "结对帮扶"),
        ElderCare => ("elder_care", "关爱老人"),
        Mentoring => ("mentoring", "传帮带"),
        Rural => ("rural", "乡村振兴"),
        Environment => ("environment", "生态环保"),
        Civility => ("civility", "文明实践"),
        LegalAid => ("legal_aid", "法律援助"),
        Other => ("other", "其他"),
    }
}

code_enum! {
    /// Where an activity is in its life.
    pub enum ActivityStatus {
        field = "status", code = "activity_status_invalid", what = "活动状态";
        Draft => ("draft", "草稿"),
        Published => ("published", "已发布"),
        Cancelled => ("cancelled", "已取消"),
        Done => ("done", "已结束"),
    }
}

code_enum! {
    /// How a recurring activity repeats.
    pub enum Recurrence {
        field = "recurrence", code = "recurrence_invalid", what = "重复方式";
        Weekly => ("weekly", "每周"),
        Monthly => ("monthly", "每月"),
    }
}

code_enum! {
    /// How a service record was captured (R-HRS-3 keeps them apart).
    pub enum Captured {
        field = "captured", code = "captured_invalid", what = "记录方式";
        /// 扫码签到: the volunteer scanned the officer's rotating code.
        Scan => ("scan", "扫码签到"),
        /// 管理员录入: an officer entered the times.
        Officer => ("officer", "管理员录入"),
        /// 补录: entered after the fact through the back-fill procedure.
        Backfill => ("backfill", "补录"),
    }
}

impl ActivityStatus {
    /// The moves an activity may make. Draft may be published or dropped; published may be
    /// cancelled or closed as done; cancelled and done are final.
    pub fn can_become(self, next: ActivityStatus) -> bool {
        use ActivityStatus::*;
        matches!(
            (self, next),
            (Draft, Published) | (Draft, Cancelled) | (Published, Cancelled) | (Published, Done)
        )
    }
}

/// Who must approve hours of one day (R-HRS-3): nobody up to 8 h, the team above 8 h, the
/// level above the team above 12 h.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Approval {
    None,
    Team,
    Higher,
}

impl Approval {
    /// The status a new record takes.
    pub fn status(self) -> &'static str {
        match self {
            Approval::None => "approved",
            Approval::Team => "pending_team",
            Approval::Higher => "pending_higher",
        }
    }
}

/// The approval a day's total needs, given what the day already holds and what is added.
pub fn approval_for_day(day_total_ms: i64) -> Approval {
    if day_total_ms > 12 * HOUR_MS {
        Approval::Higher
    } else if day_total_ms > 8 * HOUR_MS {
        Approval::Team
    } else {
        Approval::None
    }
}

/// The times of a new activity: in order, not in the past unless back-filled, at most a few
/// days long (a longer effort is several activities).
pub fn check_times(
    starts_at: i64,
    ends_at: i64,
    now: i64,
    backfill: bool,
) -> Result<(), DomainError> {
    if ends_at <= starts_at {
        return Err(DomainError::new(
            "ends_at",
            "times_out_of_order",
            "结束时间必须晚于开始时间",
        ));
    }
    if ends_at - starts_at > 7 * 24 * HOUR_MS {
        return Err(DomainError::new(
            "ends_at",
            "activity_too_long",
            "单次活动不超过 7 天，更长的工作请分多次活动登记",
        ));
    }
    if backfill {
        if ends_at > now {
            return Err(DomainError::new(
                "ends_at",
                "backfill_not_past",
                "补录的活动必须已经结束",
            ));
        }
    } else if starts_at <= now {
        return Err(DomainError::new(
            "starts_at",
            "activity_in_past",
            "活动开始时间必须在将来（已举行的活动请走补录）",
        ));
    }
    Ok(())
}

pub fn check_capacity(capacity: i64) -> Result<(), DomainError> {
    if capacity <= 0 || capacity > MAX_CAPACITY {
        return Err(DomainError::new(
            "capacity",
            "capacity_invalid",
            format!("名额必须在 1 到 {MAX_CAPACITY} 之间"),
        ));
    }
    Ok(())
}

/// The sign-up window: opens before it closes, closes no later than the activity starts.
pub fn check_signup_window(
    opens_at: i64,
    closes_at: i64,
    starts_at: i64,
) -> Result<(), DomainError> {
    if closes_at <= opens_at {
        return Err(DomainError::new(
            "signup_closes_at",
            "signup_window_out_of_order",
            "报名截止时间必须晚于报名开始时间",
        ));
    }
    if closes_at > starts_at {
        return Err(DomainError::new(
            "signup_closes_at",
            "signup_closes_after_start",
            "报名截止时间不能晚于活动开始时间",
        ));
    }
    Ok(())
}

/// Service time of one check-in/out: the actual time, which must lie within the activity and
/// not in the future (R-LAW-3: travel excluded, so no rounding up).
pub fn check_attendance(
    checked_in_at: i64,
    checked_out_at: i64,
    activity_starts_at: i64,
    activity_ends_at: i64,
    now: i64,
) -> Result<i64, DomainError> {
    if checked_out_at <= checked_in_at {
        return Err(DomainError::new(
            "checked_out_at",
            "times_out_of_order",
            "签退时间必须晚于签到时间",
        ));
    }
    if checked_in_at < activity_starts_at {
        return Err(DomainError::new(
            "checked_in_at",
            "outside_activity",
            "签到时间早于活动开始时间",
        ));
    }
    if checked_out_at > activity_ends_at {
        return Err(DomainError::new(
            "checked_out_at",
            "outside_activity",
            "签退时间晚于活动结束时间",
        ));
    }
    if checked_out_at > now {
        return Err(DomainError::new(
            "checked_out_at",
            "in_future",
            "签退时间不能在将来",
        ));
    }
    Ok(checked_out_at - checked_in_at)
}

/// Required skills the volunteer lacks, in the activity's order.
pub fn missing_skills<'a>(required: &'a [String], held: &[String]) -> Vec<&'a str> {
    required
        .iter()
        .filter(|r| !held.iter().any(|h| h == *r))
        .map(String::as_str)
        .collect()
}

/// Star level (星级) by accumulated hours (R-HRS-4): 1★ 100 h, 2★ 300 h, 3★ 600 h, 4★ 1000 h,
/// 5★ 1500 h. Returns the level and the hours needed for the next one (None at 5★).
pub fn star_level(total_hours: f64) -> (u8, Option<f64>) {
    const STEPS: [f64; 5] = [100.0, 300.0, 600.0, 1000.0, 1500.0];
    let level = STEPS.iter().filter(|s| total_hours >= **s).count() as u8;
    let next = STEPS.get(level as usize).map(|s| s - total_hours);
    (level, next)
}

/// Milliseconds as hours with two decimals (what records and certificates show).
pub fn hours_of(ms: i64) -> f64 {
    (ms as f64 / HOUR_MS as f64 * 100.0).round() / 100.0
}

/// The start of each occurrence of a recurring activity: the first at `first`, then every
/// week (7 days) or every month (same day of month; months lacking that day are skipped).
/// `first` is unix ms; the offset is China time (UTC+8), where the day of month is counted.
pub fn occurrences(
    first: i64,
    recurrence: Recurrence,
    count: u32,
) -> Result<Vec<i64>, DomainError> {
    use chrono::{DateTime, Datelike, FixedOffset, Months};
    if count == 0 || count > MAX_OCCURRENCES {
        return Err(DomainError::new(
            "occurrences",
            "occurrences_invalid",
            format!("重复次数必须在 1 到 {MAX_OCCURRENCES} 之间"),
        ));
    }
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let start = DateTime::from_timestamp_millis(first)
        .ok_or_else(|| DomainError::new("starts_at", "time_invalid", "时间无效"))?
        .with_timezone(&china);
    let mut out = Vec::with_capacity(count as usize);
    let mut step = 0u32;
    while out.len() < count as usize && step < count * 2 + 12 {
        let at = match recurrence {
            Recurrence::Weekly => Some(start + chrono::Duration::days(7 * step as i64)),
            Recurrence::Monthly => start
                .checked_add_months(Months::new(step))
                .filter(|d| d.day() == start.day()),
        };
        if let Some(at) = at {
            out.push(at.timestamp_millis());
        }
        step += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000;

    mod kind {
        use super::super::*;
        code_enum_tests!(ActivityKind, "activity_kind_invalid");
    }
    mod category {
        use super::super::*;
        code_enum_tests!(ProjectCategory, "project_category_invalid");
    }
    mod status {
        use super::super::*;
        code_enum_tests!(ActivityStatus, "activity_status_invalid");
    }
    mod captured {
        use super::super::*;
        code_enum_tests!(Captured, "captured_invalid");
    }

    #[test]
    fn statuses_move_only_forward() {
        use ActivityStatus::*;
        assert!(Draft.can_become(Published));
        assert!(Published.can_become(Done));
        assert!(Published.can_become(Cancelled));
        assert!(!Done.can_become(Published));
        assert!(!Cancelled.can_become(Published));
        assert!(!Draft.can_become(Done));
        assert!(!Published.can_become(Draft));
    }

    #[test]
    fn activity_times_are_checked() {
        assert_eq!(
            check_times(NOW + HOUR_MS, NOW + 2 * HOUR_MS, NOW, false),
            Ok(())
        );
        let e = check_times(NOW + 2 * HOUR_MS, NOW + HOUR_MS, NOW, false).unwrap_err();
        assert_eq!((e.field(), e.code()), ("ends_at", "times_out_of_order"));
        let e = check_times(NOW - HOUR_MS, NOW + HOUR_MS, NOW, false).unwrap_err();
        assert_eq!((e.field(), e.code()), ("starts_at", "activity_in_past"));
        assert_eq!(
            check_times(NOW - 3 * HOUR_MS, NOW - HOUR_MS, NOW, true),
            Ok(())
        );
        let e = check_times(NOW - HOUR_MS, NOW + HOUR_MS, NOW, true).unwrap_err();
        assert_eq!(e.code(), "backfill_not_past");
        let e = check_times(NOW + HOUR_MS, NOW + 9 * 24 * HOUR_MS, NOW, false).unwrap_err();
        assert_eq!(e.code(), "activity_too_long");
    }

    #[test]
    fn capacity_must_be_positive() {
        assert_eq!(check_capacity(0).unwrap_err().field(), "capacity");
        assert!(check_capacity(-3).is_err());
        assert!(check_capacity(MAX_CAPACITY + 1).is_err());
        assert!(check_capacity(1).is_ok());
    }

    #[test]
    fn signup_window_closes_before_start() {
        assert!(check_signup_window(NOW, NOW + 10, NOW + 10).is_ok());
        assert_eq!(
            check_signup_window(NOW, NOW + 20, NOW + 10)
                .unwrap_err()
                .code(),
            "signup_closes_after_start"
        );
        assert_eq!(
            check_signup_window(NOW, NOW, NOW + 10).unwrap_err().code(),
            "signup_window_out_of_order"
        );
    }

    #[test]
    fn attendance_is_actual_time_within_the_activity() {
        let (s, e) = (NOW - 5 * HOUR_MS, NOW - HOUR_MS);
        assert_eq!(
            check_attendance(s, s + 90 * 60_000, s, e, NOW),
            Ok(90 * 60_000)
        );
        assert_eq!(
            check_attendance(s - 1, s + 10, s, e, NOW)
                .unwrap_err()
                .field(),
            "checked_in_at"
        );
        assert_eq!(
            check_attendance(s, e + 1, s, e, NOW).unwrap_err().field(),
            "checked_out_at"
        );
        assert_eq!(
            check_attendance(s + 10, s + 10, s, e, NOW)
                .unwrap_err()
                .code(),
            "times_out_of_order"
        );
        assert_eq!(
            check_attendance(NOW - 10, NOW + 10, s, NOW + HOUR_MS, NOW)
                .unwrap_err()
                .code(),
            "in_future"
        );
    }

    #[test]
    fn long_days_need_approval() {
        assert_eq!(approval_for_day(8 * HOUR_MS), Approval::None);
        assert_eq!(approval_for_day(8 * HOUR_MS + 1), Approval::Team);
        assert_eq!(approval_for_day(12 * HOUR_MS), Approval::Team);
        assert_eq!(approval_for_day(12 * HOUR_MS + 1), Approval::Higher);
        assert_eq!(Approval::Higher.status(), "pending_higher");
    }

    #[test]
    fn stars_follow_the_national_steps() {
        assert_eq!(star_level(0.0), (0, Some(100.0)));
        assert_eq!(star_level(99.9).0, 0);
        assert_eq!(star_level(100.0), (1, Some(200.0)));
        assert_eq!(star_level(600.0).0, 3);
        assert_eq!(star_level(1499.0).0, 4);
        assert_eq!(star_level(1500.0), (5, None));
    }

    #[test]
    fn missing_skills_are_named() {
        let req = vec!["急救".to_owned(), "驾驶".to_owned()];
        assert_eq!(missing_skills(&req, &["驾驶".to_owned()]), vec!["急救"]);
        assert!(missing_skills(&req, &["驾驶".to_owned(), "急救".to_owned()]).is_empty());
    }

    #[test]
    fn recurring_activities_produce_occurrences() {
        // 2026-01-31 09:00 +08:00
        let first = chrono::DateTime::parse_from_rfc3339("2026-01-31T09:00:00+08:00")
            .unwrap()
            .timestamp_millis();
        let weekly = occurrences(first, Recurrence::Weekly, 3).unwrap();
        assert_eq!(
            weekly,
            vec![first, first + 7 * 24 * HOUR_MS, first + 14 * 24 * HOUR_MS]
        );
        // Monthly on the 31st skips February and April.
        let monthly = occurrences(first, Recurrence::Monthly, 3).unwrap();
        let shown: Vec<String> = monthly
            .iter()
            .map(|m| {
                chrono::DateTime::from_timestamp_millis(*m)
                    .unwrap()
                    .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
                    .format("%m-%d")
                    .to_string()
            })
            .collect();
        assert_eq!(shown, vec!["01-31", "03-31", "05-31"]);
        assert!(occurrences(first, Recurrence::Weekly, 0).is_err());
        assert!(occurrences(first, Recurrence::Weekly, 53).is_err());
    }

    #[test]
    fn hours_round_to_hundredths() {
        assert_eq!(hours_of(90 * 60_000), 1.5);
        assert_eq!(hours_of(HOUR_MS / 3), 0.33);
    }
}
