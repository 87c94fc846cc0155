//! Recruitment SQL for bulk work (both backends): import jobs, the multi-row volunteer insert
//! of ledger imports, the talent pool search and unit rosters.

use std::collections::{HashMap, HashSet};

use sqlx::{FromRow, Pool, QueryBuilder, Row};

use super::{Db, Tx};
use crate::recruitment::{ImportJobRow, RosterLine, TalentQuery};
use crate::{path_upper, NewAudit, StoreResult, VolunteerRecord, VolunteerRow};

/// Rows per multi-row INSERT: 26 columns × 500 = 13,000 bound values, within SQLite's 32,766
/// and PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 500;
/// Values per `IN (…)` list.
const IN_CHUNK: usize = 900;

pub(super) async fn insert_job(tx: &mut Tx, j: &ImportJobRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO import_jobs (id, org_id, org_path, created_by, file_name, status, total_rows, \
         processed_rows, imported, rejected_json, error_json, created_at, finished_at, \
         heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&j.id)
    .bind(&j.org_id)
    .bind(&j.org_path)
    .bind(&j.created_by)
    .bind(&j.file_name)
    .bind(&j.status)
    .bind(j.total_rows)
    .bind(j.processed_rows)
    .bind(j.imported)
    .bind(&j.rejected_json)
    .bind(&j.error_json)
    .bind(j.created_at)
    .bind(j.finished_at)
    .bind(j.heartbeat_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn update_job(tx: &mut Tx, j: &ImportJobRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE import_jobs SET status = $1, total_rows = $2, processed_rows = $3, imported = $4, \
         rejected_json = $5, error_json = $6, finished_at = $7, heartbeat_at = $8 WHERE id = $9",
    )
    .bind(&j.status)
    .bind(j.total_rows)
    .bind(j.processed_rows)
    .bind(j.imported)
    .bind(&j.rejected_json)
    .bind(&j.error_json)
    .bind(j.finished_at)
    .bind(j.heartbeat_at)
    .bind(&j.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn existing_id_hashes(
    pool: &Pool<Db>,
    hashes: &[String],
) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in hashes.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id_hash FROM volunteers WHERE id_hash IN (");
        let mut list = qb.separated(", ");
        for h in chunk {
            list.push_bind(h);
        }
        qb.push(")");
        let rows: Vec<(String,)> = qb.build_query_as().fetch_all(pool).await?;
        out.extend(rows.into_iter().map(|(h,)| h));
    }
    Ok(out)
}

/// Open (pending or returned) applications carrying any of the given ID hashes, as
/// (id_hash, application id).
pub(super) async fn open_applications_by_hash(
    pool: &Pool<Db>,
    hashes: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in hashes.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id_hash, id FROM applications WHERE status IN ('pending', 'returned') \
             AND id_hash IN (",
        );
        let mut list = qb.separated(", ");
        for h in chunk {
            list.push_bind(h);
        }
        qb.push(")");
        out.extend(qb.build_query_as().fetch_all(pool).await?);
    }
    Ok(out)
}

/// Multi-row INSERTs that skip rows whose ID hash or number is already taken
/// (`ON CONFLICT DO NOTHING`), then the skills and audit lines of the rows that went in.
pub(super) async fn bulk_insert(
    tx: &mut Tx,
    rows: &[VolunteerRecord],
    audits: &[NewAudit],
) -> StoreResult<Vec<String>> {
    let mut inserted: Vec<String> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(super::people::VOLUNTEER_INSERT);
        qb.push_values(chunk, |b, rec| super::people::push_volunteer(b, &rec.row));
        qb.push(" ON CONFLICT DO NOTHING RETURNING id");
        let ids: Vec<(String,)> = qb.build_query_as().fetch_all(&mut **tx).await?;
        inserted.extend(ids.into_iter().map(|(id,)| id));
    }
    let went_in: HashSet<&str> = inserted.iter().map(String::as_str).collect();
    let new_rows: Vec<&VolunteerRow> = (rows.iter().map(|r| &r.row))
        .filter(|v| went_in.contains(v.id.as_str()))
        .collect();
    super::oversight_agg::volunteers_inserted(tx, &new_rows).await?;
    super::name_grams::insert_for(tx, &new_rows).await?;
    let skills: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| went_in.contains(r.row.id.as_str()))
        .flat_map(|r| {
            r.skills
                .iter()
                .map(move |s| (r.row.id.as_str(), s.as_str()))
        })
        .collect();
    for chunk in skills.chunks(INSERT_CHUNK * 4) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO volunteer_skills (volunteer_id, skill) ");
        qb.push_values(chunk, |mut b, (id, s)| {
            b.push_bind(*id).push_bind(*s);
        });
        qb.build().execute(&mut **tx).await?;
    }
    let lines: Vec<&NewAudit> = audits
        .iter()
        .filter(|a| a.subject_type != "volunteer" || went_in.contains(a.subject_id.as_str()))
        .collect();
    for chunk in lines.chunks(INSERT_CHUNK * 2) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, subject_type, subject_id, \
             org_path, before_json, after_json) ",
        );
        qb.push_values(chunk, |mut b, a| {
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
    Ok(inserted)
}

fn push_talent_filters(qb: &mut QueryBuilder<'_, Db>, q: &TalentQuery) {
    super::people::push_scope_filters(
        qb,
        q.within_org_path.as_deref(),
        q.within_team_path.as_deref(),
        q.skill.as_deref(),
    );
    if let Some(s) = &q.specialty {
        let pattern = format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        qb.push(" AND EXISTS (SELECT 1 FROM volunteer_skills s WHERE s.volunteer_id = v.id AND s.skill LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(b) = &q.branch {
        qb.push(" AND v.branch = ").push_bind(b.clone());
    }
    if let Some(d) = &q.born_from {
        qb.push(" AND v.birth_date >= ").push_bind(d.clone());
    }
    if let Some(d) = &q.born_to {
        qb.push(" AND v.birth_date <= ").push_bind(d.clone());
    }
    if q.available_only {
        qb.push(" AND v.status = 'active'");
    }
    if q.veteran_only {
        qb.push(" AND v.veteran = TRUE");
    }
}

/// Skill tags of many volunteers, in `IN` lists of bounded length.
async fn attach_skills(
    pool: &Pool<Db>,
    rows: Vec<VolunteerRow>,
) -> StoreResult<Vec<VolunteerRecord>> {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id IN (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY volunteer_id, skill");
        let pairs: Vec<(String, String)> = qb.build_query_as().fetch_all(pool).await?;
        for (id, skill) in pairs {
            by_id.entry(id).or_default().push(skill);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| VolunteerRecord {
            skills: by_id.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub(super) async fn talent_search(
    pool: &Pool<Db>,
    q: &TalentQuery,
) -> StoreResult<(Vec<VolunteerRecord>, i64)> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT v.*, o.path AS org_path, o.name AS org_name FROM volunteers v \
         JOIN orgs o ON o.id = v.org_id",
    );
    push_talent_filters(&mut qb, q);
    qb.push(" ORDER BY o.path, v.name, v.id LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let rows: Vec<VolunteerRow> = qb.build_query_as().fetch_all(pool).await?;
    let mut count =
        QueryBuilder::<Db>::new("SELECT COUNT(*) FROM volunteers v JOIN orgs o ON o.id = v.org_id");
    push_talent_filters(&mut count, q);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    Ok((attach_skills(pool, rows).await?, total))
}

pub(super) async fn roster(pool: &Pool<Db>, team_path: &str) -> StoreResult<Vec<RosterLine>> {
    let rows = sqlx::query(
        "SELECT v.*, o.path AS org_path, o.name AS org_name, t.name AS team_name, m.position \
         FROM team_members m JOIN teams t ON t.id = m.team_id \
         JOIN volunteers v ON v.id = m.volunteer_id JOIN orgs o ON o.id = v.org_id \
         WHERE t.path >= $1 AND t.path < $2 ORDER BY t.path, m.position, v.name, v.id",
    )
    .bind(team_path)
    .bind(path_upper(team_path))
    .fetch_all(pool)
    .await?;
    let mut vols = Vec::with_capacity(rows.len());
    let mut places = Vec::with_capacity(rows.len());
    for r in &rows {
        vols.push(VolunteerRow::from_row(r)?);
        places.push((
            r.try_get::<String, _>("team_name")?,
            r.try_get::<String, _>("position")?,
        ));
    }
    let recs = attach_skills(pool, vols).await?;
    Ok(recs
        .into_iter()
        .zip(places)
        .map(|(volunteer, (team_name, position))| RosterLine {
            volunteer,
            team_name,
            position,
        })
        .collect())
}

pub(super) async fn registration_nos(
    pool: &Pool<Db>,
    ids: &[String],
) -> StoreResult<Vec<(String, Option<String>, bool)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, registration_no, unverified FROM volunteers WHERE id IN (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        qb.push(")");
        let rows: Vec<(String, Option<String>, bool)> = qb.build_query_as().fetch_all(pool).await?;
        out.extend(rows);
    }
    Ok(out)
}
