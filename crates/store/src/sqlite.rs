//! Embedded SQLite: WAL, a busy timeout, full sync (an acknowledged write survives `kill -9`
//! and power loss), every write through one writer connection, reads from a small pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};

use crate::{StoreError, StoreResult};

pub(crate) type Db = Sqlite;
type Backend = SqliteStore;

// The shared SQL is compiled once per backend on purpose (see sql/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod imp;

/// PostgreSQL's `COPY` has no SQLite counterpart; the generator never asks for it here.
async fn copy_in(
    _tx: &mut Transaction<'static, Sqlite>,
    statement: &str,
    _rows: Vec<u8>,
) -> StoreResult<()> {
    Err(StoreError::Unsupported(format!(
        "SQLite has no COPY: {statement}"
    )))
}

/// SQL suffix that locks the rows read inside a write transaction. SQLite needs none: the
/// writer holds the database's write lock from `BEGIN IMMEDIATE` on.
const FOR_UPDATE: &str = "";

pub struct SqliteStore {
    writer: Pool<Sqlite>,
    reader: Pool<Sqlite>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            // 64 MiB of page cache for the writer (the default is 2 MiB): the random-keyed
            // unique indexes (ID hash, volunteer number) of a large ledger otherwise spill
            // out of the cache on every bulk insert.
            .connect_with(options.clone().pragma("cache_size", "-65536"))
            .await
            .map_err(StoreError::Db)?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            // Readers keep 4 MiB each (the B-trees' upper levels and the hot pages): the OS
            // page cache holds the file anyway. A scan of a big table (the candidate index's
            // start-up load reads every volunteer) fills whatever a reader is given, and
            // that stays resident: at 16 MiB each the four readers held ≈ 70 MiB after the
            // load on the province (`bench_http memory`, BENCHMARKS.md).
            .connect_with(options.pragma("cache_size", "-4096"))
            .await
            .map_err(StoreError::Db)?;
        Ok(SqliteStore { writer, reader })
    }

    fn reader(&self) -> &Pool<Sqlite> {
        &self.reader
    }

    /// The writer's pool itself, for the few statements that must run outside a transaction
    /// (the generator's journal-mode switch).
    fn writer_pool(&self) -> &Pool<Sqlite> {
        &self.writer
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction that reads and then
    /// writes never fails on upgrade when another process (a CLI command) writes too.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn backup_to(&self, out: &str) -> StoreResult<()> {
        // VACUUM INTO writes a consistent snapshot while other connections go on.
        sqlx::query("VACUUM INTO $1")
            .bind(out)
            .execute(&self.reader)
            .await?;
        Ok(())
    }
}
