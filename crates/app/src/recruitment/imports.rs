//! Ledger import (台账导入) exactly as API.md has it: `.xlsx` or UTF-8 `.csv`, the six headers,
//! good rows in, bad rows reported with their spreadsheet row and field, nobody added twice.
//!
//! A whole-file fault (wrong header, not UTF-8, corrupt, too big) answers an error and writes
//! nothing. Rows are checked and encrypted first, then inserted in chunks of multi-row INSERTs,
//! each chunk one transaction with its audit lines and the job's progress; a row whose person
//! is registered meanwhile is skipped by the unique ID hash and reported.

use std::collections::{HashMap, HashSet};

use zhiyuan_domain::recruitment::{check_import_headers, parse_import_row, IMPORT_HEADERS};
use zhiyuan_sheets::SheetError;
use zhiyuan_store::recruitment::ImportJobRow;
use zhiyuan_store::{OrgRow, VolunteerRecord, VolunteerRow};

use super::views::{ImportJobView, ImportReport, RejectedRow};
use crate::error::{AppError, AppResult};
use crate::volunteers::new_volunteer_no;
use crate::{clock, new_id, Actor, App};

/// Rows per insert transaction (and progress step).
const CHUNK: usize = 2_000;
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

/// A checked file: the records ready to insert (with their row numbers) and the rejects.
struct Prepared {
    records: Vec<(u32, VolunteerRecord)>,
    rejected: Vec<RejectedRow>,
    data_rows: i64,
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

    /// Reads and checks the whole file (CPU work, off the async threads).
    async fn prepare(&self, org: &OrgRow, file_name: &str, bytes: Vec<u8>) -> AppResult<Prepared> {
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(AppError::invalid(
                "file",
                "file_too_large",
                "文件过大（最多 48 MB）",
            ));
        }
        let app = self.clone();
        let org = org.clone();
        let name = file_name.to_owned();
        tokio::task::spawn_blocking(move || app.prepare_blocking(&org, &name, &bytes))
            .await
            .map_err(|_| AppError::internal())?
    }

    fn prepare_blocking(&self, org: &OrgRow, file_name: &str, bytes: &[u8]) -> AppResult<Prepared> {
        let rows = zhiyuan_sheets::read(file_name, bytes).map_err(sheet_error)?;
        let (header, data) = rows
            .split_first()
            .ok_or_else(|| sheet_error(SheetError::Empty))?;
        if header.formula_at().is_some() {
            return Err(AppError::invalid(
                "file",
                "import_header_invalid",
                "表头不能是公式",
            ));
        }
        check_import_headers(&header.texts()).map_err(AppError::from)?;
        let today = clock::today();
        let now = clock::now_ms();
        let mut rejected = Vec::new();
        let mut records = Vec::new();
        let mut first_row_of: HashMap<String, u32> = HashMap::new();
        let mut data_rows = 0;
        for row in data.iter().filter(|r| !r.is_blank()) {
            data_rows += 1;
            if let Some(i) = row.formula_at() {
                let (field, column) = match (
                    zhiyuan_domain::recruitment::IMPORT_FIELDS.get(i),
                    IMPORT_HEADERS.get(i),
                ) {
                    (Some(f), Some(c)) => (*f, *c),
                    _ => ("row", ""),
                };
                rejected.push(reject(
                    row.number,
                    field,
                    column,
                    "formula_not_allowed",
                    "不接受公式，请粘贴为数值后再导入",
                ));
                continue;
            }
            let parsed = match parse_import_row(&row.texts(), today) {
                Ok(p) => p,
                Err(problems) => {
                    for p in problems {
                        rejected.push(reject(row.number, p.field, p.column, p.code, p.reason));
                    }
                    continue;
                }
            };
            let id_hash = self.secrets.hash_id(parsed.id_number.as_str());
            if let Some(first) = first_row_of.get(&id_hash) {
                rejected.push(reject(
                    row.number,
                    "id_number",
                    "身份证号码",
                    "duplicate_in_file",
                    format!("与第 {first} 行的身份证号码重复"),
                ));
                continue;
            }
            first_row_of.insert(id_hash.clone(), row.number);
            let id = &parsed.id_number;
            records.push((
                row.number,
                VolunteerRecord {
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
                },
            ));
        }
        Ok(Prepared {
            records,
            rejected,
            data_rows,
        })
    }

    /// Inserts the prepared rows chunk by chunk, updating the job as it goes.
    async fn run_import(
        &self,
        actor: &Actor,
        mut job: ImportJobRow,
        p: Prepared,
    ) -> AppResult<ImportJobRow> {
        let Prepared {
            mut records,
            mut rejected,
            data_rows,
        } = p;
        // Already registered: reported, not attempted.
        let hashes: Vec<String> = records.iter().map(|(_, r)| r.row.id_hash.clone()).collect();
        let existing: HashSet<String> = self
            .store
            .existing_id_hashes(&hashes)
            .await?
            .into_iter()
            .collect();
        records.retain(|(n, r)| {
            let known = existing.contains(&r.row.id_hash);
            if known {
                rejected.push(reject(
                    *n,
                    "id_number",
                    "身份证号码",
                    "already_registered",
                    "该身份证号码已登记为志愿者",
                ));
            }
            !known
        });
        let mut processed = data_rows - records.len() as i64;
        job.processed_rows = processed;
        for chunk in records.chunks(CHUNK) {
            let recs: Vec<VolunteerRecord> = chunk.iter().map(|(_, r)| r.clone()).collect();
            let audits: Vec<_> = recs
                .iter()
                .map(|r| {
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
                            "import_job": job.id,
                        })),
                    )
                })
                .collect();
            processed += chunk.len() as i64;
            job.processed_rows = processed;
            let mut progress = job.clone();
            // Counted before the insert; corrected below from what went in.
            progress.imported = job.imported + chunk.len() as i64;
            let inserted: HashSet<String> = self
                .store
                .bulk_insert_volunteers(&recs, &audits, Some(&progress))
                .await?
                .into_iter()
                .collect();
            job.imported += inserted.len() as i64;
            for (n, r) in chunk {
                if !inserted.contains(&r.row.id) {
                    rejected.push(reject(
                        *n,
                        "id_number",
                        "身份证号码",
                        "already_registered",
                        "该身份证号码已登记为志愿者",
                    ));
                }
            }
        }
        rejected.sort_by_key(|r| r.row);
        job.status = "done".to_owned();
        job.processed_rows = data_rows;
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
        let prepared = self.prepare(&org, file_name, bytes).await?;
        let job = self.new_job(actor, &org, file_name, prepared.data_rows);
        self.store.insert_import_job(&job).await?;
        let done = self.run_import(actor, job, prepared).await?;
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
        let prepared = self.prepare(&org, file_name, bytes).await?;
        let job = self.new_job(actor, &org, file_name, prepared.data_rows);
        self.store.insert_import_job(&job).await?;
        let view = ImportJobView::from(&job);
        let app = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            let failed = job.clone();
            if let Err(e) = app.run_import(&actor, job, prepared).await {
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
