//! Storage for activities and service hours (issue 4): projects, activities, sign-ups,
//! attendance, service records and amendments, certificates, photos.
//!
//! Sign-up never confirms more than capacity: the confirmed count lives on the activity row
//! and grows only through `UPDATE … SET confirmed = confirmed + 1 WHERE confirmed < capacity`
//! inside the write transaction (one writer on SQLite; a row lock on PostgreSQL, which makes
//! every other sign-up of the same activity wait and re-check, whichever process it runs in).
//! A `CHECK (confirmed <= capacity)` in the schema backs it up.

use async_trait::async_trait;
use serde::Serialize;

use crate::{NewAudit, StoreResult, VolunteerRecord};

/// A service project (服务项目, R-ACT-3): a standing programme owned by an org or a team.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub org_id: String,
    pub team_id: Option<String>,
    pub org_path: String,
    /// 一村一品: the unit's signature project.
    pub brand: bool,
    pub created_at: i64,
}

/// One dated activity (活动).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub title: String,
    pub project_id: Option<String>,
    pub team_id: String,
    pub team_path: String,
    pub org_path: String,
    pub kind: String,
    pub status: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place_name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub capacity: i64,
    pub waitlist: bool,
    /// JSON array of skill tags.
    pub required_skills: String,
    pub signup_opens_at: i64,
    pub signup_closes_at: i64,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub backfill_reason: Option<String>,
    pub series_id: Option<String>,
    pub recurrence: Option<String>,
    pub confirmed: i64,
    pub walk_ins: i64,
    pub wait_seq: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    #[sqlx(default)]
    pub team_name: String,
}

/// A sign-up; `position` (1-based) is filled for the waitlisted.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct SignupRow {
    pub activity_id: String,
    pub volunteer_id: String,
    pub status: String,
    pub seq: i64,
    pub walk_in: bool,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(default)]
    pub volunteer_name: String,
    #[sqlx(default)]
    pub position: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignupOutcome {
    Confirmed,
    Waitlisted {
        position: i64,
    },
    /// No place and no waitlist: nothing written.
    Full,
    /// Already holds a live sign-up (its status): nothing written.
    Already(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelOutcome {
    /// The status the cancelled sign-up had.
    pub was: String,
    /// The volunteer moved up from the waitlist, if any.
    pub promoted: Option<String>,
}

/// One check-in/out (or a whole entered stretch) of service: R-LAW-3's fields and how it was
/// captured. The captured times (`checked_*`, `minutes_ms`) are never changed once complete;
/// an approved amendment moves the effective ones (`eff_*`) and is kept beside.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct RecordRow {
    pub id: String,
    pub activity_id: String,
    pub volunteer_id: String,
    pub team_id: String,
    pub org_path: String,
    /// China date "YYYY-MM-DD" of the check-in.
    pub day: String,
    pub checked_in_at: i64,
    pub checked_out_at: Option<i64>,
    pub minutes_ms: Option<i64>,
    pub captured: String,
    /// open, approved, pending_team, pending_higher, rejected
    pub status: String,
    pub eff_in: i64,
    pub eff_out: Option<i64>,
    pub eff_ms: i64,
    pub place: String,
    pub content: String,
    pub recipients: String,
    pub evaluation: String,
    pub person_in_charge: String,
    pub recorder: String,
    pub backfill_reason: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub created_at: i64,
    #[sqlx(default)]
    pub activity_title: String,
}

/// How the status of a completed record follows from the day's total (R-HRS-3): passed in so
/// the rule stays in the domain crate and is applied inside the write transaction.
pub type DayRule = fn(i64) -> &'static str;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
    Written(String),
    /// The person already has the maximum number of cycles that day.
    TooManyCycles,
    /// A check-in is still open (QR flow): check out first.
    AlreadyOpen,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct AmendmentRow {
    pub id: String,
    pub record_id: String,
    pub requested_by: String,
    pub reason: String,
    pub old_in: i64,
    pub old_out: Option<i64>,
    pub new_in: i64,
    pub new_out: i64,
    /// pending, approved, rejected
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct CertificateRow {
    pub code: String,
    pub certificate_no: String,
    pub volunteer_id: String,
    pub org_path: String,
    pub volunteer_name_masked: String,
    pub period_from: String,
    pub period_to: String,
    pub total_ms: i64,
    pub issuer: String,
    pub issued_by: String,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: String,
    pub activity_id: String,
    pub content_type: String,
    pub size: i64,
    pub data: Vec<u8>,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// Filters of an activity listing; scope filters are set by the app from the actor.
#[derive(Clone, Debug, Default)]
pub struct ActivityQuery {
    pub within_org_path: Option<String>,
    pub within_team_path: Option<String>,
    pub status: Option<String>,
    /// Only activities ending after this time.
    pub ends_after: Option<i64>,
    /// Only activities starting at or after this time.
    pub starts_from: Option<i64>,
    /// Only activities starting before this time.
    pub starts_before: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One request of a batched sign-up (group commit).
#[derive(Clone, Debug)]
pub struct SignupRequest {
    pub activity_id: String,
    pub volunteer_id: String,
    pub at: i64,
    pub audit: NewAudit,
}

/// A volunteer as the sign-up rules see them (see `ActivityStore::signup_subjects`).
#[derive(Clone, Debug)]
pub struct SignupSubject {
    pub volunteer: VolunteerRecord,
    /// Paths of the teams the volunteer is a member of.
    pub team_paths: Vec<String>,
}

#[async_trait]
pub trait ActivityStore: Send + Sync {
    async fn insert_project(&self, p: &ProjectRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_project(&self, id: &str) -> StoreResult<Option<ProjectRow>>;
    async fn projects_in_org_subtree(
        &self,
        org_path: &str,
        limit: i64,
    ) -> StoreResult<Vec<ProjectRow>>;

    /// Inserts one activity or all occurrences of a recurring one, in one transaction.
    async fn insert_activities(&self, rows: &[ActivityRow], audit: &NewAudit) -> StoreResult<()>;
    async fn get_activity(&self, id: &str) -> StoreResult<Option<ActivityRow>>;
    /// The activities of `ids` that exist, in no particular order (one read for a list).
    async fn get_activities(&self, ids: &[String]) -> StoreResult<Vec<ActivityRow>>;
    async fn list_activities(&self, q: &ActivityQuery) -> StoreResult<(Vec<ActivityRow>, i64)>;
    /// Published activities ending after `ends_after`, in id order after `after_id`: pages of
    /// the open-activities view's load and reconciliation (app/activities/open_view.rs).
    async fn open_activities_page(
        &self,
        ends_after: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>>;
    /// Activities changed at or after `since` (`updated_at`), whatever their status, in
    /// (`updated_at`, id) order after (`since`, `after_id`): the open view's delta looks.
    /// Every write to an activity row moves `updated_at` strictly (`max(old + 1, now)`), so a
    /// row's `updated_at` orders its states.
    async fn activities_changed(
        &self,
        since: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>>;
    /// The live sign-ups of many volunteers at once (the open page for a burst of requests),
    /// with `position` for the waitlisted.
    async fn own_signups_of(&self, volunteer_ids: &[String]) -> StoreResult<Vec<SignupRow>>;
    /// Moves the status when it still is `from`; else `Stale`.
    async fn set_activity_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Signs up: confirmed while places remain, else waitlisted when allowed, else `Full`.
    /// `walk_in` (an officer's explicit choice) confirms beyond capacity.
    async fn signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
        at: i64,
        walk_in: bool,
        audit: &NewAudit,
    ) -> StoreResult<SignupOutcome>;
    /// True where sign-ups should reach `signup_batch` through one writer task per process
    /// (one commit, so one fsync, per batch): both backends now. On PostgreSQL each batch
    /// locks its activities' rows first, so batches of several server processes take turns
    /// per activity and each reads the counters the previous one committed.
    fn batches_signups(&self) -> bool;
    /// Many sign-ups, each as its own savepoint, committed together (group commit): one
    /// fsync for the batch. Answers one result per request, in order (waitlist order is
    /// request order). A request that is refused or fails is rolled back to its savepoint
    /// and the others go on; `Err` for the whole call means nothing was committed.
    async fn signup_batch(
        &self,
        reqs: &[SignupRequest],
    ) -> StoreResult<Vec<StoreResult<SignupOutcome>>>;
    /// `signup_batch` for requests whose rules were checked against a cached activity row:
    /// `checked_versions[i]` is the `version` of the row request `i` was checked against.
    /// Inside the write transaction, a request whose activity's `version` moved since (its
    /// status changed, or any other column but the counters) is answered
    /// `Err(StoreError::Stale)` and writes nothing; the caller checks again on a fresh row.
    async fn signup_batch_checked(
        &self,
        reqs: &[SignupRequest],
        checked_versions: &[i64],
    ) -> StoreResult<Vec<StoreResult<SignupOutcome>>>;
    /// What the sign-up rules need to know of many volunteers at once (one read for a whole
    /// burst of requests): each found volunteer with their skills, and the paths of the teams
    /// they are members of. Volunteers not found are left out.
    async fn signup_subjects(&self, ids: &[String]) -> StoreResult<Vec<SignupSubject>>;
    /// Cancels a live sign-up and, when it held a regular place, promotes the first waitlisted.
    async fn cancel_signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<CancelOutcome>;
    async fn get_signup(
        &self,
        activity_id: &str,
        volunteer_id: &str,
    ) -> StoreResult<Option<SignupRow>>;
    /// Live sign-ups of an activity: confirmed first, then the waitlist in order.
    async fn signups_of(&self, activity_id: &str) -> StoreResult<Vec<SignupRow>>;
    /// A volunteer's live sign-ups, latest first.
    async fn signups_of_volunteer(
        &self,
        volunteer_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<SignupRow>>;

    /// Writes a record (complete or an open check-in) unless the person already has
    /// `max_cycles` that day for the activity, or (for an open one) another open check-in.
    /// The status of a complete record follows `rule` on the day's total including it.
    async fn insert_record(
        &self,
        r: &RecordRow,
        max_cycles: i64,
        rule: DayRule,
        audit: &NewAudit,
    ) -> StoreResult<RecordOutcome>;
    /// The open check-in of a volunteer at an activity, if any.
    async fn open_record(
        &self,
        activity_id: &str,
        volunteer_id: &str,
    ) -> StoreResult<Option<RecordRow>>;
    /// Completes an open check-in with its check-out time.
    async fn close_record(
        &self,
        id: &str,
        out: i64,
        rule: DayRule,
        audit: &NewAudit,
    ) -> StoreResult<RecordRow>;
    async fn get_record(&self, id: &str) -> StoreResult<Option<RecordRow>>;
    async fn records_of_volunteer(
        &self,
        volunteer_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> StoreResult<Vec<RecordRow>>;
    async fn records_of_activity(&self, activity_id: &str) -> StoreResult<Vec<RecordRow>>;
    /// Approves or rejects a pending record when its status still is `from`.
    async fn decide_record(
        &self,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    async fn insert_amendment(&self, a: &AmendmentRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_amendment(&self, id: &str) -> StoreResult<Option<AmendmentRow>>;
    async fn amendments_of(&self, record_id: &str) -> StoreResult<Vec<AmendmentRow>>;
    /// Decides a pending amendment; approving moves the record's effective times.
    async fn decide_amendment(
        &self,
        id: &str,
        approve: bool,
        by: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<AmendmentRow>;

    async fn insert_certificate(&self, c: &CertificateRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_certificate(&self, code: &str) -> StoreResult<Option<CertificateRow>>;
    /// By the number printed on the paper (`ZYZM-2026-…`).
    async fn certificate_by_number(&self, number: &str) -> StoreResult<Option<CertificateRow>>;
    async fn certificates_of(&self, volunteer_id: &str) -> StoreResult<Vec<CertificateRow>>;
    async fn revoke_certificate(
        &self,
        code: &str,
        reason: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    async fn insert_photo(&self, p: &PhotoRow, audit: &NewAudit) -> StoreResult<()>;
    /// Photos of an activity without their bytes (`data` empty).
    async fn photos_of(&self, activity_id: &str) -> StoreResult<Vec<PhotoRow>>;
    async fn get_photo(&self, id: &str) -> StoreResult<Option<PhotoRow>>;
}
