//! Reporting tasks SQL (both backends): the `ReportTaskStore` implementation.

use async_trait::async_trait;

use super::notifications::insert_notification;
use super::{audit, Backend};
use crate::notifications::NewNotification;
use crate::report_tasks::*;
use crate::{path_upper, NewAudit, StoreResult};

/// A task with the setter's name and its counts of asked and submitted orgs.
const TASK_SELECT: &str = "SELECT t.*, o.name AS org_name, \
     (SELECT COUNT(*) FROM report_task_targets g WHERE g.task_id = t.id) AS targets, \
     (SELECT COUNT(DISTINCT s.org_id) FROM report_submissions s WHERE s.task_id = t.id) \
       AS submitted \
     FROM report_tasks t JOIN orgs o ON o.id = t.org_id";

const SUBMISSION_COLUMNS: &str = "s.id, s.task_id, s.org_id, s.note, s.file_name, s.file_size, \
     s.submitted_by, s.submitter_name, s.submitted_at";

#[async_trait]
impl ReportTaskStore for Backend {
    async fn insert_report_task(
        &self,
        t: &ReportTaskRow,
        targets: &[ReportTargetRow],
        notices: &[NewNotification],
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO report_tasks (id, org_id, org_path, title, description, deadline, \
             target_level, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&t.id)
        .bind(&t.org_id)
        .bind(&t.org_path)
        .bind(&t.title)
        .bind(&t.description)
        .bind(t.deadline)
        .bind(&t.target_level)
        .bind(&t.created_by)
        .bind(t.created_at)
        .execute(&mut *tx)
        .await?;
        for g in targets {
            sqlx::query(
                "INSERT INTO report_task_targets (task_id, org_id, org_name, org_path) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&g.task_id)
            .bind(&g.org_id)
            .bind(&g.org_name)
            .bind(&g.org_path)
            .execute(&mut *tx)
            .await?;
        }
        for n in notices {
            insert_notification(&mut tx, n).await?;
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_report_task(&self, id: &str) -> StoreResult<Option<ReportTaskRow>> {
        Ok(sqlx::query_as(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn report_tasks_in(
        &self,
        within: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<ReportTaskRow>, i64)> {
        let filter = "(t.org_path >= $1 AND t.org_path < $2) OR EXISTS (SELECT 1 FROM \
             report_task_targets g WHERE g.task_id = t.id AND g.org_path >= $1 AND g.org_path < $2)";
        let rows = sqlx::query_as(&format!(
            "{TASK_SELECT} WHERE {filter} ORDER BY t.deadline DESC, t.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(within)
        .bind(path_upper(within))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM report_tasks t WHERE {filter}"
        ))
        .bind(within)
        .bind(path_upper(within))
        .fetch_one(self.reader())
        .await?;
        Ok((rows, total))
    }

    async fn report_targets(
        &self,
        task_id: &str,
        within: &str,
    ) -> StoreResult<Vec<ReportTargetStatus>> {
        Ok(sqlx::query_as(
            "SELECT g.org_id, g.org_name, g.org_path, MIN(s.submitted_at) AS first_submitted_at, \
             MAX(s.submitted_at) AS last_submitted_at, COUNT(s.id) AS submissions \
             FROM report_task_targets g LEFT JOIN report_submissions s \
               ON s.task_id = g.task_id AND s.org_id = g.org_id \
             WHERE g.task_id = $1 AND g.org_path >= $2 AND g.org_path < $3 \
             GROUP BY g.org_id, g.org_name, g.org_path ORDER BY g.org_path",
        )
        .bind(task_id)
        .bind(within)
        .bind(path_upper(within))
        .fetch_all(self.reader())
        .await?)
    }

    async fn report_target(
        &self,
        task_id: &str,
        org_id: &str,
    ) -> StoreResult<Option<ReportTargetRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM report_task_targets WHERE task_id = $1 AND org_id = $2")
                .bind(task_id)
                .bind(org_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn insert_report_submission(
        &self,
        s: &ReportSubmissionRow,
        file: Option<&[u8]>,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO report_submissions (id, task_id, org_id, note, file_name, file_data, \
             file_size, submitted_by, submitter_name, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&s.id)
        .bind(&s.task_id)
        .bind(&s.org_id)
        .bind(&s.note)
        .bind(&s.file_name)
        .bind(file)
        .bind(s.file_size)
        .bind(&s.submitted_by)
        .bind(&s.submitter_name)
        .bind(s.submitted_at)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn report_submissions(
        &self,
        task_id: &str,
        within: &str,
    ) -> StoreResult<Vec<ReportSubmissionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM report_submissions s \
             JOIN report_task_targets g ON g.task_id = s.task_id AND g.org_id = s.org_id \
             WHERE s.task_id = $1 AND g.org_path >= $2 AND g.org_path < $3 \
             ORDER BY s.submitted_at DESC, s.id DESC"
        ))
        .bind(task_id)
        .bind(within)
        .bind(path_upper(within))
        .fetch_all(self.reader())
        .await?)
    }

    async fn get_report_submission(&self, id: &str) -> StoreResult<Option<ReportSubmissionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM report_submissions s WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?)
    }

    async fn report_submission_file(&self, id: &str) -> StoreResult<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT file_data FROM report_submissions WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.and_then(|(d,)| d))
    }

    async fn pending_reports(&self, from: i64, to: i64) -> StoreResult<Vec<PendingReport>> {
        Ok(sqlx::query_as(
            "SELECT t.id AS task_id, t.title, t.deadline, g.org_id, g.org_name, u.id AS user_id \
             FROM report_tasks t JOIN report_task_targets g ON g.task_id = t.id \
             JOIN users u ON u.org_id = g.org_id AND u.role = 'admin' AND NOT u.disabled \
             WHERE t.deadline >= $1 AND t.deadline < $2 AND NOT EXISTS (SELECT 1 FROM \
               report_submissions s WHERE s.task_id = t.id AND s.org_id = g.org_id) \
             ORDER BY t.deadline, g.org_path, u.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?)
    }
}
