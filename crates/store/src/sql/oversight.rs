//! Oversight SQL (both backends): the `OversightStore` implementation. Reads of the maintained
//! aggregates and their brute-force recount live here; the compliance and report queries in
//! `oversight_rules.rs`; keeping the aggregates exact
//! in `oversight_agg.rs`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::QueryBuilder;
use zhiyuan_domain::oversight::Month;

#[path = "oversight_rules.rs"]
mod rules;

use super::{audit, Backend, Db, FOR_UPDATE};
use crate::oversight::*;
use crate::{path_upper, NewAudit, StoreResult};

/// The statements of this backend's migrations 0005 and 0009 after their `-- populate:` lines:
/// they build every aggregate from the rows. One text serves the migrations and
/// [`OversightStore::ov_rebuild`].
fn populate_sql() -> [&'static str; 2] {
    let migrations = if FOR_UPDATE.is_empty() {
        [
            include_str!("../../migrations/sqlite/0005_oversight.sql"),
            include_str!("../../migrations/sqlite/0009_unit_months.sql"),
        ]
    } else {
        [
            include_str!("../../migrations/postgres/0005_oversight.sql"),
            include_str!("../../migrations/postgres/0009_unit_months.sql"),
        ]
    };
    migrations.map(|m| m.find("-- populate:").map(|i| &m[i..]).unwrap_or(""))
}

pub(super) fn in_list(qb: &mut QueryBuilder<'_, Db>, ids: &[String]) {
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
}

/// Counters, months and projects from rows, the slow way, with nothing shared with the
/// maintenance code but the key names.
async fn recount(pool: &sqlx::Pool<Db>, path: &str) -> StoreResult<Totals> {
    let upper = path_upper(path);
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |k: String, n: i64| *counts.entry(k).or_default() += n;
    let orgs: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT level, unit_type FROM orgs WHERE path >= $1 AND path < $2")
            .bind(path)
            .bind(&upper)
            .fetch_all(pool)
            .await?;
    for (level, unit_type) in orgs {
        add("orgs".into(), 1);
        add(format!("level.{level}"), 1);
        if let Some(t) = unit_type {
            add(format!("unit_type.{t}"), 1);
        }
    }
    let teams: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT t.echelon, t.parent_team_id FROM teams t JOIN orgs o ON o.id = t.org_id \
         WHERE o.path >= $1 AND o.path < $2",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    for (echelon, parent) in teams {
        add("teams".into(), 1);
        add(format!("echelon.{echelon}"), 1);
        if parent.is_none() {
            add("teams.root".into(), 1);
        }
    }
    let vols: Vec<(String, bool, bool, String, String)> = sqlx::query_as(
        "SELECT v.status, v.veteran, v.party_member, v.gender, v.birth_date FROM volunteers v \
         JOIN orgs o ON o.id = v.org_id WHERE o.path >= $1 AND o.path < $2",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    for (status, veteran, party, gender, birth) in vols {
        add(format!("vol.status.{status}"), 1);
        if status == "active" {
            add("vol.veteran".into(), veteran as i64);
            add("vol.party".into(), party as i64);
            add(format!("vol.gender.{gender}"), 1);
            add(format!("vol.born.{}", birth.get(0..4).unwrap_or("")), 1);
        }
    }
    let mut months: BTreeMap<String, MonthRow> = BTreeMap::new();
    let mut projects: BTreeMap<String, ProjectRow> = BTreeMap::new();
    let acts: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT status, kind, project_id, starts_at FROM activities \
         WHERE org_path >= $1 AND org_path < $2",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    // Per unit: the units whose org is in the subtree now, whatever org the activity had.
    let unit_acts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.team_id, a.starts_at FROM activities a JOIN teams t ON t.id = a.team_id \
         JOIN orgs o ON o.id = t.org_id \
         WHERE o.path >= $1 AND o.path < $2 AND a.status = 'done'",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    let mut unit_months: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (team, starts_at) in unit_acts {
        *unit_months
            .entry((team, Month::of_ms(starts_at).code()))
            .or_default() += 1;
    }
    for (status, kind, project, starts_at) in acts {
        add(format!("act.status.{status}"), 1);
        if status == "done" {
            add(format!("act.kind.{kind}"), 1);
            let m = Month::of_ms(starts_at).code();
            months.entry(m.clone()).or_default().activities += 1;
            projects
                .entry(project.unwrap_or_default())
                .or_default()
                .activities += 1;
        }
    }
    let recs: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT r.eff_ms, r.day, a.project_id FROM service_records r \
         JOIN activities a ON a.id = r.activity_id \
         WHERE r.org_path >= $1 AND r.org_path < $2 AND r.status = 'approved'",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    for (ms, day, project) in recs {
        add("records".into(), 1);
        add("service_ms".into(), ms);
        let m = months.entry(day.chars().take(7).collect()).or_default();
        m.records += 1;
        m.service_ms += ms;
        projects
            .entry(project.unwrap_or_default())
            .or_default()
            .service_ms += ms;
    }
    Ok(Totals {
        counts: counts.into_iter().filter(|(_, n)| *n != 0).collect(),
        months: (months.into_iter())
            .map(|(month, m)| MonthRow { month, ..m })
            .filter(|m| m.activities != 0 || m.records != 0 || m.service_ms != 0)
            .collect(),
        projects: (projects.into_iter())
            .map(|(project_id, p)| ProjectRow { project_id, ..p })
            .filter(|p| p.activities != 0 || p.service_ms != 0)
            .collect(),
        unit_months: unit_months
            .into_iter()
            .map(|((t, m), n)| (t, m, n))
            .collect(),
    })
}

#[async_trait]
impl OversightStore for Backend {
    async fn ov_counts(
        &self,
        org_ids: &[String],
        keys: Option<&[&str]>,
    ) -> StoreResult<Vec<CountRow>> {
        let mut out = Vec::new();
        for chunk in org_ids.chunks(400) {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT org_id, key, n FROM ov_counts WHERE n <> 0 AND org_id IN (",
            );
            in_list(&mut qb, chunk);
            qb.push(")");
            if let Some(keys) = keys {
                qb.push(" AND key IN (");
                let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
                in_list(&mut qb, &keys);
                qb.push(")");
            }
            qb.push(" ORDER BY org_id, key");
            out.extend(
                qb.build_query_as::<CountRow>()
                    .fetch_all(self.reader())
                    .await?,
            );
        }
        Ok(out)
    }

    async fn ov_months(&self, org_id: &str, from: &str, to: &str) -> StoreResult<Vec<MonthRow>> {
        Ok(sqlx::query_as(
            "SELECT month, activities, records, service_ms FROM ov_months \
             WHERE org_id = $1 AND month >= $2 AND month <= $3 ORDER BY month",
        )
        .bind(org_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?)
    }

    async fn ov_top_projects(&self, org_id: &str, limit: i64) -> StoreResult<Vec<ProjectRow>> {
        // The (org_id, service_ms) index gives the order; ties are settled by the caller.
        Ok(sqlx::query_as(
            "SELECT p.project_id, s.name, p.activities, p.service_ms FROM ov_projects p \
             LEFT JOIN service_projects s ON s.id = p.project_id \
             WHERE p.org_id = $1 AND (p.activities <> 0 OR p.service_ms <> 0) \
             ORDER BY p.service_ms DESC LIMIT $2",
        )
        .bind(org_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn ov_recount(&self, org_path: &str) -> StoreResult<Totals> {
        recount(self.reader(), org_path).await
    }

    async fn ov_totals(&self, org_id: &str) -> StoreResult<Totals> {
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT key, n FROM ov_counts WHERE org_id = $1 AND n <> 0 ORDER BY key",
        )
        .bind(org_id)
        .fetch_all(self.reader())
        .await?;
        let months = sqlx::query_as(
            "SELECT month, activities, records, service_ms FROM ov_months WHERE org_id = $1 \
             AND (activities <> 0 OR records <> 0 OR service_ms <> 0) ORDER BY month",
        )
        .bind(org_id)
        .fetch_all(self.reader())
        .await?;
        let projects = sqlx::query_as(
            "SELECT project_id, CAST(NULL AS TEXT) AS name, activities, service_ms FROM ov_projects \
             WHERE org_id = $1 AND (activities <> 0 OR service_ms <> 0) ORDER BY project_id",
        )
        .bind(org_id)
        .fetch_all(self.reader())
        .await?;
        let org_path: Option<(String,)> = sqlx::query_as("SELECT path FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(self.reader())
            .await?;
        let path = org_path.map(|(p,)| p).unwrap_or_default();
        let unit_months = sqlx::query_as(
            "SELECT u.team_id, u.month, u.activities FROM ov_unit_months u \
             JOIN teams t ON t.id = u.team_id JOIN orgs o ON o.id = t.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND u.activities <> 0 \
             ORDER BY u.team_id, u.month",
        )
        .bind(&path)
        .bind(path_upper(&path))
        .fetch_all(self.reader())
        .await?;
        Ok(Totals {
            counts,
            months,
            projects,
            unit_months,
        })
    }

    async fn ov_rebuild(&self) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for table in [
            "ov_counts",
            "ov_months",
            "ov_projects",
            "ov_volunteer_years",
            "ov_unit_months",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        // Comment lines go first (they may hold a ';'), then one statement at a time.
        let code: Vec<&str> = (populate_sql().iter().flat_map(|m| m.lines()))
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect();
        for statement in code.join("\n").split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn ov_villages_without_team(&self, path: &str) -> StoreResult<Vec<OrgFact>> {
        rules::villages_without_team(self.reader(), path).await
    }

    async fn ov_unit_facts(&self, path: &str) -> StoreResult<Vec<UnitFact>> {
        rules::unit_facts(self.reader(), path).await
    }

    async fn ov_idle_units(
        &self,
        path: &str,
        month: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> StoreResult<Vec<IdleUnit>> {
        rules::idle_units(self.reader(), path, month, start_ms, end_ms).await
    }

    async fn ov_count_volunteers_below(
        &self,
        path: &str,
        year: &str,
        below_ms: i64,
        before_ms: i64,
    ) -> StoreResult<i64> {
        rules::count_volunteers_below(self.reader(), path, year, below_ms, before_ms).await
    }

    async fn ov_volunteers_below(
        &self,
        path: &str,
        year: &str,
        below_ms: i64,
        before_ms: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<VolunteerHours>, Option<i64>)> {
        let rows = rules::volunteers_below(
            self.reader(),
            path,
            year,
            below_ms,
            before_ms,
            limit,
            offset,
        )
        .await?;
        let total = rows.first().map(|r| r.total);
        Ok((rows, total))
    }

    async fn ov_populated_orgs(&self, path: &str) -> StoreResult<Vec<OrgFact>> {
        rules::org_facts(
            self.reader(),
            path,
            "o.population IS NOT NULL AND o.population > 0",
        )
        .await
    }

    async fn ov_stations(&self, path: &str) -> StoreResult<Vec<OrgFact>> {
        rules::org_facts(self.reader(), path, "o.unit_type = 'service_station'").await
    }

    async fn ov_station_items(&self, org_ids: &[String]) -> StoreResult<Vec<StationItemRow>> {
        let mut out = Vec::new();
        for chunk in org_ids.chunks(400) {
            let mut qb =
                QueryBuilder::<Db>::new("SELECT * FROM ov_station_items WHERE org_id IN (");
            in_list(&mut qb, chunk);
            qb.push(") ORDER BY org_id, item");
            out.extend(
                qb.build_query_as::<StationItemRow>()
                    .fetch_all(self.reader())
                    .await?,
            );
        }
        Ok(out)
    }

    async fn ov_record_station_items(
        &self,
        items: &[StationItemRow],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for i in items {
            sqlx::query(
                "INSERT INTO ov_station_items (org_id, item, present, evidence, recorded_by, \
                 recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, item) DO UPDATE \
                 SET present = excluded.present, evidence = excluded.evidence, \
                 recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
            )
            .bind(&i.org_id)
            .bind(&i.item)
            .bind(i.present)
            .bind(&i.evidence)
            .bind(&i.recorded_by)
            .bind(i.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn ov_last_team_changes(&self, team_ids: &[String]) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for chunk in team_ids.chunks(400) {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT subject_id, MAX(at) FROM audit_log WHERE subject_type = 'team' \
                 AND subject_id IN (",
            );
            in_list(&mut qb, chunk);
            qb.push(") GROUP BY subject_id");
            let rows: Vec<(String, Option<i64>)> =
                qb.build_query_as().fetch_all(self.reader()).await?;
            out.extend(rows.into_iter().filter_map(|(id, at)| Some((id, at?))));
        }
        Ok(out)
    }

    async fn ov_templates(&self, root_org_id: &str) -> StoreResult<Vec<(String, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT kind, min_members FROM ov_templates WHERE root_org_id = $1 ORDER BY kind",
        )
        .bind(root_org_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn ov_set_templates(
        &self,
        root_org_id: &str,
        templates: &[(String, Option<i64>)],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM ov_templates WHERE root_org_id = $1")
            .bind(root_org_id)
            .execute(&mut *tx)
            .await?;
        for (kind, min) in templates {
            sqlx::query(
                "INSERT INTO ov_templates (root_org_id, kind, min_members) VALUES ($1, $2, $3)",
            )
            .bind(root_org_id)
            .bind(kind)
            .bind(*min)
            .execute(&mut *tx)
            .await?;
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn ov_team_lines(&self, path: &str, limit: i64) -> StoreResult<Vec<TeamLine>> {
        rules::team_lines(self.reader(), path, limit).await
    }

    async fn ov_volunteer_lines(&self, path: &str, limit: i64) -> StoreResult<Vec<VolunteerLine>> {
        rules::volunteer_lines(self.reader(), path, limit).await
    }

    async fn ov_unit_activity_counts(
        &self,
        path: &str,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<(String, i64)>> {
        rules::unit_activity_counts(self.reader(), path, from, to).await
    }
}
