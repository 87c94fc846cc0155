//! Storage for reporting tasks (报送任务, issue 5 item 3; R-STAT-3): an org asks the orgs below
//! it for a report by a deadline; each asked org submits (a note, optionally a workbook); the
//! setter sees per org: not started, submitted, late, overdue.
//!
//! The asked orgs are written when the task is set (`report_task_targets`, with their name and
//! path then), so moving a node later neither adds nor drops anyone from a task. Submissions
//! are never overwritten: a resubmission is a new row and the status follows from the first.

use async_trait::async_trait;
use serde::Serialize;

use crate::notifications::NewNotification;
use crate::{NewAudit, StoreResult};

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReportTaskRow {
    pub id: String,
    /// The org that set the task; its admins see every target's status.
    pub org_id: String,
    pub org_path: String,
    pub title: String,
    pub description: String,
    pub deadline: i64,
    /// The level asked (`township`, `village`, …), or `None` for the direct children.
    pub target_level: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    #[sqlx(default)]
    pub org_name: String,
    /// How many orgs were asked, and how many of them have submitted (in the listing).
    #[sqlx(default)]
    pub targets: i64,
    #[sqlx(default)]
    pub submitted: i64,
}

/// One org asked by a task.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReportTargetRow {
    pub task_id: String,
    pub org_id: String,
    pub org_name: String,
    pub org_path: String,
}

/// An asked org with its submissions summed up.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReportTargetStatus {
    pub org_id: String,
    pub org_name: String,
    pub org_path: String,
    pub first_submitted_at: Option<i64>,
    pub last_submitted_at: Option<i64>,
    pub submissions: i64,
}

/// A submission without its file's bytes.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReportSubmissionRow {
    pub id: String,
    pub task_id: String,
    pub org_id: String,
    pub note: String,
    pub file_name: Option<String>,
    pub file_size: i64,
    pub submitted_by: String,
    pub submitter_name: String,
    pub submitted_at: i64,
}

/// An asked org that has not submitted, with one of its admin accounts, for the deadline
/// reminders.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct PendingReport {
    pub task_id: String,
    pub title: String,
    pub deadline: i64,
    pub org_id: String,
    pub org_name: String,
    pub user_id: String,
}

#[async_trait]
pub trait ReportTaskStore: Send + Sync {
    /// The task, the orgs it asks and the notices to their admins, in one transaction.
    async fn insert_report_task(
        &self,
        task: &ReportTaskRow,
        targets: &[ReportTargetRow],
        notices: &[NewNotification],
        audit: &NewAudit,
    ) -> StoreResult<()>;
    async fn get_report_task(&self, id: &str) -> StoreResult<Option<ReportTaskRow>>;
    /// Tasks set within the org subtree `within`, or asking an org within it; deadline last
    /// first. With the number of targets and of those that submitted (all of them, not only
    /// those within `within`).
    async fn report_tasks_in(
        &self,
        within: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<ReportTaskRow>, i64)>;
    /// The task's asked orgs within the subtree `within` (ordered by path) with their
    /// submissions summed up.
    async fn report_targets(
        &self,
        task_id: &str,
        within: &str,
    ) -> StoreResult<Vec<ReportTargetStatus>>;
    async fn report_target(
        &self,
        task_id: &str,
        org_id: &str,
    ) -> StoreResult<Option<ReportTargetRow>>;
    /// Writes a submission; `file` is the workbook's name and bytes.
    async fn insert_report_submission(
        &self,
        s: &ReportSubmissionRow,
        file: Option<&[u8]>,
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Submissions to the task from orgs within `within`, newest first.
    async fn report_submissions(
        &self,
        task_id: &str,
        within: &str,
    ) -> StoreResult<Vec<ReportSubmissionRow>>;
    async fn get_report_submission(&self, id: &str) -> StoreResult<Option<ReportSubmissionRow>>;
    async fn report_submission_file(&self, id: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Asked orgs with no submission, of tasks whose deadline lies in `[from, to)`, each with
    /// every enabled admin account bound to that org.
    async fn pending_reports(&self, from: i64, to: i64) -> StoreResult<Vec<PendingReport>>;
}
