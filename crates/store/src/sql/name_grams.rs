//! 姓名检索字表: every single character and every adjacent pair of characters of a
//! volunteer's name, one row per (gram, volunteer) that also carries the volunteer's
//! `created_at` and `org_id`, so a search by name fragment reads only the volunteers whose
//! names can hold it instead of `LIKE '%…%'` over every row. The key is (gram, created_at DESC,
//! volunteer_id): the search's own order, so a page of a 1–2-character fragment is the first
//! rows of its gram, and an org subtree is a filter on the row's `org_id` (no volunteer read).
//!
//! Chinese names have 2–4 characters, so FTS5's trigram tokenizer and `pg_trgm` (3-character
//! grams) cannot answer the 1–2-character fragments people type. With singles and pairs: a
//! 1-character fragment is its own gram, a 2-character one its pair, and a longer one is looked
//! up by its rarest pair and then checked exactly. Matching is case-sensitive on both backends
//! (a gram is the stored characters as they are).
//!
//! Kept in the same transaction as every write that sets or changes a name or org: a
//! registration or admission ([`super::people::insert_volunteer`]), an edit
//! ([`super::people::update_volunteer`]), the ledger import's chunks
//! (`recruitment_io::bulk_insert`). Migration 0010 and the data generator fill the table for
//! existing rows with [`FILL`], the same statement, so the backfill and the write paths produce
//! the same rows (tested in `tests/it/name_search.rs`). Nothing deletes volunteers; a delete
//! or merge would have to remove the rows here too.

use std::collections::BTreeSet;

use sqlx::{Pool, QueryBuilder};

use super::{Conn, Db, Tx};
use crate::{StoreResult, VolunteerRow};

/// True when this copy of the shared SQL is compiled for SQLite.
pub(super) const IS_SQLITE: bool = <Db as sqlx::Database>::NAME.as_bytes()[0] == b'S';

/// Fills the table from `volunteers` (migration 0010 contains exactly this text).
/// SQLite: a recursive CTE walks each name's positions; rows go in sorted by key, so the
/// `WITHOUT ROWID` table is built by appending.
const FILL_SQLITE: &str =
    "INSERT OR IGNORE INTO volunteer_name_grams (gram, created_at, volunteer_id, org_id)
WITH RECURSIVE at(volunteer_id, name, created_at, org_id, i) AS (
    SELECT id, name, created_at, org_id, 1 FROM volunteers
    UNION ALL
    SELECT volunteer_id, name, created_at, org_id, i + 1 FROM at WHERE i < length(name)
)
SELECT substr(name, i, 1), created_at, volunteer_id, org_id FROM at
UNION ALL
SELECT substr(name, i, 2), created_at, volunteer_id, org_id FROM at WHERE i < length(name)
ORDER BY 1, 2 DESC, 3;";

/// PostgreSQL: each name's positions from `generate_series`, widths 1 and 2.
const FILL_POSTGRES: &str =
    "INSERT INTO volunteer_name_grams (gram, created_at, volunteer_id, org_id)
SELECT DISTINCT substr(v.name, i, w.n), v.created_at, v.id, v.org_id
FROM volunteers v
CROSS JOIN generate_series(1, length(v.name)) AS i
CROSS JOIN (VALUES (1), (2)) AS w(n)
WHERE i + w.n - 1 <= length(v.name)
ORDER BY 1, 2 DESC, 3
ON CONFLICT DO NOTHING;";

/// PostgreSQL's key (migration 0010 contains exactly this text): the search's order within a
/// gram, one row per gram and volunteer.
const POSTGRES_KEY: &str = "CREATE UNIQUE INDEX volunteer_name_grams_key
    ON volunteer_name_grams (gram, created_at DESC, volunteer_id) INCLUDE (org_id);";

/// This backend's fill statement.
pub(super) const FILL: &str = if IS_SQLITE {
    FILL_SQLITE
} else {
    FILL_POSTGRES
};

/// Rows a multi-row gram INSERT carries (4 binds each, under SQLite's 32,766-bind limit).
const ROWS_PER_INSERT: usize = 4_000;

/// The distinct grams of a name: each character and each adjacent pair, in key order. Counts
/// characters as Unicode scalar values, as SQLite's and PostgreSQL's `substr`/`length` do.
pub fn grams_of(name: &str) -> BTreeSet<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: BTreeSet<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

/// The grams a fragment is looked up by: itself when it is one or two characters, else each
/// of its distinct adjacent pairs (the caller keeps the rarest and checks the whole fragment).
pub fn lookup_grams(fragment: &str) -> Vec<String> {
    let chars: Vec<char> = fragment.chars().collect();
    if chars.len() <= 2 {
        return vec![fragment.to_owned()];
    }
    let pairs: BTreeSet<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    pairs.into_iter().collect()
}

/// Writes the grams of new volunteers inside the caller's transaction.
pub(super) async fn insert_for(c: &mut Conn, people: &[&VolunteerRow]) -> StoreResult<()> {
    let rows: Vec<(String, &VolunteerRow)> = people
        .iter()
        .flat_map(|v| grams_of(&v.name).into_iter().map(move |g| (g, *v)))
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO volunteer_name_grams (gram, created_at, volunteer_id, org_id) ",
        );
        qb.push_values(chunk, |mut b, (gram, v)| {
            b.push_bind(gram.as_str())
                .push_bind(v.created_at)
                .push_bind(v.id.as_str())
                .push_bind(v.org_id.as_str());
        });
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut *c).await?;
    }
    Ok(())
}

/// A volunteer's stored name, org and registration time, read inside a write before it
/// changes them (the rows to remove are keyed by the old name's grams and `created_at`).
pub(super) struct Before {
    name: String,
    org_id: String,
    created_at: i64,
}

pub(super) async fn before(c: &mut Conn, id: &str) -> StoreResult<Option<Before>> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT name, org_id, created_at FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    Ok(row.map(|(name, org_id, created_at)| Before {
        name,
        org_id,
        created_at,
    }))
}

/// After an edit: when the name or org changed, the old rows go (found by their whole key)
/// and the new ones come, in the edit's transaction.
pub(super) async fn update_for(c: &mut Conn, was: &Before, now: &VolunteerRow) -> StoreResult<()> {
    if was.name == now.name && was.org_id == now.org_id && was.created_at == now.created_at {
        return Ok(());
    }
    let old = grams_of(&was.name);
    if old.is_empty() {
        return insert_for(c, &[now]).await;
    }
    let mut qb = QueryBuilder::<Db>::new("DELETE FROM volunteer_name_grams WHERE volunteer_id = ");
    qb.push_bind(now.id.as_str())
        .push(" AND created_at = ")
        .push_bind(was.created_at)
        .push(" AND gram IN (");
    let mut list = qb.separated(", ");
    for g in old {
        list.push_bind(g);
    }
    qb.push(")");
    qb.build().execute(&mut *c).await?;
    insert_for(c, &[now]).await
}

/// Empties the table and fills it again from every volunteer with [`FILL`], in one
/// transaction; answers the rows written. The data generator calls it once its volunteers are
/// in (an empty table, so the delete costs nothing).
pub(super) async fn refill(tx: &mut Tx) -> StoreResult<u64> {
    if !IS_SQLITE {
        // As in the migration: the key is built once over the sorted rows, not row by row
        // (4 times faster at 1 M volunteers). DDL is transactional on PostgreSQL.
        sqlx::query("DROP INDEX volunteer_name_grams_key")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM volunteer_name_grams")
        .execute(&mut **tx)
        .await?;
    let rows = sqlx::query(FILL).execute(&mut **tx).await?.rows_affected();
    if !IS_SQLITE {
        sqlx::query(POSTGRES_KEY).execute(&mut **tx).await?;
    }
    Ok(rows)
}

/// How many volunteers hold `gram`, counted up to `cap` (reads at most `cap` index entries).
pub(super) async fn count(pool: &Pool<Db>, gram: &str, cap: i64) -> StoreResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT 1 FROM volunteer_name_grams WHERE gram = $1 LIMIT $2) s",
    )
    .bind(gram)
    .bind(cap)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singles_and_pairs_once_each() {
        let g: Vec<String> = grams_of("王小王小").into_iter().collect();
        assert_eq!(g, ["小", "小王", "王", "王小"]);
        assert_eq!(grams_of("李").len(), 1);
        assert!(grams_of("").is_empty());
    }

    #[test]
    fn a_fragment_of_three_or_more_is_looked_up_by_its_pairs() {
        assert_eq!(lookup_grams("王"), ["王"]);
        assert_eq!(lookup_grams("王建"), ["王建"]);
        assert_eq!(lookup_grams("王建国"), ["建国", "王建"]);
        assert_eq!(lookup_grams("哈哈哈"), ["哈哈"]);
    }

    #[test]
    fn the_migration_fills_with_the_same_statement() {
        let migration = if IS_SQLITE {
            include_str!("../../migrations/sqlite/0010_name_grams.sql")
        } else {
            include_str!("../../migrations/postgres/0010_name_grams.sql")
        };
        assert!(
            migration.contains(FILL),
            "0010 must backfill with name_grams::FILL"
        );
    }
}
