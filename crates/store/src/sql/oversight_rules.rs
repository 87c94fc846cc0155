//! The facts the compliance rules judge and the rows of the report tables, each over an org
//! subtree (`path >= $1 AND path < $2`). Sub-unit ranges use the same bound computed in SQL:
//! `substr(t.path, 1, length(t.path) - 1) || '0'` is `path_upper(t.path)`.
//!
//! Joins are written `CROSS JOIN … WHERE` where the order matters: SQLite then keeps the
//! written order (the subtree's nodes first, then their units, then those units' rows by
//! index), which is the fast one whatever the table sizes; databases here are never
//! `ANALYZE`d, and without statistics SQLite once chose to scan a month's activities of the
//! whole province for every unit. PostgreSQL plans these joins freely, as inner joins.

use std::collections::HashMap;

use sqlx::{Pool, QueryBuilder};

use super::{in_list, Db};
use crate::oversight::*;
use crate::{path_upper, StoreResult};

/// The end of the range of unit paths under the unit aliased `t` (SQL).
const T_UPPER: &str = "substr(t.path, 1, length(t.path) - 1) || '0'";

const ACTIVE_MEMBERS: &str = "FROM teams s CROSS JOIN team_members m \
     CROSS JOIN volunteers v WHERE m.team_id = s.id AND v.id = m.volunteer_id \
     AND s.path >= t.path AND s.path < substr(t.path, 1, length(t.path) - 1) || '0' \
     AND v.status = 'active'";

pub(super) async fn villages_without_team(
    pool: &Pool<Db>,
    path: &str,
) -> StoreResult<Vec<OrgFact>> {
    // A village is covered by a team hung on itself or on a service station or centre inside it.
    Ok(sqlx::query_as(
        "SELECT v.id, v.name, v.path, v.level, v.unit_type, v.population, v.created_at, \
         v.updated_at FROM orgs v \
         WHERE v.level = 'village' AND v.path >= $1 AND v.path < $2 AND NOT EXISTS ( \
           SELECT 1 FROM orgs s JOIN teams t ON t.org_id = s.id \
           WHERE s.path >= v.path AND s.path < substr(v.path, 1, length(v.path) - 1) || '0' \
           AND (s.id = v.id OR s.unit_type IN ('service_station', 'service_centre'))) \
         ORDER BY v.path",
    )
    .bind(path)
    .bind(path_upper(path))
    .fetch_all(pool)
    .await?)
}

pub(super) async fn unit_facts(pool: &Pool<Db>, path: &str) -> StoreResult<Vec<UnitFact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT t.id, t.name, t.path, t.echelon, (t.parent_team_id IS NULL) AS is_root, \
         t.created_at, o.id AS org_id, o.name AS org_name, o.level AS org_level, \
         o.unit_type AS org_unit_type, p.level AS parent_level, \
         (SELECT COUNT(DISTINCT m.volunteer_id) {ACTIVE_MEMBERS}) AS members, \
         (SELECT COUNT(DISTINCT m.volunteer_id) {ACTIVE_MEMBERS} AND v.veteran) AS veterans, \
         EXISTS (SELECT 1 FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id \
           WHERE m.team_id = t.id AND v.status = 'active' \
           AND m.position IN ('leader', 'commander', 'platoon_leader', 'squad_leader')) AS has_leader, \
         (SELECT COUNT(*) FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id \
           WHERE m.team_id = t.id AND v.status = 'active' AND m.position = 'deputy') AS deputies \
         FROM orgs o CROSS JOIN teams t LEFT JOIN orgs p ON p.id = o.parent_id \
         WHERE t.org_id = o.id AND o.path >= $1 AND o.path < $2 \
         AND (t.parent_team_id IS NULL OR t.echelon IN ('small_squad', 'squad')) \
         ORDER BY o.path, t.path"
    ))
    .bind(path)
    .bind(path_upper(path))
    .fetch_all(pool)
    .await?)
}

/// Root units created before `end_ms` with no done activity (of theirs or a sub-unit's) in
/// `month` (whose bounds are `[start_ms, end_ms)`): the maintained per-unit month counts
/// answer with one primary-key probe per unit, so no plan can end up scanning a month of the
/// province's activities per unit (the trap when a planner's statistics miss the new month).
pub(super) async fn idle_units(
    pool: &Pool<Db>,
    path: &str,
    month: &str,
    start_ms: i64,
    end_ms: i64,
) -> StoreResult<Vec<IdleUnit>> {
    Ok(sqlx::query_as(&format!(
        "SELECT t.id, t.name, o.id AS org_id, o.name AS org_name, t.created_at, \
         (SELECT MAX(a.starts_at) FROM teams s CROSS JOIN activities a WHERE a.team_id = s.id \
           AND s.path >= t.path AND s.path < {T_UPPER} AND a.status = 'done' \
           AND a.starts_at < $3) AS last_activity_at \
         FROM orgs o CROSS JOIN teams t WHERE t.org_id = o.id \
         AND o.path >= $1 AND o.path < $2 AND COALESCE(t.parent_team_id, '') = '' \
         AND t.created_at < $4 \
         AND NOT EXISTS (SELECT 1 FROM teams s CROSS JOIN ov_unit_months u \
           WHERE u.team_id = s.id AND u.month = $5 AND u.activities > 0 \
           AND s.path >= t.path AND s.path < {T_UPPER}) \
         ORDER BY o.path, t.path"
    ))
    .bind(path)
    .bind(path_upper(path))
    .bind(start_ms)
    .bind(end_ms)
    .bind(month)
    .fetch_all(pool)
    .await?)
}

/// Active volunteers of the subtree registered before `$4` with less than `$5` ms in `$3`.
const BELOW: &str = "FROM orgs o CROSS JOIN volunteers v \
     LEFT JOIN ov_volunteer_years y ON y.volunteer_id = v.id AND y.year = $3 \
     WHERE v.org_id = o.id AND o.path >= $1 AND o.path < $2 AND v.status = 'active' \
     AND v.created_at < $4 AND COALESCE(y.service_ms, 0) < $5";

pub(super) async fn count_volunteers_below(
    pool: &Pool<Db>,
    path: &str,
    year: &str,
    below_ms: i64,
    before_ms: i64,
) -> StoreResult<i64> {
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) {BELOW}"))
        .bind(path)
        .bind(path_upper(path))
        .bind(year)
        .bind(before_ms)
        .bind(below_ms)
        .fetch_one(pool)
        .await?;
    Ok(total)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn volunteers_below(
    pool: &Pool<Db>,
    path: &str,
    year: &str,
    below_ms: i64,
    before_ms: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<VolunteerHours>> {
    Ok(sqlx::query_as(&format!(
        "SELECT v.id, v.name, v.volunteer_no, o.id AS org_id, o.name AS org_name, \
         COALESCE(y.service_ms, 0) AS year_ms, COUNT(*) OVER () AS total {BELOW} \
         ORDER BY o.path, v.name, v.id \
         LIMIT $6 OFFSET $7"
    ))
    .bind(path)
    .bind(path_upper(path))
    .bind(year)
    .bind(before_ms)
    .bind(below_ms)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}

/// Nodes of the subtree matching `filter` (SQL on alias `o`), with their active volunteers.
pub(super) async fn org_facts(
    pool: &Pool<Db>,
    path: &str,
    filter: &'static str,
) -> StoreResult<Vec<OrgFact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT o.id, o.name, o.path, o.level, o.unit_type, o.population, o.created_at, \
         o.updated_at, COALESCE(c.n, 0) AS registered FROM orgs o \
         LEFT JOIN ov_counts c ON c.org_id = o.id AND c.key = 'vol.status.active' \
         WHERE o.path >= $1 AND o.path < $2 AND {filter} ORDER BY o.path"
    ))
    .bind(path)
    .bind(path_upper(path))
    .fetch_all(pool)
    .await?)
}

pub(super) async fn team_lines(
    pool: &Pool<Db>,
    path: &str,
    limit: i64,
) -> StoreResult<Vec<TeamLine>> {
    let upper = path_upper(path);
    let mut lines: Vec<TeamLine> = sqlx::query_as(&format!(
        "SELECT t.id, t.name, t.path, t.echelon, t.specialty, t.parent_team_id, \
         o.name AS org_name, o.path AS org_path, t.created_at, \
         (SELECT COUNT(DISTINCT m.volunteer_id) {ACTIVE_MEMBERS}) AS members, \
         (SELECT COUNT(DISTINCT m.volunteer_id) {ACTIVE_MEMBERS} AND v.veteran) AS veterans, \
         (SELECT COUNT(DISTINCT m.volunteer_id) {ACTIVE_MEMBERS} AND v.party_member) \
           AS party_members \
         FROM orgs o CROSS JOIN teams t WHERE t.org_id = o.id AND o.path >= $1 \
         AND o.path < $2 ORDER BY o.path, t.path LIMIT $3"
    ))
    .bind(path)
    .bind(&upper)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let officers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT m.team_id, m.position, v.name FROM orgs o CROSS JOIN teams t \
         CROSS JOIN team_members m CROSS JOIN volunteers v \
         WHERE t.org_id = o.id AND m.team_id = t.id AND v.id = m.volunteer_id \
         AND o.path >= $1 AND o.path < $2 AND m.position <> 'member' AND v.status = 'active' \
         ORDER BY m.team_id, m.position, v.name",
    )
    .bind(path)
    .bind(&upper)
    .fetch_all(pool)
    .await?;
    let mut by_team: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (team, position, name) in officers {
        by_team.entry(team).or_default().push((position, name));
    }
    for l in &mut lines {
        l.officers = by_team.remove(&l.id).unwrap_or_default();
    }
    Ok(lines)
}

pub(super) async fn volunteer_lines(
    pool: &Pool<Db>,
    path: &str,
    limit: i64,
) -> StoreResult<Vec<VolunteerLine>> {
    let upper = path_upper(path);
    let mut lines: Vec<VolunteerLine> = sqlx::query_as(
        "SELECT v.id, v.name, v.volunteer_no, v.id_masked, v.gender, v.birth_date, v.phone, \
         v.veteran, v.party_member, v.status, o.name AS org_name \
         FROM orgs o CROSS JOIN volunteers v \
         WHERE v.org_id = o.id AND o.path >= $1 AND o.path < $2 \
         ORDER BY o.path, v.name, v.id LIMIT $3",
    )
    .bind(path)
    .bind(&upper)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids: Vec<String> = lines.iter().map(|l| l.id.clone()).collect();
    let mut units: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut skills: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(400) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT m.volunteer_id, t.name, m.position FROM team_members m \
             JOIN teams t ON t.id = m.team_id WHERE m.volunteer_id IN (",
        );
        in_list(&mut qb, chunk);
        qb.push(") ORDER BY t.path");
        let rows: Vec<(String, String, String)> = qb.build_query_as().fetch_all(pool).await?;
        for (vid, team, position) in rows {
            units.entry(vid).or_default().push((team, position));
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id IN (",
        );
        in_list(&mut qb, chunk);
        qb.push(") ORDER BY volunteer_id, skill");
        let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(pool).await?;
        for (vid, skill) in rows {
            skills.entry(vid).or_default().push(skill);
        }
    }
    for l in &mut lines {
        l.units = units.remove(&l.id).unwrap_or_default();
        l.skills = skills.remove(&l.id).unwrap_or_default();
    }
    Ok(lines)
}

pub(super) async fn unit_activity_counts(
    pool: &Pool<Db>,
    path: &str,
    from: &str,
    to: &str,
) -> StoreResult<Vec<(String, i64)>> {
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT t.id, (SELECT CAST(SUM(u.activities) AS BIGINT) FROM teams s \
           CROSS JOIN ov_unit_months u WHERE u.team_id = s.id AND s.path >= t.path \
           AND s.path < {T_UPPER} AND u.month >= $3 AND u.month <= $4) AS n \
         FROM orgs o CROSS JOIN teams t WHERE t.org_id = o.id \
         AND o.path >= $1 AND o.path < $2 AND COALESCE(t.parent_team_id, '') = ''"
    ))
    .bind(path)
    .bind(path_upper(path))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, n.unwrap_or(0)))
        .collect())
}
