//! The generator's bulk load (both backends): multi-row inserts with borrowed binds, as many
//! rows per statement as SQLite's 32,766 bound variables allow, one transaction per batch;
//! secondary indexes set aside during the load and rebuilt from their own statements.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::generator_bulk::{record_row, signup_row, RECORD_COLUMNS, SIGNUP_COLUMNS};
use super::{Backend, Db, FOR_UPDATE};
use crate::generator::{GenStore, LoadActivity, LoadBatch, Participant, SetAsideIndex};
use crate::StoreResult;

type Tx = sqlx::Transaction<'static, Db>;

/// Bound variables per statement (SQLite allows 32,766; PostgreSQL 65,535).
const BINDS: usize = 32_000;

/// The tables whose secondary indexes are rebuilt after the load instead of kept through it.
const BIG_TABLES: [&str; 12] = [
    "volunteers",
    "volunteer_skills",
    "team_members",
    "activities",
    "signups",
    "service_records",
    "ov_counts",
    "ov_months",
    "ov_projects",
    "ov_volunteer_years",
    "ov_unit_months",
    "service_projects",
];

/// Indexes kept through the load: the generator writes activities in id order with their
/// sign-ups and records, so these grow at their right edge (a few leaf pages stay hot) and
/// cost less kept than rebuilt by another pass over 20 M rows.
const KEPT_DURING_LOAD: [&str; 2] = ["service_records_cycle", "signups_queue"];

fn rows_per_statement(columns: usize) -> usize {
    (BINDS / columns).max(1)
}

fn is_sqlite() -> bool {
    FOR_UPDATE.is_empty()
}

#[async_trait]
impl GenStore for Backend {
    async fn gen_is_empty(&self) -> StoreResult<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM orgs LIMIT 1) o) \
             + (SELECT COUNT(*) FROM (SELECT 1 FROM teams LIMIT 1) t) \
             + (SELECT COUNT(*) FROM (SELECT 1 FROM volunteers LIMIT 1) v)",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(n == 0)
    }

    async fn gen_begin(&self) -> StoreResult<Vec<SetAsideIndex>> {
        if is_sqlite() {
            self.sqlite_enter_bulk_mode().await?;
        }
        let mut tx = self.begin_write().await?;
        let list = BIG_TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        // Only indexes made by CREATE INDEX: those behind PRIMARY KEY and UNIQUE constraints
        // stay (SQLite lists them without a statement; PostgreSQL names them as constraints).
        let sql = if is_sqlite() {
            format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ({list}) ORDER BY name"
            )
        } else {
            format!(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 AND tablename IN ({list}) AND indexname NOT IN (SELECT conname FROM pg_constraint) \
                 ORDER BY indexname"
            )
        };
        let mut found: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
        found.retain(|(name, _)| !KEPT_DURING_LOAD.contains(&name.as_str()));
        for (name, _) in &found {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(found
            .into_iter()
            .map(|(name, create_sql)| SetAsideIndex { name, create_sql })
            .collect())
    }

    async fn gen_load(&self, batch: &LoadBatch) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if !is_sqlite() {
            // The load's durability is all or nothing anyway (see `gen_finish`): no wait for
            // the WAL flush per batch. A superuser may also skip the per-row foreign-key
            // triggers (the generator writes parents first; the tests check the result).
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
            let (superuser,): (bool,) =
                sqlx::query_as("SELECT current_setting('is_superuser') = 'on'")
                    .fetch_one(&mut *tx)
                    .await?;
            if superuser {
                sqlx::query("SET LOCAL session_replication_role = replica")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        insert_tree(&mut tx, batch).await?;
        insert_activities(&mut tx, &batch.activities).await?;
        insert_aggregates(&mut tx, batch).await?;
        Ok(tx.commit().await?)
    }

    async fn gen_finish(&self, indexes: &[SetAsideIndex]) -> StoreResult<()> {
        for (n, index) in indexes.iter().enumerate() {
            let started = std::time::Instant::now();
            let mut tx = self.begin_write().await?;
            sqlx::query(&index.create_sql).execute(&mut *tx).await?;
            tx.commit().await?;
            tracing::info!(
                "索引 {}/{} {} 已重建（{:.1?}）",
                n + 1,
                indexes.len(),
                index.name,
                started.elapsed()
            );
        }
        if is_sqlite() {
            self.sqlite_leave_bulk_mode().await?;
        } else {
            // The index builds above commit synchronously, and a synchronous commit flushes
            // the WAL up to itself: every batch committed without waiting is durable now.
            sqlx::query("ANALYZE").execute(self.reader()).await?;
        }
        Ok(())
    }
}

async fn insert_tree(tx: &mut Tx, rows: &LoadBatch) -> StoreResult<()> {
    for chunk in rows.orgs.chunks(rows_per_statement(11)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO orgs (id, name, level, parent_id, path, depth, population, unit_type, \
             created_at, updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, o| {
            b.push_bind(&o.id)
                .push_bind(&o.name)
                .push_bind(&o.level)
                .push_bind(&o.parent_id)
                .push_bind(&o.path)
                .push_bind(o.depth)
                .push_bind(o.population)
                .push_bind(&o.unit_type)
                .push_bind(o.created_at)
                .push_bind(o.updated_at)
                .push_bind(o.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.teams.chunks(rows_per_statement(10)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO teams (id, name, org_id, parent_team_id, path, echelon, specialty, \
             created_at, updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, t| {
            b.push_bind(&t.id)
                .push_bind(&t.name)
                .push_bind(&t.org_id)
                .push_bind(&t.parent_team_id)
                .push_bind(&t.path)
                .push_bind(&t.echelon)
                .push_bind(&t.specialty)
                .push_bind(t.created_at)
                .push_bind(t.updated_at)
                .push_bind(t.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.volunteers.chunks(rows_per_statement(26)) {
        let mut qb = QueryBuilder::<Db>::new(super::people::VOLUNTEER_INSERT);
        qb.push_values(chunk, super::people::push_volunteer);
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.skills.chunks(rows_per_statement(2)) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO volunteer_skills (volunteer_id, skill) ");
        qb.push_values(chunk, |mut b, (v, s)| {
            b.push_bind(v).push_bind(s);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.members.chunks(rows_per_statement(4)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO team_members (team_id, volunteer_id, position, appointed_at) ",
        );
        qb.push_values(chunk, |mut b, (team, vid, position, at)| {
            b.push_bind(team)
                .push_bind(vid)
                .push_bind(position)
                .push_bind(*at);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.projects.chunks(rows_per_statement(9)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO service_projects (id, name, category, description, org_id, team_id, \
             org_path, brand, created_at) ",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(&p.id)
                .push_bind(&p.name)
                .push_bind(&p.category)
                .push_bind(&p.description)
                .push_bind(&p.org_id)
                .push_bind(&p.team_id)
                .push_bind(&p.org_path)
                .push_bind(p.brand)
                .push_bind(p.created_at);
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_activities(tx: &mut Tx, acts: &[LoadActivity]) -> StoreResult<()> {
    for chunk in acts.chunks(rows_per_statement(30)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO activities (id, title, project_id, team_id, team_path, org_path, kind, \
             status, description, starts_at, ends_at, place_name, lat, lon, capacity, waitlist, \
             required_skills, signup_opens_at, signup_closes_at, contact_name, contact_phone, \
             backfill_reason, series_id, recurrence, confirmed, walk_ins, wait_seq, created_at, \
             updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, a| {
            let a = &a.row;
            b.push_bind(&a.id)
                .push_bind(&a.title)
                .push_bind(&a.project_id)
                .push_bind(&a.team_id)
                .push_bind(&a.team_path)
                .push_bind(&a.org_path)
                .push_bind(&a.kind)
                .push_bind(&a.status)
                .push_bind(&a.description)
                .push_bind(a.starts_at)
                .push_bind(a.ends_at)
                .push_bind(&a.place_name)
                .push_bind(a.lat)
                .push_bind(a.lon)
                .push_bind(a.capacity)
                .push_bind(a.waitlist)
                .push_bind(&a.required_skills)
                .push_bind(a.signup_opens_at)
                .push_bind(a.signup_closes_at)
                .push_bind(&a.contact_name)
                .push_bind(&a.contact_phone)
                .push_bind(&a.backfill_reason)
                .push_bind(&a.series_id)
                .push_bind(&a.recurrence)
                .push_bind(a.confirmed)
                .push_bind(a.walk_ins)
                .push_bind(a.wait_seq)
                .push_bind(a.created_at)
                .push_bind(a.updated_at)
                .push_bind(a.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    let pairs: Vec<(&LoadActivity, &Participant)> = acts
        .iter()
        .flat_map(|a| a.participants.iter().map(move |p| (a, p)))
        .collect();
    let signed: Vec<&(&LoadActivity, &Participant)> = pairs
        .iter()
        .filter(|(a, _)| a.row.backfill_reason.is_none())
        .collect();
    if !is_sqlite() {
        return super::generator_bulk::copy_signups_and_records(tx, &signed, &pairs).await;
    }
    for chunk in signed.chunks(rows_per_statement(7)) {
        let mut qb = QueryBuilder::<Db>::new(format!("INSERT INTO {SIGNUP_COLUMNS} "));
        qb.push_values(chunk, |mut b, (a, p)| signup_row(&mut b, a, p));
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in pairs.chunks(rows_per_statement(24)) {
        let mut qb = QueryBuilder::<Db>::new(format!("INSERT INTO {RECORD_COLUMNS} "));
        qb.push_values(chunk, |mut b, (a, p)| record_row(&mut b, a, p));
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_aggregates(tx: &mut Tx, b: &LoadBatch) -> StoreResult<()> {
    for chunk in b.ov_counts.chunks(rows_per_statement(3)) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO ov_counts (org_id, key, n) ");
        qb.push_values(chunk, |mut q, c| {
            q.push_bind(&c.org_id).push_bind(&c.key).push_bind(c.n);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in b.ov_months.chunks(rows_per_statement(5)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO ov_months (org_id, month, activities, records, service_ms) ",
        );
        qb.push_values(chunk, |mut q, (org, m)| {
            q.push_bind(org)
                .push_bind(&m.month)
                .push_bind(m.activities)
                .push_bind(m.records)
                .push_bind(m.service_ms);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in b.ov_projects.chunks(rows_per_statement(4)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO ov_projects (org_id, project_id, activities, service_ms) ",
        );
        qb.push_values(chunk, |mut q, (org, project, acts, ms)| {
            q.push_bind(org)
                .push_bind(project)
                .push_bind(*acts)
                .push_bind(*ms);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in b.ov_volunteer_years.chunks(rows_per_statement(3)) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO ov_volunteer_years (volunteer_id, year, service_ms) ",
        );
        qb.push_values(chunk, |mut q, (v, year, ms)| {
            q.push_bind(v).push_bind(year).push_bind(*ms);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in b.ov_unit_months.chunks(rows_per_statement(3)) {
        let mut qb =
            QueryBuilder::<Db>::new("INSERT INTO ov_unit_months (team_id, month, activities) ");
        qb.push_values(chunk, |mut q, (team, month, n)| {
            q.push_bind(team).push_bind(month).push_bind(*n);
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}
