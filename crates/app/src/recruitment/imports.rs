//! Ledger import (台账导入) exactly as API.md has it: `.xlsx` or UTF-8 `.csv`, the six headers,
//! good rows in, bad rows reported with their spreadsheet row and field, nobody added twice.
//!
//! A whole-file fault (wrong header, not UTF-8, corrupt, too big) answers an error and writes
//! nothing. Rows are checked and encrypted first, then inserted in chunks of multi-row INSERTs,
//! each chunk one transaction with its audit lines and the job's progress; a row whose person
//! is registered meanwhile is skipped by the unique ID hash and reported.

use std::collections::{HashMap, HashSet};

use tokio::sync::mpsc;
use zhiyuan_domain::recruitment::{check_import_headers, parse_import_row, IMPORT_HEADERS};
use zhiyuan_sheets::SheetError;
use zhiyuan_store::recruitment::ImportJobRow;
use zhiyuan_store::{NewAudit, OrgRow, VolunteerRecord, VolunteerRow};

use super::views::{ImportJobView, ImportReport, RejectedRow};
use crate::error::{AppError, AppResult};
use crate::volunteers::new_volunteer_no;
use crate::{clock, new_id, Actor, App};

/// Largest upload accepted (the web layer's body limit is a little above).
pub const MAX_IMPORT_BYTES: usize = 48 * 1024 * 1024;

fn sheet_error(e: SheetError) -> AppError {
    AppError::invalid("file", e.code(), e.to_string())
}

fn reject(
    row: u32,
    field: &str,
    column: &str,
    code: &str,
    reason: impl Into<String>,
) -> RejectedRow {
    RejectedRow {
        row,
        field: field.to_owned(),
        reason: reason.into(),
        column: column.to_owned(),
        code: code.to_owned(),
    }
}

/// Rows per insert transaction (and progress step). Big on purpose: every commit rewrites the
/// touched pages of the random-keyed unique indexes (ID hash, volunteer number) into the WAL, so
/// 2,000-row commits wrote ~5× the bytes of 10,000-row ones (100,000 rows: 7.4 s → 5.1 s of
/// inserts). A commit of 10,000 rows holds the writer for a few hundred milliseconds.
const CHUNK: usize = 10_000;
/// Prepared chunks allowed to wait for the writer: checking runs ahead, memory stays bounded.
const CHUNKS_AHEAD: usize = 2;
/// How often a row whose random volunteer number collided is given a new one and retried.
const NUMBER_RETRIES: usize = 4;

/// A readable file with the right headers: its non-blank data rows, not yet checked.
struct OpenedFile {
    rows: Vec<zhiyuan_sheets::Row>,
}

/// Rows still to go in, side by side: spreadsheet row numbers, records and their audit lines
/// (the store takes records and audits as slices, so no attempt copies them).
#[derive(Default)]
struct Pending {
    numbers: Vec<u32>,
    records: Vec<VolunteerRecord>,
    audits: Vec<NewAudit>,
}

impl Pending {
    fn push(&mut self, number: u32, record: VolunteerRecord, audit: NewAudit) {
        self.numbers.push(number);
        self.records.push(record);
        self.audits.push(audit);
    }

    /// Keeps the rows for which `keep` holds.
    fn retain(&mut self, mut keep: impl FnMut(u32, &VolunteerRecord) -> bool) {
        let all = std::mem::take(self);
        for ((n, r), a) in all.numbers.into_iter().zip(all.records).zip(all.audits) {
            if keep(n, &r) {
                self.push(n, r, a);
            }
        }
    }

    fn id_hashes(&self) -> Vec<String> {
        self.records.iter().map(|r| r.row.id_hash.clone()).collect()
    }
}

/// One checked chunk: the rows ready to insert and the rejects.
struct Checked {
    pending: Pending,
    rejected: Vec<RejectedRow>,
    rows: usize,
}

impl App {
    /// The empty template with the six headers.
    pub fn import_template(&self) -> AppResult<Vec<u8>> {
        zhiyuan_sheets::write_xlsx("志愿者", &IMPORT_HEADERS, &[]).map_err(sheet_error)
    }

    async fn import_target(&self, actor: &Actor, org_id: &str) -> AppResult<OrgRow> {
        actor.require_admin()?;
        if org_id.trim().is_empty() {
            return Err(
                AppError::bad_request("org_id_required", "请指定导入到哪个组织")
                    .with_field("org_id"),
            );
        }
        self.writable_org(actor, org_id.trim(), "org_id").await
    }

    /// Reads the whole file and checks its headers (off the async threads): every whole-file
    /// fault answers here, before anything is written.
    async fn open_file(file_name: &str, bytes: Vec<u8>) -> AppResult<OpenedFile> {
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(AppError::invalid(
                "file",
                "file_too_large",
                "文件过大（最多 48 MB）",
            ));
        }
        let name = file_name.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&name, &bytes))
            .await
            .map_err(|_| AppError::internal())?
    }

    fn open_blocking(file_name: &str, bytes: &[u8]) -> AppResult<OpenedFile> {
        let rows = zhiyuan_sheets::read(file_name, bytes).map_err(sheet_error)?;
        let mut rows = rows.into_iter();
        let header = rows.next().ok_or_else(|| sheet_error(SheetError::Empty))?;
        if header.formula_at().is_some() {
            return Err(AppError::invalid(
                "file",
                "import_header_invalid",
                "表头不能是公式",
            ));
        }
        check_import_headers(&header.texts()).map_err(AppError::from)?;
        Ok(OpenedFile {
            rows: rows.filter(|r| !r.is_blank()).collect(),
        })
    }

    /// Checks, hashes and encrypts the rows on a blocking thread, handing each chunk to the
    /// writer as soon as it is ready, so checking overlaps the inserts.
    fn check_rows(
        &self,
        actor: &Actor,
        job_id: &str,
        org: &OrgRow,
        file: OpenedFile,
    ) -> mpsc::Receiver<Checked> {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        let app = self.clone();
        let actor = actor.clone();
        let job_id = job_id.to_owned();
        let org = org.clone();
        tokio::task::spawn_blocking(move || {
            let today = clock::today();
            let now = clock::now_ms();
            let mut first_row_of: HashMap<String, u32> = HashMap::new();
            for rows in file.rows.chunks(CHUNK) {
                let mut checked = Checked {
                    pending: Pending::default(),
                    rejected: Vec::new(),
                    rows: rows.len(),
                };
                for row in rows {
                    match app.check_row(row, &org, today, now, &mut first_row_of) {
                        Ok(record) => {
                            let audit = app.import_audit(&actor, &job_id, &record);
                            checked.pending.push(row.number, record, audit);
                        }
                        Err(mut problems) => checked.rejected.append(&mut problems),
                    }
                }
                if tx.blocking_send(checked).is_err() {
                    return; // the writer gave up (a database error); it reports that
                }
            }
        });
        rx
    }

    fn check_row(
        &self,
        row: &zhiyuan_sheets::Row,
        org: &OrgRow,
        today: chrono::NaiveDate,
        now: i64,
        first_row_of: &mut HashMap<String, u32>,
    ) -> Result<VolunteerRecord, Vec<RejectedRow>> {
        if let Some(i) = row.formula_at() {
            let (field, column) = match (
                zhiyuan_domain::recruitment::IMPORT_FIELDS.get(i),
                IMPORT_HEADERS.get(i),
            ) {
                (Some(f), Some(c)) => (*f, *c),
                _ => ("row", ""),
            };
            return Err(vec![reject(
                row.number,
                field,
                column,
                "formula_not_allowed",
                "不接受公式，请粘贴为数值后再导入",
            )]);
        }
        let parsed = parse_import_row(&row.texts(), today).map_err(|problems| {
            problems
                .into_iter()
                .map(|p| reject(row.number, p.field, p.column, p.code, p.reason))
                .collect::<Vec<_>>()
        })?;
        let id_hash = self.secrets.hash_id(parsed.id_number.as_str());
        if let Some(first) = first_row_of.get(&id_hash) {
            return Err(vec![reject(
                row.number,
                "id_number",
                "身份证号码",
                "duplicate_in_file",
                format!("与第 {first} 行的身份证号码重复"),
            )]);
        }
        first_row_of.insert(id_hash.clone(), row.number);
        let id = &parsed.id_number;
        Ok(VolunteerRecord {
            row: VolunteerRow {
                id: new_id(),
                volunteer_no: new_volunteer_no(),
                name: parsed.name.as_str().to_owned(),
                id_cipher: self.secrets.encrypt_id(id.as_str()),
                id_hash,
                id_masked: id.masked(),
                birth_date: id.birth_date().format("%Y-%m-%d").to_string(),
                gender: id.gender().as_str().to_owned(),
                phone: parsed.phone.as_str().to_owned(),
                org_id: org.id.clone(),
                veteran: parsed.veteran,
                branch: None,
                enlisted_year: None,
                discharged_year: None,
                military_rank: None,
                party_member: parsed.party_member,
                health: "good".to_owned(),
                home_lat: None,
                home_lon: None,
                // The station that keeps the ledger recorded the data with consent.
                consent_data: true,
                consent_location: false,
                guardian_consent: false,
                status: "active".to_owned(),
                created_at: now,
                updated_at: now,
                version: 1,
                org_path: org.path.clone(),
                org_name: org.name.clone(),
            },
            skills: parsed.skills.into_vec(),
        })
    }

    fn import_audit(&self, actor: &Actor, job_id: &str, r: &VolunteerRecord) -> NewAudit {
        self.audit_entry(
            actor,
            "volunteer.import",
            "volunteer",
            &r.row.id,
            &r.row.org_path,
            None,
            Some(serde_json::json!({
                "name": r.row.name,
                "volunteer_no": r.row.volunteer_no,
                "id_number_masked": r.row.id_masked,
                "import_job": job_id,
            })),
        )
    }

    /// Inserts one checked chunk in one transaction with its audit lines and the job's
    /// progress. Rows whose person is registered already are reported; a row that lost only
    /// to a taken random volunteer number gets a new number and goes in.
    async fn insert_chunk(
        &self,
        actor: &Actor,
        job: &mut ImportJobRow,
        mut pending: Pending,
        rejected: &mut Vec<RejectedRow>,
        rows_done: i64,
    ) -> AppResult<()> {
        let mut drop_registered = |pending: &mut Pending, known: HashSet<String>| {
            pending.retain(|n, r| {
                let registered = known.contains(&r.row.id_hash);
                if registered {
                    rejected.push(reject(
                        n,
                        "id_number",
                        "身份证号码",
                        "already_registered",
                        "该身份证号码已登记为志愿者",
                    ));
                }
                !registered
            });
        };
        let existing = self.store.existing_id_hashes(&pending.id_hashes()).await?;
        drop_registered(&mut pending, existing.into_iter().collect());
        job.processed_rows = rows_done;
        job.heartbeat_at = clock::now_ms();
        for attempt in 0..=NUMBER_RETRIES {
            let mut progress = job.clone();
            // Counted before the insert; corrected below from what went in.
            progress.imported = job.imported + pending.records.len() as i64;
            let inserted: HashSet<String> = self
                .store
                .bulk_insert_volunteers(&pending.records, &pending.audits, Some(&progress))
                .await?
                .into_iter()
                .collect();
            job.imported += inserted.len() as i64;
            pending.retain(|_, r| !inserted.contains(&r.row.id));
            if pending.records.is_empty() {
                return Ok(());
            }
            // Left out: registered meanwhile (same ID hash), or a volunteer number taken.
            let taken = self.store.existing_id_hashes(&pending.id_hashes()).await?;
            drop_registered(&mut pending, taken.into_iter().collect());
            if pending.records.is_empty() {
                return Ok(());
            }
            if attempt < NUMBER_RETRIES {
                for (r, a) in pending.records.iter_mut().zip(pending.audits.iter_mut()) {
                    r.row.volunteer_no = new_volunteer_no();
                    *a = self.import_audit(actor, &job.id, r);
                }
            }
        }
        // Numbers kept colliding (a near-full number space): report rather than loop.
        for n in pending.numbers {
            rejected.push(reject(
                n,
                "row",
                "",
                "volunteer_no_unavailable",
                "暂时无法分配志愿者编号，请稍后重新导入该行",
            ));
        }
        Ok(())
    }

    /// Inserts the checked chunks as they arrive, then records the outcome on the job.
    async fn run_import(
        &self,
        actor: &Actor,
        mut job: ImportJobRow,
        mut chunks: mpsc::Receiver<Checked>,
    ) -> AppResult<ImportJobRow> {
        let mut rejected = Vec::new();
        let mut rows_done = 0i64;
        while let Some(mut chunk) = chunks.recv().await {
            rows_done += chunk.rows as i64;
            rejected.append(&mut chunk.rejected);
            self.insert_chunk(actor, &mut job, chunk.pending, &mut rejected, rows_done)
                .await?;
        }
        if rows_done != job.total_rows {
            // The checking thread stopped early: only a panic does that.
            return Err(AppError::internal());
        }
        rejected.sort_by_key(|r| r.row);
        job.status = "done".to_owned();
        job.processed_rows = rows_done;
        job.rejected_json = serde_json::to_string(&rejected).map_err(|_| AppError::internal())?;
        job.finished_at = Some(clock::now_ms());
        self.store.update_import_job(&job).await?;
        let summary = self.audit_entry(
            actor,
            "import.volunteers",
            "import_job",
            &job.id,
            &job.org_path,
            None,
            Some(serde_json::json!({
                "file_name": job.file_name,
                "imported": job.imported,
                "rejected_rows": rejected.iter().map(|r| r.row).collect::<HashSet<_>>().len(),
            })),
        );
        self.store.record_audit(&summary).await?;
        Ok(job)
    }

    fn new_job(&self, actor: &Actor, org: &OrgRow, file_name: &str, total: i64) -> ImportJobRow {
        ImportJobRow {
            id: new_id(),
            org_id: org.id.clone(),
            org_path: org.path.clone(),
            created_by: actor.username.clone(),
            file_name: file_name.chars().take(100).collect(),
            status: "running".to_owned(),
            total_rows: total,
            processed_rows: 0,
            imported: 0,
            rejected_json: "[]".to_owned(),
            error_json: None,
            created_at: clock::now_ms(),
            finished_at: None,
            heartbeat_at: clock::now_ms(),
        }
    }

    /// The synchronous import of API.md: answers when every row is in or reported.
    pub async fn import_volunteers(
        &self,
        actor: &Actor,
        org_id: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ImportReport> {
        let org = self.import_target(actor, org_id).await?;
        let file = Self::open_file(file_name, bytes).await?;
        let job = self.new_job(actor, &org, file_name, file.rows.len() as i64);
        self.store.insert_import_job(&job).await?;
        let chunks = self.check_rows(actor, &job.id, &org, file);
        let done = self.run_import(actor, job, chunks).await?;
        let view = ImportJobView::from(&done);
        Ok(ImportReport {
            imported: view.imported,
            rejected: view.rejected,
            job_id: view.id,
        })
    }

    /// The same import as a background job: the file is checked first (a bad file answers an
    /// error at once), then the rows go in while `import_job` reports progress.
    pub async fn start_import(
        &self,
        actor: &Actor,
        org_id: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ImportJobView> {
        let org = self.import_target(actor, org_id).await?;
        let file = Self::open_file(file_name, bytes).await?;
        let job = self.new_job(actor, &org, file_name, file.rows.len() as i64);
        self.store.insert_import_job(&job).await?;
        let chunks = self.check_rows(actor, &job.id, &org, file);
        let view = ImportJobView::from(&job);
        let app = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            let failed = job.clone();
            if let Err(e) = app.run_import(&actor, job, chunks).await {
                tracing::error!(error = %e, job = %failed.id, "import failed");
                let mut f = failed;
                f.status = "failed".to_owned();
                f.error_json = Some(e.message.clone());
                f.finished_at = Some(clock::now_ms());
                let _ = app.store.update_import_job(&f).await;
            }
        });
        Ok(view)
    }

    pub async fn import_job(&self, actor: &Actor, id: &str) -> AppResult<ImportJobView> {
        actor.require_admin()?;
        let job = self
            .store
            .get_import_job(id)
            .await?
            .ok_or_else(|| AppError::not_found("导入任务"))?;
        if !super::in_admin_area(actor, &job.org_path) {
            return Err(AppError::not_found("导入任务"));
        }
        Ok(ImportJobView::from(&job))
    }
}
