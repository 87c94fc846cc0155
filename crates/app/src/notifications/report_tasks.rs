//! Reporting tasks (报送任务, issue 5 item 3; R-STAT-3): an admin sets a task with a title, a
//! description and a deadline for the orgs below its own (the direct children, or every org of
//! a chosen level in the subtree); the admins of those orgs submit a note and optionally a
//! workbook; the setter sees per asked org: not started, submitted, late (submitted after the
//! deadline) or overdue (not submitted and past it).
//!
//! Scope: the setter's side (whoever covers the task's org) sees every asked org; an asked
//! org's side sees only the asked orgs within its own subtree; anyone else gets 404. Only an
//! admin covering an asked org submits for it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::Level;
use zhiyuan_store::notifications::NewNotification;
use zhiyuan_store::report_tasks::{
    ReportSubmissionRow, ReportTargetRow, ReportTargetStatus, ReportTaskRow,
};

use crate::activities::parse_time;
use crate::error::{AppError, AppResult};
use crate::{clock, new_id, page_window, Actor, App};

/// Largest workbook accepted with a submission.
pub const MAX_REPORT_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most orgs one task may ask (a province asking every village is about 28,000).
const MAX_TARGETS: i64 = 50_000;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewReportTask {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339.
    pub deadline: String,
    /// The setting org; default the actor's own.
    pub org_id: Option<String>,
    /// Ask every org of this level in the subtree instead of the direct children.
    pub target_level: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewReportSubmission {
    /// The asked org submitting; default the actor's own.
    pub org_id: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// An attached workbook.
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportTaskView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub title: String,
    pub description: String,
    /// RFC 3339.
    pub deadline: String,
    pub deadline_passed: bool,
    pub target_level: Option<String>,
    /// Orgs asked, and how many of them have submitted.
    pub targets: i64,
    pub submitted: i64,
    pub created_at: String,
    /// True when the actor is on the setter's side (sees every asked org).
    pub setter: bool,
}

/// Where an asked org stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Nothing submitted, deadline not yet passed (未报送).
    NotStarted,
    /// First submitted by the deadline (已报送).
    Submitted,
    /// First submitted after the deadline (逾期报送).
    Late,
    /// Nothing submitted and the deadline has passed (逾期未报).
    Overdue,
}

impl ReportStatus {
    pub fn of(first_submitted_at: Option<i64>, deadline: i64, now_ms: i64) -> ReportStatus {
        match first_submitted_at {
            Some(t) if t <= deadline => ReportStatus::Submitted,
            Some(_) => ReportStatus::Late,
            None if now_ms > deadline => ReportStatus::Overdue,
            None => ReportStatus::NotStarted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "not_started",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Late => "late",
            ReportStatus::Overdue => "overdue",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "未报送",
            ReportStatus::Submitted => "已报送",
            ReportStatus::Late => "逾期报送",
            ReportStatus::Overdue => "逾期未报",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportTargetView {
    pub org_id: String,
    pub org_name: String,
    pub status: ReportStatus,
    pub status_label: String,
    pub first_submitted_at: Option<String>,
    pub last_submitted_at: Option<String>,
    pub submissions: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportCounts {
    pub not_started: i64,
    pub submitted: i64,
    pub late: i64,
    pub overdue: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportSubmissionView {
    pub id: String,
    pub org_id: String,
    pub note: String,
    pub file_name: Option<String>,
    pub file_size: i64,
    /// Download address of the workbook, when one was attached.
    pub file_url: Option<String>,
    pub submitter: String,
    pub submitted_at: String,
    pub late: bool,
}

/// One task with the status of each asked org the actor may see.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportTaskDetail {
    pub task: ReportTaskView,
    pub counts: ReportCounts,
    pub items: Vec<ReportTargetView>,
    pub submissions: Vec<ReportSubmissionView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportTaskList {
    pub items: Vec<ReportTaskView>,
    pub total: i64,
}

fn text(field: &str, s: &str, max: usize, required: bool) -> AppResult<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(AppError::invalid(field, "required", "此项必填"));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            "too_long",
            format!("不能超过 {max} 个字"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::invalid(
            field,
            "text_invalid",
            "含有不可见的控制字符",
        ));
    }
    Ok(t.to_owned())
}

/// A workbook is accepted by its name, its first bytes (an .xlsx is a zip file) and what it
/// unpacks to (the budgets every upload of a workbook meets; it is stored, not read, but
/// whoever downloads it opens it). Unpacking takes up to a second: call it off the async threads.
pub fn check_report_file(name: &str, bytes: &[u8]) -> AppResult<String> {
    if bytes.len() > MAX_REPORT_FILE_BYTES {
        return Err(AppError::invalid(
            "file",
            "file_too_large",
            "附件不能超过 5 MB",
        ));
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let is_xlsx = base.to_lowercase().ends_with(".xlsx") && bytes.starts_with(b"PK\x03\x04");
    if !is_xlsx {
        return Err(AppError::invalid(
            "file",
            "not_xlsx",
            "附件只能是 Excel 工作簿（.xlsx）",
        ));
    }
    zhiyuan_sheets::check_zip_budget(bytes)
        .map_err(|e| AppError::invalid("file", e.code(), e.to_string()))?;
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    Ok(clean)
}

fn task_view(t: &ReportTaskRow, setter: bool, now_ms: i64) -> ReportTaskView {
    ReportTaskView {
        id: t.id.clone(),
        org_id: t.org_id.clone(),
        org_name: t.org_name.clone(),
        title: t.title.clone(),
        description: t.description.clone(),
        deadline: clock::rfc3339(t.deadline),
        deadline_passed: now_ms > t.deadline,
        target_level: t.target_level.clone(),
        targets: t.targets,
        submitted: t.submitted,
        created_at: clock::rfc3339(t.created_at),
        setter,
    }
}

fn target_view(g: &ReportTargetStatus, deadline: i64, now_ms: i64) -> ReportTargetView {
    let status = ReportStatus::of(g.first_submitted_at, deadline, now_ms);
    ReportTargetView {
        org_id: g.org_id.clone(),
        org_name: g.org_name.clone(),
        status,
        status_label: status.label_zh().to_owned(),
        first_submitted_at: g.first_submitted_at.map(clock::rfc3339),
        last_submitted_at: g.last_submitted_at.map(clock::rfc3339),
        submissions: g.submissions,
    }
}

fn submission_view(s: &ReportSubmissionRow, deadline: i64) -> ReportSubmissionView {
    ReportSubmissionView {
        id: s.id.clone(),
        org_id: s.org_id.clone(),
        note: s.note.clone(),
        file_name: s.file_name.clone(),
        file_size: s.file_size,
        file_url: s.file_name.as_ref().map(|_| {
            format!(
                "/api/v1/report-tasks/{}/submissions/{}/file",
                s.task_id, s.id
            )
        }),
        submitter: s.submitter_name.clone(),
        submitted_at: clock::rfc3339(s.submitted_at),
        late: s.submitted_at > deadline,
    }
}

impl App {
    /// Sets a reporting task for the orgs below the setting org and tells their admins.
    pub async fn create_report_task(
        &self,
        actor: &Actor,
        input: &NewReportTask,
    ) -> AppResult<ReportTaskView> {
        actor.require_admin()?;
        let title = text("title", &input.title, 100, true)?;
        let description = text("description", &input.description, 4000, false)?;
        let deadline = parse_time("deadline", &input.deadline)?;
        let now = clock::now_ms();
        if deadline <= now {
            return Err(AppError::invalid(
                "deadline",
                "deadline_past",
                "截止时间必须晚于现在",
            ));
        }
        let org_id = input
            .org_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| actor.org_id.clone())
            .ok_or_else(|| AppError::invalid("org_id", "required", "请选择下达任务的组织"))?;
        let org = self.writable_org(actor, &org_id, "org_id").await?;
        let level = match input.target_level.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) => Some(
                Level::parse(l)
                    .map_err(|e| AppError::invalid("target_level", e.code(), e.message()))?,
            ),
        };
        let orgs = match level {
            None => self.store.org_children(Some(&org.id)).await?,
            Some(l) => self
                .store
                .org_subtree(&org.path, MAX_TARGETS)
                .await?
                .into_iter()
                .filter(|o| o.id != org.id && o.level == l.as_str())
                .collect(),
        };
        if orgs.is_empty() {
            return Err(AppError::invalid(
                "target_level",
                "no_targets",
                "该组织下没有可下达任务的下级组织",
            ));
        }
        let id = new_id();
        let targets: Vec<ReportTargetRow> = orgs
            .iter()
            .map(|o| ReportTargetRow {
                task_id: id.clone(),
                org_id: o.id.clone(),
                org_name: o.name.clone(),
                org_path: o.path.clone(),
            })
            .collect();
        let asked: HashSet<&str> = targets.iter().map(|t| t.org_id.as_str()).collect();
        let notices: Vec<NewNotification> = self
            .store
            .admins_in_subtree(&org.path)
            .await?
            .into_iter()
            .filter(|(_, org_id)| asked.contains(org_id.as_str()))
            .map(|(user_id, _)| NewNotification {
                id: new_id(),
                dedupe_key: format!("report_task_new:{id}:{user_id}"),
                user_id,
                kind: "report_task_new".into(),
                title: format!("新的报送任务：{title}"),
                body: format!(
                    "{}下达了报送任务，截止时间 {}。",
                    org.name,
                    clock::display(deadline)
                ),
                link: Some(format!("/report-tasks/{id}")),
                created_at: now,
            })
            .collect();
        let row = ReportTaskRow {
            id: id.clone(),
            org_id: org.id.clone(),
            org_path: org.path.clone(),
            title,
            description,
            deadline,
            target_level: level.map(|l| l.as_str().to_owned()),
            created_by: actor.username.clone(),
            created_at: now,
            org_name: org.name.clone(),
            targets: targets.len() as i64,
            submitted: 0,
        };
        let view = task_view(&row, true, now);
        let audit = self.audit_entry(
            actor,
            "report_task.create",
            "report_task",
            &id,
            &org.path,
            None,
            crate::snapshot(&view),
        );
        self.store
            .insert_report_task(&row, &targets, &notices, &audit)
            .await?;
        Ok(view)
    }

    /// Tasks the actor set (within its subtree) or is asked by, latest deadline first.
    pub async fn report_tasks(
        &self,
        actor: &Actor,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<ReportTaskList> {
        actor.require_admin()?;
        let within = actor.admin_org_path().unwrap_or("/");
        let (limit, offset) = page_window(page, per_page);
        let (rows, total) = self.store.report_tasks_in(within, limit, offset).await?;
        let now = clock::now_ms();
        Ok(ReportTaskList {
            items: rows
                .iter()
                .map(|t| task_view(t, actor.scope.covers_org(&t.org_path), now))
                .collect(),
            total,
        })
    }

    /// The task and the subtree of asked orgs the actor sees: all of them on the setter's
    /// side, its own on an asked org's side; 404 for anyone else.
    async fn visible_report_task(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<(ReportTaskRow, String, bool)> {
        actor.require_admin()?;
        let t = self
            .store
            .get_report_task(id)
            .await?
            .ok_or_else(|| AppError::not_found("报送任务"))?;
        if actor.scope.covers_org(&t.org_path) {
            let path = t.org_path.clone();
            return Ok((t, path, true));
        }
        let within = actor.admin_org_path().unwrap_or("/").to_owned();
        if self.store.report_targets(&t.id, &within).await?.is_empty() {
            return Err(AppError::not_found("报送任务"));
        }
        Ok((t, within, false))
    }

    pub async fn report_task(&self, actor: &Actor, id: &str) -> AppResult<ReportTaskDetail> {
        let (t, within, setter) = self.visible_report_task(actor, id).await?;
        let now = clock::now_ms();
        let items: Vec<ReportTargetView> = self
            .store
            .report_targets(&t.id, &within)
            .await?
            .iter()
            .map(|g| target_view(g, t.deadline, now))
            .collect();
        let mut counts = ReportCounts::default();
        for i in &items {
            match i.status {
                ReportStatus::NotStarted => counts.not_started += 1,
                ReportStatus::Submitted => counts.submitted += 1,
                ReportStatus::Late => counts.late += 1,
                ReportStatus::Overdue => counts.overdue += 1,
            }
        }
        let submissions = self
            .store
            .report_submissions(&t.id, &within)
            .await?
            .iter()
            .map(|s| submission_view(s, t.deadline))
            .collect();
        Ok(ReportTaskDetail {
            task: task_view(&t, setter, now),
            counts,
            items,
            submissions,
        })
    }

    /// Submits for an asked org the actor administers; after the deadline it is kept and
    /// shows as late.
    pub async fn submit_report(
        &self,
        actor: &Actor,
        task_id: &str,
        input: &NewReportSubmission,
        file: Option<ReportFile>,
    ) -> AppResult<ReportSubmissionView> {
        let (t, _, _) = self.visible_report_task(actor, task_id).await?;
        let note = text("note", &input.note, 4000, false)?;
        let org_id = input
            .org_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| actor.org_id.clone())
            .ok_or_else(|| AppError::invalid("org_id", "required", "请选择报送的组织"))?;
        let org = self.writable_org(actor, &org_id, "org_id").await?;
        if self.store.report_target(&t.id, &org.id).await?.is_none() {
            return Err(AppError::invalid(
                "org_id",
                "not_a_target",
                "该组织不在此报送任务的报送范围内",
            ));
        }
        let file = match file {
            Some(f) => Some(
                tokio::task::spawn_blocking(move || {
                    check_report_file(&f.name, &f.bytes).map(|name| (name, f.bytes))
                })
                .await
                .map_err(|_| AppError::internal())??,
            ),
            None => None,
        };
        if note.is_empty() && file.is_none() {
            return Err(AppError::invalid(
                "note",
                "required",
                "请填写报送说明或上传附件",
            ));
        }
        let row = ReportSubmissionRow {
            id: new_id(),
            task_id: t.id.clone(),
            org_id: org.id.clone(),
            note,
            file_name: file.as_ref().map(|(n, _)| n.clone()),
            file_size: file.as_ref().map(|(_, b)| b.len() as i64).unwrap_or(0),
            submitted_by: actor.user_id.clone(),
            submitter_name: actor.username.clone(),
            submitted_at: clock::now_ms(),
        };
        let view = submission_view(&row, t.deadline);
        let audit = self.audit_entry(
            actor,
            "report_task.submit",
            "report_task",
            &t.id,
            &org.path,
            None,
            crate::snapshot(&view),
        );
        self.store
            .insert_report_submission(&row, file.as_ref().map(|(_, b)| b.as_slice()), &audit)
            .await?;
        Ok(view)
    }

    /// A submission's workbook (name and bytes), for those who see the submitting org.
    pub async fn report_file(
        &self,
        actor: &Actor,
        task_id: &str,
        submission_id: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        let (t, within, _) = self.visible_report_task(actor, task_id).await?;
        let s = self
            .store
            .get_report_submission(submission_id)
            .await?
            .filter(|s| s.task_id == t.id)
            .ok_or_else(|| AppError::not_found("附件"))?;
        let target = self
            .store
            .report_target(&t.id, &s.org_id)
            .await?
            .ok_or_else(|| AppError::not_found("附件"))?;
        if !zhiyuan_domain::is_within(&target.org_path, &within) {
            return Err(AppError::not_found("附件"));
        }
        let name = s.file_name.ok_or_else(|| AppError::not_found("附件"))?;
        let bytes = self
            .store
            .report_submission_file(&s.id)
            .await?
            .ok_or_else(|| AppError::not_found("附件"))?;
        Ok((name, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_at_the_deadline() {
        let d = 1_000;
        assert_eq!(ReportStatus::of(None, d, d), ReportStatus::NotStarted);
        assert_eq!(ReportStatus::of(None, d, d + 1), ReportStatus::Overdue);
        assert_eq!(ReportStatus::of(Some(d), d, d + 5), ReportStatus::Submitted);
        assert_eq!(ReportStatus::of(Some(d + 1), d, d + 5), ReportStatus::Late);
    }

    #[test]
    fn only_workbooks_are_attached() {
        let workbook = zhiyuan_sheets::write_xlsx("表5", &["a"], &[]).unwrap();
        assert_eq!(
            check_report_file("C:\\x\\表5.xlsx", &workbook).unwrap(),
            "表5.xlsx"
        );
        assert!(check_report_file("a.xlsx", b"%PDF-1.7").is_err());
        assert!(check_report_file("a.pdf", b"PK\x03\x04").is_err());
        // A zip that is not one, or unpacks past the budgets, is refused by the sheets crate.
        assert_eq!(
            check_report_file("a.xlsx", b"PK\x03\x04rest")
                .unwrap_err()
                .code,
            "xlsx_corrupt"
        );
        let big = vec![0u8; MAX_REPORT_FILE_BYTES + 1];
        assert_eq!(
            check_report_file("a.xlsx", &big).unwrap_err().code,
            "file_too_large"
        );
    }
}
