//! Activities SQL (both backends): the `ActivityStore` implementation. The steps that must
//! hold under concurrency (sign-up, cancel, records) live in `activities_tx.rs`.

use async_trait::async_trait;

use super::activities_tx::{self as step, audit};

#[path = "activities_batch.rs"]
mod batch;
#[path = "activities_open.rs"]
mod open;
use super::{Backend, Db, FOR_UPDATE};
use crate::activities::*;
use crate::{NewAudit, StoreError, StoreResult};

const ACTIVITY_SELECT: &str = "SELECT a.*, t.name AS team_name FROM activities a \
     JOIN teams t ON t.id = a.team_id";

const SIGNUP_SELECT: &str = "SELECT s.*, v.name AS volunteer_name, \
     CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM signups w \
       WHERE w.activity_id = s.activity_id AND w.status = 'waitlisted' AND w.seq <= s.seq) \
     ELSE NULL END AS position \
     FROM signups s JOIN volunteers v ON v.id = s.volunteer_id";

const RECORD_SELECT: &str = "SELECT r.*, a.title AS activity_title FROM service_records r \
     JOIN activities a ON a.id = r.activity_id";

fn is_success(o: &SignupOutcome) -> bool {
    matches!(
        o,
        SignupOutcome::Confirmed | SignupOutcome::Waitlisted { .. }
    )
}

#[async_trait]
impl ActivityStore for Backend {
    async fn insert_project(&self, p: &ProjectRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO service_projects (id, name, category, description, org_id, team_id, \
             org_path, brand, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.category)
        .bind(&p.description)
        .bind(&p.org_id)
        .bind(&p.team_id)
        .bind(&p.org_path)
        .bind(p.brand)
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_project(&self, id: &str) -> StoreResult<Option<ProjectRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM service_projects WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn projects_in_org_subtree(
        &self,
        org_path: &str,
        limit: i64,
    ) -> StoreResult<Vec<ProjectRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM service_projects WHERE org_path >= $1 AND org_path < $2 \
             ORDER BY org_path, created_at LIMIT $3",
        )
        .bind(org_path)
        .bind(crate::path_upper(org_path))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn insert_activities(&self, rows: &[ActivityRow], a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO activities (id, title, project_id, team_id, team_path, org_path, kind, \
                 status, description, starts_at, ends_at, place_name, lat, lon, capacity, waitlist, \
                 required_skills, signup_opens_at, signup_closes_at, contact_name, contact_phone, \
                 backfill_reason, series_id, recurrence, confirmed, walk_ins, wait_seq, created_at, \
                 updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, 0, 0, 0, $25, $25, 1)",
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
            .bind(r.waitlist)
            .bind(&r.required_skills)
            .bind(r.signup_opens_at)
            .bind(r.signup_closes_at)
            .bind(&r.contact_name)
            .bind(&r.contact_phone)
            .bind(&r.backfill_reason)
            .bind(&r.series_id)
            .bind(&r.recurrence)
            .bind(r.created_at)
            .execute(&mut *tx)
            .await?;
        }
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        super::oversight_agg::inserted(&mut tx, super::oversight_agg::Kind::Activity, &ids).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_activity(&self, id: &str) -> StoreResult<Option<ActivityRow>> {
        Ok(
            sqlx::query_as(&format!("{ACTIVITY_SELECT} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn get_activities(&self, ids: &[String]) -> StoreResult<Vec<ActivityRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = sqlx::QueryBuilder::<Db>::new(format!("{ACTIVITY_SELECT} WHERE a.id IN ("));
        super::oversight::in_list(&mut qb, ids);
        qb.push(")");
        Ok(qb.build_query_as().fetch_all(self.reader()).await?)
    }

    async fn list_activities(&self, q: &ActivityQuery) -> StoreResult<(Vec<ActivityRow>, i64)> {
        let mut rows = sqlx::QueryBuilder::<Db>::new(ACTIVITY_SELECT);
        push_activity_filter(&mut rows, q);
        rows.push(" ORDER BY a.starts_at, a.id LIMIT ")
            .push_bind(q.limit)
            .push(" OFFSET ")
            .push_bind(q.offset);
        let rows = rows.build_query_as().fetch_all(self.reader()).await?;
        let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM activities a");
        push_activity_filter(&mut count, q);
        let (total,): (i64,) = count.build_query_as().fetch_one(self.reader()).await?;
        Ok((rows, total))
    }

    async fn open_activities_page(
        &self,
        ends_after: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>> {
        open::open_page(self.reader(), ends_after, after_id, limit).await
    }

    async fn activities_changed(
        &self,
        since: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>> {
        open::changed(self.reader(), since, after_id, limit).await
    }

    async fn own_signups_of(&self, volunteer_ids: &[String]) -> StoreResult<Vec<SignupRow>> {
        open::own_signups(self.reader(), volunteer_ids).await
    }

    async fn set_activity_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let ov = super::oversight_agg::Snapshot::take(
            &mut tx,
            super::oversight_agg::Kind::Activity,
            &[id],
        )
        .await?;
        let done = sqlx::query(
            "UPDATE activities SET status = $3, version = version + 1, \
             updated_at = CASE WHEN updated_at >= $4 THEN updated_at + 1 ELSE $4 END \
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        ov.apply(&mut tx).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
        at: i64,
        walk_in: bool,
        a: &NewAudit,
    ) -> StoreResult<SignupOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = step::signup(&mut tx, activity_id, volunteer_id, at, walk_in).await?;
        if is_success(&outcome) {
            audit(&mut tx, a).await?;
            tx.commit().await?;
        }
        // Otherwise the transaction is dropped: rolled back, nothing written.
        Ok(outcome)
    }

    fn batches_signups(&self) -> bool {
        // Both backends: on PostgreSQL the batch locks each activity's row first (`FOR
        // UPDATE`), so another process's batch waits and then reads the new counters.
        true
    }

    async fn signup_batch(
        &self,
        reqs: &[SignupRequest],
    ) -> StoreResult<Vec<StoreResult<SignupOutcome>>> {
        batch::write(self, reqs, &vec![None; reqs.len()]).await
    }

    async fn signup_batch_checked(
        &self,
        reqs: &[SignupRequest],
        checked_versions: &[i64],
    ) -> StoreResult<Vec<StoreResult<SignupOutcome>>> {
        let checked: Vec<Option<i64>> = checked_versions.iter().copied().map(Some).collect();
        batch::write(self, reqs, &checked).await
    }

    async fn signup_subjects(&self, ids: &[String]) -> StoreResult<Vec<SignupSubject>> {
        batch::subjects(self.reader(), ids).await
    }

    async fn cancel_signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<CancelOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = step::cancel(&mut tx, activity_id, volunteer_id, at).await?;
        audit(&mut tx, a).await?;
        if let Some(vid) = &outcome.promoted {
            // The promotion is its own line: the promoted volunteer's notice (候补转正).
            let mut promoted = a.clone();
            promoted.action = "signup.promoted".into();
            promoted.subject_type = "volunteer".into();
            promoted.subject_id = vid.clone();
            promoted.before =
                Some(serde_json::json!({"activity_id": activity_id, "status": "waitlisted"}));
            promoted.after =
                Some(serde_json::json!({"activity_id": activity_id, "status": "confirmed"}));
            audit(&mut tx, &promoted).await?;
            super::notifications::notify_promoted(&mut tx, activity_id, vid, at).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn get_signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
    ) -> StoreResult<Option<SignupRow>> {
        Ok(sqlx::query_as(&format!(
            "{SIGNUP_SELECT} WHERE s.activity_id = $1 AND s.volunteer_id = $2"
        ))
        .bind(activity_id)
        .bind(volunteer_id)
        .fetch_optional(self.reader())
        .await?)
    }

    async fn signups_of(&self, activity_id: &str) -> StoreResult<Vec<SignupRow>> {
        Ok(sqlx::query_as(&format!(
            "{SIGNUP_SELECT} WHERE s.activity_id = $1 AND s.status <> 'cancelled' \
             ORDER BY CASE WHEN s.status = 'confirmed' THEN 0 ELSE 1 END, s.seq, s.created_at, v.name"
        ))
        .bind(activity_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn signups_of_volunteer(
        &self,
        volunteer_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<SignupRow>> {
        Ok(sqlx::query_as(&format!(
            "{SIGNUP_SELECT} WHERE s.volunteer_id = $1 AND s.status <> 'cancelled' \
             ORDER BY s.updated_at DESC LIMIT $2"
        ))
        .bind(volunteer_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn insert_record(
        &self,
        r: &RecordRow,
        max_cycles: i64,
        rule: DayRule,
        a: &NewAudit,
    ) -> StoreResult<RecordOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = step::insert_record(&mut tx, r, max_cycles, rule).await?;
        if let RecordOutcome::Written(status) = &outcome {
            let mut a = a.clone();
            if let Some(serde_json::Value::Object(m)) = a.after.as_mut() {
                m.insert("status".into(), serde_json::Value::String(status.clone()));
            }
            audit(&mut tx, &a).await?;
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn open_record(
        &self,
        activity_id: &str,
        volunteer_id: &str,
    ) -> StoreResult<Option<RecordRow>> {
        Ok(sqlx::query_as(&format!(
            "{RECORD_SELECT} WHERE r.activity_id = $1 AND r.volunteer_id = $2 AND r.status = 'open'"
        ))
        .bind(activity_id)
        .bind(volunteer_id)
        .fetch_optional(self.reader())
        .await?)
    }

    async fn close_record(
        &self,
        id: &str,
        out: i64,
        rule: DayRule,
        a: &NewAudit,
    ) -> StoreResult<RecordRow> {
        let mut tx = self.begin_write().await?;
        step::close_record(&mut tx, id, out, rule).await?;
        audit(&mut tx, a).await?;
        let row = sqlx::query_as(&format!("{RECORD_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn get_record(&self, id: &str) -> StoreResult<Option<RecordRow>> {
        Ok(sqlx::query_as(&format!("{RECORD_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn records_of_volunteer(
        &self,
        volunteer_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> StoreResult<Vec<RecordRow>> {
        Ok(sqlx::query_as(&format!(
            "{RECORD_SELECT} WHERE r.volunteer_id = $1 AND r.day >= $2 AND r.day <= $3 \
             ORDER BY r.checked_in_at DESC, r.id"
        ))
        .bind(volunteer_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(self.reader())
        .await?)
    }

    async fn records_of_activity(&self, activity_id: &str) -> StoreResult<Vec<RecordRow>> {
        Ok(sqlx::query_as(&format!(
            "{RECORD_SELECT} WHERE r.activity_id = $1 ORDER BY r.checked_in_at, r.id"
        ))
        .bind(activity_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn decide_record(
        &self,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let ov = super::oversight_agg::Snapshot::take(
            &mut tx,
            super::oversight_agg::Kind::Record,
            &[id],
        )
        .await?;
        let done = sqlx::query(
            "UPDATE service_records SET status = $3, approved_by = $4, approved_at = $5 \
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(by)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        ov.apply(&mut tx).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_amendment(&self, m: &AmendmentRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO record_amendments (id, record_id, requested_by, reason, old_in, old_out, \
             new_in, new_out, status, decided_by, decided_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&m.id)
        .bind(&m.record_id)
        .bind(&m.requested_by)
        .bind(&m.reason)
        .bind(m.old_in)
        .bind(m.old_out)
        .bind(m.new_in)
        .bind(m.new_out)
        .bind(&m.status)
        .bind(&m.decided_by)
        .bind(m.decided_at)
        .bind(m.created_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_amendment(&self, id: &str) -> StoreResult<Option<AmendmentRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM record_amendments WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn amendments_of(&self, record_id: &str) -> StoreResult<Vec<AmendmentRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM record_amendments WHERE record_id = $1 ORDER BY created_at, id",
        )
        .bind(record_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn decide_amendment(
        &self,
        id: &str,
        approve: bool,
        by: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<AmendmentRow> {
        let mut tx = self.begin_write().await?;
        let m: Option<AmendmentRow> = sqlx::query_as(&format!(
            "SELECT * FROM record_amendments WHERE id = $1 AND status = 'pending'{FOR_UPDATE}"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut m = m.ok_or(StoreError::Stale)?;
        m.status = if approve { "approved" } else { "rejected" }.into();
        m.decided_by = Some(by.to_owned());
        m.decided_at = Some(at);
        sqlx::query(
            "UPDATE record_amendments SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(&m.status)
        .bind(by)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if approve {
            let ov = super::oversight_agg::Snapshot::take(
                &mut tx,
                super::oversight_agg::Kind::Record,
                &[&m.record_id],
            )
            .await?;
            sqlx::query(
                "UPDATE service_records SET eff_in = $2, eff_out = $3, eff_ms = $4 WHERE id = $1",
            )
            .bind(&m.record_id)
            .bind(m.new_in)
            .bind(m.new_out)
            .bind(m.new_out - m.new_in)
            .execute(&mut *tx)
            .await?;
            ov.apply(&mut tx).await?;
        }
        audit(&mut tx, a).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn insert_certificate(&self, c: &CertificateRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO certificates (code, certificate_no, volunteer_id, org_path, \
             volunteer_name_masked, period_from, period_to, total_ms, issuer, issued_by, issued_at, \
             revoked_at, revoked_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)",
        )
        .bind(&c.code)
        .bind(&c.certificate_no)
        .bind(&c.volunteer_id)
        .bind(&c.org_path)
        .bind(&c.volunteer_name_masked)
        .bind(&c.period_from)
        .bind(&c.period_to)
        .bind(c.total_ms)
        .bind(&c.issuer)
        .bind(&c.issued_by)
        .bind(c.issued_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_certificate(&self, code: &str) -> StoreResult<Option<CertificateRow>> {
        Ok(sqlx::query_as("SELECT * FROM certificates WHERE code = $1")
            .bind(code)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn certificate_by_number(&self, number: &str) -> StoreResult<Option<CertificateRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM certificates WHERE certificate_no = $1")
                .bind(number)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn certificates_of(&self, volunteer_id: &str) -> StoreResult<Vec<CertificateRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM certificates WHERE volunteer_id = $1 ORDER BY issued_at DESC",
        )
        .bind(volunteer_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn revoke_certificate(
        &self,
        code: &str,
        reason: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE certificates SET revoked_at = $2, revoked_reason = $3 \
             WHERE code = $1 AND revoked_at IS NULL",
        )
        .bind(code)
        .bind(at)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_photo(&self, p: &PhotoRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO activity_photos (id, activity_id, content_type, size, data, uploaded_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(&p.activity_id)
        .bind(&p.content_type)
        .bind(p.size)
        .bind(&p.data)
        .bind(&p.uploaded_by)
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn photos_of(&self, activity_id: &str) -> StoreResult<Vec<PhotoRow>> {
        let rows: Vec<(String, String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT id, activity_id, content_type, size, uploaded_by, created_at \
             FROM activity_photos WHERE activity_id = $1 ORDER BY created_at, id",
        )
        .bind(activity_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, activity_id, content_type, size, uploaded_by, created_at)| PhotoRow {
                    id,
                    activity_id,
                    content_type,
                    size,
                    data: Vec::new(),
                    uploaded_by,
                    created_at,
                },
            )
            .collect())
    }

    async fn get_photo(&self, id: &str) -> StoreResult<Option<PhotoRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM activity_photos WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }
}

/// The WHERE clause of an activity listing, with only the conditions asked for: a no-op
/// range on an indexed path (`team_path >= '/'`) looked as selective to SQLite's planner as
/// the county's real org-path range, so it scanned every activity of a province (1.2 s).
fn push_activity_filter(qb: &mut sqlx::QueryBuilder<'_, Db>, q: &ActivityQuery) {
    qb.push(" WHERE 1 = 1");
    for (column, path) in [
        ("a.org_path", &q.within_org_path),
        ("a.team_path", &q.within_team_path),
    ] {
        if let Some(p) = path {
            qb.push(format!(" AND {column} >= "))
                .push_bind(p.clone())
                .push(format!(" AND {column} < "))
                .push_bind(crate::path_upper(p));
        }
    }
    if let Some(status) = &q.status {
        qb.push(" AND a.status = ").push_bind(status.clone());
    }
    if let Some(t) = q.ends_after {
        qb.push(" AND a.ends_at > ").push_bind(t);
    }
    if let Some(t) = q.starts_from {
        qb.push(" AND a.starts_at >= ").push_bind(t);
    }
    if let Some(t) = q.starts_before {
        qb.push(" AND a.starts_at < ").push_bind(t);
    }
}
