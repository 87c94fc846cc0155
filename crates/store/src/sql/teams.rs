//! Teams, sub-units and members.

use sqlx::Pool;

use super::{Db, Tx, FOR_UPDATE};
use crate::{path_upper, MemberRow, MembershipRow, StoreError, StoreResult, TeamRow};

const SELECT_TEAM: &str =
    "SELECT t.*, o.path AS org_path, o.name AS org_name FROM teams t JOIN orgs o ON o.id = t.org_id";

pub(super) async fn insert(tx: &mut Tx, t: &TeamRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO teams (id, name, org_id, parent_team_id, path, echelon, specialty, \
         created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&t.id)
    .bind(&t.name)
    .bind(&t.org_id)
    .bind(&t.parent_team_id)
    .bind(&t.path)
    .bind(&t.echelon)
    .bind(&t.specialty)
    .bind(t.created_at)
    .bind(t.updated_at)
    .bind(t.version)
    .execute(&mut **tx)
    .await?;
    super::oversight_agg::inserted(tx, super::oversight_agg::Kind::Team, &[&t.id]).await
}

pub(super) async fn get(pool: &Pool<Db>, id: &str) -> StoreResult<Option<TeamRow>> {
    Ok(sqlx::query_as(&format!("{SELECT_TEAM} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn subtree(pool: &Pool<Db>, path: &str) -> StoreResult<Vec<TeamRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT_TEAM} WHERE t.path >= $1 AND t.path < $2 ORDER BY t.path"
    ))
    .bind(path)
    .bind(path_upper(path))
    .fetch_all(pool)
    .await?)
}

pub(super) async fn in_org_subtree(
    pool: &Pool<Db>,
    org_path: &str,
    limit: i64,
) -> StoreResult<Vec<TeamRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT_TEAM} WHERE o.path >= $1 AND o.path < $2 ORDER BY o.depth, o.path, t.path LIMIT $3"
    ))
    .bind(org_path)
    .bind(path_upper(org_path))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Writes name, specialty, org and parent. A changed parent moves the subtree's paths; the
/// cycle check runs here, on rows locked by this transaction, so two concurrent moves can't
/// build a loop between them.
pub(super) async fn update(tx: &mut Tx, t: &TeamRow) -> StoreResult<()> {
    let ov = super::oversight_agg::Snapshot::take(tx, super::oversight_agg::Kind::Team, &[&t.id])
        .await?;
    let current: Option<(String, Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT path, parent_team_id, version FROM teams WHERE id = $1{FOR_UPDATE}"
    ))
    .bind(&t.id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((old_path, old_parent, version)) = current else {
        return Err(StoreError::NotFound);
    };
    if version != t.version - 1 {
        return Err(StoreError::Stale);
    }
    let mut new_path = old_path.clone();
    if old_parent != t.parent_team_id {
        let parent_path = match &t.parent_team_id {
            Some(pid) => {
                let row: Option<(String,)> =
                    sqlx::query_as(&format!("SELECT path FROM teams WHERE id = $1{FOR_UPDATE}"))
                        .bind(pid)
                        .fetch_optional(&mut **tx)
                        .await?;
                let Some((p,)) = row else {
                    return Err(StoreError::NotFound);
                };
                if p.starts_with(&old_path) {
                    return Err(StoreError::Cycle);
                }
                Some(p)
            }
            None => None,
        };
        new_path = zhiyuan_domain::child_path(parent_path.as_deref(), &t.id);
        sqlx::query(
            "UPDATE teams SET path = $1 || substr(path, CAST($2 AS INTEGER)) \
             WHERE path >= $3 AND path < $4",
        )
        .bind(&new_path)
        .bind(old_path.len() as i64 + 1)
        .bind(&old_path)
        .bind(path_upper(&old_path))
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE teams SET name = $1, specialty = $2, org_id = $3, parent_team_id = $4, \
         path = $5, updated_at = $6, version = $7 WHERE id = $8",
    )
    .bind(&t.name)
    .bind(&t.specialty)
    .bind(&t.org_id)
    .bind(&t.parent_team_id)
    .bind(&new_path)
    .bind(t.updated_at)
    .bind(t.version)
    .bind(&t.id)
    .execute(&mut **tx)
    .await?;
    ov.apply(tx).await
}

pub(super) async fn upsert_member(
    tx: &mut Tx,
    team_id: &str,
    volunteer_id: &str,
    position: &str,
    at: i64,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE team_members SET position = $1 WHERE team_id = $2 AND volunteer_id = $3",
    )
    .bind(position)
    .bind(team_id)
    .bind(volunteer_id)
    .execute(&mut **tx)
    .await?;
    if changed.rows_affected() > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO team_members (team_id, volunteer_id, position, appointed_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(team_id)
    .bind(volunteer_id)
    .bind(position)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

pub(super) async fn members_in_subtree(
    pool: &Pool<Db>,
    team_path: &str,
) -> StoreResult<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.team_id, m.volunteer_id, m.position, m.appointed_at, v.name AS volunteer_name, \
         v.volunteer_no, v.phone, v.veteran, v.party_member \
         FROM team_members m JOIN teams t ON t.id = m.team_id \
         JOIN volunteers v ON v.id = m.volunteer_id \
         WHERE t.path >= $1 AND t.path < $2 ORDER BY t.path, m.appointed_at, v.name",
    )
    .bind(team_path)
    .bind(path_upper(team_path))
    .fetch_all(pool)
    .await?)
}

pub(super) async fn memberships_of(
    pool: &Pool<Db>,
    volunteer_id: &str,
) -> StoreResult<Vec<MembershipRow>> {
    Ok(sqlx::query_as(
        "SELECT m.team_id, t.name AS team_name, t.echelon, t.path AS team_path, m.position, \
         p.name AS parent_team_name \
         FROM team_members m JOIN teams t ON t.id = m.team_id \
         LEFT JOIN teams p ON p.id = t.parent_team_id \
         WHERE m.volunteer_id = $1 ORDER BY t.path",
    )
    .bind(volunteer_id)
    .fetch_all(pool)
    .await?)
}
