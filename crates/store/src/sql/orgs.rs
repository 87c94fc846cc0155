//! Organisation tree queries.

use sqlx::Pool;

use super::{Db, Tx};
use crate::{path_upper, OrgRow, StoreError, StoreResult};

pub(super) async fn insert(tx: &mut Tx, org: &OrgRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO orgs (id, name, level, parent_id, path, depth, population, unit_type, \
         created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.level)
    .bind(&org.parent_id)
    .bind(&org.path)
    .bind(org.depth)
    .bind(org.population)
    .bind(&org.unit_type)
    .bind(org.created_at)
    .bind(org.updated_at)
    .bind(org.version)
    .execute(&mut **tx)
    .await?;
    super::oversight_agg::inserted(tx, super::oversight_agg::Kind::Org, &[&org.id]).await
}

pub(super) async fn get(pool: &Pool<Db>, id: &str) -> StoreResult<Option<OrgRow>> {
    Ok(sqlx::query_as("SELECT * FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn children(pool: &Pool<Db>, parent_id: Option<&str>) -> StoreResult<Vec<OrgRow>> {
    let rows = match parent_id {
        Some(p) => {
            sqlx::query_as("SELECT * FROM orgs WHERE parent_id = $1 ORDER BY created_at, id")
                .bind(p)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query_as("SELECT * FROM orgs WHERE parent_id IS NULL ORDER BY created_at, id")
                .fetch_all(pool)
                .await?
        }
    };
    Ok(rows)
}

pub(super) async fn subtree(pool: &Pool<Db>, path: &str, limit: i64) -> StoreResult<Vec<OrgRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM orgs WHERE path >= $1 AND path < $2 ORDER BY depth, created_at, id LIMIT $3",
    )
    .bind(path)
    .bind(path_upper(path))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Name, population and unit type; the version must be the next one.
pub(super) async fn update(tx: &mut Tx, org: &OrgRow) -> StoreResult<()> {
    let ov = super::oversight_agg::Snapshot::take(tx, super::oversight_agg::Kind::Org, &[&org.id])
        .await?;
    let done = sqlx::query(
        "UPDATE orgs SET name = $1, population = $2, unit_type = $3, updated_at = $4, \
         version = $5 WHERE id = $6 AND version = $7",
    )
    .bind(&org.name)
    .bind(org.population)
    .bind(&org.unit_type)
    .bind(org.updated_at)
    .bind(org.version)
    .bind(&org.id)
    .bind(org.version - 1)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    ov.apply(tx).await
}
