//! Storage side of the data generator (`zhiyuan gen`, issue 7): a bulk load of prepared rows
//! into an empty database. No audit lines (this is a load, not a use case) and no aggregate
//! maintenance: the generator knows every row it makes, so it hands over the maintained
//! aggregates (ov_* tables, the activities' counters) already summed, and the tests hold them
//! to `ov_recount`.
//!
//! Rows travel as borrowed binds of multi-row statements; a record shares its activity's
//! fields (place, content, recipients, …), so only its own id, volunteer and times are made
//! per record.

use async_trait::async_trait;

use crate::activities::{ActivityRow, ProjectRow};
use crate::oversight::{CountRow, MonthRow};
use crate::{OrgRow, StoreResult, TeamRow, VolunteerRow};

/// What the records of one activity have in common (R-LAW-3 fields).
#[derive(Clone, Debug, Default)]
pub struct RecordCommon {
    /// China date of the check-ins, `YYYY-MM-DD`.
    pub day: String,
    pub captured: String,
    pub place: String,
    pub content: String,
    pub recipients: String,
    pub evaluation: String,
    pub person_in_charge: String,
    pub recorder: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
}

/// One volunteer's approved service record of an activity (and, unless the activity was
/// back-filled, the confirmed sign-up it rests on).
#[derive(Clone, Debug, Default)]
pub struct Participant {
    pub record_id: String,
    pub volunteer_id: String,
    pub signed_up_at: i64,
    pub checked_in_at: i64,
    pub checked_out_at: i64,
}

/// A done activity with its sign-ups and records. `row.confirmed` must equal the number of
/// participants when the activity is not back-filled (sign-ups are written for them), else 0.
#[derive(Clone, Debug)]
pub struct LoadActivity {
    pub row: ActivityRow,
    pub record: RecordCommon,
    pub participants: Vec<Participant>,
}

/// One transaction's worth of rows. Parents come before children across batches.
#[derive(Clone, Debug, Default)]
pub struct LoadBatch {
    pub orgs: Vec<OrgRow>,
    pub teams: Vec<TeamRow>,
    pub volunteers: Vec<VolunteerRow>,
    /// (volunteer id, skill)
    pub skills: Vec<(String, String)>,
    /// (team id, volunteer id, position, appointed at)
    pub members: Vec<(String, String, String, i64)>,
    pub projects: Vec<ProjectRow>,
    pub activities: Vec<LoadActivity>,
    /// Maintained aggregates, already summed over each org's subtree.
    pub ov_counts: Vec<CountRow>,
    /// (org id, month row)
    pub ov_months: Vec<(String, MonthRow)>,
    /// (org id, project id or '', activities, service ms)
    pub ov_projects: Vec<(String, String, i64, i64)>,
    /// (volunteer id, year, service ms)
    pub ov_volunteer_years: Vec<(String, String, i64)>,
    /// (team id, month, activities done by the unit itself)
    pub ov_unit_months: Vec<(String, String, i64)>,
}

impl LoadBatch {
    /// Rows in the batch (records and sign-ups counted), for progress reports.
    pub fn rows(&self) -> usize {
        let records: usize = self.activities.iter().map(|a| a.participants.len()).sum();
        self.orgs.len()
            + self.teams.len()
            + self.volunteers.len()
            + self.skills.len()
            + self.members.len()
            + self.projects.len()
            + self.activities.len()
            + records
            + self.ov_counts.len()
            + self.ov_months.len()
            + self.ov_projects.len()
            + self.ov_volunteer_years.len()
            + self.ov_unit_months.len()
    }
}

/// A secondary index set aside during a load: its name and the exact statement that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAsideIndex {
    pub name: String,
    pub create_sql: String,
}

#[async_trait]
pub trait GenStore: Send + Sync {
    /// True when the database holds no org, team or volunteer (accounts may exist).
    async fn gen_is_empty(&self) -> StoreResult<bool>;
    /// Drops the secondary indexes of the big tables (volunteers, skills, members,
    /// activities, sign-ups, records, aggregates) and returns them: building an index once
    /// over sorted keys is much cheaper than keeping it through millions of random inserts.
    async fn gen_begin(&self) -> StoreResult<Vec<SetAsideIndex>>;
    /// Writes one batch in one transaction.
    async fn gen_load(&self, batch: &LoadBatch) -> StoreResult<()>;
    /// Recreates the indexes with their original statements (the schema is the migrated one
    /// again), refreshes the planner's statistics and makes everything durable (SQLite: a
    /// full checkpoint of the WAL into the database file).
    async fn gen_finish(&self, indexes: &[SetAsideIndex]) -> StoreResult<()>;
}
