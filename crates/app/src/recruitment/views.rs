//! What the recruitment use cases hand back. No view holds a whole ID number or a password.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::recruitment::{Breach, NumberRange};
use zhiyuan_domain::{Health, Level};
use zhiyuan_store::recruitment::{
    ApplicationRow, ImportJobRow, NumberRangeRow, QueueCount, SpotCheckRow, SpotItemRow,
    StatusChangeRow, StepRow,
};

use crate::clock;

pub fn status_label(s: &str) -> &'static str {
    match s {
        "pending" => "审核中",
        "returned" => "退回修改",
        "rejected" => "不予通过",
        "admitted" => "已入队",
        "active" => "在队",
        "withdrawn" => "已退出",
        "suspended" => "已暂停",
        _ => "未知",
    }
}

pub fn decision_label(s: &str) -> &'static str {
    match s {
        "submitted" => "提交申请",
        "resubmitted" => "修改后重新提交",
        "approve" => "审核通过",
        "return" => "退回修改",
        "reject" => "不予通过",
        "admit" => "批准入队",
        _ => "其他",
    }
}

fn level_label(l: &str) -> String {
    Level::parse(l)
        .map(|l| l.label_zh().to_owned())
        .unwrap_or_default()
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BreachView {
    pub rule: String,
    pub field: String,
    pub message: String,
}

impl From<&Breach> for BreachView {
    fn from(b: &Breach) -> Self {
        BreachView {
            rule: b.rule.clone(),
            field: b.field.clone(),
            message: b.message.clone(),
        }
    }
}

pub(crate) fn breaches_of(a: &ApplicationRow) -> Vec<BreachView> {
    serde_json::from_str::<Vec<Breach>>(&a.breaches_json)
        .unwrap_or_default()
        .iter()
        .map(BreachView::from)
        .collect()
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StepView {
    pub step_index: i64,
    pub org_name: String,
    pub level: String,
    pub level_label: String,
    pub decision: String,
    pub decision_label: String,
    pub reason: Option<String>,
    pub actor_name: String,
    pub at: String,
}

impl StepView {
    /// `public` hides reviewers' account names from the applicant.
    pub fn build(s: &StepRow, public: bool) -> Self {
        StepView {
            step_index: s.step_index,
            org_name: s.org_name.clone(),
            level: s.level.clone(),
            level_label: level_label(&s.level),
            decision: s.decision.clone(),
            decision_label: decision_label(&s.decision).to_owned(),
            reason: s.reason.clone(),
            actor_name: if public {
                String::new()
            } else {
                s.actor_name.clone()
            },
            at: clock::rfc3339(s.at),
        }
    }
}

/// An application as reviewers see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub team_id: String,
    pub org_id: String,
    pub name: String,
    pub id_number_masked: String,
    pub birth_date: String,
    pub age: u32,
    pub gender: String,
    pub phone: String,
    pub veteran: bool,
    pub branch: Option<String>,
    pub enlisted_year: Option<i64>,
    pub discharged_year: Option<i64>,
    pub military_rank: Option<String>,
    pub party_member: bool,
    pub health: String,
    pub health_label: String,
    pub no_record: bool,
    pub skills: Vec<String>,
    pub guardian_consent: bool,
    /// pending, returned, rejected, admitted
    pub status: String,
    pub status_label: String,
    /// Policy rules the application breaks (approval then needs an override reason).
    pub breaches: Vec<BreachView>,
    pub step_index: i64,
    pub steps_total: i64,
    pub current_org_id: Option<String>,
    pub last_reason: Option<String>,
    pub volunteer_id: Option<String>,
    pub registration_no: Option<String>,
    /// For reviewers: the ID number is already registered, or carried by another open
    /// application (zh-CN notes; empty when neither).
    pub duplicates: Vec<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<StepView>,
}

impl ApplicationView {
    pub fn build(a: &ApplicationRow, steps: &[StepRow]) -> Self {
        let birth = chrono::NaiveDate::parse_from_str(&a.birth_date, "%Y-%m-%d").ok();
        ApplicationView {
            id: a.id.clone(),
            team_id: a.team_id.clone(),
            org_id: a.org_id.clone(),
            name: a.name.clone(),
            id_number_masked: a.id_masked.clone(),
            birth_date: a.birth_date.clone(),
            age: birth.map(|b| clock::age_on(b, clock::today())).unwrap_or(0),
            gender: a.gender.clone(),
            phone: a.phone.clone(),
            veteran: a.veteran,
            branch: a.branch.clone(),
            enlisted_year: a.enlisted_year,
            discharged_year: a.discharged_year,
            military_rank: a.military_rank.clone(),
            party_member: a.party_member,
            health: a.health.clone(),
            health_label: Health::parse(&a.health)
                .map(|h| h.label_zh().to_owned())
                .unwrap_or_default(),
            no_record: a.no_record,
            skills: a
                .skills
                .split('、')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            guardian_consent: a.guardian_consent,
            status: a.status.clone(),
            status_label: status_label(&a.status).to_owned(),
            breaches: breaches_of(a),
            step_index: a.step_index,
            steps_total: a.review_chain.split(',').filter(|s| !s.is_empty()).count() as i64,
            current_org_id: a.current_org_id.clone(),
            last_reason: a.last_reason.clone(),
            volunteer_id: a.volunteer_id.clone(),
            registration_no: a.registration_no.clone(),
            duplicates: Vec::new(),
            version: a.version,
            created_at: clock::rfc3339(a.created_at),
            updated_at: clock::rfc3339(a.updated_at),
            history: steps.iter().map(|s| StepView::build(s, false)).collect(),
        }
    }
}

/// What the applicant sees with their tracking code: where it stands, never reviewers' names.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationStatusView {
    pub tracking_code: String,
    pub name_masked: String,
    pub status: String,
    pub status_label: String,
    /// e.g. "乡镇/街道/苏木 · 大沁他拉镇服务站" while pending.
    pub waiting_at: Option<String>,
    pub step_index: i64,
    pub steps_total: i64,
    pub last_reason: Option<String>,
    pub breaches: Vec<BreachView>,
    pub registration_no: Option<String>,
    /// The login name of the account created on admission.
    pub username: Option<String>,
    pub history: Vec<StepView>,
}

/// The answer to a submission: keep the tracking code, it is the only way to follow it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationReceipt {
    pub id: String,
    pub tracking_code: String,
    pub status: String,
    pub breaches: Vec<BreachView>,
}

/// A reviewer's queue: counts per reviewing org, and the oldest pending applications.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueView {
    pub counts: Vec<QueueCountView>,
    pub items: Vec<ApplicationView>,
    pub total: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueCountView {
    pub org_id: String,
    pub org_name: String,
    pub level: String,
    pub level_label: String,
    pub pending: i64,
}

impl From<&QueueCount> for QueueCountView {
    fn from(c: &QueueCount) -> Self {
        QueueCountView {
            org_id: c.org_id.clone(),
            org_name: c.org_name.clone(),
            level: c.level.clone(),
            level_label: level_label(&c.level),
            pending: c.pending,
        }
    }
}

/// The result of a review decision; on admission, the volunteer and their number.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewResult {
    pub application: ApplicationView,
    pub volunteer_id: Option<String>,
    pub registration_no: Option<String>,
    /// Set when the range the number came from is 90 % used or more.
    pub warning: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RangeView {
    pub id: String,
    pub authority_org_id: String,
    pub prefix: String,
    pub first_no: i64,
    pub last_no: i64,
    pub next_no: i64,
    pub issued: i64,
    pub remaining: i64,
    /// 90 % or more issued.
    pub near_end: bool,
    pub exhausted: bool,
    pub created_at: String,
}

impl From<&NumberRangeRow> for RangeView {
    fn from(r: &NumberRangeRow) -> Self {
        let n = NumberRange {
            first: r.first_no,
            last: r.last_no,
            next: r.next_no,
        };
        RangeView {
            id: r.id.clone(),
            authority_org_id: r.authority_org_id.clone(),
            prefix: r.prefix.clone(),
            first_no: r.first_no,
            last_no: r.last_no,
            next_no: r.next_no,
            issued: n.issued(),
            remaining: n.remaining(),
            near_end: n.near_end(),
            exhausted: n.is_exhausted(),
            created_at: clock::rfc3339(r.created_at),
        }
    }
}

/// One rejected import row (API.md): `row` counts the header as row 1.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectedRow {
    pub row: u32,
    pub field: String,
    pub reason: String,
    /// The column header (姓名, 身份证号码, …).
    pub column: String,
    pub code: String,
}

/// The synchronous answer of `POST /api/v1/imports/volunteers`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub imported: i64,
    pub rejected: Vec<RejectedRow>,
    pub job_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportJobView {
    pub id: String,
    pub org_id: String,
    pub file_name: String,
    /// running, done, failed, or interrupted (was running when its server stopped)
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    /// 0..=100
    pub percent: i64,
    pub imported: i64,
    pub rejected: Vec<RejectedRow>,
    pub error: Option<String>,
    pub created_at: String,
}

/// A running import reports progress at least every few seconds; one silent this long was cut
/// off by a crash or a restart.
pub const IMPORT_HEARTBEAT_STALE_MS: i64 = 60_000;

impl From<&ImportJobRow> for ImportJobView {
    fn from(j: &ImportJobRow) -> Self {
        let interrupted =
            j.status == "running" && clock::now_ms() - j.heartbeat_at > IMPORT_HEARTBEAT_STALE_MS;
        let percent = if j.status == "done" {
            100
        } else if j.total_rows > 0 {
            (j.processed_rows * 100 / j.total_rows).clamp(0, 100)
        } else {
            0
        };
        ImportJobView {
            id: j.id.clone(),
            org_id: j.org_id.clone(),
            file_name: j.file_name.clone(),
            status: if interrupted {
                "interrupted".to_owned()
            } else {
                j.status.clone()
            },
            total_rows: j.total_rows,
            processed_rows: j.processed_rows,
            percent,
            imported: j.imported,
            rejected: serde_json::from_str(&j.rejected_json).unwrap_or_default(),
            error: if interrupted {
                Some(format!(
                    "导入已中断（服务重启或故障），已导入 {} 人；请重新上传同一文件，已导入的人员不会重复",
                    j.imported
                ))
            } else {
                j.error_json.clone()
            },
            created_at: clock::rfc3339(j.created_at),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusChangeView {
    pub from_status: String,
    pub to_status: String,
    pub to_status_label: String,
    pub reason: String,
    pub actor_name: String,
    pub at: String,
}

impl From<&StatusChangeRow> for StatusChangeView {
    fn from(c: &StatusChangeRow) -> Self {
        StatusChangeView {
            from_status: c.from_status.clone(),
            to_status: c.to_status.clone(),
            to_status_label: status_label(&c.to_status).to_owned(),
            reason: c.reason.clone(),
            actor_name: c.actor_name.clone(),
            at: clock::rfc3339(c.at),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SpotItemView {
    pub volunteer_id: String,
    pub name: String,
    pub id_number_masked: String,
    pub phone: String,
    pub org_name: String,
    /// verified, unreachable, mismatch; null until checked
    pub result: Option<String>,
    pub note: Option<String>,
    pub checked_at: Option<String>,
    /// The volunteer record is flagged as unverified.
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SpotCheckView {
    pub id: String,
    pub org_id: String,
    pub size: i64,
    pub checked: i64,
    pub flagged: i64,
    pub drawn_by: String,
    pub created_at: String,
    pub items: Vec<SpotItemView>,
}

impl SpotCheckView {
    pub fn build(c: &SpotCheckRow, items: &[SpotItemRow]) -> Self {
        SpotCheckView {
            id: c.id.clone(),
            org_id: c.org_id.clone(),
            size: c.size,
            checked: items.iter().filter(|i| i.result.is_some()).count() as i64,
            flagged: items.iter().filter(|i| i.unverified).count() as i64,
            drawn_by: c.drawn_by.clone(),
            created_at: clock::rfc3339(c.created_at),
            items: items
                .iter()
                .map(|i| SpotItemView {
                    volunteer_id: i.volunteer_id.clone(),
                    name: i.volunteer_name.clone(),
                    id_number_masked: i.id_masked.clone(),
                    phone: i.phone.clone(),
                    org_name: i.org_name.clone(),
                    result: i.result.clone(),
                    note: i.note.clone(),
                    checked_at: i.checked_at.map(clock::rfc3339),
                    flagged: i.unverified,
                })
                .collect(),
        }
    }
}
