//! The transactional steps of time on site and of closing an incident, on a bare connection.
//! Closing reuses the activities' guarded record insert (`activities_tx::insert_record`): the
//! cycle limit and the day rule (8 h / 12 h approvals) are applied exactly as for activities.

use sqlx::Pool;

use super::super::activities_tx::insert_record;
use super::super::{Conn, Db, FOR_UPDATE};
use crate::activities::{ActivityRow, DayRule, RecordOutcome};
use crate::emergency::{ArriveOutcome, CloseOutcome, PresenceRow, RecordsOf};
use crate::{StoreError, StoreResult};

const DAY_MS: i64 = 24 * 3_600_000;

pub(super) async fn arrive(
    c: &mut Conn,
    p: &PresenceRow,
    day_start: i64,
    max_per_day: i64,
) -> StoreResult<ArriveOutcome> {
    // Lock the call-up: two scans of one person queue here (PostgreSQL).
    let row: Option<(String, String)> = sqlx::query_as(&format!(
        "SELECT c.status, i.status FROM incident_callups c JOIN incidents i \
         ON i.id = c.incident_id WHERE c.id = $1 AND c.incident_id = $2{FOR_UPDATE}"
    ))
    .bind(&p.callup_id)
    .bind(&p.incident_id)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some((callup, incident)) if callup == "accepted" && incident != "closed" => {}
        _ => return Ok(ArriveOutcome::NotCalled),
    }
    let (open, today): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN left_at IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN arrived_at >= $2 AND arrived_at < $3 THEN 1 ELSE 0 END), 0) \
         FROM incident_presence WHERE callup_id = $1",
    )
    .bind(&p.callup_id)
    .bind(day_start)
    .bind(day_start + DAY_MS)
    .fetch_one(&mut *c)
    .await?;
    if open > 0 {
        return Ok(ArriveOutcome::AlreadyOnSite);
    }
    if today >= max_per_day {
        return Ok(ArriveOutcome::TooManyCycles);
    }
    sqlx::query(
        "INSERT INTO incident_presence (id, incident_id, callup_id, volunteer_id, arrived_at, \
         arrived_how, left_at, left_how, record_note) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL)",
    )
    .bind(&p.id)
    .bind(&p.incident_id)
    .bind(&p.callup_id)
    .bind(&p.volunteer_id)
    .bind(p.arrived_at)
    .bind(&p.arrived_how)
    .execute(&mut *c)
    .await?;
    Ok(ArriveOutcome::Arrived)
}

pub(super) async fn leave(
    c: &mut Conn,
    incident_id: &str,
    volunteer_id: &str,
    at: i64,
    how: &str,
) -> StoreResult<PresenceRow> {
    let row: Option<PresenceRow> = sqlx::query_as(
        "UPDATE incident_presence SET left_how = $4, \
         left_at = CASE WHEN arrived_at > $3 THEN arrived_at ELSE $3 END \
         WHERE incident_id = $1 AND volunteer_id = $2 AND left_at IS NULL RETURNING *",
    )
    .bind(incident_id)
    .bind(volunteer_id)
    .bind(at)
    .bind(how)
    .fetch_optional(&mut *c)
    .await?;
    row.ok_or(StoreError::Stale)
}

pub(super) async fn presence_of(
    pool: &Pool<Db>,
    incident_id: &str,
) -> StoreResult<Vec<PresenceRow>> {
    Ok(sqlx::query_as(
        "SELECT p.*, v.name AS volunteer_name FROM incident_presence p \
         JOIN volunteers v ON v.id = p.volunteer_id WHERE p.incident_id = $1 \
         ORDER BY p.arrived_at, p.id",
    )
    .bind(incident_id)
    .fetch_all(pool)
    .await?)
}

/// Call-ups still waiting are withdrawn (the incident no longer needs them).
pub(super) async fn withdraw_pending(c: &mut Conn, incident_id: &str, at: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE incident_callups SET status = 'cancelled', updated_at = $2 \
         WHERE incident_id = $1 AND status = 'called'",
    )
    .bind(incident_id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

async fn insert_activity(c: &mut Conn, r: &ActivityRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO activities (id, title, project_id, team_id, team_path, org_path, kind, \
         status, description, starts_at, ends_at, place_name, lat, lon, capacity, waitlist, \
         required_skills, signup_opens_at, signup_closes_at, contact_name, contact_phone, \
         backfill_reason, series_id, recurrence, confirmed, walk_ins, wait_seq, created_at, \
         updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, FALSE, $16, $17, $18, $19, $20, NULL, NULL, NULL, 0, 0, 0, $21, $21, 1)",
    )
    .bind(&r.id)
    .bind(&r.title)
    .bind(&r.project_id)
    .bind(&r.team_id)
    .bind(&r.team_path)
    .bind(&r.org_path)
    .bind(&r.kind)
    .bind(&r.status)
    .bind(&r.description)
    .bind(r.starts_at)
    .bind(r.ends_at)
    .bind(&r.place_name)
    .bind(r.lat)
    .bind(r.lon)
    .bind(r.capacity)
    .bind(&r.required_skills)
    .bind(r.signup_opens_at)
    .bind(r.signup_closes_at)
    .bind(&r.contact_name)
    .bind(&r.contact_phone)
    .bind(r.created_at)
    .execute(&mut *c)
    .await?;
    // The oversight aggregates count activities (migration 0005): same transaction.
    use super::super::oversight_agg::{inserted, Kind};
    inserted(c, Kind::Activity, &[&r.id]).await
}

// One argument per part of the close, all applied in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn close(
    c: &mut Conn,
    id: &str,
    from: &str,
    at: i64,
    activity: Option<&ActivityRow>,
    records: RecordsOf<'_>,
    max_cycles: i64,
    rule: DayRule,
) -> StoreResult<CloseOutcome> {
    let locked: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT status FROM incidents WHERE id = $1{FOR_UPDATE}"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    match locked {
        None => return Err(StoreError::NotFound),
        Some((s,)) if s != from => return Err(StoreError::Stale),
        Some(_) => {}
    }
    if let Some(a) = activity {
        insert_activity(c, a).await?;
    }
    sqlx::query(
        "UPDATE incidents SET status = 'closed', closed_at = $2, updated_at = $2, \
         activity_id = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(activity.map(|a| a.id.clone()))
    .execute(&mut *c)
    .await?;
    withdraw_pending(c, id, at).await?;
    sqlx::query(
        "UPDATE incident_presence SET left_how = 'close', \
         left_at = CASE WHEN arrived_at > $2 THEN arrived_at ELSE $2 END \
         WHERE incident_id = $1 AND left_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    let stretches: Vec<PresenceRow> = sqlx::query_as(
        "SELECT p.*, v.name AS volunteer_name FROM incident_presence p \
         JOIN volunteers v ON v.id = p.volunteer_id WHERE p.incident_id = $1 \
         ORDER BY p.arrived_at, p.id",
    )
    .bind(id)
    .fetch_all(&mut *c)
    .await?;
    let mut out = CloseOutcome::default();
    if activity.is_none() {
        return Ok(out);
    }
    for (presence_id, record) in records(&stretches) {
        let note = match insert_record(c, &record, max_cycles, rule).await? {
            RecordOutcome::Written(status) => {
                out.records.push(record.id.clone());
                format!("recorded:{status}")
            }
            RecordOutcome::TooManyCycles => {
                out.skipped
                    .push((presence_id.clone(), "too_many_cycles".into()));
                "too_many_cycles".to_owned()
            }
            RecordOutcome::AlreadyOpen => {
                out.skipped
                    .push((presence_id.clone(), "already_open".into()));
                "already_open".to_owned()
            }
        };
        // A stretch split over midnight has several records: keep every outcome.
        sqlx::query(
            "UPDATE incident_presence SET record_note = CASE WHEN record_note IS NULL THEN $2 \
             ELSE record_note || ',' || $2 END WHERE id = $1",
        )
        .bind(&presence_id)
        .bind(&note)
        .execute(&mut *c)
        .await?;
    }
    Ok(out)
}
