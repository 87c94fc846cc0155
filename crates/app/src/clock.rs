//! Time in one place: storage in unix milliseconds, display in China Standard Time.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&china()).date_naive()
}

/// RFC 3339 with the +08:00 offset, as API.md writes times.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// "2026-05-01 09:00" for pages.
pub fn display(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

/// Where a background job (or the open activities' lists) reads the time: the wall clock in
/// production, a hand-set one in tests.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }
}

/// A clock that says what it was last set to (tests).
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    pub fn new(ms: i64) -> ManualClock {
        ManualClock(std::sync::atomic::AtomicI64::new(ms))
    }

    pub fn set(&self, ms: i64) {
        self.0.store(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_china() {
        assert_eq!(rfc3339(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(display(0), "1970-01-01 08:00");
    }

    #[test]
    fn age_counts_full_years() {
        let b = NaiveDate::from_ymd_opt(1976, 5, 1).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()), 49);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()), 50);
    }
}
