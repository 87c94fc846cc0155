//! Storage behind one trait, [`Store`], with two implementations: embedded SQLite (the default,
//! a village laptop or a county server) and PostgreSQL (a province, many server processes).
//!
//! Both share the SQL text of `sql/`: the module is compiled twice, once per backend, with
//! `Db` bound to `sqlx::Sqlite` or `sqlx::Postgres` (no `Any` driver, so types stay exact).
//! Each backend has its own migrations folder. Every write takes the audit entry that
//! describes it and lands both in one transaction.

pub mod activities;
pub mod emergency;
pub mod generator;
pub mod notifications;
pub mod oversight;
mod postgres;
pub mod recruitment;
pub mod report_tasks;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A node of the administrative tree (R-ORG-1).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i64,
    pub population: Option<i64>,
    pub unit_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A team or one of its sub-units (R-ORG-2). `org_path` is the path of the org it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub parent_team_id: Option<String>,
    pub path: String,
    pub echelon: String,
    pub specialty: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    #[sqlx(default)]
    pub org_path: String,
    #[sqlx(default)]
    pub org_name: String,
}

/// A registered volunteer. The ID number is only ever stored encrypted (`id_cipher`), with a
/// keyed hash for uniqueness and a masked form for display.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct VolunteerRow {
    pub id: String,
    pub volunteer_no: String,
    pub name: String,
    #[serde(skip)]
    pub id_cipher: String,
    #[serde(skip)]
    pub id_hash: String,
    pub id_masked: String,
    pub birth_date: String,
    pub gender: String,
    pub phone: String,
    pub org_id: String,
    pub veteran: bool,
    pub branch: Option<String>,
    pub enlisted_year: Option<i64>,
    pub discharged_year: Option<i64>,
    pub military_rank: Option<String>,
    pub party_member: bool,
    pub health: String,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
    pub consent_data: bool,
    pub consent_location: bool,
    pub guardian_consent: bool,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    #[sqlx(default)]
    pub org_path: String,
    #[sqlx(default)]
    pub org_name: String,
}

/// A volunteer with their skill tags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolunteerRecord {
    pub row: VolunteerRow,
    pub skills: Vec<String>,
}

/// A member of a unit with the position held there.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    pub team_id: String,
    pub volunteer_id: String,
    pub position: String,
    pub appointed_at: i64,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub phone: String,
    pub veteran: bool,
    pub party_member: bool,
}

/// A unit someone belongs to, with their position (for a volunteer's page).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct MembershipRow {
    pub team_id: String,
    pub team_name: String,
    pub echelon: String,
    pub team_path: String,
    pub position: String,
    /// The unit this one is part of, if any (e.g. 应急分队 for its 一班).
    pub parent_team_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub is_super: bool,
    pub org_id: Option<String>,
    pub team_id: Option<String>,
    pub volunteer_id: Option<String>,
    pub scope_org_path: String,
    pub disabled: bool,
    pub created_at: i64,
    /// The person behind an admin or officer account (a volunteer's account shows the
    /// volunteer's name instead).
    #[sqlx(default)]
    pub person_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// One line of the audit log: who did what to which subject, before and after.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub org_path: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The actor's person name now (the account's, or its volunteer's), beside `actor_name`,
    /// the login name recorded at the time.
    #[sqlx(default)]
    pub actor_person: Option<String>,
}

/// The audit entry a write carries; stored in the same transaction as the write.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAudit {
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// The org subtree the subject lives in: who may read this entry.
    pub org_path: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// What a volunteer search may filter on. The scope restrictions come first and are set by
/// the app layer from the actor, never from the request.
#[derive(Clone, Debug, Default)]
pub struct VolunteerQuery {
    /// Only volunteers whose locality lies in this org subtree.
    pub within_org_path: Option<String>,
    /// Only volunteers who are members of a unit in this team subtree.
    pub within_team_path: Option<String>,
    /// Only this volunteer (a volunteer's own scope).
    pub only_id: Option<String>,
    pub name_fragment: Option<String>,
    pub phone_tail: Option<String>,
    pub skill: Option<String>,
    pub veteran: Option<bool>,
    pub party_member: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the text names the column or constraint.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The row changed since it was read (optimistic concurrency).
    #[error("stale version")]
    Stale,
    /// The move would put a node under itself or one of its descendants.
    #[error("cycle")]
    Cycle,
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error(transparent)]
    Db(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                let what = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                return StoreError::Conflict(what);
            }
        }
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound;
        }
        StoreError::Db(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the app needs from a database. The foundation (tree, teams, volunteers,
/// accounts, audit) is declared here; each later feature declares its own trait in its own
/// module and joins in as a supertrait.
#[async_trait]
pub trait Store:
    recruitment::RecruitmentStore
    + activities::ActivityStore
    + emergency::EmergencyStore
    + notifications::NotificationStore
    + oversight::OversightStore
    + generator::GenStore
    + report_tasks::ReportTaskStore
    + Send
    + Sync
    + 'static
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// A consistent copy of the whole database into `out` while the server runs.
    async fn backup(&self, out: &str) -> StoreResult<()>;

    // organisation tree
    async fn insert_org(&self, org: &OrgRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_org(&self, id: &str) -> StoreResult<Option<OrgRow>>;
    /// Direct children of `parent_id`, or the roots when `None`.
    async fn org_children(&self, parent_id: Option<&str>) -> StoreResult<Vec<OrgRow>>;
    /// The whole subtree under `path` (inclusive), ordered by path, at most `limit` rows.
    async fn org_subtree(&self, path: &str, limit: i64) -> StoreResult<Vec<OrgRow>>;
    async fn update_org(&self, org: &OrgRow, audit: &NewAudit) -> StoreResult<()>;

    // teams and members
    async fn insert_team(&self, team: &TeamRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_team(&self, id: &str) -> StoreResult<Option<TeamRow>>;
    /// The unit and all its sub-units, ordered by path.
    async fn team_subtree(&self, path: &str) -> StoreResult<Vec<TeamRow>>;
    /// Units belonging to orgs in the org subtree `org_path`, ordered by org path then team path.
    async fn teams_in_org_subtree(&self, org_path: &str, limit: i64) -> StoreResult<Vec<TeamRow>>;
    /// Rename, respecialise, or move a unit; when `parent_team_id` changed the whole subtree's
    /// paths move with it, and a move under itself or a descendant fails with `Cycle`.
    async fn update_team(&self, team: &TeamRow, audit: &NewAudit) -> StoreResult<()>;
    /// Appoints (or re-appoints) a member: one position per person per unit. Returns true when new.
    async fn upsert_member(
        &self,
        team_id: &str,
        volunteer_id: &str,
        position: &str,
        at: i64,
        audit: &NewAudit,
    ) -> StoreResult<bool>;
    async fn remove_member(
        &self,
        team_id: &str,
        volunteer_id: &str,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Members of every unit in the subtree `team_path`.
    async fn members_in_team_subtree(&self, team_path: &str) -> StoreResult<Vec<MemberRow>>;
    async fn memberships_of(&self, volunteer_id: &str) -> StoreResult<Vec<MembershipRow>>;

    // volunteers
    async fn insert_volunteer(&self, v: &VolunteerRecord, audit: &NewAudit) -> StoreResult<()>;
    async fn get_volunteer(&self, id: &str) -> StoreResult<Option<VolunteerRecord>>;
    /// Writes the new state when the stored version is `v.row.version - 1`, else `Stale`.
    async fn update_volunteer(&self, v: &VolunteerRecord, audit: &NewAudit) -> StoreResult<()>;
    async fn search_volunteers(
        &self,
        q: &VolunteerQuery,
    ) -> StoreResult<(Vec<VolunteerRecord>, i64)>;
    /// Rebuilds the name-search gram table (姓名检索字表) from every volunteer with migration
    /// 0010's own statement, in one transaction; answers the rows written. For loaders that
    /// write volunteers without it (the data generator).
    async fn refill_name_grams(&self) -> StoreResult<u64>;
    /// Skill tags in use that start with or contain `fragment`, most used first.
    async fn skill_suggestions(
        &self,
        fragment: &str,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>>;

    // accounts and sessions
    async fn insert_user(&self, user: &UserRow, audit: Option<&NewAudit>) -> StoreResult<()>;
    async fn get_user(&self, id: &str) -> StoreResult<Option<UserRow>>;
    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<UserRow>>;
    /// The accounts a login box entry may name, best match first: the login name itself, else
    /// the accounts of volunteers with that volunteer number, registration number or mobile
    /// number (several volunteers may share a phone). At most `limit`.
    async fn users_for_login(&self, login: &str, limit: i64) -> StoreResult<Vec<UserRow>>;
    /// An existing login name that looks like one with this key (`domain::username_key`).
    async fn username_lookalike(&self, login_key: &str) -> StoreResult<Option<String>>;
    /// Gives accounts from before migration 0012 their look-alike key; returns how many.
    async fn fill_login_keys(&self) -> StoreResult<u64>;
    async fn users_in_org_subtree(&self, org_path: &str, limit: i64) -> StoreResult<Vec<UserRow>>;
    async fn count_users(&self) -> StoreResult<i64>;
    async fn insert_session(&self, s: &SessionRow) -> StoreResult<()>;
    async fn get_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionRow>>;
    /// Many unexpired sessions with their accounts in two statements (authentication of a
    /// burst of requests with different tokens); unknown or expired tokens are left out.
    async fn sessions_with_users(
        &self,
        token_hashes: &[String],
        now: i64,
    ) -> StoreResult<Vec<(SessionRow, UserRow)>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    // audit
    async fn list_audit(
        &self,
        within_org_path: Option<&str>,
        subject_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<AuditRow>, i64)>;
}

/// Opens the store named by `url` (`sqlite://PATH` or `postgres://…`) and applies migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    let store: Arc<dyn Store> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Arc::new(PgStore::connect(url).await?)
        } else if url.starts_with("sqlite:") {
            Arc::new(SqliteStore::connect(url).await?)
        } else {
            return Err(StoreError::Unsupported(format!(
                "database URL must start with sqlite:// or postgres://, got {url}"
            )));
        };
    store.fill_login_keys().await?;
    Ok(store)
}

/// The upper bound of a path range: every path starting with `prefix` (which ends in '/')
/// sorts in `[prefix, upper)`, and nothing else does, because '0' follows '/' in byte order.
pub(crate) fn path_upper(prefix: &str) -> String {
    let mut s = prefix.trim_end_matches('/').to_owned();
    s.push('0');
    s
}
