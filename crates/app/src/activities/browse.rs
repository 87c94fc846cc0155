//! Reads the officer's activity pages need beyond the API: the month filter's bounds, and the
//! corrections (更正申请) of an activity still waiting for the team.

use chrono::{Months, NaiveDate};

use super::views::{AmendmentView, RecordView};
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

/// "YYYY-MM" checked, or 422 on `month`.
pub fn parse_month(s: &str) -> AppResult<String> {
    let t = s.trim();
    let ok = t.len() == 7
        && t.as_bytes()[4] == b'-'
        && t[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(t[5..].parse::<u32>(), Ok(1..=12));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(AppError::invalid(
            "month",
            "month_invalid",
            "月份格式应为 YYYY-MM",
        ))
    }
}

/// The month "YYYY-MM" as [start, end) in unix ms, China time.
pub fn month_bounds(s: &str) -> AppResult<(i64, i64)> {
    let month = parse_month(s)?;
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("month", "month_invalid", "月份格式应为 YYYY-MM"))?;
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or_else(|| AppError::invalid("month", "month_invalid", "月份超出范围"))?;
    let at_midnight = |d: NaiveDate| -> AppResult<i64> {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(clock::china()).single())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| AppError::invalid("month", "month_invalid", "月份超出范围"))
    };
    Ok((at_midnight(first)?, at_midnight(next)?))
}

impl App {
    /// Corrections of the activity's records still waiting for a decision, each with its record.
    pub async fn pending_amendments(
        &self,
        actor: &Actor,
        activity_id: &str,
    ) -> AppResult<Vec<(RecordView, AmendmentView)>> {
        let mut out = Vec::new();
        for r in self.activity_records(actor, activity_id).await? {
            for m in self.store.amendments_of(&r.id).await? {
                if m.status == "pending" {
                    out.push((r.clone(), AmendmentView::from(&m)));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{month_bounds, parse_month};

    #[test]
    fn months_are_checked() {
        assert_eq!(parse_month(" 2026-05 ").ok().as_deref(), Some("2026-05"));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("2026-00").is_err());
        assert!(parse_month("2026/05").is_err());
        assert!(parse_month("26-05").is_err());
        assert!(parse_month("２０２６-05").is_err());
    }

    #[test]
    fn a_month_runs_from_midnight_china_time_to_the_next_month() {
        // 2026-12-01T00:00+08:00 and 2027-01-01T00:00+08:00.
        assert_eq!(
            month_bounds("2026-12").ok(),
            Some((1_796_054_400_000, 1_798_732_800_000))
        );
        assert!(month_bounds("2026-13").is_err());
    }
}
