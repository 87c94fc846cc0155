//! Emergency SQL (both backends): the `EmergencyStore` implementation. Incidents and call-ups
//! here; time on site and closing in `emergency_tx.rs`; the candidate index's reads in
//! `emergency_index.rs`.

use async_trait::async_trait;
use tokio::sync::mpsc;

#[path = "emergency_index.rs"]
mod index;
#[path = "emergency_tx.rs"]
mod tx;

use super::{audit, Backend, Conn, Db, FOR_UPDATE};
use crate::activities::{ActivityRow, DayRule};
use crate::emergency::*;
use crate::notifications::NewNotification;
use crate::{path_upper, NewAudit, StoreError, StoreResult};

const INCIDENT_SELECT: &str =
    "SELECT i.*, o.name AS org_name FROM incidents i JOIN orgs o ON o.id = i.org_id";

/// A call-up with the volunteer's name, their home only if they consented to its use, and
/// their presence on site.
const CALLUP_SELECT: &str = "SELECT c.*, v.name AS volunteer_name, v.volunteer_no, \
     CASE WHEN v.consent_location THEN v.home_lat ELSE NULL END AS home_lat, \
     CASE WHEN v.consent_location THEN v.home_lon ELSE NULL END AS home_lon, \
     (SELECT MAX(p.arrived_at) FROM incident_presence p WHERE p.callup_id = c.id \
       AND p.left_at IS NULL) AS on_site_since, \
     EXISTS (SELECT 1 FROM incident_presence p WHERE p.callup_id = c.id) AS ever_arrived, \
     i.title AS incident_title \
     FROM incident_callups c JOIN volunteers v ON v.id = c.volunteer_id \
     JOIN incidents i ON i.id = c.incident_id";

/// Whether this build of the shared SQL talks to PostgreSQL.
fn is_postgres() -> bool {
    <Db as sqlx::Database>::NAME == "PostgreSQL"
}

/// Sends the board events with the write: `pg_notify` is transactional, so they reach the
/// listeners at commit and never for a rolled-back write. Nothing on SQLite (the app
/// publishes after the commit).
pub(super) async fn notify(c: &mut Conn, events: &[String]) -> StoreResult<()> {
    if !is_postgres() {
        return Ok(());
    }
    for e in events {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENT_CHANNEL)
            .bind(e)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl EmergencyStore for Backend {
    fn notifies_events(&self) -> bool {
        is_postgres()
    }

    async fn listen_events(&self) -> StoreResult<Option<mpsc::Receiver<Option<String>>>> {
        ListenPool::listen(self.reader()).await
    }

    async fn insert_incident(&self, i: &IncidentRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO incidents (id, title, kind, status, org_id, org_path, team_id, lat, lon, \
             address, required_skills, needed, response_minutes, description, started_at, \
             stood_down_at, closed_at, activity_id, created_by, created_at, updated_at) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, NULL, NULL, \
             $16, $17, $17)",
        )
        .bind(&i.id)
        .bind(&i.title)
        .bind(&i.kind)
        .bind(&i.status)
        .bind(&i.org_id)
        .bind(&i.org_path)
        .bind(&i.team_id)
        .bind(i.lat)
        .bind(i.lon)
        .bind(&i.address)
        .bind(&i.required_skills)
        .bind(i.needed)
        .bind(i.response_minutes)
        .bind(&i.description)
        .bind(i.started_at)
        .bind(&i.created_by)
        .bind(i.created_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_incident(&self, id: &str) -> StoreResult<Option<IncidentRow>> {
        Ok(
            sqlx::query_as(&format!("{INCIDENT_SELECT} WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn list_incidents(
        &self,
        org_path: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<IncidentRow>, i64)> {
        let filter = "i.org_path >= $1 AND i.org_path < $2 AND ($3 IS NULL OR i.status = $3)";
        let rows = sqlx::query_as(&format!(
            "{INCIDENT_SELECT} WHERE {filter} ORDER BY i.created_at DESC, i.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(org_path)
        .bind(path_upper(org_path))
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM incidents i WHERE {filter}"))
                .bind(org_path)
                .bind(path_upper(org_path))
                .bind(status)
                .fetch_one(self.reader())
                .await?;
        Ok((rows, total))
    }

    async fn skill_known(&self, skill: &str) -> StoreResult<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT 1 FROM volunteer_skills WHERE skill = $1 LIMIT 1) k",
        )
        .bind(skill)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    async fn insert_callups(
        &self,
        incident_id: &str,
        callups: &[CallupRow],
        notices: &[CallupNotice],
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // The incident's row lock queues every call-up of it (PostgreSQL; SQLite has one
        // writer), so the numbering and the open check hold across processes.
        let status: Option<(String,)> = sqlx::query_as(&format!(
            "SELECT status FROM incidents WHERE id = $1{FOR_UPDATE}"
        ))
        .bind(incident_id)
        .fetch_optional(&mut *tx)
        .await?;
        match status {
            None => return Err(StoreError::NotFound),
            Some((s,)) if s != "open" => return Err(StoreError::Stale),
            Some(_) => {}
        }
        let (base,): (Option<i64>,) = sqlx::query_as(
            "SELECT CAST(MAX(seq) AS BIGINT) FROM incident_callups WHERE incident_id = $1",
        )
        .bind(incident_id)
        .fetch_one(&mut *tx)
        .await?;
        let base = base.unwrap_or(0);
        for (n, c) in callups.iter().enumerate() {
            sqlx::query(
                "INSERT INTO incident_callups (id, incident_id, volunteer_id, status, seq, \
                 distance_km, called_by, called_at, deadline_at, responded_at, updated_at) \
                 VALUES ($1, $2, $3, 'called', $4, $5, $6, $7, $8, NULL, $7)",
            )
            .bind(&c.id)
            .bind(incident_id)
            .bind(&c.volunteer_id)
            .bind(base + n as i64 + 1)
            .bind(c.distance_km)
            .bind(&c.called_by)
            .bind(c.called_at)
            .bind(c.deadline_at)
            .execute(&mut *tx)
            .await?;
        }
        for n in notices {
            for user_id in
                super::notifications::users_of_volunteer(&mut tx, &n.volunteer_id).await?
            {
                let key = format!("{}:{user_id}", n.dedupe_key);
                let notice = NewNotification {
                    id: super::notifications::notice_id(a.at, &key),
                    user_id,
                    kind: "callup".into(),
                    title: n.title.clone(),
                    body: n.body.clone(),
                    link: Some(n.link.clone()),
                    dedupe_key: key,
                    created_at: a.at,
                };
                super::notifications::insert_notification(&mut tx, &notice).await?;
            }
        }
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        Ok(tx.commit().await?)
    }

    async fn get_callup(&self, id: &str) -> StoreResult<Option<CallupRow>> {
        Ok(sqlx::query_as(&format!("{CALLUP_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn callups_of(&self, incident_id: &str) -> StoreResult<Vec<CallupRow>> {
        Ok(sqlx::query_as(&format!(
            "{CALLUP_SELECT} WHERE c.incident_id = $1 ORDER BY c.seq"
        ))
        .bind(incident_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn callups_of_volunteer(
        &self,
        volunteer_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<CallupRow>> {
        Ok(sqlx::query_as(&format!(
            "{CALLUP_SELECT} WHERE c.volunteer_id = $1 ORDER BY c.called_at DESC LIMIT $2"
        ))
        .bind(volunteer_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    // One argument per part of the guarded update.
    #[allow(clippy::too_many_arguments)]
    async fn respond_callup(
        &self,
        id: &str,
        from: &[&str],
        to: &str,
        at: i64,
        not_after: Option<i64>,
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE incident_callups SET status = ");
        q.push_bind(to)
            .push(", responded_at = ")
            .push_bind(at)
            .push(", updated_at = ")
            .push_bind(at)
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" AND status IN (");
        let mut list = q.separated(", ");
        for f in from {
            list.push_bind(*f);
        }
        q.push(")");
        if let Some(deadline) = not_after {
            q.push(" AND deadline_at >= ").push_bind(deadline);
        }
        if to == "accepted" {
            q.push(
                " AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_callups.incident_id \
                 AND i.status = 'open')",
            );
        } else {
            // Whoever has been on site checks out instead of declining.
            q.push(
                " AND NOT EXISTS (SELECT 1 FROM incident_presence p \
                 WHERE p.callup_id = incident_callups.id)",
            );
        }
        let done = q.build().execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        Ok(tx.commit().await?)
    }

    async fn expire_due_callups(
        &self,
        now: i64,
        a: &(dyn for<'r> Fn(&'r CallupRow) -> NewAudit + Send + Sync),
        event: &(dyn for<'r> Fn(&'r CallupRow) -> String + Send + Sync),
    ) -> StoreResult<Vec<CallupRow>> {
        let mut tx = self.begin_write().await?;
        let rows: Vec<CallupRow> = sqlx::query_as(&format!(
            "SELECT c.*, i.org_path AS org_path FROM incident_callups c \
             JOIN incidents i ON i.id = c.incident_id \
             WHERE c.status = 'called' AND c.deadline_at < $1{FOR_UPDATE}"
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            sqlx::query(
                "UPDATE incident_callups SET status = 'expired', updated_at = $2 \
                 WHERE id = $1 AND status = 'called'",
            )
            .bind(&r.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for r in &rows {
            audit(&mut tx, &a(r)).await?;
        }
        let events: Vec<String> = rows.iter().map(event).collect();
        notify(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn has_due_callups(&self, now: i64) -> StoreResult<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT 1 FROM incident_callups WHERE status = 'called' \
             AND deadline_at < $1 LIMIT 1) d",
        )
        .bind(now)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    async fn arrive(
        &self,
        p: &PresenceRow,
        day_start: i64,
        max_per_day: i64,
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<ArriveOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = tx::arrive(&mut tx, p, day_start, max_per_day).await?;
        if outcome != ArriveOutcome::Arrived {
            return Ok(outcome);
        }
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn leave(
        &self,
        incident_id: &str,
        volunteer_id: &str,
        at: i64,
        how: &str,
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<PresenceRow> {
        let mut tx = self.begin_write().await?;
        let row = tx::leave(&mut tx, incident_id, volunteer_id, at, how).await?;
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn presence_of(&self, incident_id: &str) -> StoreResult<Vec<PresenceRow>> {
        tx::presence_of(self.reader(), incident_id).await
    }

    async fn stand_down_incident(
        &self,
        id: &str,
        at: i64,
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE incidents SET status = 'standing_down', stood_down_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        tx::withdraw_pending(&mut tx, id, at).await?;
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        Ok(tx.commit().await?)
    }

    async fn close_incident(
        &self,
        id: &str,
        from: &str,
        at: i64,
        activity: Option<&ActivityRow>,
        records: RecordsOf<'_>,
        max_cycles: i64,
        rule: DayRule,
        events: &[String],
        a: &NewAudit,
    ) -> StoreResult<CloseOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = tx::close(&mut tx, id, from, at, activity, records, max_cycles, rule).await?;
        audit(&mut tx, a).await?;
        notify(&mut tx, events).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn committed_volunteers(&self) -> StoreResult<Vec<(String, String)>> {
        index::committed(self.reader()).await
    }

    async fn busy_in_activities(&self, now: i64) -> StoreResult<Vec<String>> {
        index::busy_in_activities(self.reader(), now).await
    }

    async fn detachment_members(&self, ids: &[String]) -> StoreResult<Vec<String>> {
        index::detachment_members(self.reader(), ids).await
    }

    async fn callup_counts(&self, ids: &[String], since: i64) -> StoreResult<Vec<(String, i64)>> {
        index::callup_counts(self.reader(), ids, since).await
    }

    async fn index_rows_after(&self, after: &str, limit: i64) -> StoreResult<Vec<IndexRow>> {
        index::rows_after(self.reader(), after, limit).await
    }

    async fn index_rows_changed(
        &self,
        since: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<IndexRow>> {
        index::rows_changed(self.reader(), since, after_id, limit).await
    }

    async fn volunteer_cards(&self, ids: &[String]) -> StoreResult<Vec<CardRow>> {
        index::cards(self.reader(), ids).await
    }
}
