//! Reads the officer's activity pages need beyond the API: activities of one month, and the
//! corrections (更正申请) of an activity still waiting for the team.

use super::views::{AmendmentView, RecordView};
use super::{ActivitySearch, ActivityView};
use crate::error::{AppError, AppResult};
use crate::{Actor, App};

/// Rows scanned at most for a month filter (the store filters by scope and status only).
const MONTH_SCAN_LIMIT: usize = 2000;

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

impl App {
    /// Activities in the actor's scope (filters of `q`) that start in `month` ("YYYY-MM",
    /// China time), oldest first, at most `limit`.
    pub async fn activities_in_month(
        &self,
        actor: &Actor,
        q: &ActivitySearch,
        month: &str,
        limit: usize,
    ) -> AppResult<Vec<ActivityView>> {
        let month = parse_month(month)?;
        let mut out = Vec::new();
        let mut page = 1;
        let mut scanned = 0;
        loop {
            let got = self
                .list_activities(
                    actor,
                    &ActivitySearch {
                        page: Some(page),
                        per_page: Some(200),
                        ..q.clone()
                    },
                )
                .await?;
            let n = got.items.len();
            scanned += n;
            out.extend(
                got.items
                    .into_iter()
                    .filter(|a| a.starts_at.starts_with(&month)),
            );
            if n < 200 || scanned >= MONTH_SCAN_LIMIT || out.len() >= limit {
                break;
            }
            page += 1;
        }
        out.truncate(limit);
        Ok(out)
    }

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
    use super::parse_month;

    #[test]
    fn months_are_checked() {
        assert_eq!(parse_month(" 2026-05 ").ok().as_deref(), Some("2026-05"));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("2026-00").is_err());
        assert!(parse_month("2026/05").is_err());
        assert!(parse_month("26-05").is_err());
        assert!(parse_month("２０２６-05").is_err());
    }
}
