//! The talent pool (人力资源库, R-VOL-4) and ledgers out (台账导出, R-VOL-6): search veterans
//! in scope by skill, specialty, branch, age and availability; export a result, a unit's
//! roster or a subtree's ledger to .xlsx with Chinese headers. ID numbers are masked unless
//! the role may export them whole (a super-administrator or a county-or-higher admin), and
//! every export is audited, a whole-number export under its own action.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::{Level, Position, Scope};
use zhiyuan_store::recruitment::TalentQuery;
use zhiyuan_store::VolunteerRecord;

use super::views::status_label;
use crate::error::{AppError, AppResult};
use crate::views::{Page, VolunteerView};
use crate::{clock, page_window, Actor, App};

/// Most rows one export holds.
pub const MAX_EXPORT_ROWS: i64 = 200_000;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TalentSearch {
    /// Only this org's subtree (within the caller's scope).
    pub org_id: Option<String>,
    /// An exact skill tag.
    pub skill: Option<String>,
    /// A fragment of any skill tag (专长).
    pub specialty: Option<String>,
    /// 军种, e.g. 陆军.
    pub branch: Option<String>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// Only volunteers who are active (not withdrawn or suspended); default true.
    pub available: Option<bool>,
    /// Only veterans; default true (the pool of R-VOL-4 is of veterans).
    pub veterans_only: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TalentView {
    #[serde(flatten)]
    pub volunteer: VolunteerView,
    pub registration_no: Option<String>,
    /// A spot check could not verify this record.
    pub unverified: bool,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportOptions {
    /// Whole ID numbers (only roles allowed to; logged).
    pub full_ids: Option<bool>,
}

/// A finished export: file name and .xlsx bytes.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Birth-date bounds for an age range on `today`: age ≤ max ⇔ born after today − (max + 1)
/// years; age ≥ min ⇔ born on or before today − min years.
fn birth_bounds(
    today: NaiveDate,
    min: Option<u32>,
    max: Option<u32>,
) -> (Option<String>, Option<String>) {
    let years_ago = |n: i32| {
        NaiveDate::from_ymd_opt(today.year() - n, today.month(), today.day())
            .or_else(|| NaiveDate::from_ymd_opt(today.year() - n, today.month(), 28))
    };
    let from = max
        .and_then(|m| years_ago(m as i32 + 1))
        .and_then(|d| d.succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string());
    let to = min
        .and_then(|m| years_ago(m as i32))
        .map(|d| d.format("%Y-%m-%d").to_string());
    (from, to)
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_owned()
}

impl App {
    async fn talent_query(&self, actor: &Actor, s: &TalentSearch) -> AppResult<TalentQuery> {
        let mut q = TalentQuery {
            skill: text(s.skill.as_deref()),
            specialty: text(s.specialty.as_deref()).map(|t| t.chars().take(20).collect()),
            branch: text(s.branch.as_deref()),
            available_only: s.available.unwrap_or(true),
            veteran_only: s.veterans_only.unwrap_or(true),
            ..Default::default()
        };
        match &actor.scope {
            Scope::All => {}
            Scope::Org { org_path } => q.within_org_path = Some(org_path.clone()),
            Scope::Team { team_path, .. } => q.within_team_path = Some(team_path.clone()),
            Scope::Volunteer { .. } => return Err(AppError::role_forbidden()),
        }
        if let Some(org_id) = text(s.org_id.as_deref()) {
            let org = self
                .visible_org(actor, &org_id)
                .await
                .map_err(|e| e.with_field("org_id"))?;
            q.within_org_path = Some(match q.within_org_path {
                Some(own) if own.len() > org.path.len() => own,
                _ => org.path,
            });
        }
        if let (Some(lo), Some(hi)) = (s.min_age, s.max_age) {
            if lo > hi {
                return Err(AppError::invalid(
                    "max_age",
                    "age_range_invalid",
                    "最大年龄不能小于最小年龄",
                ));
            }
        }
        let (from, to) = birth_bounds(clock::today(), s.min_age, s.max_age.map(|m| m.min(150)));
        q.born_from = from;
        q.born_to = to;
        Ok(q)
    }

    async fn talent_views(&self, rows: &[VolunteerRecord]) -> AppResult<Vec<TalentView>> {
        let ids: Vec<String> = rows.iter().map(|r| r.row.id.clone()).collect();
        let extra = self.store.registration_nos(&ids).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let e = extra.iter().find(|(id, _, _)| *id == r.row.id);
                TalentView {
                    volunteer: VolunteerView::build(r, &[]),
                    registration_no: e.and_then(|(_, n, _)| n.clone()),
                    unverified: e.is_some_and(|(_, _, u)| *u),
                }
            })
            .collect())
    }

    pub async fn talent_search(
        &self,
        actor: &Actor,
        s: &TalentSearch,
    ) -> AppResult<Page<TalentView>> {
        let mut q = self.talent_query(actor, s).await?;
        let (limit, offset) = page_window(s.page, s.per_page);
        q.limit = limit;
        q.offset = offset;
        let (rows, total) = self.store.talent_search(&q).await?;
        Ok(Page {
            items: self.talent_views(&rows).await?,
            total,
        })
    }

    /// Whether the actor may export whole ID numbers: super-administrators and admins bound to
    /// a county or higher (the registering authorities that keep the ledgers).
    async fn may_export_full_ids(&self, actor: &Actor) -> AppResult<bool> {
        if actor.is_super {
            return Ok(true);
        }
        let Some(org_id) = actor.org_id.as_deref().filter(|_| actor.is_admin()) else {
            return Ok(false);
        };
        let org = self.store.get_org(org_id).await?;
        Ok(org
            .and_then(|o| Level::parse(&o.level).ok())
            .is_some_and(|l| matches!(l, Level::Province | Level::City | Level::County)))
    }

    async fn full_ids_allowed(&self, actor: &Actor, asked: Option<bool>) -> AppResult<bool> {
        let asked = asked.unwrap_or(false);
        if asked && !self.may_export_full_ids(actor).await? {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "full_ids_forbidden",
                "您的角色无权导出完整身份证号码",
            )
            .with_field("full_ids"));
        }
        Ok(asked)
    }

    fn id_text(&self, r: &VolunteerRecord, full: bool) -> String {
        if full {
            self.secrets
                .decrypt_id(&r.row.id_cipher)
                .unwrap_or_else(|| r.row.id_masked.clone())
        } else {
            r.row.id_masked.clone()
        }
    }

    /// The columns of every ledger: the person, then `extra` columns per row.
    async fn ledger_rows(
        &self,
        rows: &[VolunteerRecord],
        full: bool,
    ) -> AppResult<Vec<Vec<String>>> {
        let ids: Vec<String> = rows.iter().map(|r| r.row.id.clone()).collect();
        let extra = self.store.registration_nos(&ids).await?;
        let numbers: std::collections::HashMap<&str, &Option<String>> =
            extra.iter().map(|(id, n, _)| (id.as_str(), n)).collect();
        Ok(rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let v = &r.row;
                vec![
                    (i + 1).to_string(),
                    v.name.clone(),
                    self.id_text(r, full),
                    if v.gender == "male" { "男" } else { "女" }.to_owned(),
                    v.birth_date.clone(),
                    v.phone.clone(),
                    v.org_name.clone(),
                    yes(v.veteran),
                    yes(v.party_member),
                    v.branch.clone().unwrap_or_default(),
                    r.skills.join("、"),
                    numbers
                        .get(v.id.as_str())
                        .and_then(|n| n.as_ref().cloned())
                        .unwrap_or_default(),
                    status_label(&v.status).to_owned(),
                ]
            })
            .collect())
    }

    // One argument per column of the audit line, like `audit_entry`.
    #[allow(clippy::too_many_arguments)]
    async fn export_audit(
        &self,
        actor: &Actor,
        what: &str,
        subject_type: &str,
        subject_id: &str,
        org_path: &str,
        rows: usize,
        full: bool,
    ) -> AppResult<()> {
        let audit = self.audit_entry(
            actor,
            if full {
                "ledger.export_full_ids"
            } else {
                "ledger.export"
            },
            subject_type,
            subject_id,
            org_path,
            None,
            Some(serde_json::json!({ "ledger": what, "rows": rows, "full_ids": full })),
        );
        Ok(self.store.record_audit(&audit).await?)
    }

    pub async fn talent_export(&self, actor: &Actor, s: &TalentSearch) -> AppResult<Export> {
        let mut q = self.talent_query(actor, s).await?;
        q.limit = MAX_EXPORT_ROWS;
        let (rows, _) = self.store.talent_search(&q).await?;
        let table = self.ledger_rows(&rows, false).await?;
        let bytes = zhiyuan_sheets::write_xlsx("人力资源库", &LEDGER_HEADERS, &table)
            .map_err(|e| AppError::invalid("file", e.code(), e.to_string()))?;
        let path = q.within_org_path.clone().unwrap_or_else(|| "/".to_owned());
        self.export_audit(actor, "talent_pool", "org", &path, &path, rows.len(), false)
            .await?;
        Ok(Export {
            file_name: format!("人力资源库-{}.xlsx", clock::today()),
            bytes,
        })
    }

    /// The volunteer ledger of an org's whole subtree (志愿者台账).
    pub async fn ledger_export(
        &self,
        actor: &Actor,
        org_id: &str,
        o: &ExportOptions,
    ) -> AppResult<Export> {
        actor.require_admin()?;
        let org = self.visible_org(actor, org_id).await?;
        let full = self.full_ids_allowed(actor, o.full_ids).await?;
        let q = TalentQuery {
            within_org_path: Some(org.path.clone()),
            limit: MAX_EXPORT_ROWS,
            ..Default::default()
        };
        let (rows, _) = self.store.talent_search(&q).await?;
        let table = self.ledger_rows(&rows, full).await?;
        let bytes = zhiyuan_sheets::write_xlsx("志愿者台账", &LEDGER_HEADERS, &table)
            .map_err(|e| AppError::invalid("file", e.code(), e.to_string()))?;
        self.export_audit(
            actor,
            "org_ledger",
            "org",
            &org.id,
            &org.path,
            rows.len(),
            full,
        )
        .await?;
        Ok(Export {
            file_name: format!("志愿者台账-{}-{}.xlsx", org.name, clock::today()),
            bytes,
        })
    }

    /// A unit's roster with its sub-units (花名册): the ledger columns plus unit and position.
    pub async fn roster_export(
        &self,
        actor: &Actor,
        team_id: &str,
        o: &ExportOptions,
    ) -> AppResult<Export> {
        let team = self.visible_team(actor, team_id).await?;
        if matches!(actor.scope, Scope::Volunteer { .. }) {
            return Err(AppError::role_forbidden());
        }
        let full = self.full_ids_allowed(actor, o.full_ids).await?;
        let lines = self.store.roster(&team.path).await?;
        let recs: Vec<VolunteerRecord> = lines.iter().map(|l| l.volunteer.clone()).collect();
        let mut table = self.ledger_rows(&recs, full).await?;
        for (row, line) in table.iter_mut().zip(&lines) {
            row.push(line.team_name.clone());
            row.push(
                Position::parse(&line.position)
                    .map(|p| p.label_zh().to_owned())
                    .unwrap_or_else(|_| line.position.clone()),
            );
        }
        let mut headers = LEDGER_HEADERS.to_vec();
        headers.extend(["所在单位", "职务"]);
        let bytes = zhiyuan_sheets::write_xlsx("花名册", &headers, &table)
            .map_err(|e| AppError::invalid("file", e.code(), e.to_string()))?;
        self.export_audit(
            actor,
            "team_roster",
            "team",
            &team.id,
            &team.org_path,
            lines.len(),
            full,
        )
        .await?;
        Ok(Export {
            file_name: format!("花名册-{}-{}.xlsx", team.name, clock::today()),
            bytes,
        })
    }
}

/// The Chinese headers of every ledger export.
pub const LEDGER_HEADERS: [&str; 13] = [
    "序号",
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "手机号码",
    "所属组织",
    "退役军人",
    "中共党员",
    "军种",
    "技能",
    "注册编号",
    "状态",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bounds_are_inclusive() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let (from, to) = birth_bounds(today, Some(18), Some(50));
        // 50 today: born 1976-05-01 … 1975-05-02; 51 today: born 1975-05-01.
        assert_eq!(from.as_deref(), Some("1975-05-02"));
        assert_eq!(to.as_deref(), Some("2008-05-01"));
    }
}
