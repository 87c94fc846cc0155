//! The compliance list (督导检查): what is broken in a subtree, rule by rule, each finding with
//! its subject, what is wrong and since when. The rules themselves are pure code in
//! `zhiyuan_domain::oversight`; this gathers the facts, applies them, and pages the result in
//! the fixed order of the rules (the 20 h list can run into thousands: only the page asked
//! for is read).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use zhiyuan_domain::activity::hours_of;
use zhiyuan_domain::oversight::{
    check_year, day_start_ms, hours_rule_year, officer_gap, ratio_below, registration_target,
    share_percent, strength_gap, template_for, Month, Rule, StandardItem, TemplateKind, Templates,
    UnitPlace, YEARLY_GOAL_MS,
};
use zhiyuan_domain::{Echelon, Level, UnitType};
use zhiyuan_store::oversight::{OrgFact, UnitFact};

use super::views::*;
use crate::error::AppResult;
use crate::{clock, Actor, App};

fn finding(
    rule: Rule,
    subject: (&str, &str, &str),
    org: (&str, &str),
    detail: String,
    since: i64,
) -> Finding {
    Finding {
        rule: rule.as_str().to_owned(),
        rule_label: rule.label_zh().to_owned(),
        subject_type: subject.0.to_owned(),
        subject_id: subject.1.to_owned(),
        subject_name: subject.2.to_owned(),
        org_id: org.0.to_owned(),
        org_name: org.1.to_owned(),
        detail,
        since: clock::rfc3339(since),
    }
}

fn place_of(u: &UnitFact) -> Option<UnitPlace> {
    Some(UnitPlace {
        echelon: Echelon::parse(&u.echelon).ok()?,
        is_root: u.is_root,
        org_level: Level::parse(&u.org_level).ok()?,
        org_unit_type: u
            .org_unit_type
            .as_deref()
            .and_then(|t| UnitType::parse(t).ok()),
        parent_level: u.parent_level.as_deref().and_then(|l| Level::parse(l).ok()),
    })
}

fn org_subject(o: &OrgFact) -> (&str, &str, &str) {
    ("org", o.id.as_str(), o.name.as_str())
}

/// The findings of every rule but the 20 h one, by rule.
struct Gathered {
    by_rule: Vec<(Rule, Vec<Finding>)>,
}

impl App {
    /// The templates in force for the tree rooted at `root_id`.
    pub(crate) async fn tree_templates(&self, root_id: &str) -> AppResult<Templates> {
        let mut t = Templates::default();
        for (kind, min) in self.store.ov_templates(root_id).await? {
            if let Ok(kind) = TemplateKind::parse(&kind) {
                t.set(kind, min.and_then(|m| u32::try_from(m).ok()));
            }
        }
        Ok(t)
    }

    async fn unit_findings(
        &self,
        path: &str,
        templates: &Templates,
    ) -> AppResult<(Vec<Finding>, Vec<Finding>)> {
        let units = self.store.ov_unit_facts(path).await?;
        let mut strength = Vec::new();
        let mut officers = Vec::new();
        let mut details: Vec<(Rule, &UnitFact, String)> = Vec::new();
        for u in &units {
            let Some(place) = place_of(u) else { continue };
            let (members, veterans) = (u.members.max(0) as u32, u.veterans.max(0) as u32);
            if let Some(kind) = template_for(&place) {
                if let Some((have, min)) = strength_gap(kind, templates, members, veterans) {
                    let detail = if kind == TemplateKind::SmallSquad {
                        format!("现有退役军人 {have} 名，小分队至少 {min} 名")
                    } else {
                        format!("现有队员 {have} 人，{}编制 {min} 人", kind.label_zh())
                    };
                    details.push((Rule::TeamUnderStrength, u, detail));
                }
            }
            let deputies = u.deputies.max(0) as u32;
            if let Some(gap) = officer_gap(&place, members, u.has_leader, deputies) {
                details.push((
                    Rule::TeamWithoutOfficer,
                    u,
                    format!("{gap}（现有队员 {members} 人）"),
                ));
            }
        }
        // Since: the unit's last change (its own or a listed unit's under it), or its creation.
        // Units by path, so a unit's listed sub-units are one range of the map.
        let by_path: BTreeMap<&str, &str> = units
            .iter()
            .map(|x| (x.path.as_str(), x.id.as_str()))
            .collect();
        let under = |path: &str| {
            let upper = format!("{}0", path.trim_end_matches('/'));
            by_path
                .range::<str, _>((Bound::Included(path), Bound::Excluded(upper.as_str())))
                .map(|(_, id)| (*id).to_owned())
                .collect::<Vec<String>>()
        };
        let mut ids: Vec<String> = details
            .iter()
            .flat_map(|(_, u, _)| under(&u.path))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let changes: HashMap<String, i64> = self
            .store
            .ov_last_team_changes(&ids)
            .await?
            .into_iter()
            .collect();
        for (rule, u, detail) in details {
            let last = under(&u.path)
                .iter()
                .filter_map(|id| changes.get(id).copied())
                .max()
                .unwrap_or(u.created_at)
                .max(u.created_at);
            let f = finding(
                rule,
                ("team", &u.id, &u.name),
                (&u.org_id, &u.org_name),
                detail,
                last,
            );
            match rule {
                Rule::TeamUnderStrength => strength.push(f),
                _ => officers.push(f),
            }
        }
        Ok((strength, officers))
    }

    async fn gather(&self, path: &str, templates: &Templates, month: Month) -> AppResult<Gathered> {
        let villages = self
            .store
            .ov_villages_without_team(path)
            .await?
            .iter()
            .map(|v| {
                finding(
                    Rule::VillageWithoutTeam,
                    org_subject(v),
                    (&v.id, &v.name),
                    "没有志愿服务队，也没有志愿服务小分队".to_owned(),
                    v.created_at,
                )
            })
            .collect();
        let (strength, officers) = self.unit_findings(path, templates).await?;
        let idle = self
            .store
            .ov_idle_units(path, &month.code(), month.start_ms(), month.end_ms())
            .await?
            .iter()
            .map(|u| {
                let last = match u.last_activity_at {
                    Some(t) => format!("上次活动：{}", &clock::display(t)[..10]),
                    None => "建队以来尚未开展活动".to_owned(),
                };
                finding(
                    Rule::TeamNoMonthlyActivity,
                    ("team", &u.id, &u.name),
                    (&u.org_id, &u.org_name),
                    format!("{}未开展活动；{last}", month.label_zh()),
                    u.last_activity_at.unwrap_or(u.created_at).max(u.created_at),
                )
            })
            .collect();
        let ratios = self
            .store
            .ov_populated_orgs(path)
            .await?
            .iter()
            .filter_map(|o| {
                let level = Level::parse(&o.level).ok()?;
                let ut = o.unit_type.as_deref().and_then(|t| UnitType::parse(t).ok());
                let target = registration_target(level, ut)?;
                let population = o.population?;
                ratio_below(o.registered, population, target).then(|| {
                    let share = share_percent(o.registered, population).unwrap_or(0.0);
                    finding(
                        Rule::RegistrationRatioLow,
                        org_subject(o),
                        (&o.id, &o.name),
                        format!(
                            "注册志愿者 {} 人，占 {population} 人的 {share}%，目标 {target}%",
                            o.registered
                        ),
                        o.updated_at,
                    )
                })
            })
            .collect();
        let stations = self.store.ov_stations(path).await?;
        let ids: Vec<String> = stations.iter().map(|s| s.id.clone()).collect();
        let items = self.store.ov_station_items(&ids).await?;
        let mut by_station: HashMap<&str, Vec<_>> = HashMap::new();
        for i in &items {
            by_station.entry(i.org_id.as_str()).or_default().push(i);
        }
        let standard = stations
            .iter()
            .filter_map(|s| {
                let recorded = by_station.get(s.id.as_str()).cloned().unwrap_or_default();
                let mut missing = Vec::new();
                let mut since = i64::MAX;
                for item in StandardItem::all() {
                    match recorded.iter().find(|r| r.item == item.as_str()) {
                        Some(r) if r.present => {}
                        Some(r) => {
                            missing.push(item.label_zh());
                            since = since.min(r.recorded_at);
                        }
                        None => {
                            missing.push(item.label_zh());
                            since = since.min(s.created_at);
                        }
                    }
                }
                (!missing.is_empty()).then(|| {
                    finding(
                        Rule::StationStandardIncomplete,
                        org_subject(s),
                        (&s.id, &s.name),
                        format!("缺 {} 项：{}", missing.len(), missing.join("、")),
                        since,
                    )
                })
            })
            .collect();
        Ok(Gathered {
            by_rule: vec![
                (Rule::VillageWithoutTeam, villages),
                (Rule::TeamUnderStrength, strength),
                (Rule::TeamWithoutOfficer, officers),
                (Rule::TeamNoMonthlyActivity, idle),
                (Rule::RegistrationRatioLow, ratios),
                (Rule::StationStandardIncomplete, standard),
            ],
        })
    }

    /// `GET /api/v1/orgs/{id}/compliance`.
    pub async fn compliance(
        &self,
        actor: &Actor,
        org_id: &str,
        q: &ComplianceQuery,
    ) -> AppResult<ComplianceView> {
        let org = self.overseen_org(actor, org_id).await?;
        let today = clock::today();
        let month = match q.month.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => Month::parse(s)?,
            None => Month::last_full(today),
        };
        let year = hours_rule_year(today, q.year.map(check_year).transpose()?);
        let only = match q.rule.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(r) => Some(Rule::parse(r)?),
            None => None,
        };
        let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
        let per_rule = q.per_rule.map(|n| n.clamp(1, 500));
        let offset = (q.page.unwrap_or(1).max(1) - 1).saturating_mul(per_page);
        let templates = self.tree_templates(&super::root_of(&org.path)?).await?;
        let mut gathered = self.gather(&org.path, &templates, month).await?;

        // The 20 h rule: active volunteers registered before the year ended.
        let hours_rule = year.map(|y| {
            let end =
                day_start_ms(chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap_or_default());
            (y, end)
        });
        // The 20 h list can run into thousands: read only the slice the page shows, with its
        // total in the same pass; just the count when the page doesn't reach it.
        let included = |r: Rule| only.is_none_or(|o| o == r);
        let before_vol: i64 = (Rule::all().iter())
            .take_while(|r| **r != Rule::VolunteerUnder20h)
            .filter(|r| included(**r))
            .filter_map(|r| gathered.by_rule.iter().find(|(x, _)| x == r))
            .map(|(_, f)| f.len() as i64)
            .sum();
        let (vol_rows, volunteer_total) = match hours_rule {
            None => (Vec::new(), 0),
            Some((y, end)) => {
                let year = y.to_string();
                let (start, want) = match per_rule {
                    Some(n) => (0, n),
                    None => ((offset - before_vol).max(0), per_page),
                };
                let reaches = per_rule.is_some() || offset + per_page > before_vol;
                let (rows, total) = if included(Rule::VolunteerUnder20h) && reaches {
                    self.store
                        .ov_volunteers_below(&org.path, &year, YEARLY_GOAL_MS, end, want, start)
                        .await?
                } else {
                    (Vec::new(), None)
                };
                let total = match total {
                    Some(t) => t,
                    None => {
                        self.store
                            .ov_count_volunteers_below(&org.path, &year, YEARLY_GOAL_MS, end)
                            .await?
                    }
                };
                (rows, total)
            }
        };

        // Every rule in its fixed order; the 20 h segment is read only where the page falls.
        let mut by_rule = Vec::new();
        let mut items = Vec::new();
        let mut skipped = 0i64;
        for rule in Rule::all() {
            let count = match rule {
                Rule::VolunteerUnder20h => volunteer_total,
                r => gathered
                    .by_rule
                    .iter()
                    .find(|(x, _)| x == r)
                    .map(|(_, f)| f.len() as i64)
                    .unwrap_or(0),
            };
            by_rule.push(RuleCount {
                rule: rule.as_str().to_owned(),
                label: rule.label_zh().to_owned(),
                count,
            });
            if only.is_some_and(|o| o != *rule) {
                continue;
            }
            let (start, want) = match per_rule {
                Some(n) => (0, n),
                None => {
                    let window = (offset - skipped).max(0);
                    skipped += count;
                    (window, per_page - items.len() as i64)
                }
            };
            if want <= 0 || start >= count {
                continue;
            }
            match (rule, hours_rule) {
                (Rule::VolunteerUnder20h, Some((y, _))) => {
                    let since =
                        day_start_ms(chrono::NaiveDate::from_ymd_opt(y, 10, 1).unwrap_or_default());
                    items.extend(vol_rows.iter().take(want as usize).map(|v| {
                        finding(
                            Rule::VolunteerUnder20h,
                            ("volunteer", &v.id, &v.name),
                            (&v.org_id, &v.org_name),
                            format!("{y} 年服务 {} 小时，不足 20 小时", hours_of(v.year_ms)),
                            since,
                        )
                    }));
                }
                (r, _) => {
                    if let Some((_, list)) = gathered.by_rule.iter_mut().find(|(x, _)| x == r) {
                        items.extend(list.drain(..).skip(start as usize).take(want as usize));
                    }
                }
            }
        }
        let total = match only {
            Some(r) => by_rule
                .iter()
                .find(|c| c.rule == r.as_str())
                .map(|c| c.count)
                .unwrap_or(0),
            None => by_rule.iter().map(|c| c.count).sum(),
        };
        Ok(ComplianceView {
            org: (&org).into(),
            month: month.code(),
            year,
            items,
            total,
            by_rule,
        })
    }
}
