//! Recruitment rules (招募): eligibility policies per team (R-VOL-2), bottom-up review
//! (自下而上,分级把关, R-VOL-3), registration number ranges (注册编号分配表, R-VOL-5) and the
//! volunteer ledger import row (台账导入, API.md `POST /api/v1/imports/volunteers`).
//!
//! Everything is pure: the app layer feeds facts in and writes what comes out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::id_number::IdNumber;
use crate::org::Level;
use crate::phone::Phone;
use crate::volunteer::{check_age, Health, PersonName, Skills};

/// An eligibility policy (选拔标准) of one team. Every requirement is optional; a team without
/// a policy admits anyone who passes the age rule of R-LAW-6.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityPolicy {
    /// Youngest age admitted (full years), on top of the legal minimum of 14.
    pub min_age: Option<u32>,
    /// Oldest age admitted (full years): 000's veteran team has 50.
    pub max_age: Option<u32>,
    /// 中共党员.
    pub require_party_member: bool,
    /// 退役军人.
    pub require_veteran: bool,
    /// 身体健康.
    pub require_healthy: bool,
    /// 无违法犯罪记录、无行政处罚 (the applicant's declaration).
    pub require_no_record: bool,
}

impl EligibilityPolicy {
    /// The veteran team of seed 000 (六(二) 选拔标准): party member, age ≤ 50, healthy, no record.
    pub fn veteran_team_000() -> EligibilityPolicy {
        EligibilityPolicy {
            min_age: None,
            max_age: Some(50),
            require_party_member: true,
            require_veteran: true,
            require_healthy: true,
            require_no_record: true,
        }
    }

    /// Checks the limits themselves: ages within 14..=120 and min ≤ max.
    pub fn validate(&self) -> Result<(), DomainError> {
        for (field, v) in [("min_age", self.min_age), ("max_age", self.max_age)] {
            if let Some(a) = v {
                if !(crate::volunteer::MIN_AGE..=120).contains(&a) {
                    return Err(DomainError::new(
                        field,
                        "policy_age_invalid",
                        "年龄限制应在 14 到 120 周岁之间",
                    ));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_age, self.max_age) {
            if lo > hi {
                return Err(DomainError::new(
                    "max_age",
                    "policy_age_order",
                    "最高年龄不能小于最低年龄",
                ));
            }
        }
        Ok(())
    }
}

/// What an application says about the applicant, as the policy needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicantFacts {
    pub age: u32,
    pub party_member: bool,
    pub veteran: bool,
    pub health: Health,
    /// Declared: no criminal record and no administrative penalty.
    pub no_record: bool,
}

/// One rule of a policy that an application breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    /// Stable code: `age_below_min`, `age_above_max`, `not_party_member`, `not_veteran`,
    /// `not_healthy`, `has_record`.
    pub rule: String,
    /// The form field at fault.
    pub field: String,
    /// zh-CN, for the applicant and the reviewers.
    pub message: String,
}

fn breach(rule: &str, field: &str, message: String) -> Breach {
    Breach {
        rule: rule.to_owned(),
        field: field.to_owned(),
        message,
    }
}

/// Every rule of `policy` that `facts` break, in a fixed order (empty: eligible).
pub fn check_eligibility(policy: &EligibilityPolicy, facts: &ApplicantFacts) -> Vec<Breach> {
    let mut out = Vec::new();
    if let Some(min) = policy.min_age {
        if facts.age < min {
            out.push(breach(
                "age_below_min",
                "id_number",
                format!("年龄 {} 周岁，低于本队要求的 {min} 周岁", facts.age),
            ));
        }
    }
    if let Some(max) = policy.max_age {
        if facts.age > max {
            out.push(breach(
                "age_above_max",
                "id_number",
                format!("年龄 {} 周岁，超过本队要求的 {max} 周岁", facts.age),
            ));
        }
    }
    if policy.require_party_member && !facts.party_member {
        out.push(breach(
            "not_party_member",
            "party_member",
            "本队要求中共党员".to_owned(),
        ));
    }
    if policy.require_veteran && !facts.veteran {
        out.push(breach(
            "not_veteran",
            "veteran",
            "本队要求退役军人".to_owned(),
        ));
    }
    if policy.require_healthy && facts.health != Health::Good {
        out.push(breach(
            "not_healthy",
            "health",
            "本队要求身体健康".to_owned(),
        ));
    }
    if policy.require_no_record && !facts.no_record {
        out.push(breach(
            "has_record",
            "no_record",
            "本队要求无违法犯罪记录、无行政处罚".to_owned(),
        ));
    }
    out
}

/// The levels that review by default, bottom-up: village station → township → county.
pub const DEFAULT_REVIEW_LEVELS: [Level; 3] = [Level::Village, Level::Township, Level::County];

/// The review chain of an application (分级把关): of the applicant's org and its ancestors
/// (`ancestry` listed root first, the org itself last), those whose level reviews, nearest
/// first. When none of them reviews, the org itself does, so no application goes unreviewed.
pub fn review_chain<T: Clone>(ancestry: &[(T, Level)], reviewing: &[Level]) -> Vec<T> {
    let chain: Vec<T> = ancestry
        .iter()
        .rev()
        .filter(|(_, l)| reviewing.contains(l))
        .map(|(id, _)| id.clone())
        .collect();
    if chain.is_empty() {
        ancestry
            .last()
            .map(|(id, _)| id.clone())
            .into_iter()
            .collect()
    } else {
        chain
    }
}

/// A reviewer's decision on the step before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 通过: on to the next level, or admission at the last.
    Approve,
    /// 退回修改: back to the applicant, who corrects and resubmits.
    Return,
    /// 不予通过: final.
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Result<Decision, DomainError> {
        match s.trim() {
            "approve" => Ok(Decision::Approve),
            "return" => Ok(Decision::Return),
            "reject" => Ok(Decision::Reject),
            _ => Err(DomainError::new(
                "decision",
                "decision_invalid",
                "审核结论应为 approve（通过）、return（退回修改）或 reject（不予通过）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Return => "return",
            Decision::Reject => "reject",
        }
    }
}

/// Where a decision leaves the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Pending at the next level (its index in the chain).
    NextLevel(usize),
    /// The last level approved: admit.
    Admit,
    /// Back with the applicant; resubmission starts again at the first level.
    Returned,
    Rejected,
}

/// The review state machine. Returning and rejecting need a reason (the applicant must learn
/// why); approving an application that breaks the policy needs an explicit override reason.
pub fn decide(
    step: usize,
    chain_len: usize,
    decision: Decision,
    reason: Option<&str>,
    breaches: usize,
) -> Result<StepOutcome, DomainError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason {
        if r.chars().count() > 500 {
            return Err(DomainError::new(
                "reason",
                "reason_too_long",
                "理由最多 500 字",
            ));
        }
    }
    match decision {
        Decision::Approve => {
            if breaches > 0 && reason.is_none() {
                return Err(DomainError::new(
                    "override_reason",
                    "policy_override_required",
                    "申请不符合本队选拔标准，通过须填写破格理由",
                ));
            }
            if step + 1 >= chain_len {
                Ok(StepOutcome::Admit)
            } else {
                Ok(StepOutcome::NextLevel(step + 1))
            }
        }
        Decision::Return | Decision::Reject if reason.is_none() => Err(DomainError::new(
            "reason",
            "reason_required",
            "退回或不予通过须说明理由",
        )),
        Decision::Return => Ok(StepOutcome::Returned),
        Decision::Reject => Ok(StepOutcome::Rejected),
    }
}

/// Largest range that can be allotted at once.
pub const MAX_RANGE_SIZE: i64 = 1_000_000_000;

/// An allotted range of registration numbers `[first, last]`; `next` is the next to issue
/// (`last + 1` when exhausted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberRange {
    pub first: i64,
    pub last: i64,
    pub next: i64,
}

impl NumberRange {
    /// A fresh range. Numbers are positive, `first ≤ last`, at most 10⁹ numbers.
    pub fn new(first: i64, last: i64) -> Result<NumberRange, DomainError> {
        if first < 1 {
            return Err(DomainError::new(
                "first_no",
                "range_invalid",
                "起始编号须为正整数",
            ));
        }
        if last < first {
            return Err(DomainError::new(
                "last_no",
                "range_invalid",
                "结束编号不能小于起始编号",
            ));
        }
        if last - first >= MAX_RANGE_SIZE {
            return Err(DomainError::new(
                "last_no",
                "range_too_large",
                "一次分配的号段最多 10 亿个编号",
            ));
        }
        Ok(NumberRange {
            first,
            last,
            next: first,
        })
    }

    pub fn size(&self) -> i64 {
        self.last - self.first + 1
    }

    pub fn issued(&self) -> i64 {
        (self.next - self.first).clamp(0, self.size())
    }

    pub fn remaining(&self) -> i64 {
        self.size() - self.issued()
    }

    pub fn is_exhausted(&self) -> bool {
        self.remaining() == 0
    }

    /// Whether 90 % or more of the range is issued (time to ask for a new one).
    pub fn near_end(&self) -> bool {
        self.issued() * 10 >= self.size() * 9
    }

    /// Whether the two ranges share a number.
    pub fn overlaps(&self, other: &NumberRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// Checks a range prefix: 0..=12 ASCII letters, digits or `-`.
pub fn parse_range_prefix(s: &str) -> Result<String, DomainError> {
    let p = s.trim();
    if p.len() > 12 || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(DomainError::new(
            "prefix",
            "prefix_invalid",
            "编号前缀最多 12 位字母、数字或“-”",
        ));
    }
    Ok(p.to_ascii_uppercase())
}

/// The registration number as printed: the prefix and the number padded to the width of
/// the range's last number, so numbers of one range sort as text.
pub fn format_registration_no(prefix: &str, n: i64, last: i64) -> String {
    let width = last.to_string().len();
    format!("{prefix}{n:0width$}")
}

/// The headers of the volunteer import file, in order (API.md).
pub const IMPORT_HEADERS: [&str; 6] = [
    "姓名",
    "身份证号码",
    "手机号码",
    "退役军人",
    "中共党员",
    "技能",
];
/// The API field name of each import column.
pub const IMPORT_FIELDS: [&str; 6] = [
    "name",
    "id_number",
    "phone",
    "veteran",
    "party_member",
    "skills",
];

/// Checks the header row: exactly the six headers in order (surrounding spaces and a UTF-8
/// byte-order mark are ignored; empty trailing cells are allowed).
pub fn check_import_headers(cells: &[String]) -> Result<(), DomainError> {
    let mut got: Vec<&str> = cells
        .iter()
        .map(|c| c.trim_start_matches('\u{feff}').trim())
        .collect();
    while got.last() == Some(&"") {
        got.pop();
    }
    if got == IMPORT_HEADERS {
        return Ok(());
    }
    Err(DomainError::new(
        "file",
        "import_header_invalid",
        format!(
            "表头应为：{}；实际为：{}",
            IMPORT_HEADERS.join("，"),
            crate::error::echo(&got.join("，"))
        ),
    ))
}

/// One problem of one import row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The API field (`name`, `id_number`, …).
    pub field: &'static str,
    /// The column header as in the file (姓名, 身份证号码, …).
    pub column: &'static str,
    pub code: &'static str,
    pub reason: String,
}

/// An import row that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    pub name: PersonName,
    pub id_number: IdNumber,
    pub phone: Phone,
    pub veteran: bool,
    pub party_member: bool,
    pub skills: Skills,
}

/// 是/否 (also Y/N, 1/0, TRUE/FALSE); empty is 否.
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "y" | "yes" | "1" | "true" | "√" => Some(true),
        "否" | "n" | "no" | "0" | "false" | "" | "×" => Some(false),
        _ => None,
    }
}

fn problem(i: usize, code: &'static str, reason: impl Into<String>) -> RowProblem {
    RowProblem {
        field: IMPORT_FIELDS[i],
        column: IMPORT_HEADERS[i],
        code,
        reason: reason.into(),
    }
}

/// Parses one data row (cells in header order; missing cells are empty). Returns every
/// problem of the row, one per field, so the sheet can be fixed in one go. Adults only: the
/// file has no guardian-consent column (R-LAW-6).
pub fn parse_import_row(cells: &[String], today: NaiveDate) -> Result<ImportRow, Vec<RowProblem>> {
    let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("").trim();
    let mut problems = Vec::new();
    let name = PersonName::parse(cell(0))
        .map_err(|e| problems.push(problem(0, e.code(), e.message())))
        .ok();
    let id_number = match IdNumber::parse_on(cell(1), today) {
        Ok(id) => match check_age(&id, today, false) {
            Ok(_) => Some(id),
            Err(e) => {
                problems.push(problem(1, e.code(), e.message()));
                None
            }
        },
        Err(e) => {
            problems.push(problem(1, e.code(), e.message()));
            None
        }
    };
    let phone = Phone::parse(cell(2))
        .map_err(|e| problems.push(problem(2, e.code(), e.message())))
        .ok();
    let mut flag = |i: usize| match parse_yes_no(cell(i)) {
        Some(b) => b,
        None => {
            problems.push(problem(i, "yes_no_invalid", "应填“是”或“否”"));
            false
        }
    };
    let veteran = flag(3);
    let party_member = flag(4);
    let skills = Skills::parse_text(cell(5))
        .map_err(|e| problems.push(problem(5, e.code(), e.message())))
        .ok();
    if cells.len() > IMPORT_HEADERS.len()
        && cells[IMPORT_HEADERS.len()..]
            .iter()
            .any(|c| !c.trim().is_empty())
    {
        problems.push(RowProblem {
            field: "row",
            column: "",
            code: "extra_cells",
            reason: "表头之外的列有内容".to_owned(),
        });
    }
    match (name, id_number, phone, skills) {
        (Some(name), Some(id_number), Some(phone), Some(skills)) if problems.is_empty() => {
            Ok(ImportRow {
                name,
                id_number,
                phone,
                veteran,
                party_member,
                skills,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
#[path = "recruitment_tests.rs"]
mod tests;
