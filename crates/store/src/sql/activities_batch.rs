//! Group commit of sign-ups (成批提交): many sign-ups in one transaction, one commit (one
//! fsync on SQLite) for all. Two ways to write a batch, both answering in request order:
//!
//! - `set_based`, tried first: reads the activity and the live sign-ups of everyone in the
//!   batch once, hands out places and waitlist numbers in memory in request order (the same
//!   rules as `activities_tx::place`), then writes the counters with a guard that they have
//!   not moved, the sign-ups and the audit lines as multi-row INSERTs. A handful of statements
//!   per batch instead of five or more per sign-up.
//! - `with_savepoints`, when the first gives up (any statement failed, or a guard saw a
//!   concurrent change): each request alone in its own savepoint, so one bad request is
//!   rolled back by itself and the rest of its batch is written.
//!
//! A request may name the `version` of the activity row its rules were checked against (the
//! app's activity cache): both ways read the row's `version` under the write lock and answer
//! `Stale` (nothing written for that request) when it moved.

use std::collections::{HashMap, HashSet};

use sqlx::{Acquire, QueryBuilder, Transaction};

use super::super::{Backend, Db, FOR_UPDATE};
use super::{audit, is_success, step};
use crate::activities::{SignupOutcome, SignupRequest, SignupSubject};
use crate::{StoreError, StoreResult, VolunteerRecord, VolunteerRow};

type Answers = Vec<StoreResult<SignupOutcome>>;

/// Rows per multi-row INSERT (9 binds each, well under every backend's limit).
const CHUNK: usize = 100;

/// A batch: set-wise first, per-request savepoints when that gives up. `checked[i]`, when
/// set, is the activity `version` request `i` was checked against.
pub(super) async fn write(
    store: &Backend,
    reqs: &[SignupRequest],
    checked: &[Option<i64>],
) -> StoreResult<Answers> {
    if let Some(out) = set_based(store.begin_write().await?, reqs, checked).await? {
        return Ok(out);
    }
    with_savepoints(store.begin_write().await?, reqs, checked).await
}

/// The batch as a few set-wise statements; `None` (everything rolled back) when a statement
/// fails or a guard finds the activity changed under it. `Err` only when the commit fails.
async fn set_based(
    mut tx: Transaction<'static, Db>,
    reqs: &[SignupRequest],
    checked: &[Option<i64>],
) -> StoreResult<Option<Answers>> {
    match place_all(&mut tx, reqs, checked).await {
        Ok(Some(out)) => {
            tx.commit().await?;
            Ok(Some(out))
        }
        // Dropping the transaction rolls it back.
        Ok(None) | Err(_) => Ok(None),
    }
}

/// The counters of one activity as read at the start of the batch and as handed out.
struct Counters {
    version: i64,
    capacity: i64,
    waitlist: bool,
    confirmed: i64,
    wait_seq: i64,
    waitlisted: i64,
    read_confirmed: i64,
    read_wait_seq: i64,
    read_waitlisted: i64,
}

async fn place_all(
    tx: &mut Transaction<'static, Db>,
    reqs: &[SignupRequest],
    checked: &[Option<i64>],
) -> StoreResult<Option<Answers>> {
    let mut counters: HashMap<&str, Option<Counters>> = HashMap::new();
    // Live sign-ups of everyone in the batch, by (activity, volunteer).
    let mut live: HashMap<(String, String), String> = HashMap::new();
    // The activities' rows are locked in one order (on PostgreSQL, row locks), so two server
    // processes' batches over the same activities never deadlock.
    let mut activity_ids: Vec<&str> = reqs.iter().map(|r| r.activity_id.as_str()).collect();
    activity_ids.sort_unstable();
    activity_ids.dedup();
    for activity_id in activity_ids {
        let row: Option<(i64, i64, bool, i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT version, capacity, waitlist, confirmed, wait_seq, waitlisted FROM activities \
             WHERE id = $1{FOR_UPDATE}"
        ))
        .bind(activity_id)
        .fetch_optional(&mut **tx)
        .await?;
        counters.insert(
            activity_id,
            row.map(
                |(version, capacity, waitlist, confirmed, wait_seq, waitlisted)| Counters {
                    version,
                    capacity,
                    waitlist,
                    confirmed,
                    wait_seq,
                    waitlisted,
                    read_confirmed: confirmed,
                    read_wait_seq: wait_seq,
                    read_waitlisted: waitlisted,
                },
            ),
        );
        let who: Vec<&str> = reqs
            .iter()
            .filter(|q| q.activity_id == activity_id)
            .map(|q| q.volunteer_id.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in who.chunks(CHUNK * 5) {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT volunteer_id, status FROM signups WHERE status <> 'cancelled' \
                 AND activity_id = ",
            );
            qb.push_bind(activity_id).push(" AND volunteer_id IN (");
            let mut ids = qb.separated(", ");
            for v in chunk {
                ids.push_bind(*v);
            }
            qb.push(")");
            let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut **tx).await?;
            for (v, status) in rows {
                live.insert((activity_id.to_owned(), v), status);
            }
        }
    }

    // Places in request order, by the rules of `activities_tx::place`.
    let mut out: Answers = Vec::with_capacity(reqs.len());
    let mut written: Vec<(&SignupRequest, &'static str, i64)> = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let key = (r.activity_id.clone(), r.volunteer_id.clone());
        let current = match counters.get(r.activity_id.as_str()) {
            Some(Some(c)) => Some(c.version),
            _ => None,
        };
        if let Some(v) = checked.get(i).copied().flatten() {
            if current != Some(v) {
                // Checked against a row that has changed (or is gone): not written.
                out.push(Err(StoreError::Stale));
                continue;
            }
        }
        if let Some(status) = live.get(&key) {
            out.push(Ok(SignupOutcome::Already(status.clone())));
            continue;
        }
        let Some(Some(c)) = counters.get_mut(r.activity_id.as_str()) else {
            // No such activity: both guarded updates would change nothing.
            out.push(Ok(SignupOutcome::Full));
            continue;
        };
        if c.confirmed < c.capacity {
            c.confirmed += 1;
            live.insert(key, "confirmed".into());
            written.push((r, "confirmed", 0));
            out.push(Ok(SignupOutcome::Confirmed));
        } else if c.waitlist {
            c.wait_seq += 1;
            c.waitlisted += 1;
            let position = c.waitlisted;
            live.insert(key, "waitlisted".into());
            written.push((r, "waitlisted", c.wait_seq));
            out.push(Ok(SignupOutcome::Waitlisted { position }));
        } else {
            out.push(Ok(SignupOutcome::Full));
        }
    }

    // The counters move only from what was read (the write lock, or on PostgreSQL the row
    // lock, makes that certain; the guard says so), and never past capacity (CHECK too).
    // The batch's time moves each changed row's `updated_at` (strictly, as `step::BUMP`).
    let now = reqs.iter().map(|r| r.at).max().unwrap_or(0);
    for (id, c) in &counters {
        let Some(c) = c else { continue };
        if c.confirmed == c.read_confirmed && c.wait_seq == c.read_wait_seq {
            continue;
        }
        let moved = sqlx::query(
            "UPDATE activities SET confirmed = $2, wait_seq = $3, waitlisted = $4, \
             updated_at = CASE WHEN updated_at >= $8 THEN updated_at + 1 ELSE $8 END WHERE id = $1 \
             AND confirmed = $5 AND wait_seq = $6 AND waitlisted = $7 AND $2 <= capacity",
        )
        .bind(*id)
        .bind(c.confirmed)
        .bind(c.wait_seq)
        .bind(c.waitlisted)
        .bind(c.read_confirmed)
        .bind(c.read_wait_seq)
        .bind(c.read_waitlisted)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Ok(None);
        }
    }
    for chunk in written.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO signups (activity_id, volunteer_id, status, seq, walk_in, created_at, \
             updated_at) ",
        );
        qb.push_values(chunk, |mut b, (r, status, seq)| {
            b.push_bind(&r.activity_id)
                .push_bind(&r.volunteer_id)
                .push_bind(*status)
                .push_bind(*seq)
                .push_bind(false)
                .push_bind(r.at)
                .push_bind(r.at);
        });
        // A cancelled sign-up comes back to life; a live one (impossible here, read above
        // under the lock) would be left alone and caught by the count below.
        qb.push(
            " ON CONFLICT (activity_id, volunteer_id) DO UPDATE SET status = excluded.status, \
             seq = excluded.seq, walk_in = excluded.walk_in, updated_at = excluded.updated_at \
             WHERE signups.status = 'cancelled'",
        );
        let done = qb.build().execute(&mut **tx).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Ok(None);
        }
    }
    for chunk in written.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, subject_type, subject_id, \
             org_path, before_json, after_json) ",
        );
        qb.push_values(chunk, |mut b, (r, _, _)| {
            let a = &r.audit;
            b.push_bind(a.at)
                .push_bind(&a.actor_id)
                .push_bind(&a.actor_name)
                .push_bind(&a.action)
                .push_bind(&a.subject_type)
                .push_bind(&a.subject_id)
                .push_bind(&a.org_path)
                .push_bind(a.before.as_ref().map(|v| v.to_string()))
                .push_bind(a.after.as_ref().map(|v| v.to_string()));
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(Some(out))
}

/// Each request in its own savepoint: a failed or refused one leaves no trace, the others
/// are committed together.
async fn with_savepoints(
    mut tx: Transaction<'static, Db>,
    reqs: &[SignupRequest],
    checked: &[Option<i64>],
) -> StoreResult<Answers> {
    let mut out = Vec::with_capacity(reqs.len());
    for (i, r) in reqs.iter().enumerate() {
        if let Some(v) = checked.get(i).copied().flatten() {
            let now: Option<(i64,)> = sqlx::query_as(&format!(
                "SELECT version FROM activities WHERE id = $1{FOR_UPDATE}"
            ))
            .bind(&r.activity_id)
            .fetch_optional(&mut *tx)
            .await?;
            if now.map(|(n,)| n) != Some(v) {
                out.push(Err(StoreError::Stale));
                continue;
            }
        }
        let mut sp = (&mut tx).begin().await?;
        match one_in_savepoint(&mut sp, r).await {
            Ok(o) if is_success(&o) => {
                sp.commit().await?;
                out.push(Ok(o));
            }
            other => {
                sp.rollback().await?;
                out.push(other);
            }
        }
    }
    // One commit (one fsync) for the whole batch; nobody has been answered yet.
    tx.commit().await?;
    Ok(out)
}

/// One request inside its savepoint: the place (and waitlist position) and the audit line.
async fn one_in_savepoint(c: &mut step::Conn, r: &SignupRequest) -> StoreResult<SignupOutcome> {
    let outcome = step::signup(c, &r.activity_id, &r.volunteer_id, r.at, false).await?;
    if is_success(&outcome) {
        audit(c, &r.audit).await?;
    }
    Ok(outcome)
}

/// The sign-up rules' view of many volunteers in three statements: rows (with their org's
/// path), skills, and the paths of the teams they belong to.
pub(super) async fn subjects(
    pool: &sqlx::Pool<Db>,
    ids: &[String],
) -> StoreResult<Vec<SignupSubject>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK * 5) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT v.*, o.path AS org_path, o.name AS org_name \
             FROM volunteers v JOIN orgs o ON o.id = v.org_id WHERE v.id IN (",
        );
        push_ids(&mut qb, chunk);
        let rows: Vec<VolunteerRow> = qb.build_query_as().fetch_all(pool).await?;
        if rows.is_empty() {
            continue;
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id IN (",
        );
        push_ids(&mut qb, chunk);
        qb.push(" ORDER BY volunteer_id, skill");
        let skills: Vec<(String, String)> = qb.build_query_as().fetch_all(pool).await?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT m.volunteer_id, t.path FROM team_members m JOIN teams t ON t.id = m.team_id \
             WHERE m.volunteer_id IN (",
        );
        push_ids(&mut qb, chunk);
        qb.push(" ORDER BY t.path");
        let teams: Vec<(String, String)> = qb.build_query_as().fetch_all(pool).await?;
        let mut skills_of: HashMap<String, Vec<String>> = HashMap::new();
        for (v, skill) in skills {
            skills_of.entry(v).or_default().push(skill);
        }
        let mut teams_of: HashMap<String, Vec<String>> = HashMap::new();
        for (v, path) in teams {
            teams_of.entry(v).or_default().push(path);
        }
        for row in rows {
            let skills = skills_of.remove(&row.id).unwrap_or_default();
            let team_paths = teams_of.remove(&row.id).unwrap_or_default();
            out.push(SignupSubject {
                volunteer: VolunteerRecord { row, skills },
                team_paths,
            });
        }
    }
    Ok(out)
}

fn push_ids(qb: &mut QueryBuilder<'_, Db>, ids: &[String]) {
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
    qb.push(")");
}
