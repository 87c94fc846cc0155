//! The reads behind the candidate index: volunteers with their homes and skills (a full load
//! in id order, and the rows changed since a time), and the availability and tie-break facts
//! looked up per query.

use std::collections::HashMap;

use sqlx::{Pool, QueryBuilder};

use super::super::Db;
use crate::emergency::{CardRow, IndexRow};
use crate::StoreResult;
use zhiyuan_domain::emergency::EMERGENCY_SPECIALTY_PREFIX;

const INDEX_SELECT: &str = "SELECT v.id, o.path AS org_path, v.home_lat, v.home_lon, \
     v.consent_location, v.status, v.version, v.updated_at \
     FROM volunteers v JOIN orgs o ON o.id = v.org_id";

/// Longest `IN (…)` list sent at once.
const CHUNK: usize = 500;

/// Activities last at most 7 days (`activity::check_times`): one under way now started
/// within that.
const LONGEST_ACTIVITY_MS: i64 = 7 * 24 * 3_600_000;

pub(super) async fn rows_after(
    pool: &Pool<Db>,
    after: &str,
    limit: i64,
) -> StoreResult<Vec<IndexRow>> {
    let mut rows: Vec<IndexRow> = sqlx::query_as(&format!(
        "{INDEX_SELECT} WHERE v.id > $1 AND v.home_lat IS NOT NULL AND v.home_lon IS NOT NULL \
         AND v.consent_location AND v.status = 'active' ORDER BY v.id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(rows);
    };
    // One range scan of the skills' primary key covers the whole page.
    let tags: Vec<(String, String)> = sqlx::query_as(
        "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id >= $1 \
         AND volunteer_id <= $2",
    )
    .bind(&first.id)
    .bind(&last.id)
    .fetch_all(pool)
    .await?;
    attach_skills(&mut rows, tags);
    Ok(rows)
}

pub(super) async fn rows_changed(
    pool: &Pool<Db>,
    since: i64,
    after_id: &str,
    limit: i64,
) -> StoreResult<Vec<IndexRow>> {
    let mut rows: Vec<IndexRow> = sqlx::query_as(&format!(
        "{INDEX_SELECT} WHERE v.updated_at > $1 OR (v.updated_at = $1 AND v.id > $2) \
         ORDER BY v.updated_at, v.id LIMIT $3"
    ))
    .bind(since)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let tags = skills_of(pool, &ids).await?;
    attach_skills(&mut rows, tags);
    Ok(rows)
}

pub(super) async fn cards(pool: &Pool<Db>, ids: &[String]) -> StoreResult<Vec<CardRow>> {
    let mut out: Vec<CardRow> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q =
            QueryBuilder::<Db>::new("SELECT id, name, volunteer_no FROM volunteers WHERE id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        q.push(")");
        out.extend(q.build_query_as::<CardRow>().fetch_all(pool).await?);
    }
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for (id, skill) in skills_of(pool, ids).await? {
        by_id.entry(id).or_default().push(skill);
    }
    for c in &mut out {
        c.skills = by_id.remove(&c.id).unwrap_or_default();
    }
    Ok(out)
}

async fn skills_of(pool: &Pool<Db>, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    let mut tags = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        q.push(")");
        tags.extend(
            q.build_query_as::<(String, String)>()
                .fetch_all(pool)
                .await?,
        );
    }
    Ok(tags)
}

fn attach_skills(rows: &mut [IndexRow], tags: Vec<(String, String)>) {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for (id, skill) in tags {
        by_id.entry(id).or_default().push(skill);
    }
    for r in rows {
        if let Some(s) = by_id.remove(&r.id) {
            r.skills = s;
        }
    }
}

pub(super) async fn committed(pool: &Pool<Db>) -> StoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT c.volunteer_id, c.incident_id FROM incident_callups c \
         JOIN incidents i ON i.id = c.incident_id \
         WHERE c.status = 'accepted' AND i.status = 'open'",
    )
    .fetch_all(pool)
    .await?)
}

pub(super) async fn busy_in_activities(pool: &Pool<Db>, now: i64) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT s.volunteer_id FROM activities a \
         JOIN signups s ON s.activity_id = a.id \
         WHERE a.status = 'published' AND a.starts_at <= $1 AND a.starts_at > $2 \
         AND a.ends_at > $1 AND s.status = 'confirmed'",
    )
    .bind(now)
    .bind(now - LONGEST_ACTIVITY_MS)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub(super) async fn detachment_members(
    pool: &Pool<Db>,
    ids: &[String],
) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT DISTINCT m.volunteer_id FROM team_members m JOIN teams t ON t.id = m.team_id \
             WHERE EXISTS (SELECT 1 FROM teams d WHERE TRIM(d.specialty) LIKE ",
        );
        q.push_bind(format!("{EMERGENCY_SPECIALTY_PREFIX}%"))
            .push(" AND substr(t.path, 1, length(d.path)) = d.path) AND m.volunteer_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        q.push(")");
        let rows: Vec<(String,)> = q.build_query_as().fetch_all(pool).await?;
        out.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(out)
}

pub(super) async fn callup_counts(
    pool: &Pool<Db>,
    ids: &[String],
    since: i64,
) -> StoreResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT volunteer_id, COUNT(*) FROM incident_callups WHERE called_at >= ",
        );
        q.push_bind(since).push(" AND volunteer_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        q.push(") GROUP BY volunteer_id");
        out.extend(q.build_query_as::<(String, i64)>().fetch_all(pool).await?);
    }
    Ok(out)
}
