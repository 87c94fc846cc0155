//! Storage for recruitment (issue 3): eligibility policies, review levels, applications
//! (政审表) and their review steps, registration authorities and number ranges, volunteer
//! status history, spot checks, import jobs, the talent pool and ledgers.

use async_trait::async_trait;
use serde::Serialize;

use crate::{NewAudit, StoreResult, UserRow, VolunteerRecord};

/// The conflict text when no allotted range has a number left.
pub const RANGES_EXHAUSTED: &str = "number_ranges_exhausted";
/// The conflict text when a new range shares numbers with one of the same prefix.
pub const RANGE_OVERLAP: &str = "number_range_overlap";

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct PolicyRow {
    pub team_id: String,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub require_party_member: bool,
    pub require_veteran: bool,
    pub require_healthy: bool,
    pub require_no_record: bool,
    pub updated_at: i64,
    pub version: i64,
}

/// An application (入队申请, the 政审表) and where its review stands.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    #[serde(skip)]
    pub tracking_code: String,
    pub team_id: String,
    pub org_id: String,
    pub org_path: String,
    pub name: String,
    #[serde(skip)]
    pub id_cipher: String,
    #[serde(skip)]
    pub id_hash: String,
    pub id_masked: String,
    pub birth_date: String,
    pub gender: String,
    pub phone: String,
    pub veteran: bool,
    pub branch: Option<String>,
    pub enlisted_year: Option<i64>,
    pub discharged_year: Option<i64>,
    pub military_rank: Option<String>,
    pub party_member: bool,
    pub health: String,
    pub no_record: bool,
    /// Tags joined with 、.
    pub skills: String,
    pub consent_data: bool,
    pub guardian_consent: bool,
    #[serde(skip)]
    pub password_hash: String,
    /// The policy rules broken at (re)submission, as JSON.
    pub breaches_json: String,
    /// Reviewing org ids, nearest first, joined with ','.
    pub review_chain: String,
    pub step_index: i64,
    pub current_org_id: Option<String>,
    pub current_org_path: Option<String>,
    /// pending, returned, rejected, admitted
    pub status: String,
    pub last_reason: Option<String>,
    pub volunteer_id: Option<String>,
    pub registration_no: Option<String>,
    pub submitted_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// One line of an application's history: submitted, approved, returned, resubmitted, …
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct StepRow {
    pub id: i64,
    pub application_id: String,
    pub step_index: i64,
    pub org_id: Option<String>,
    pub org_name: String,
    pub level: String,
    pub decision: String,
    pub reason: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct NumberRangeRow {
    pub id: String,
    pub authority_org_id: String,
    pub prefix: String,
    pub first_no: i64,
    pub last_no: i64,
    pub next_no: i64,
    pub created_at: i64,
}

/// Pending applications at one reviewing org.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct QueueCount {
    pub org_id: String,
    pub org_name: String,
    pub level: String,
    pub pending: i64,
}

/// Everything admission writes in one transaction.
#[derive(Clone, Debug)]
pub struct Admission {
    /// The application as it will be stored (status admitted, version bumped); the
    /// registration number is filled in by the store.
    pub application: ApplicationRow,
    pub step: StepRow,
    pub volunteer: VolunteerRecord,
    pub user: UserRow,
    pub team_id: String,
    pub position: String,
    pub authority_org_id: String,
}

/// The number issued at admission and the range it came from (after issuing).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issued {
    pub registration_no: String,
    pub range: NumberRangeRow,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct StatusChangeRow {
    pub id: i64,
    pub volunteer_id: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpotCheckRow {
    pub id: String,
    pub org_id: String,
    pub org_path: String,
    pub size: i64,
    pub drawn_by: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpotItemRow {
    pub check_id: String,
    pub volunteer_id: String,
    /// verified, unreachable, mismatch; None until checked.
    pub result: Option<String>,
    pub note: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<i64>,
    pub volunteer_name: String,
    pub id_masked: String,
    pub phone: String,
    pub org_name: String,
    pub unverified: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ImportJobRow {
    pub id: String,
    pub org_id: String,
    pub org_path: String,
    pub created_by: String,
    pub file_name: String,
    /// running, done, failed (a running job whose heartbeat stopped is shown as interrupted)
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported: i64,
    pub rejected_json: String,
    pub error_json: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// When the runner last reported progress (unix ms).
    pub heartbeat_at: i64,
}

/// Talent pool and ledger filters (人力资源库). Scope restrictions are set by the app layer.
#[derive(Clone, Debug, Default)]
pub struct TalentQuery {
    pub within_org_path: Option<String>,
    pub within_team_path: Option<String>,
    /// Exact skill tag.
    pub skill: Option<String>,
    /// Fragment of any skill tag (专长).
    pub specialty: Option<String>,
    /// 军种.
    pub branch: Option<String>,
    /// Born on or after (YYYY-MM-DD): the maximum age.
    pub born_from: Option<String>,
    /// Born on or before: the minimum age.
    pub born_to: Option<String>,
    /// Only active (not withdrawn or suspended) volunteers.
    pub available_only: bool,
    pub veteran_only: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A roster line: the member, the unit and the position held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RosterLine {
    pub volunteer: VolunteerRecord,
    pub team_name: String,
    pub position: String,
}

#[async_trait]
pub trait RecruitmentStore: Send + Sync {
    // policies and review levels
    /// The policies of the given units (any subset may have none).
    async fn policies_of(&self, team_ids: &[String]) -> StoreResult<Vec<PolicyRow>>;
    async fn upsert_policy(&self, p: &PolicyRow, audit: &NewAudit) -> StoreResult<()>;
    async fn review_levels(&self, root_org_id: &str) -> StoreResult<Vec<String>>;
    async fn set_review_levels(
        &self,
        root_org_id: &str,
        levels: &[String],
        audit: &NewAudit,
    ) -> StoreResult<()>;

    // registration authorities and number ranges
    async fn set_registration_authority(
        &self,
        org_id: &str,
        on: bool,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Which of `org_ids` are registration authorities.
    async fn registration_authorities(&self, org_ids: &[String]) -> StoreResult<Vec<String>>;
    /// Refuses (`Conflict(RANGE_OVERLAP)`) a range sharing numbers with one of the same prefix.
    async fn insert_range(&self, r: &NumberRangeRow, audit: &NewAudit) -> StoreResult<()>;
    async fn ranges_of(&self, authority_org_id: &str) -> StoreResult<Vec<NumberRangeRow>>;

    // applications
    async fn insert_application(
        &self,
        a: &ApplicationRow,
        step: &StepRow,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    async fn get_application(&self, id: &str) -> StoreResult<Option<ApplicationRow>>;
    async fn get_application_by_code(&self, code: &str) -> StoreResult<Option<ApplicationRow>>;
    async fn application_steps(&self, id: &str) -> StoreResult<Vec<StepRow>>;
    /// Writes `a` when the stored version is `a.version - 1` (else `Stale`), with the step.
    async fn update_application(
        &self,
        a: &ApplicationRow,
        step: &StepRow,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Admission in one transaction: a registration number from the authority's ranges
    /// (`Conflict(RANGES_EXHAUSTED)` when none is left), the volunteer, their account, their
    /// place in the unit, the application's final state and step, and the audit entries.
    async fn admit(&self, adm: &Admission, audits: &[NewAudit]) -> StoreResult<Issued>;
    /// Pending applications whose current reviewer lies in `within_path`, oldest first.
    async fn review_queue(
        &self,
        within_path: &str,
        limit: i64,
    ) -> StoreResult<(Vec<ApplicationRow>, i64)>;
    async fn queue_counts(&self, within_path: &str) -> StoreResult<Vec<QueueCount>>;
    /// Applications to units of orgs in `within_path`, newest first, optionally by status.
    async fn applications_in(
        &self,
        within_path: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<ApplicationRow>, i64)>;

    // leaving (withdraw / suspend / reinstate)
    async fn change_volunteer_status(
        &self,
        change: &StatusChangeRow,
        expected_version: i64,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    async fn status_history(&self, volunteer_id: &str) -> StoreResult<Vec<StatusChangeRow>>;

    // spot checks
    /// Draws up to `check.size` active volunteers of `check.org_path` at random; returns how
    /// many were drawn.
    async fn create_spot_check(&self, check: &SpotCheckRow, audit: &NewAudit) -> StoreResult<i64>;
    async fn get_spot_check(
        &self,
        id: &str,
    ) -> StoreResult<Option<(SpotCheckRow, Vec<SpotItemRow>)>>;
    async fn spot_checks_in(&self, within_path: &str, limit: i64)
        -> StoreResult<Vec<SpotCheckRow>>;
    /// Records a result; `unverified` is set on the volunteer record as given.
    #[allow(clippy::too_many_arguments)]
    async fn record_spot_result(
        &self,
        check_id: &str,
        volunteer_id: &str,
        result: &str,
        note: Option<&str>,
        by: &str,
        at: i64,
        unverified: bool,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    // imports
    async fn insert_import_job(&self, job: &ImportJobRow) -> StoreResult<()>;
    async fn update_import_job(&self, job: &ImportJobRow) -> StoreResult<()>;
    async fn get_import_job(&self, id: &str) -> StoreResult<Option<ImportJobRow>>;
    /// Which of the given ID hashes are already registered.
    async fn existing_id_hashes(&self, hashes: &[String]) -> StoreResult<Vec<String>>;
    /// Open (pending or returned) applications with any of the given ID hashes, as
    /// (id_hash, application id): the duplicates a reviewer is warned of.
    async fn open_applications_by_hash(
        &self,
        hashes: &[String],
    ) -> StoreResult<Vec<(String, String)>>;
    /// Inserts many volunteers in one transaction (multi-row INSERTs); a row whose ID hash
    /// or number is taken meanwhile is skipped. The audit entries of the inserted rows and
    /// `job` (progress) are written in the same transaction. Returns the inserted ids.
    async fn bulk_insert_volunteers(
        &self,
        rows: &[VolunteerRecord],
        audits: &[NewAudit],
        job: Option<&ImportJobRow>,
    ) -> StoreResult<Vec<String>>;

    /// An audit line with no other write (an export, an import's summary).
    async fn record_audit(&self, audit: &NewAudit) -> StoreResult<()>;

    // talent pool and ledgers
    async fn talent_search(&self, q: &TalentQuery) -> StoreResult<(Vec<VolunteerRecord>, i64)>;
    /// Members of every unit in the team subtree, with unit and position, by unit path.
    async fn roster(&self, team_path: &str) -> StoreResult<Vec<RosterLine>>;
    /// `(volunteer id, registration number, unverified flag)` of the given volunteers.
    async fn registration_nos(
        &self,
        volunteer_ids: &[String],
    ) -> StoreResult<Vec<(String, Option<String>, bool)>>;
}
