//! PostgreSQL: one pool shared by any number of server processes.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres, Transaction};

use crate::{StoreError, StoreResult};

pub(crate) type Db = Postgres;
type Backend = PgStore;

// The shared SQL is compiled once per backend on purpose (see sql/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod imp;

/// `COPY … FROM STDIN` of rows in PostgreSQL's text format, inside the transaction (the
/// generator's bulk load: several times cheaper per row than bound multi-row inserts).
async fn copy_in(
    tx: &mut Transaction<'static, Postgres>,
    statement: &str,
    rows: Vec<u8>,
) -> StoreResult<()> {
    let mut copy = (**tx).copy_in_raw(statement).await?;
    copy.send(rows).await?;
    copy.finish().await?;
    Ok(())
}

/// Rows read inside a write transaction are locked against concurrent writers.
const FOR_UPDATE: &str = " FOR UPDATE";

pub struct PgStore {
    pool: Pool<Postgres>,
    url: String,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(StoreError::Db)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            pool,
            url: url.to_owned(),
        })
    }

    fn reader(&self) -> &Pool<Postgres> {
        &self.pool
    }

    /// One pool serves reads and writes (see the SQLite twin).
    fn writer_pool(&self) -> &Pool<Postgres> {
        &self.pool
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn backup_to(&self, out: &str) -> StoreResult<()> {
        // pg_dump takes a consistent snapshot (one repeatable-read transaction).
        let status = tokio::process::Command::new("pg_dump")
            .arg("--dbname")
            .arg(&self.url)
            .arg("--format=custom")
            .arg("--file")
            .arg(out)
            .status()
            .await
            .map_err(|e| StoreError::Unsupported(format!("pg_dump could not start: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(StoreError::Unsupported(format!("pg_dump failed: {status}")))
        }
    }
}
