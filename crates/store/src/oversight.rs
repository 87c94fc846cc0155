//! Storage for oversight (issue 5): the maintained aggregates behind statistics (subtree totals
//! per org, per month and per project, a volunteer's hours per year), the facts the compliance
//! rules judge, establishment templates per tree, the station standard checklist (六个有),
//! the rows of the report tables, and a bulk loader for province-sized benchmarks.
//!
//! The aggregates are written by `sql/oversight_agg.rs` inside the transaction of every write
//! that changes what they count; `recount` computes the same figures the slow way, from the
//! rows, so tests can compare the two.

use async_trait::async_trait;
use serde::Serialize;

use crate::{NewAudit, StoreResult};

/// One counter of an org's subtree (see the migration for the keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CountRow {
    pub org_id: String,
    pub key: String,
    pub n: i64,
}

/// A month of a subtree: activities done, approved records and their milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MonthRow {
    pub month: String,
    pub activities: i64,
    pub records: i64,
    pub service_ms: i64,
}

/// A service project of a subtree ('' and no name: activities without a project).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProjectRow {
    pub project_id: String,
    pub name: Option<String>,
    pub activities: i64,
    pub service_ms: i64,
}

/// Everything the statistics of one subtree are made of, maintained or recounted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Counters, sorted by key, zero counters left out.
    pub counts: Vec<(String, i64)>,
    /// Months with anything in them, sorted.
    pub months: Vec<MonthRow>,
    /// Projects with anything in them, sorted by id (names left out).
    pub projects: Vec<ProjectRow>,
    /// (unit, month, activities done by the unit itself) of units whose org is in the
    /// subtree, sorted.
    pub unit_months: Vec<(String, String, i64)>,
}

/// A village-level node without a team (R-STAT-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgFact {
    pub id: String,
    pub name: String,
    pub path: String,
    pub level: String,
    pub unit_type: Option<String>,
    pub population: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Active volunteers of the subtree (maintained counter), where asked for.
    #[sqlx(default)]
    pub registered: i64,
}

/// A unit the establishment and officer rules look at, with its active members counted over
/// the unit and its sub-units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UnitFact {
    pub id: String,
    pub name: String,
    pub path: String,
    pub echelon: String,
    pub is_root: bool,
    pub created_at: i64,
    pub org_id: String,
    pub org_name: String,
    pub org_level: String,
    pub org_unit_type: Option<String>,
    pub parent_level: Option<String>,
    pub members: i64,
    pub veterans: i64,
    /// Someone holds a leading position in the unit itself.
    pub has_leader: bool,
    /// Deputies in the unit itself.
    pub deputies: i64,
}

/// A root unit without a done activity in a month, and when it last held one before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IdleUnit {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub created_at: i64,
    pub last_activity_at: Option<i64>,
}

/// An active volunteer with their approved milliseconds in a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VolunteerHours {
    pub id: String,
    pub name: String,
    pub volunteer_no: String,
    pub org_id: String,
    pub org_name: String,
    pub year_ms: i64,
    /// How many match in all (a window count read with the page).
    #[serde(skip)]
    #[sqlx(default)]
    pub total: i64,
}

/// One recorded item of a station's 六个有.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StationItemRow {
    pub org_id: String,
    pub item: String,
    pub present: bool,
    pub evidence: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// A root unit in the team statistics table (003 attachment 7) and 001's composition report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TeamLine {
    pub id: String,
    pub name: String,
    pub path: String,
    pub echelon: String,
    pub specialty: Option<String>,
    pub parent_team_id: Option<String>,
    pub org_name: String,
    pub org_path: String,
    pub created_at: i64,
    /// Active members of the unit and its sub-units (each person once).
    pub members: i64,
    pub veterans: i64,
    pub party_members: i64,
    /// Officers of the unit itself: (position code, name), by position then name.
    #[sqlx(skip)]
    pub officers: Vec<(String, String)>,
}

/// A volunteer line of 001's report (masked ID only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VolunteerLine {
    pub id: String,
    pub name: String,
    pub volunteer_no: String,
    pub id_masked: String,
    pub gender: String,
    pub birth_date: String,
    pub phone: String,
    pub veteran: bool,
    pub party_member: bool,
    pub status: String,
    pub org_name: String,
    /// (unit name, position code) of each unit held.
    #[sqlx(skip)]
    pub units: Vec<(String, String)>,
    #[sqlx(skip)]
    pub skills: Vec<String>,
}

#[async_trait]
pub trait OversightStore: Send + Sync {
    /// The maintained counters of `org_id`'s subtree.
    async fn ov_counts(
        &self,
        org_ids: &[String],
        keys: Option<&[&str]>,
    ) -> StoreResult<Vec<CountRow>>;
    /// The maintained months of `org_id`'s subtree within `[from, to]` (YYYY-MM).
    async fn ov_months(&self, org_id: &str, from: &str, to: &str) -> StoreResult<Vec<MonthRow>>;
    /// The `limit` projects with the most approved hours in the subtree, with their names.
    async fn ov_top_projects(&self, org_id: &str, limit: i64) -> StoreResult<Vec<ProjectRow>>;
    /// The same figures as the maintained aggregates, counted from the rows (slow; tests).
    async fn ov_recount(&self, org_path: &str) -> StoreResult<Totals>;
    /// The maintained aggregates of one subtree in the shape of `ov_recount`.
    async fn ov_totals(&self, org_id: &str) -> StoreResult<Totals>;
    /// Empties and rebuilds every aggregate from the rows, in one transaction.
    async fn ov_rebuild(&self) -> StoreResult<()>;

    // compliance facts, each over the org subtree `path`
    async fn ov_villages_without_team(&self, path: &str) -> StoreResult<Vec<OrgFact>>;
    /// Root units, small squads and squads, with their members counted.
    async fn ov_unit_facts(&self, path: &str) -> StoreResult<Vec<UnitFact>>;
    /// Root units created before `end_ms` without a done activity (theirs or a sub-unit's) in
    /// `month` (YYYY-MM, whose bounds are `[start_ms, end_ms)`).
    async fn ov_idle_units(
        &self,
        path: &str,
        month: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> StoreResult<Vec<IdleUnit>>;
    /// How many active volunteers registered before `before_ms` have less than `below_ms` in
    /// `year`.
    async fn ov_count_volunteers_below(
        &self,
        path: &str,
        year: &str,
        below_ms: i64,
        before_ms: i64,
    ) -> StoreResult<i64>;
    /// A page of them, by org path and name, and (when the page has rows) how many there are
    /// in all, read in the same pass.
    async fn ov_volunteers_below(
        &self,
        path: &str,
        year: &str,
        below_ms: i64,
        before_ms: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<VolunteerHours>, Option<i64>)>;
    /// Nodes with a population, with their active volunteers (maintained counter).
    async fn ov_populated_orgs(&self, path: &str) -> StoreResult<Vec<OrgFact>>;
    /// Service stations (unit type service_station) of the subtree.
    async fn ov_stations(&self, path: &str) -> StoreResult<Vec<OrgFact>>;
    async fn ov_station_items(&self, org_ids: &[String]) -> StoreResult<Vec<StationItemRow>>;
    /// Records (upserts) items of a station's checklist.
    async fn ov_record_station_items(
        &self,
        items: &[StationItemRow],
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Last change to a unit or its roster (audit log), for each of `team_ids`.
    async fn ov_last_team_changes(&self, team_ids: &[String]) -> StoreResult<Vec<(String, i64)>>;

    // establishment templates, kept on a tree's root
    async fn ov_templates(&self, root_org_id: &str) -> StoreResult<Vec<(String, Option<i64>)>>;
    async fn ov_set_templates(
        &self,
        root_org_id: &str,
        templates: &[(String, Option<i64>)],
        audit: &NewAudit,
    ) -> StoreResult<()>;

    // report tables
    /// Every unit of the subtree (by org path, then unit path), at most `limit`.
    async fn ov_team_lines(&self, path: &str, limit: i64) -> StoreResult<Vec<TeamLine>>;
    /// Volunteers whose locality is in the subtree (by org path, name), at most `limit`.
    async fn ov_volunteer_lines(&self, path: &str, limit: i64) -> StoreResult<Vec<VolunteerLine>>;
    /// Done activities per root unit of the subtree (with its sub-units) in the months
    /// `from..=to` (YYYY-MM).
    async fn ov_unit_activity_counts(
        &self,
        path: &str,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<(String, i64)>>;
}
