//! What the oversight use cases hand back: statistics of a subtree, compliance findings, a
//! station's checklist, a tree's establishment templates. Field names of the API's contract
//! (`orgs`, `teams`, `volunteers`, `activities`, `service_hours`; `rule`, `subject_id`,
//! `subject_name`, `detail`, `since`) are fixed; the rest are additions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The node a statistic or a finding is about.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OrgBrief {
    pub id: String,
    pub name: String,
    pub level: String,
    pub level_label: String,
}

/// A labelled count (by age band, activity kind, …).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LabelledCount {
    pub code: String,
    pub label: String,
    pub count: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MonthStat {
    /// YYYY-MM (China time).
    pub month: String,
    pub label: String,
    /// Activities held (done) that started in the month.
    pub activities: i64,
    /// Approved service records of days in the month.
    pub records: i64,
    pub service_hours: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectStat {
    /// Empty for activities without a project.
    pub project_id: String,
    pub name: String,
    pub activities: i64,
    pub service_hours: f64,
}

/// One child node, to drill down.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChildStat {
    pub id: String,
    pub name: String,
    pub level: String,
    pub level_label: String,
    pub orgs: i64,
    pub teams: i64,
    pub volunteers: i64,
    pub activities: i64,
    pub service_hours: f64,
    pub population: Option<i64>,
    /// Registered volunteers in percent of the population (one decimal).
    pub registered_share: Option<f64>,
    pub registration_target: Option<u32>,
}

/// Statistics of an org's subtree (the node itself included).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsView {
    pub org: OrgBrief,
    /// Nodes in the subtree, the node itself included.
    pub orgs: i64,
    /// Units of every echelon (teams and their sub-units).
    pub teams: i64,
    /// Registered volunteers in service (status active).
    pub volunteers: i64,
    /// Activities held (done).
    pub activities: i64,
    /// Approved service hours, all time.
    pub service_hours: f64,
    /// Nodes by level code.
    pub orgs_by_level: BTreeMap<String, i64>,
    /// Veterans' service stations (服务站).
    pub stations: i64,
    /// Veterans' service centres (服务中心).
    pub centres: i64,
    /// Nodes of level `unit` (agencies, schools, stations, …).
    pub units: i64,
    /// Root units: teams and small squads that are nobody's sub-unit.
    pub root_teams: i64,
    pub teams_by_echelon: BTreeMap<String, i64>,
    pub volunteers_by_status: BTreeMap<String, i64>,
    /// Active volunteers who are veterans.
    pub veterans: i64,
    pub party_members: i64,
    /// Active volunteers by sex (`male`, `female`).
    pub by_sex: BTreeMap<String, i64>,
    /// By age reached this year.
    pub age_bands: Vec<LabelledCount>,
    pub activities_by_kind: Vec<LabelledCount>,
    pub activities_by_status: BTreeMap<String, i64>,
    pub service_records: i64,
    /// The months asked for (default: the last 12, this one included), oldest first.
    pub months: Vec<MonthStat>,
    /// Projects with the most hours (at most 10), then the rest summed as 其他.
    pub projects: Vec<ProjectStat>,
    pub population: Option<i64>,
    pub registered_share: Option<f64>,
    pub registration_target: Option<u32>,
    pub children: Vec<ChildStat>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The last month shown (YYYY-MM); default this month.
    pub to: Option<String>,
    /// How many months (1–36); default 12.
    pub months: Option<u32>,
}

/// One broken rule.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// village_without_team, team_under_strength, team_without_officer,
    /// team_no_monthly_activity, volunteer_under_20h, registration_ratio_low,
    /// station_standard_incomplete
    pub rule: String,
    pub rule_label: String,
    /// org, team or volunteer
    pub subject_type: String,
    pub subject_id: String,
    pub subject_name: String,
    /// The node the subject belongs to.
    pub org_id: String,
    pub org_name: String,
    pub detail: String,
    /// Since when the finding holds (RFC 3339), as far as the records tell.
    pub since: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleCount {
    pub rule: String,
    pub label: String,
    pub count: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplianceView {
    pub org: OrgBrief,
    /// The month checked for activity (YYYY-MM).
    pub month: String,
    /// The year checked for 20 h, when the rule applies (from 1 October, or `?year=`).
    pub year: Option<i32>,
    pub items: Vec<Finding>,
    /// Findings in all (or of `rule`, when asked).
    pub total: i64,
    /// Every rule with its count, in the fixed order.
    pub by_rule: Vec<RuleCount>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// YYYY-MM; default the last full month.
    pub month: Option<String>,
    /// Check 20 h for this year; default this year from 1 October on.
    pub year: Option<i32>,
    /// Only findings of this rule.
    pub rule: Option<String>,
    pub page: Option<i64>,
    /// Up to 500; default 100.
    pub per_page: Option<i64>,
    /// At most this many findings of each rule (up to 500), for a view grouped by rule;
    /// `page` and `per_page` then don't apply.
    pub per_rule: Option<i64>,
}

/// One item of a station's 六个有 as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StandardItemView {
    /// rules, venue, team, ledgers, projects, signage
    pub item: String,
    pub label: String,
    /// Not yet recorded: null.
    pub present: Option<bool>,
    pub evidence: String,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StationStandardView {
    pub org_id: String,
    pub org_name: String,
    /// Only service stations keep this checklist.
    pub is_station: bool,
    pub items: Vec<StandardItemView>,
    /// Every item recorded as present.
    pub complete: bool,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct StandardItemInput {
    pub item: String,
    pub present: bool,
    /// What proves it (required when present): a rule book's title, the venue's address…
    #[serde(default)]
    pub evidence: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct StationStandardInput {
    /// Items to record; items not listed keep what they had.
    pub items: Vec<StandardItemInput>,
}

/// A tree's establishment templates: minimum members, or null when not checked.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplatesView {
    pub root_org_id: String,
    pub village: Option<u32>,
    pub township: Option<u32>,
    pub county: Option<u32>,
    /// Counted in veterans.
    pub small_squad: Option<u32>,
}

fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// Replaces a tree's templates. Each kind: a number, null (not checked), or left out (the
/// default of seeds 000/001: village 10, township 30, small squad 3 veterans, county none).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TemplatesInput {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<u32>)]
    pub village: Option<Option<u32>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<u32>)]
    pub township: Option<Option<u32>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<u32>)]
    pub county: Option<Option<u32>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<u32>)]
    pub small_squad: Option<Option<u32>>,
}
