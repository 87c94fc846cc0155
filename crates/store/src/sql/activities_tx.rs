//! The transactional steps of sign-ups and service records, on a bare connection so they run
//! the same inside a transaction or inside one savepoint of a batch (group commit).

use super::FOR_UPDATE;
use crate::activities::{CancelOutcome, DayRule, RecordOutcome, RecordRow, SignupOutcome};
use crate::{StoreError, StoreResult};

pub(super) use super::{audit, Conn};

/// Moves an activity row's `updated_at` strictly forward (bound as `$2`): `max(old + 1, now)`,
/// so each write of the row, from any process, gets a larger stamp than the last and the open
/// view (app/activities/open_view.rs) can tell a newer read of the row from an older one.
pub(super) const BUMP: &str =
    ", updated_at = CASE WHEN updated_at >= $2 THEN updated_at + 1 ELSE $2 END";

/// Writes (or revives a cancelled) sign-up row. Returns false when a live one exists: the
/// conditional `DO UPDATE … WHERE` makes a concurrent double sign-up of one person lose here.
async fn put_signup(
    c: &mut Conn,
    activity_id: &str,
    volunteer_id: &str,
    status: &str,
    seq: i64,
    walk_in: bool,
    at: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO signups (activity_id, volunteer_id, status, seq, walk_in, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (activity_id, volunteer_id) DO UPDATE SET status = excluded.status, \
         seq = excluded.seq, walk_in = excluded.walk_in, updated_at = excluded.updated_at \
         WHERE signups.status = 'cancelled'",
    )
    .bind(activity_id)
    .bind(volunteer_id)
    .bind(status)
    .bind(seq)
    .bind(walk_in)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One sign-up: a place, else a waitlist position, else `Full`. Outcomes other than
/// Confirmed/Waitlisted may leave partial writes behind that the caller must roll back (it
/// never commits them).
pub(super) async fn signup(
    c: &mut Conn,
    activity_id: &str,
    volunteer_id: &str,
    at: i64,
    walk_in: bool,
) -> StoreResult<SignupOutcome> {
    let live: Option<(String,)> = sqlx::query_as(
        "SELECT status FROM signups WHERE activity_id = $1 AND volunteer_id = $2 \
         AND status <> 'cancelled'",
    )
    .bind(activity_id)
    .bind(volunteer_id)
    .fetch_optional(&mut *c)
    .await?;
    if let Some((status,)) = live {
        return Ok(SignupOutcome::Already(status));
    }
    if walk_in {
        let n = sqlx::query(&format!(
            "UPDATE activities SET walk_ins = walk_ins + 1{BUMP} WHERE id = $1"
        ))
        .bind(activity_id)
        .bind(at)
        .execute(&mut *c)
        .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        return Ok(
            if put_signup(c, activity_id, volunteer_id, "confirmed", 0, true, at).await? {
                SignupOutcome::Confirmed
            } else {
                SignupOutcome::Already("confirmed".into())
            },
        );
    }
    // The guarded increment: on PostgreSQL it takes the row lock, so a concurrent sign-up
    // waits, then re-reads `confirmed` and finds the place gone.
    let placed = sqlx::query(&format!(
        "UPDATE activities SET confirmed = confirmed + 1{BUMP} \
         WHERE id = $1 AND confirmed < capacity"
    ))
    .bind(activity_id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    if placed.rows_affected() == 1 {
        return Ok(
            if put_signup(c, activity_id, volunteer_id, "confirmed", 0, false, at).await? {
                SignupOutcome::Confirmed
            } else {
                SignupOutcome::Already("confirmed".into())
            },
        );
    }
    let queued: Option<(i64, i64)> = sqlx::query_as(&format!(
        "UPDATE activities SET wait_seq = wait_seq + 1, waitlisted = waitlisted + 1{BUMP} \
         WHERE id = $1 AND waitlist RETURNING wait_seq, waitlisted"
    ))
    .bind(activity_id)
    .bind(at)
    .fetch_optional(&mut *c)
    .await?;
    let Some((seq, position)) = queued else {
        return Ok(SignupOutcome::Full);
    };
    if !put_signup(c, activity_id, volunteer_id, "waitlisted", seq, false, at).await? {
        return Ok(SignupOutcome::Already("waitlisted".into()));
    }
    Ok(SignupOutcome::Waitlisted { position })
}

pub(super) async fn cancel(
    c: &mut Conn,
    activity_id: &str,
    volunteer_id: &str,
    at: i64,
) -> StoreResult<CancelOutcome> {
    // Lock the activity first: every sign-up and cancellation of it queues here.
    let locked: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM activities WHERE id = $1{FOR_UPDATE}"
    ))
    .bind(activity_id)
    .fetch_optional(&mut *c)
    .await?;
    if locked.is_none() {
        return Err(StoreError::NotFound);
    }
    let row: Option<(String, bool)> = sqlx::query_as(&format!(
        "SELECT status, walk_in FROM signups WHERE activity_id = $1 AND volunteer_id = $2 \
         AND status <> 'cancelled'{FOR_UPDATE}"
    ))
    .bind(activity_id)
    .bind(volunteer_id)
    .fetch_optional(&mut *c)
    .await?;
    let Some((was, walk_in)) = row else {
        return Err(StoreError::NotFound);
    };
    sqlx::query(
        "UPDATE signups SET status = 'cancelled', updated_at = $3 \
         WHERE activity_id = $1 AND volunteer_id = $2",
    )
    .bind(activity_id)
    .bind(volunteer_id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    let mut promoted = None;
    if was == "waitlisted" {
        sqlx::query(&format!(
            "UPDATE activities SET waitlisted = waitlisted - 1{BUMP} WHERE id = $1"
        ))
        .bind(activity_id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    } else if was == "confirmed" && walk_in {
        sqlx::query(&format!(
            "UPDATE activities SET walk_ins = walk_ins - 1{BUMP} WHERE id = $1"
        ))
        .bind(activity_id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    } else if was == "confirmed" {
        let next: Option<(String,)> = sqlx::query_as(
            "SELECT volunteer_id FROM signups WHERE activity_id = $1 AND status = 'waitlisted' \
             ORDER BY seq LIMIT 1",
        )
        .bind(activity_id)
        .fetch_optional(&mut *c)
        .await?;
        match next {
            // The freed place passes straight on: the confirmed count stays.
            Some((vid,)) => {
                sqlx::query(
                    "UPDATE signups SET status = 'confirmed', updated_at = $3 \
                     WHERE activity_id = $1 AND volunteer_id = $2",
                )
                .bind(activity_id)
                .bind(&vid)
                .bind(at)
                .execute(&mut *c)
                .await?;
                sqlx::query(&format!(
                    "UPDATE activities SET waitlisted = waitlisted - 1{BUMP} WHERE id = $1"
                ))
                .bind(activity_id)
                .bind(at)
                .execute(&mut *c)
                .await?;
                promoted = Some(vid);
            }
            None => {
                sqlx::query(&format!(
                    "UPDATE activities SET confirmed = confirmed - 1{BUMP} WHERE id = $1"
                ))
                .bind(activity_id)
                .bind(at)
                .execute(&mut *c)
                .await?;
            }
        }
    }
    Ok(CancelOutcome { was, promoted })
}

/// Locks the volunteer's row so that the day's cycles and total are counted by one writer at
/// a time on PostgreSQL too.
async fn lock_volunteer(c: &mut Conn, volunteer_id: &str) -> StoreResult<()> {
    let found: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM volunteers WHERE id = $1{FOR_UPDATE}"
    ))
    .bind(volunteer_id)
    .fetch_optional(&mut *c)
    .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

/// The day's service of a volunteer already on record (not rejected, not open).
async fn day_total(c: &mut Conn, volunteer_id: &str, day: &str, except: &str) -> StoreResult<i64> {
    let (sum,): (Option<i64>,) = sqlx::query_as(
        "SELECT CAST(SUM(eff_ms) AS BIGINT) FROM service_records WHERE volunteer_id = $1 AND day = $2 \
         AND status NOT IN ('rejected', 'open') AND id <> $3",
    )
    .bind(volunteer_id)
    .bind(day)
    .bind(except)
    .fetch_one(&mut *c)
    .await?;
    Ok(sum.unwrap_or(0))
}

pub(super) async fn insert_record(
    c: &mut Conn,
    r: &RecordRow,
    max_cycles: i64,
    rule: DayRule,
) -> StoreResult<RecordOutcome> {
    lock_volunteer(c, &r.volunteer_id).await?;
    let (cycles,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM service_records WHERE activity_id = $1 AND volunteer_id = $2 \
         AND day = $3 AND status <> 'rejected'",
    )
    .bind(&r.activity_id)
    .bind(&r.volunteer_id)
    .bind(&r.day)
    .fetch_one(&mut *c)
    .await?;
    if cycles >= max_cycles {
        return Ok(RecordOutcome::TooManyCycles);
    }
    let status = if r.checked_out_at.is_none() {
        let (open,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM service_records WHERE activity_id = $1 AND volunteer_id = $2 \
             AND status = 'open'",
        )
        .bind(&r.activity_id)
        .bind(&r.volunteer_id)
        .fetch_one(&mut *c)
        .await?;
        if open > 0 {
            return Ok(RecordOutcome::AlreadyOpen);
        }
        "open"
    } else {
        rule(day_total(c, &r.volunteer_id, &r.day, &r.id).await? + r.eff_ms)
    };
    sqlx::query(
        "INSERT INTO service_records (id, activity_id, volunteer_id, team_id, org_path, day, \
         checked_in_at, checked_out_at, minutes_ms, captured, status, eff_in, eff_out, eff_ms, \
         place, content, recipients, evaluation, person_in_charge, recorder, backfill_reason, \
         approved_by, approved_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
    )
    .bind(&r.id)
    .bind(&r.activity_id)
    .bind(&r.volunteer_id)
    .bind(&r.team_id)
    .bind(&r.org_path)
    .bind(&r.day)
    .bind(r.checked_in_at)
    .bind(r.checked_out_at)
    .bind(r.minutes_ms)
    .bind(&r.captured)
    .bind(status)
    .bind(r.eff_in)
    .bind(r.eff_out)
    .bind(r.eff_ms)
    .bind(&r.place)
    .bind(&r.content)
    .bind(&r.recipients)
    .bind(&r.evaluation)
    .bind(&r.person_in_charge)
    .bind(&r.recorder)
    .bind(&r.backfill_reason)
    .bind(&r.approved_by)
    .bind(r.approved_at)
    .bind(r.created_at)
    .execute(&mut *c)
    .await?;
    super::oversight_agg::inserted(c, super::oversight_agg::Kind::Record, &[&r.id]).await?;
    Ok(RecordOutcome::Written(status.to_owned()))
}

pub(super) async fn close_record(
    c: &mut Conn,
    id: &str,
    out: i64,
    rule: DayRule,
) -> StoreResult<(String, String)> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT volunteer_id, day, eff_in FROM service_records WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    let (vid, day, eff_in) = row.ok_or(StoreError::Stale)?;
    lock_volunteer(c, &vid).await?;
    let ms = (out - eff_in).max(0);
    let status = rule(day_total(c, &vid, &day, id).await? + ms);
    let ov =
        super::oversight_agg::Snapshot::take(c, super::oversight_agg::Kind::Record, &[id]).await?;
    let done = sqlx::query(
        "UPDATE service_records SET checked_out_at = $2, minutes_ms = $3, eff_out = $2, \
         eff_ms = $3, status = $4 WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(out)
    .bind(ms)
    .bind(status)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    ov.apply(c).await?;
    Ok((vid, status.to_owned()))
}
