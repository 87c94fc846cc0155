//! The generator's bulk-load settings (see `generator_load.rs`): SQLite's load without a
//! write-ahead log, and the two big tables' rows, described once and written as bound
//! inserts (SQLite) or by `COPY` (PostgreSQL).

use super::{Backend, Db};
use crate::generator::{LoadActivity, Participant};
use crate::StoreResult;

type Tx = sqlx::Transaction<'static, Db>;

impl Backend {
    /// SQLite only. Without a write-ahead log every page is written once instead of twice
    /// (into the WAL, then again by each checkpoint), and without per-commit syncs the load
    /// streams: the province's 26 GB went through the disk about 2.2 times in WAL mode.
    /// This gives up crash safety for the load alone, which never had it in a useful sense:
    /// a generation cut off half-way leaves a database without its secondary indexes that
    /// must be deleted and made again either way (`zhiyuan gen` says so when it fails).
    /// Leaving WAL needs the only open connection, so the idle readers are closed first (the
    /// load reads nothing); if another process holds the file open the load stays in WAL.
    pub(super) async fn sqlite_enter_bulk_mode(&self) -> StoreResult<()> {
        let readers = self.reader();
        while readers.num_idle() > 0 {
            let conn = readers.acquire().await?;
            sqlx::Connection::close(conn.detach()).await?;
        }
        let writer = self.writer_pool();
        match sqlx::query_as::<_, (String,)>("PRAGMA journal_mode = MEMORY")
            .fetch_one(writer)
            .await
        {
            Ok((mode,)) if mode.eq_ignore_ascii_case("memory") => {
                sqlx::query("PRAGMA synchronous = OFF")
                    .execute(writer)
                    .await?;
            }
            Ok((mode,)) => tracing::warn!("the load stays in journal mode {mode}"),
            Err(e) => tracing::warn!("the database is open elsewhere; the load stays in WAL: {e}"),
        }
        // A large sort area and worker threads for the index builds at the end.
        sqlx::query("PRAGMA cache_size = -524288")
            .execute(writer)
            .await?;
        sqlx::query("PRAGMA threads = 2").execute(writer).await?;
        Ok(())
    }

    /// Makes the loaded file durable with one sync, then returns the writer to the serving
    /// settings: WAL, a sync on every commit, a 64 MiB cache, no sort threads.
    pub(super) async fn sqlite_leave_bulk_mode(&self) -> StoreResult<()> {
        let writer = self.writer_pool();
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(writer)
            .await?;
        if mode.eq_ignore_ascii_case("wal") {
            // Every commit was already synced to the WAL (synchronous=FULL); this moves it
            // into the database file and empties the WAL.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(writer)
                .await?;
        } else {
            let files: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
                .fetch_all(writer)
                .await?;
            for (_, name, file) in files {
                if name == "main" && !file.is_empty() {
                    sync_file(file).await?;
                }
            }
            sqlx::query("PRAGMA synchronous = FULL")
                .execute(writer)
                .await?;
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(writer)
                .await?;
        }
        sqlx::query("PRAGMA cache_size = -65536")
            .execute(writer)
            .await?;
        sqlx::query("PRAGMA threads = 0").execute(writer).await?;
        Ok(())
    }
}

/// `fsync` of the whole file: it flushes every dirty page of it, whoever wrote them.
async fn sync_file(path: String) -> StoreResult<()> {
    let synced = tokio::task::spawn_blocking(move || std::fs::File::open(&path)?.sync_all())
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    synced.map_err(|e| crate::StoreError::Db(sqlx::Error::Io(e)))
}

/// The sign-ups' columns, in the order [`signup_row`] writes them.
pub(super) const SIGNUP_COLUMNS: &str =
    "signups (activity_id, volunteer_id, status, seq, walk_in, created_at, updated_at)";

/// The records' columns, in the order [`record_row`] writes them.
pub(super) const RECORD_COLUMNS: &str = "service_records (id, activity_id, volunteer_id, team_id, \
     org_path, day, checked_in_at, checked_out_at, minutes_ms, captured, status, eff_in, eff_out, \
     eff_ms, place, content, recipients, evaluation, person_in_charge, recorder, backfill_reason, \
     approved_by, approved_at, created_at)";

/// One row's values in column order, written either as bound parameters of a multi-row
/// insert (SQLite) or as `COPY` text (PostgreSQL): each table's row is described once.
pub(super) trait RowValues<'a> {
    fn text(&mut self, v: &'a str) -> &mut Self;
    fn opt_text(&mut self, v: Option<&'a str>) -> &mut Self;
    fn int(&mut self, v: i64) -> &mut Self;
    fn opt_int(&mut self, v: Option<i64>) -> &mut Self;
    fn flag(&mut self, v: bool) -> &mut Self;
}

impl<'args> RowValues<'args> for sqlx::query_builder::Separated<'_, 'args, Db, &'static str> {
    fn text(&mut self, v: &'args str) -> &mut Self {
        self.push_bind(v)
    }
    fn opt_text(&mut self, v: Option<&'args str>) -> &mut Self {
        self.push_bind(v)
    }
    fn int(&mut self, v: i64) -> &mut Self {
        self.push_bind(v)
    }
    fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        self.push_bind(v)
    }
    fn flag(&mut self, v: bool) -> &mut Self {
        self.push_bind(v)
    }
}

/// The confirmed sign-up a generated record rests on.
pub(super) fn signup_row<'a, R: RowValues<'a>>(r: &mut R, a: &'a LoadActivity, p: &'a Participant) {
    r.text(&a.row.id)
        .text(&p.volunteer_id)
        .text("confirmed")
        .int(0)
        .flag(false)
        .int(p.signed_up_at)
        .int(p.signed_up_at);
}

/// An approved service record as the generator writes it.
pub(super) fn record_row<'a, R: RowValues<'a>>(r: &mut R, a: &'a LoadActivity, p: &'a Participant) {
    let c = &a.record;
    let ms = p.checked_out_at - p.checked_in_at;
    r.text(&p.record_id)
        .text(&a.row.id)
        .text(&p.volunteer_id)
        .text(&a.row.team_id)
        .text(&a.row.org_path)
        .text(&c.day)
        .int(p.checked_in_at)
        .int(p.checked_out_at)
        .int(ms)
        .text(&c.captured)
        .text("approved")
        .int(p.checked_in_at)
        .int(p.checked_out_at)
        .int(ms)
        .text(&c.place)
        .text(&c.content)
        .text(&c.recipients)
        .text(&c.evaluation)
        .text(&c.person_in_charge)
        .text(&c.recorder)
        .opt_text(a.row.backfill_reason.as_deref())
        .opt_text(c.approved_by.as_deref())
        .opt_int(c.approved_at)
        .int(p.checked_out_at);
}

/// PostgreSQL: the two big tables (19 M sign-ups and 20 M records in a province) by `COPY`.
pub(super) async fn copy_signups_and_records(
    tx: &mut Tx,
    signed: &[&(&LoadActivity, &Participant)],
    pairs: &[(&LoadActivity, &Participant)],
) -> StoreResult<()> {
    let mut rows = CopyRows::default();
    for (a, p) in signed {
        signup_row(&mut rows, a, p);
        rows.end_row();
    }
    super::super::copy_in(tx, &format!("COPY {SIGNUP_COLUMNS} FROM STDIN"), rows.0).await?;
    let mut rows = CopyRows::default();
    for (a, p) in pairs {
        record_row(&mut rows, a, p);
        rows.end_row();
    }
    super::super::copy_in(tx, &format!("COPY {RECORD_COLUMNS} FROM STDIN"), rows.0).await
}

/// Rows in `COPY`'s text format: tab between columns, newline after the last, `\N` for
/// NULL, and backslash escapes for the four bytes that would break a field.
#[derive(Default)]
struct CopyRows(Vec<u8>);

impl CopyRows {
    fn raw(&mut self, field: &str) -> &mut Self {
        self.0.extend_from_slice(field.as_bytes());
        self.0.push(b'\t');
        self
    }

    /// Ends the row: its last field's tab becomes the line's end.
    fn end_row(&mut self) {
        if let Some(tab) = self.0.last_mut() {
            *tab = b'\n';
        }
    }
}

impl RowValues<'_> for CopyRows {
    fn text(&mut self, s: &str) -> &mut Self {
        for b in s.bytes() {
            match b {
                b'\\' => self.0.extend_from_slice(b"\\\\"),
                b'\t' => self.0.extend_from_slice(b"\\t"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                _ => self.0.push(b),
            }
        }
        self.0.push(b'\t');
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.raw("\\N"),
        }
    }

    fn int(&mut self, n: i64) -> &mut Self {
        self.raw(&n.to_string())
    }

    fn opt_int(&mut self, n: Option<i64>) -> &mut Self {
        match n {
            Some(n) => self.int(n),
            None => self.raw("\\N"),
        }
    }

    fn flag(&mut self, v: bool) -> &mut Self {
        self.raw(if v { "t" } else { "f" })
    }
}

#[cfg(test)]
mod tests {
    use super::{CopyRows, RowValues};

    #[test]
    fn copy_rows_escape_what_would_split_a_field_and_mark_nulls() {
        let mut rows = CopyRows::default();
        rows.text("a\tb\\c\nd\re")
            .opt_text(None)
            .text("志愿")
            .opt_int(None)
            .int(-5)
            .int(7);
        rows.end_row();
        rows.text("").int(0);
        rows.end_row();
        assert_eq!(
            String::from_utf8(rows.0).unwrap(),
            "a\\tb\\\\c\\nd\\re\t\\N\t志愿\t\\N\t-5\t7\n\t0\n"
        );
    }
}
