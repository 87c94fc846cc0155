//! Statistics of a subtree (R-STAT): nodes by level, stations, teams and units, volunteers
//! (veterans, party members, age bands, sex), activities by kind, project and month, service
//! hours by month and project, registered share of the population, and a row per child node
//! to drill down. Every figure is a maintained aggregate: a handful of primary-key reads.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use zhiyuan_domain::activity::{hours_of, ActivityKind};
use zhiyuan_domain::oversight::{registration_target, share_percent, AgeBand, Month};
use zhiyuan_domain::{Level, UnitType};
use zhiyuan_store::OrgRow;

use super::views::*;
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

/// The counters each child row shows.
const CHILD_KEYS: [&str; 5] = [
    "orgs",
    "teams",
    "vol.status.active",
    "act.status.done",
    "service_ms",
];

/// Projects shown by name; the rest are summed as 其他.
const TOP_PROJECTS: i64 = 10;

/// Counters of one node by key.
struct Counts(HashMap<String, i64>);

impl Counts {
    fn get(&self, key: &str) -> i64 {
        self.0.get(key).copied().unwrap_or(0)
    }

    /// Counters under `prefix.` by the rest of their key.
    fn under(&self, prefix: &str) -> BTreeMap<String, i64> {
        let p = format!("{prefix}.");
        (self.0.iter())
            .filter_map(|(k, n)| Some((k.strip_prefix(&p)?.to_owned(), *n)))
            .collect()
    }
}

fn target_of(org: &OrgRow) -> Option<u32> {
    let level = Level::parse(&org.level).ok()?;
    let unit_type = org
        .unit_type
        .as_deref()
        .and_then(|t| UnitType::parse(t).ok());
    registration_target(level, unit_type)
}

fn child_stat(o: &OrgRow, c: &Counts) -> ChildStat {
    let volunteers = c.get("vol.status.active");
    ChildStat {
        id: o.id.clone(),
        name: o.name.clone(),
        level: o.level.clone(),
        level_label: Level::parse(&o.level)
            .map(|l| l.label_zh().to_owned())
            .unwrap_or_default(),
        orgs: c.get("orgs"),
        teams: c.get("teams"),
        volunteers,
        activities: c.get("act.status.done"),
        service_hours: hours_of(c.get("service_ms")),
        population: o.population,
        registered_share: o.population.and_then(|p| share_percent(volunteers, p)),
        registration_target: target_of(o),
    }
}

impl App {
    /// `GET /api/v1/orgs/{id}/stats`.
    pub async fn org_stats(
        &self,
        actor: &Actor,
        org_id: &str,
        q: &StatsQuery,
    ) -> AppResult<StatsView> {
        let org = self.overseen_org(actor, org_id).await?;
        let today = clock::today();
        let to = match q.to.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => Month::parse(s).map_err(|e| AppError::from(e).with_field("to"))?,
            None => Month::of_date(today),
        };
        let n = q.months.unwrap_or(12);
        if !(1..=36).contains(&n) {
            return Err(AppError::invalid(
                "months",
                "months_invalid",
                "月份数应在 1 到 36 之间",
            ));
        }
        let window = to.window(n as usize);
        let from = window.first().copied().unwrap_or(to);

        let rows = self
            .store
            .ov_counts(std::slice::from_ref(&org.id), None)
            .await?;
        let c = Counts(rows.into_iter().map(|r| (r.key, r.n)).collect());
        let stored = self
            .store
            .ov_months(&org.id, &from.code(), &to.code())
            .await?;
        let by_month: HashMap<&str, _> = stored.iter().map(|m| (m.month.as_str(), m)).collect();
        let months = window
            .iter()
            .map(|m| {
                let code = m.code();
                let s = by_month.get(code.as_str());
                MonthStat {
                    label: m.label_zh(),
                    activities: s.map(|s| s.activities).unwrap_or(0),
                    records: s.map(|s| s.records).unwrap_or(0),
                    service_hours: hours_of(s.map(|s| s.service_ms).unwrap_or(0)),
                    month: code,
                }
            })
            .collect();

        let mut top = self
            .store
            .ov_top_projects(&org.id, TOP_PROJECTS + 1)
            .await?;
        top.sort_by(|a, b| {
            (b.service_ms, b.activities, &a.name).cmp(&(a.service_ms, a.activities, &b.name))
        });
        let shown: Vec<_> = top.into_iter().take(TOP_PROJECTS as usize).collect();
        let (shown_acts, shown_ms) = shown
            .iter()
            .fold((0, 0), |(a, m), p| (a + p.activities, m + p.service_ms));
        let mut projects: Vec<ProjectStat> = shown
            .iter()
            .map(|p| ProjectStat {
                project_id: p.project_id.clone(),
                name: match (&p.name, p.project_id.is_empty()) {
                    (Some(n), _) => n.clone(),
                    (None, true) => "未关联服务项目".to_owned(),
                    (None, false) => "（已删除的项目）".to_owned(),
                },
                activities: p.activities,
                service_hours: hours_of(p.service_ms),
            })
            .collect();
        let (rest_acts, rest_ms) = (
            c.get("act.status.done") - shown_acts,
            c.get("service_ms") - shown_ms,
        );
        if rest_acts > 0 || rest_ms > 0 {
            projects.push(ProjectStat {
                project_id: String::new(),
                name: "其他".to_owned(),
                activities: rest_acts,
                service_hours: hours_of(rest_ms),
            });
        }

        let year = today.year();
        let mut bands: BTreeMap<AgeBand, i64> = AgeBand::all().iter().map(|b| (*b, 0)).collect();
        for (y, n) in c.under("vol.born") {
            if let Ok(y) = y.parse::<i32>() {
                *bands.entry(AgeBand::of(y, year)).or_default() += n;
            }
        }
        let kinds = c.under("act.kind");
        let activities_by_kind = ActivityKind::all()
            .iter()
            .map(|k| LabelledCount {
                code: k.as_str().to_owned(),
                label: k.label_zh().to_owned(),
                count: kinds.get(k.as_str()).copied().unwrap_or(0),
            })
            .collect();

        let children_rows = self.store.org_children(Some(&org.id)).await?;
        let ids: Vec<String> = children_rows.iter().map(|o| o.id.clone()).collect();
        let mut per_child: HashMap<String, HashMap<String, i64>> = HashMap::new();
        for r in self.store.ov_counts(&ids, Some(&CHILD_KEYS)).await? {
            per_child.entry(r.org_id).or_default().insert(r.key, r.n);
        }
        let children = children_rows
            .iter()
            .map(|o| child_stat(o, &Counts(per_child.remove(&o.id).unwrap_or_default())))
            .collect();

        let volunteers = c.get("vol.status.active");
        Ok(StatsView {
            org: (&org).into(),
            orgs: c.get("orgs"),
            teams: c.get("teams"),
            volunteers,
            activities: c.get("act.status.done"),
            service_hours: hours_of(c.get("service_ms")),
            orgs_by_level: c.under("level"),
            stations: c.get("unit_type.service_station"),
            centres: c.get("unit_type.service_centre"),
            units: c.get("level.unit"),
            root_teams: c.get("teams.root"),
            teams_by_echelon: c.under("echelon"),
            volunteers_by_status: c.under("vol.status"),
            veterans: c.get("vol.veteran"),
            party_members: c.get("vol.party"),
            by_sex: c.under("vol.gender"),
            age_bands: bands
                .into_iter()
                .map(|(b, n)| LabelledCount {
                    code: b.code().to_owned(),
                    label: b.label_zh().to_owned(),
                    count: n,
                })
                .collect(),
            activities_by_kind,
            activities_by_status: c.under("act.status"),
            service_records: c.get("records"),
            months,
            projects,
            population: org.population,
            registered_share: org.population.and_then(|p| share_percent(volunteers, p)),
            registration_target: target_of(&org),
            children,
        })
    }
}
