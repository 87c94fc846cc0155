//! Report tables as .xlsx (R-STAT-3): 003's registered-volunteer, station and team statistics
//! (attachments 5–7) of a subtree, and 001's report of team composition, volunteer
//! information and planned projects. Counts come from the maintained aggregates; lists from
//! the rows. Each download is audited (`report.export`), like the ledgers.

use std::collections::HashMap;

use chrono::Datelike;
use zhiyuan_domain::activity::{hours_of, ProjectCategory};
use zhiyuan_domain::oversight::{
    registration_target, share_percent, strength_gap, template_for, AgeBand, Month, StandardItem,
    UnitPlace,
};
use zhiyuan_domain::{Echelon, Level, Position, UnitType};
use zhiyuan_sheets::reports::{write_report, ReportSheet, Value};
use zhiyuan_store::OrgRow;

use crate::error::{AppError, AppResult};
use crate::recruitment::ledgers::{Export, MAX_EXPORT_ROWS};
use crate::{clock, Actor, App};

/// The report tables there are, by the code in their URL.
pub const REPORTS: [(&str, &str); 4] = [
    ("volunteers", "注册志愿者统计表"),
    ("stations", "志愿者服务站统计表"),
    ("teams", "志愿服务队统计表"),
    (
        "composition",
        "志愿服务队组成情况、志愿者信息和计划开展志愿服务项目",
    ),
];

fn yes(b: bool) -> Value {
    if b { "是" } else { "否" }.into()
}

fn level_label(l: &str) -> String {
    Level::parse(l)
        .map(|l| l.label_zh().to_owned())
        .unwrap_or_default()
}

fn echelon_label(e: &str) -> String {
    Echelon::parse(e)
        .map(|e| e.label_zh().to_owned())
        .unwrap_or_default()
}

fn position_label(p: &str) -> String {
    Position::parse(p)
        .map(|p| p.label_zh().to_owned())
        .unwrap_or_default()
}

fn target_of(level: &str, unit_type: Option<&str>) -> Option<u32> {
    registration_target(
        Level::parse(level).ok()?,
        unit_type.and_then(|t| UnitType::parse(t).ok()),
    )
}

impl App {
    /// `GET /api/v1/orgs/{id}/reports/{kind}.xlsx`.
    pub async fn report(&self, actor: &Actor, org_id: &str, kind: &str) -> AppResult<Export> {
        let org = self.overseen_org(actor, org_id).await?;
        let Some((code, title)) = REPORTS.iter().find(|(c, _)| *c == kind) else {
            return Err(AppError::not_found("报表"));
        };
        let subtitle = format!(
            "制表单位：{}　统计时间：{}",
            org.name,
            clock::display(clock::now_ms())
        );
        let sheets = match *code {
            "volunteers" => vec![self.volunteer_sheet(&org).await?],
            "stations" => vec![self.station_sheet(&org).await?],
            "teams" => vec![self.team_sheet(&org).await?],
            _ => self.composition_sheets(&org).await?,
        };
        let sheets: Vec<ReportSheet> = sheets
            .into_iter()
            .map(|s| ReportSheet {
                title: format!("{}{}", org.name, s.title),
                subtitle: subtitle.clone(),
                ..s
            })
            .collect();
        let bytes = write_report(&sheets)
            .map_err(|e| AppError::invalid("org_id", e.code(), e.to_string()))?;
        let audit = self.audit_entry(
            actor,
            "report.export",
            "org",
            &org.id,
            &org.path,
            None,
            Some(serde_json::json!({"report": code, "sheets": sheets.len()})),
        );
        self.store.record_audit(&audit).await?;
        Ok(Export {
            file_name: format!("{}{title}.xlsx", org.name),
            bytes,
        })
    }

    /// 注册志愿者统计表 (003 附件5): the node's children and the node itself as total.
    async fn volunteer_sheet(&self, org: &OrgRow) -> AppResult<ReportSheet> {
        let children = self.store.org_children(Some(&org.id)).await?;
        let mut ids: Vec<String> = children.iter().map(|c| c.id.clone()).collect();
        ids.push(org.id.clone());
        let mut counts: HashMap<String, HashMap<String, i64>> = HashMap::new();
        for r in self.store.ov_counts(&ids, None).await? {
            counts.entry(r.org_id).or_default().insert(r.key, r.n);
        }
        let year = clock::today().year();
        let line = |o: &OrgRow, first: Value| -> Vec<Value> {
            let c = counts.get(&o.id);
            let get = |k: &str| c.and_then(|c| c.get(k)).copied().unwrap_or(0);
            let registered = get("vol.status.active");
            let target = target_of(&o.level, o.unit_type.as_deref());
            let share = o.population.and_then(|p| share_percent(registered, p));
            let mut bands = [0i64; 6];
            if let Some(c) = c {
                for (k, n) in c {
                    if let Some(y) = k.strip_prefix("vol.born.").and_then(|y| y.parse().ok()) {
                        let b = AgeBand::of(y, year);
                        if let Some(i) = AgeBand::all().iter().position(|x| *x == b) {
                            bands[i] += n;
                        }
                    }
                }
            }
            let met = match (share, target) {
                (Some(s), Some(t)) => yes(s >= t as f64).clone(),
                _ => Value::Empty,
            };
            let mut row = vec![
                first,
                o.name.clone().into(),
                level_label(&o.level).into(),
                o.population.into(),
                registered.into(),
                share.into(),
                target.map(i64::from).into(),
                met,
                get("vol.veteran").into(),
                get("vol.party").into(),
                get("vol.gender.male").into(),
                get("vol.gender.female").into(),
            ];
            row.extend(bands.iter().map(|n| Value::Int(*n)));
            row.push(hours_of(get("service_ms")).into());
            row
        };
        let rows = children
            .iter()
            .enumerate()
            .map(|(i, c)| line(c, Value::Int(i as i64 + 1)))
            .collect();
        let total = Some(line(org, "合计".into()));
        let mut headers: Vec<String> = [
            "序号",
            "地区/单位",
            "层级",
            "常住人口(人)",
            "注册志愿者(人)",
            "注册比例(%)",
            "目标比例(%)",
            "是否达标",
            "退役军人",
            "中共党员",
            "男",
            "女",
        ]
        .map(str::to_owned)
        .to_vec();
        headers.extend(AgeBand::all().iter().map(|b| b.label_zh().to_owned()));
        headers.push("累计服务时长(小时)".to_owned());
        Ok(ReportSheet {
            name: "注册志愿者统计表".into(),
            title: "注册志愿者统计表".into(),
            headers,
            rows,
            total,
            ..Default::default()
        })
    }

    /// 志愿者服务站统计表 (003 附件6): every service station of the subtree with its 六个有.
    async fn station_sheet(&self, org: &OrgRow) -> AppResult<ReportSheet> {
        let stations = self.store.ov_stations(&org.path).await?;
        let ids: Vec<String> = stations.iter().map(|s| s.id.clone()).collect();
        let items = self.store.ov_station_items(&ids).await?;
        let mut counts: HashMap<String, HashMap<String, i64>> = HashMap::new();
        let keys = [
            "teams",
            "vol.status.active",
            "act.status.done",
            "service_ms",
        ];
        for r in self.store.ov_counts(&ids, Some(&keys)).await? {
            counts.entry(r.org_id).or_default().insert(r.key, r.n);
        }
        // Names of the places each station belongs to (the ancestors below the node).
        let names: HashMap<String, String> = self
            .store
            .org_subtree(&org.path, MAX_EXPORT_ROWS)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let mut rows = Vec::new();
        for (i, s) in stations.iter().enumerate() {
            let place: Vec<&str> = crate::recruitment::path_ids(&s.path)
                .iter()
                .filter(|id| **id != s.id && **id != org.id)
                .filter_map(|id| names.get(id).map(String::as_str))
                .collect();
            let c = counts.get(&s.id);
            let get = |k: &str| c.and_then(|c| c.get(k)).copied().unwrap_or(0);
            let mut row: Vec<Value> = vec![
                Value::Int(i as i64 + 1),
                s.name.clone().into(),
                place.join(" › ").into(),
            ];
            let mut complete = true;
            for item in StandardItem::all() {
                let present = items
                    .iter()
                    .any(|r| r.org_id == s.id && r.item == item.as_str() && r.present);
                complete &= present;
                row.push(if present { "有" } else { "无" }.into());
            }
            row.push(yes(complete));
            row.extend([
                Value::Int(get("teams")),
                Value::Int(get("vol.status.active")),
                Value::Int(get("act.status.done")),
                hours_of(get("service_ms")).into(),
            ]);
            rows.push(row);
        }
        let mut headers: Vec<String> = ["序号", "服务站名称", "所属地区"]
            .map(str::to_owned)
            .to_vec();
        headers.extend(StandardItem::all().iter().map(|i| i.label_zh().to_owned()));
        headers.extend(
            [
                "“六个有”齐全",
                "队伍(个)",
                "注册志愿者(人)",
                "开展活动(次)",
                "服务时长(小时)",
            ]
            .map(str::to_owned),
        );
        Ok(ReportSheet {
            name: "志愿者服务站统计表".into(),
            title: "志愿者服务站统计表".into(),
            headers,
            rows,
            ..Default::default()
        })
    }

    /// 志愿服务队统计表 (003 附件7): every root unit of the subtree.
    async fn team_sheet(&self, org: &OrgRow) -> AppResult<ReportSheet> {
        let lines = self.store.ov_team_lines(&org.path, MAX_EXPORT_ROWS).await?;
        let facts = self.store.ov_unit_facts(&org.path).await?;
        let templates = self.tree_templates(&super::root_of(&org.path)?).await?;
        let this_year = Month::of_date(clock::today());
        let year_start = Month {
            year: this_year.year,
            month: 1,
        };
        let acts: HashMap<String, i64> = self
            .store
            .ov_unit_activity_counts(&org.path, &year_start.code(), &this_year.code())
            .await?
            .into_iter()
            .collect();
        let mut rows = Vec::new();
        for l in lines.iter().filter(|l| l.parent_team_id.is_none()) {
            let officers = |positions: &[&str]| -> Value {
                let names: Vec<&str> = (l.officers.iter())
                    .filter(|(p, _)| positions.contains(&p.as_str()))
                    .map(|(_, n)| n.as_str())
                    .collect();
                names.join("、").into()
            };
            let subunits = lines
                .iter()
                .filter(|x| x.id != l.id && x.path.starts_with(&l.path))
                .count() as i64;
            let fact = facts.iter().find(|f| f.id == l.id);
            let template = fact.and_then(|f| {
                let place = UnitPlace {
                    echelon: Echelon::parse(&f.echelon).ok()?,
                    is_root: f.is_root,
                    org_level: Level::parse(&f.org_level).ok()?,
                    org_unit_type: f
                        .org_unit_type
                        .as_deref()
                        .and_then(|t| UnitType::parse(t).ok()),
                    parent_level: f.parent_level.as_deref().and_then(|p| Level::parse(p).ok()),
                };
                let kind = template_for(&place)?;
                let min = templates.get(kind)?;
                let short =
                    strength_gap(kind, &templates, f.members as u32, f.veterans as u32).is_some();
                Some((min, short))
            });
            rows.push(vec![
                Value::Int(rows.len() as i64 + 1),
                l.name.clone().into(),
                l.org_name.clone().into(),
                echelon_label(&l.echelon).into(),
                l.specialty.clone().into(),
                officers(&["leader", "commander"]),
                officers(&["deputy"]),
                l.members.into(),
                l.veterans.into(),
                l.party_members.into(),
                subunits.into(),
                template.map(|(m, _)| i64::from(m)).into(),
                template
                    .map(|(_, short)| yes(!short))
                    .unwrap_or(Value::Empty),
                acts.get(&l.id).copied().unwrap_or(0).into(),
            ]);
        }
        let headers = [
            "序号",
            "队伍名称",
            "所属组织",
            "编制层级",
            "专业方向",
            "队长",
            "副队长",
            "队员(人)",
            "退役军人(人)",
            "中共党员(人)",
            "下设单位(个)",
            "编制人数",
            "是否满编",
            "本年开展活动(次)",
        ]
        .map(str::to_owned)
        .to_vec();
        Ok(ReportSheet {
            name: "志愿服务队统计表".into(),
            title: "志愿服务队统计表".into(),
            headers,
            rows,
            ..Default::default()
        })
    }

    /// 001's report: 队伍组成情况, 志愿者信息, 计划开展志愿服务项目 (three sheets).
    async fn composition_sheets(&self, org: &OrgRow) -> AppResult<Vec<ReportSheet>> {
        let lines = self.store.ov_team_lines(&org.path, MAX_EXPORT_ROWS).await?;
        let names: HashMap<&str, &str> = lines
            .iter()
            .map(|l| (l.id.as_str(), l.name.as_str()))
            .collect();
        let units = lines
            .iter()
            .map(|l| {
                let depth = l.path.matches('/').count().saturating_sub(2);
                let officers: Vec<String> = (l.officers.iter())
                    .map(|(p, n)| format!("{}：{n}", position_label(p)))
                    .collect();
                vec![
                    format!("{}{}", "　".repeat(depth.min(6)), l.name).into(),
                    echelon_label(&l.echelon).into(),
                    (l.parent_team_id.as_deref())
                        .and_then(|p| names.get(p).copied())
                        .unwrap_or("")
                        .into(),
                    l.org_name.clone().into(),
                    l.specialty.clone().into(),
                    l.members.into(),
                    l.veterans.into(),
                    l.party_members.into(),
                    officers.join("、").into(),
                ]
            })
            .collect();
        let people = self
            .store
            .ov_volunteer_lines(&org.path, MAX_EXPORT_ROWS)
            .await?;
        if people.len() as i64 >= MAX_EXPORT_ROWS {
            return Err(AppError::invalid(
                "org_id",
                "report_too_large",
                format!("志愿者超过 {MAX_EXPORT_ROWS} 人，请按下级组织分别导出"),
            ));
        }
        let volunteers = people
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let gender = if v.gender == "male" { "男" } else { "女" };
                let units: Vec<String> = (v.units.iter())
                    .map(|(t, p)| format!("{t}（{}）", position_label(p)))
                    .collect();
                vec![
                    Value::Int(i as i64 + 1),
                    v.name.clone().into(),
                    gender.into(),
                    v.birth_date.chars().take(7).collect::<String>().into(),
                    v.id_masked.clone().into(),
                    v.phone.clone().into(),
                    v.org_name.clone().into(),
                    units.join("、").into(),
                    yes(v.veteran),
                    yes(v.party_member),
                    v.skills.join("、").into(),
                    crate::recruitment::views::status_label(&v.status).into(),
                ]
            })
            .collect();
        let projects = self
            .store
            .projects_in_org_subtree(&org.path, MAX_EXPORT_ROWS)
            .await?;
        let held: HashMap<String, (i64, i64)> = self
            .store
            .ov_top_projects(&org.id, MAX_EXPORT_ROWS)
            .await?
            .into_iter()
            .map(|p| (p.project_id, (p.activities, p.service_ms)))
            .collect();
        let org_names: HashMap<String, String> = self
            .store
            .org_subtree(&org.path, MAX_EXPORT_ROWS)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let planned = projects
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (acts, ms) = held.get(&p.id).copied().unwrap_or((0, 0));
                vec![
                    Value::Int(i as i64 + 1),
                    p.name.clone().into(),
                    ProjectCategory::parse(&p.category)
                        .map(|c| c.label_zh().to_owned())
                        .unwrap_or_default()
                        .into(),
                    org_names.get(&p.org_id).cloned().unwrap_or_default().into(),
                    yes(p.brand),
                    p.description.clone().into(),
                    acts.into(),
                    hours_of(ms).into(),
                ]
            })
            .collect();
        let h = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Ok(vec![
            ReportSheet {
                name: "队伍组成情况".into(),
                title: "退役军人志愿服务队组成情况".into(),
                headers: h(&[
                    "队伍/单位",
                    "编制层级",
                    "上级单位",
                    "所属组织",
                    "专业方向",
                    "人数",
                    "退役军人",
                    "中共党员",
                    "职务人员",
                ]),
                rows: units,
                ..Default::default()
            },
            ReportSheet {
                name: "志愿者信息".into(),
                title: "退役军人志愿者信息".into(),
                headers: h(&[
                    "序号",
                    "姓名",
                    "性别",
                    "出生年月",
                    "身份证号码",
                    "手机号码",
                    "所属组织",
                    "所在队伍（职务）",
                    "退役军人",
                    "中共党员",
                    "技能特长",
                    "状态",
                ]),
                rows: volunteers,
                ..Default::default()
            },
            ReportSheet {
                name: "计划开展志愿服务项目".into(),
                title: "计划开展志愿服务项目".into(),
                headers: h(&[
                    "序号",
                    "项目名称",
                    "类别",
                    "所属组织",
                    "一村一品",
                    "具体内容",
                    "已开展活动(次)",
                    "服务时长(小时)",
                ]),
                rows: planned,
                ..Default::default()
            },
        ])
    }
}
