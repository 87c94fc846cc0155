//! Recruitment SQL (both backends): policies, review levels, registration authorities and
//! number ranges, applications and admission, leaving, spot checks. Imports, the talent
//! pool and ledgers are in `recruitment_io.rs`.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::recruitment_tx::{
    bind_app, insert_step, issue_number, placeholders, update_app, APP_COLUMNS,
};
use super::{audit, people, recruitment_io as io, teams, Backend, Db, FOR_UPDATE};
use crate::recruitment::*;
use crate::{path_upper, NewAudit, StoreError, StoreResult, UserRow, VolunteerRecord};

#[async_trait]
impl RecruitmentStore for Backend {
    async fn policies_of(&self, team_ids: &[String]) -> StoreResult<Vec<PolicyRow>> {
        if team_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM team_policies WHERE team_id IN (");
        let mut ids = qb.separated(", ");
        for id in team_ids {
            ids.push_bind(id);
        }
        qb.push(")");
        Ok(qb.build_query_as().fetch_all(self.reader()).await?)
    }

    async fn upsert_policy(&self, p: &PolicyRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM team_policies WHERE team_id = $1")
            .bind(&p.team_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO team_policies (team_id, min_age, max_age, require_party_member, \
             require_veteran, require_healthy, require_no_record, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&p.team_id)
        .bind(p.min_age)
        .bind(p.max_age)
        .bind(p.require_party_member)
        .bind(p.require_veteran)
        .bind(p.require_healthy)
        .bind(p.require_no_record)
        .bind(p.updated_at)
        .bind(p.version)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn review_levels(&self, root_org_id: &str) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT level FROM review_levels WHERE root_org_id = $1")
                .bind(root_org_id)
                .fetch_all(self.reader())
                .await?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }

    async fn set_review_levels(
        &self,
        root_org_id: &str,
        levels: &[String],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM review_levels WHERE root_org_id = $1")
            .bind(root_org_id)
            .execute(&mut *tx)
            .await?;
        for l in levels {
            sqlx::query("INSERT INTO review_levels (root_org_id, level) VALUES ($1, $2)")
                .bind(root_org_id)
                .bind(l)
                .execute(&mut *tx)
                .await?;
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn set_registration_authority(
        &self,
        org_id: &str,
        on: bool,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE orgs SET registration_authority = $1 WHERE id = $2")
            .bind(on)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn registration_authorities(&self, org_ids: &[String]) -> StoreResult<Vec<String>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id FROM orgs WHERE registration_authority = TRUE AND id IN (",
        );
        let mut ids = qb.separated(", ");
        for id in org_ids {
            ids.push_bind(id);
        }
        qb.push(")");
        let rows: Vec<(String,)> = qb.build_query_as().fetch_all(self.reader()).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn insert_range(&self, r: &NumberRangeRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // Lock the prefix's ranges so two overlapping allotments can't both pass the check.
        let clash: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT id FROM number_ranges WHERE prefix = $1 AND first_no <= $2 AND last_no >= $3{FOR_UPDATE}"
        ))
        .bind(&r.prefix)
        .bind(r.last_no)
        .bind(r.first_no)
        .fetch_all(&mut *tx)
        .await?;
        if !clash.is_empty() {
            return Err(StoreError::Conflict(RANGE_OVERLAP.to_owned()));
        }
        sqlx::query(
            "INSERT INTO number_ranges (id, authority_org_id, prefix, first_no, last_no, next_no, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&r.id)
        .bind(&r.authority_org_id)
        .bind(&r.prefix)
        .bind(r.first_no)
        .bind(r.last_no)
        .bind(r.next_no)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn ranges_of(&self, authority_org_id: &str) -> StoreResult<Vec<NumberRangeRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM number_ranges WHERE authority_org_id = $1 ORDER BY first_no, id",
        )
        .bind(authority_org_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn insert_application(
        &self,
        app: &ApplicationRow,
        step: &StepRow,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let n = APP_COLUMNS.split(", ").count();
        let sql = format!(
            "INSERT INTO applications ({APP_COLUMNS}, id, tracking_code, submitted_by, created_at) \
             VALUES ({})",
            placeholders(1, n + 4)
        );
        bind_app(sqlx::query(&sql), app)
            .bind(&app.id)
            .bind(&app.tracking_code)
            .bind(&app.submitted_by)
            .bind(app.created_at)
            .execute(&mut *tx)
            .await?;
        insert_step(&mut tx, step).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_application(&self, id: &str) -> StoreResult<Option<ApplicationRow>> {
        Ok(sqlx::query_as("SELECT * FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn get_application_by_code(&self, code: &str) -> StoreResult<Option<ApplicationRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM applications WHERE tracking_code = $1")
                .bind(code)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn application_steps(&self, id: &str) -> StoreResult<Vec<StepRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM application_steps WHERE application_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(self.reader())
                .await?,
        )
    }

    async fn update_application(
        &self,
        app: &ApplicationRow,
        step: &StepRow,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        update_app(&mut tx, app).await?;
        insert_step(&mut tx, step).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn admit(&self, adm: &Admission, audits: &[NewAudit]) -> StoreResult<Issued> {
        let mut tx = self.begin_write().await?;
        let (n, range) = issue_number(&mut tx, &adm.authority_org_id).await?;
        let registration_no =
            zhiyuan_domain::recruitment::format_registration_no(&range.prefix, n, range.last_no);
        people::insert_volunteer(&mut tx, &adm.volunteer).await?;
        sqlx::query("UPDATE volunteers SET registration_no = $1 WHERE id = $2")
            .bind(&registration_no)
            .bind(&adm.volunteer.row.id)
            .execute(&mut *tx)
            .await?;
        let user = UserRow {
            username: registration_no.clone(),
            ..adm.user.clone()
        };
        people::insert_user(&mut tx, &user).await?;
        teams::upsert_member(
            &mut tx,
            &adm.team_id,
            &adm.volunteer.row.id,
            &adm.position,
            adm.step.at,
        )
        .await?;
        let mut app = adm.application.clone();
        app.registration_no = Some(registration_no.clone());
        update_app(&mut tx, &app).await?;
        insert_step(&mut tx, &adm.step).await?;
        for a in audits {
            let mut a = a.clone();
            if let Some(after) = a.after.as_mut().and_then(|v| v.as_object_mut()) {
                after.insert("registration_no".into(), registration_no.clone().into());
            }
            audit(&mut tx, &a).await?;
        }
        tx.commit().await?;
        Ok(Issued {
            registration_no,
            range,
        })
    }

    async fn review_queue(
        &self,
        within_path: &str,
        limit: i64,
    ) -> StoreResult<(Vec<ApplicationRow>, i64)> {
        let filter = "status = 'pending' AND current_org_path >= $1 AND current_org_path < $2";
        let rows = sqlx::query_as(&format!(
            "SELECT * FROM applications WHERE {filter} ORDER BY updated_at, id LIMIT $3"
        ))
        .bind(within_path)
        .bind(path_upper(within_path))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM applications WHERE {filter}"))
                .bind(within_path)
                .bind(path_upper(within_path))
                .fetch_one(self.reader())
                .await?;
        Ok((rows, total))
    }

    async fn queue_counts(&self, within_path: &str) -> StoreResult<Vec<QueueCount>> {
        Ok(sqlx::query_as(
            "SELECT o.id AS org_id, o.name AS org_name, o.level AS level, COUNT(*) AS pending \
             FROM applications a JOIN orgs o ON o.id = a.current_org_id \
             WHERE a.status = 'pending' AND a.current_org_path >= $1 AND a.current_org_path < $2 \
             GROUP BY o.id, o.name, o.level, o.path ORDER BY o.path",
        )
        .bind(within_path)
        .bind(path_upper(within_path))
        .fetch_all(self.reader())
        .await?)
    }

    async fn applications_in(
        &self,
        within_path: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<ApplicationRow>, i64)> {
        let filter = "org_path >= $1 AND org_path < $2 AND ($3 IS NULL OR status = $3)";
        let rows = sqlx::query_as(&format!(
            "SELECT * FROM applications WHERE {filter} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5"
        ))
        .bind(within_path)
        .bind(path_upper(within_path))
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM applications WHERE {filter}"))
                .bind(within_path)
                .bind(path_upper(within_path))
                .bind(status)
                .fetch_one(self.reader())
                .await?;
        Ok((rows, total))
    }

    async fn change_volunteer_status(
        &self,
        c: &StatusChangeRow,
        expected_version: i64,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let ov = super::oversight_agg::Snapshot::take(
            &mut tx,
            super::oversight_agg::Kind::Volunteer,
            &[&c.volunteer_id],
        )
        .await?;
        let done = sqlx::query(
            "UPDATE volunteers SET status = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND status = $5",
        )
        .bind(&c.to_status)
        .bind(c.at)
        .bind(&c.volunteer_id)
        .bind(expected_version)
        .bind(&c.from_status)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        ov.apply(&mut tx).await?;
        sqlx::query(
            "INSERT INTO volunteer_status_history (volunteer_id, from_status, to_status, reason, \
             actor_id, actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&c.volunteer_id)
        .bind(&c.from_status)
        .bind(&c.to_status)
        .bind(&c.reason)
        .bind(&c.actor_id)
        .bind(&c.actor_name)
        .bind(c.at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn status_history(&self, volunteer_id: &str) -> StoreResult<Vec<StatusChangeRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM volunteer_status_history WHERE volunteer_id = $1 ORDER BY id",
        )
        .bind(volunteer_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn create_spot_check(&self, c: &SpotCheckRow, a: &NewAudit) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO spot_checks (id, org_id, org_path, size, drawn_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&c.id)
        .bind(&c.org_id)
        .bind(&c.org_path)
        .bind(c.size)
        .bind(&c.drawn_by)
        .bind(c.created_at)
        .execute(&mut *tx)
        .await?;
        let drawn = sqlx::query(
            "INSERT INTO spot_check_items (check_id, volunteer_id) SELECT $1, v.id \
             FROM volunteers v JOIN orgs o ON o.id = v.org_id \
             WHERE o.path >= $2 AND o.path < $3 AND v.status = 'active' \
             ORDER BY RANDOM() LIMIT $4",
        )
        .bind(&c.id)
        .bind(&c.org_path)
        .bind(path_upper(&c.org_path))
        .bind(c.size)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        sqlx::query("UPDATE spot_checks SET size = $1 WHERE id = $2")
            .bind(drawn)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, a).await?;
        tx.commit().await?;
        Ok(drawn)
    }

    async fn get_spot_check(
        &self,
        id: &str,
    ) -> StoreResult<Option<(SpotCheckRow, Vec<SpotItemRow>)>> {
        let check: Option<SpotCheckRow> = sqlx::query_as("SELECT * FROM spot_checks WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        let Some(check) = check else {
            return Ok(None);
        };
        let items = sqlx::query_as(
            "SELECT i.*, v.name AS volunteer_name, v.id_masked, v.phone, o.name AS org_name, \
             v.unverified FROM spot_check_items i JOIN volunteers v ON v.id = i.volunteer_id \
             JOIN orgs o ON o.id = v.org_id WHERE i.check_id = $1 ORDER BY o.path, v.name, v.id",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        Ok(Some((check, items)))
    }

    async fn spot_checks_in(
        &self,
        within_path: &str,
        limit: i64,
    ) -> StoreResult<Vec<SpotCheckRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM spot_checks WHERE org_path >= $1 AND org_path < $2 \
             ORDER BY created_at DESC, id LIMIT $3",
        )
        .bind(within_path)
        .bind(path_upper(within_path))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn record_spot_result(
        &self,
        check_id: &str,
        volunteer_id: &str,
        result: &str,
        note: Option<&str>,
        by: &str,
        at: i64,
        unverified: bool,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE spot_check_items SET result = $1, note = $2, checked_by = $3, checked_at = $4 \
             WHERE check_id = $5 AND volunteer_id = $6",
        )
        .bind(result)
        .bind(note)
        .bind(by)
        .bind(at)
        .bind(check_id)
        .bind(volunteer_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE volunteers SET unverified = $1 WHERE id = $2")
            .bind(unverified)
            .bind(volunteer_id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_import_job(&self, job: &ImportJobRow) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        io::insert_job(&mut tx, job).await?;
        Ok(tx.commit().await?)
    }

    async fn update_import_job(&self, job: &ImportJobRow) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        io::update_job(&mut tx, job).await?;
        Ok(tx.commit().await?)
    }

    async fn get_import_job(&self, id: &str) -> StoreResult<Option<ImportJobRow>> {
        Ok(sqlx::query_as("SELECT * FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn existing_id_hashes(&self, hashes: &[String]) -> StoreResult<Vec<String>> {
        io::existing_id_hashes(self.reader(), hashes).await
    }

    async fn open_applications_by_hash(
        &self,
        hashes: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        io::open_applications_by_hash(self.reader(), hashes).await
    }

    async fn bulk_insert_volunteers(
        &self,
        rows: &[VolunteerRecord],
        audits: &[NewAudit],
        job: Option<&ImportJobRow>,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let ids = io::bulk_insert(&mut tx, rows, audits).await?;
        if let Some(job) = job {
            io::update_job(&mut tx, job).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn record_audit(&self, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn talent_search(&self, q: &TalentQuery) -> StoreResult<(Vec<VolunteerRecord>, i64)> {
        io::talent_search(self.reader(), q).await
    }

    async fn roster(&self, team_path: &str) -> StoreResult<Vec<RosterLine>> {
        io::roster(self.reader(), team_path).await
    }

    async fn registration_nos(
        &self,
        volunteer_ids: &[String],
    ) -> StoreResult<Vec<(String, Option<String>, bool)>> {
        io::registration_nos(self.reader(), volunteer_ids).await
    }
}
