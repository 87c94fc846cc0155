//! What "nothing is half-written" means, as queries straight on the database (SQLite file or
//! PostgreSQL), so the check does not trust the code it checks. Each query counts the rows
//! that break one invariant; every count must be zero.

use sqlx::{Connection, PgConnection, SqliteConnection};

/// A direct connection to the server's database, on either backend.
pub enum Db {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// (what is checked, a query counting the rows that break it). The SQL reads the same on both
/// backends: booleans are tested with `NOT`, JSON is matched as text.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "every sign-up has its audit line",
        "SELECT COUNT(*) FROM signups s WHERE NOT EXISTS (SELECT 1 FROM audit_log l \
         WHERE l.subject_id = s.activity_id AND l.action IN ('signup.create', 'signup.walk_in') \
         AND l.after_json LIKE '%' || s.volunteer_id || '%')",
    ),
    (
        "the confirmed count on each activity row equals its confirmed sign-ups",
        "SELECT COUNT(*) FROM activities a WHERE a.confirmed <> (SELECT COUNT(*) FROM signups s \
         WHERE s.activity_id = a.id AND s.status = 'confirmed' AND NOT s.walk_in)",
    ),
    (
        "no activity has more confirmed than its capacity",
        "SELECT COUNT(*) FROM activities WHERE confirmed > capacity",
    ),
    (
        "nobody waits while a place is free",
        "SELECT COUNT(*) FROM activities a WHERE a.confirmed < a.capacity AND EXISTS \
         (SELECT 1 FROM signups s WHERE s.activity_id = a.id AND s.status = 'waitlisted')",
    ),
    (
        "no waitlist on an activity without one",
        "SELECT COUNT(*) FROM signups s JOIN activities a ON a.id = s.activity_id \
         WHERE s.status = 'waitlisted' AND NOT a.waitlist",
    ),
    (
        "no two waiting sign-ups share a queue number",
        "SELECT COUNT(*) FROM (SELECT activity_id, seq FROM signups WHERE status = 'waitlisted' \
         GROUP BY activity_id, seq HAVING COUNT(*) > 1) d",
    ),
    (
        "every service record has its audit line",
        "SELECT COUNT(*) FROM service_records r WHERE NOT EXISTS (SELECT 1 FROM audit_log l \
         WHERE l.subject_id = r.id AND l.action LIKE 'attendance.%')",
    ),
    (
        "every service record has its check-in, and an officer's its check-out after it",
        "SELECT COUNT(*) FROM service_records WHERE checked_in_at IS NULL \
         OR (captured = 'officer' AND (checked_out_at IS NULL OR checked_out_at <= checked_in_at \
         OR minutes_ms <> checked_out_at - checked_in_at OR eff_ms <> minutes_ms))",
    ),
    (
        "every service record of a signed-up activity has its confirmed sign-up",
        "SELECT COUNT(*) FROM service_records r WHERE r.backfill_reason IS NULL AND NOT EXISTS \
         (SELECT 1 FROM signups s WHERE s.activity_id = r.activity_id \
         AND s.volunteer_id = r.volunteer_id AND s.status = 'confirmed')",
    ),
    (
        "at most 3 check-in cycles per person, activity and day",
        "SELECT COUNT(*) FROM (SELECT activity_id, volunteer_id, day FROM service_records \
         GROUP BY activity_id, volunteer_id, day HAVING COUNT(*) > 3) d",
    ),
];

impl Db {
    pub async fn open(url: &str) -> Db {
        if url.starts_with("sqlite:") {
            let ro = format!("{url}?mode=ro");
            Db::Sqlite(SqliteConnection::connect(&ro).await.expect("open SQLite"))
        } else {
            Db::Pg(PgConnection::connect(url).await.expect("open PostgreSQL"))
        }
    }

    pub async fn count(&mut self, sql: &str) -> i64 {
        let r = match self {
            Db::Sqlite(c) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
            Db::Pg(c) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
        };
        r.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every invariant that is broken, with how many rows break it; empty when all hold.
    pub async fn broken_invariants(&mut self) -> Vec<String> {
        let mut broken = Vec::new();
        for (what, sql) in INVARIANTS {
            let n = self.count(sql).await;
            if n != 0 {
                broken.push(format!("{what}: {n} rows break it"));
            }
        }
        broken
    }

    /// A stored service record's (activity, volunteer, checked in, checked out).
    pub async fn record(&mut self, id: &str) -> Option<(String, String, i64, Option<i64>)> {
        const SQL: &str = "SELECT activity_id, volunteer_id, checked_in_at, checked_out_at \
                           FROM service_records WHERE id = $1";
        let r = match self {
            Db::Sqlite(c) => sqlx::query_as(SQL).bind(id).fetch_optional(c).await,
            Db::Pg(c) => sqlx::query_as(SQL).bind(id).fetch_optional(c).await,
        };
        r.expect("read a service record")
    }

    /// A stored sign-up's status, if any.
    pub async fn signup_status(&mut self, activity: &str, volunteer: &str) -> Option<String> {
        const SQL: &str = "SELECT status FROM signups WHERE activity_id = $1 AND volunteer_id = $2";
        let r = match self {
            Db::Sqlite(c) => {
                sqlx::query_scalar(SQL)
                    .bind(activity)
                    .bind(volunteer)
                    .fetch_optional(c)
                    .await
            }
            Db::Pg(c) => {
                sqlx::query_scalar(SQL)
                    .bind(activity)
                    .bind(volunteer)
                    .fetch_optional(c)
                    .await
            }
        };
        r.expect("read a sign-up")
    }

    pub async fn close(self) {
        let _ = match self {
            Db::Sqlite(c) => c.close().await,
            Db::Pg(c) => c.close().await,
        };
    }
}
