//! Oversight (督导检查): the pure rules of issue 5, used by the compliance list, the
//! dashboard and the report tables.
//!
//! - the rule codes clients key on ([`Rule`]);
//! - establishment templates (编制): village team 10, township team 30, small squad 3 veterans
//!   (R-ORG-3, R-STAT-1), editable per tree ([`Templates`]);
//! - which units a template applies to, and the officer rule (a leader; a deputy in a squad of
//!   ten) ([`template_for`], [`officer_gap`]);
//! - calendar months in China time for the monthly-activity rule (R-ACT-1) ([`Month`]);
//! - the yearly 20 h goal from the fourth quarter on (R-HRS-1) ([`hours_rule_year`]);
//! - registration targets by unit type (R-STAT-2) ([`registration_target`]);
//! - the station standard 六个有 (R-STD) ([`StandardItem`]);
//! - age bands for statistics ([`AgeBand`]).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};

use crate::activity::HOUR_MS;
use crate::error::DomainError;
use crate::{Echelon, Level, UnitType};

code_enum! {
    /// A compliance rule (督导规则). The codes are a contract with API clients.
    pub enum Rule {
        field = "rule", code = "rule_invalid", what = "督导规则";
        /// 村级未建队: a village-level node with no team and no small squad (R-STAT-1).
        VillageWithoutTeam => ("village_without_team", "村（社区）未建立志愿服务队"),
        /// 人数不足编制 (R-ORG-3).
        TeamUnderStrength => ("team_under_strength", "队伍人数未达编制"),
        /// 缺少队长，或满编的班缺少副队长 (R-ORG-3).
        TeamWithoutOfficer => ("team_without_officer", "队伍缺少队长或副队长"),
        /// 当月未开展活动 (R-ACT-1).
        TeamNoMonthlyActivity => ("team_no_monthly_activity", "队伍当月未开展活动"),
        /// 年度服务不足 20 小时 (R-HRS-1).
        VolunteerUnder20h => ("volunteer_under_20h", "志愿者年度服务不足20小时"),
        /// 注册比例未达标 (R-STAT-2).
        RegistrationRatioLow => ("registration_ratio_low", "注册志愿者比例未达标"),
        /// 服务站“六个有”不全 (R-STD).
        StationStandardIncomplete => ("station_standard_incomplete", "服务站“六个有”不齐全"),
    }
}

code_enum! {
    /// What an establishment template is for (编制模板).
    pub enum TemplateKind {
        field = "kind", code = "template_kind_invalid", what = "编制模板";
        /// 村级服务队: a squad-sized team of ten (leader, one deputy, eight members).
        Village => ("village", "村级服务队"),
        /// 乡镇级服务队: a platoon of thirty.
        Township => ("township", "乡镇级服务队"),
        /// 县级服务队 (no minimum unless a tree sets one).
        County => ("county", "县级服务队"),
        /// 小分队: at least three veterans.
        SmallSquad => ("small_squad", "小分队（退役军人）"),
    }
}

/// Minimum members per template kind for one tree; `None` means "not checked".
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Templates {
    pub village: Option<u32>,
    pub township: Option<u32>,
    pub county: Option<u32>,
    /// Counted in veterans only (R-STAT-1: 至少有 3 名退役军人志愿者).
    pub small_squad: Option<u32>,
}

/// Largest minimum a template may ask for.
pub const MAX_TEMPLATE_MEMBERS: u32 = 10_000;

impl Default for Templates {
    /// Seeds 000 and 001: village team 10, township team 30, small squad 3 veterans.
    fn default() -> Self {
        Templates {
            village: Some(10),
            township: Some(30),
            county: None,
            small_squad: Some(3),
        }
    }
}

impl Templates {
    pub fn get(&self, kind: TemplateKind) -> Option<u32> {
        match kind {
            TemplateKind::Village => self.village,
            TemplateKind::Township => self.township,
            TemplateKind::County => self.county,
            TemplateKind::SmallSquad => self.small_squad,
        }
    }

    pub fn set(&mut self, kind: TemplateKind, value: Option<u32>) {
        match kind {
            TemplateKind::Village => self.village = value,
            TemplateKind::Township => self.township = value,
            TemplateKind::County => self.county = value,
            TemplateKind::SmallSquad => self.small_squad = value,
        }
    }

    /// Checks every minimum: 1..=10,000 when set. Field `"<kind>"`, code `template_invalid`.
    pub fn check(&self) -> Result<(), DomainError> {
        for kind in TemplateKind::all() {
            if let Some(n) = self.get(*kind) {
                if !(1..=MAX_TEMPLATE_MEMBERS).contains(&n) {
                    return Err(DomainError::new(
                        kind.as_str(),
                        "template_invalid",
                        format!("编制人数应在 1 到 {MAX_TEMPLATE_MEMBERS} 之间"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Where a unit stands, as far as the templates care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitPlace {
    pub echelon: Echelon,
    /// A root unit (no parent unit): the team of a station, centre or village.
    pub is_root: bool,
    /// Level of the org the unit belongs to.
    pub org_level: Level,
    pub org_unit_type: Option<UnitType>,
    /// Level of that org's parent, if any.
    pub parent_level: Option<Level>,
}

impl UnitPlace {
    /// The level the unit serves: its org's, or for a team hosted by a service station or
    /// centre (a unit node), the level of the place the station belongs to (R-ORG-4).
    pub fn served_level(&self) -> Level {
        let hosted = matches!(
            self.org_unit_type,
            Some(UnitType::ServiceStation | UnitType::ServiceCentre)
        );
        match (self.org_level, hosted, self.parent_level) {
            (Level::Unit, true, Some(p)) => p,
            (l, _, _) => l,
        }
    }

    /// Is this unit squad-sized (班): a squad anywhere, or a village team (班级规模, 000)?
    pub fn squad_sized(&self) -> bool {
        self.echelon == Echelon::Squad
            || (self.is_root
                && self.echelon == Echelon::Team
                && self.served_level() == Level::Village)
    }
}

/// The template that applies to a unit, if any: any small squad (counted in veterans); a root
/// team at village, township or county level.
pub fn template_for(place: &UnitPlace) -> Option<TemplateKind> {
    if place.echelon == Echelon::SmallSquad {
        return Some(TemplateKind::SmallSquad);
    }
    if !place.is_root {
        return None;
    }
    match place.served_level() {
        Level::Village => Some(TemplateKind::Village),
        Level::Township => Some(TemplateKind::Township),
        Level::County => Some(TemplateKind::County),
        _ => None,
    }
}

/// The shortfall against a template: `Some((counted, minimum))` when below it. Small squads
/// count veterans, others every active member.
pub fn strength_gap(
    kind: TemplateKind,
    templates: &Templates,
    members: u32,
    veterans: u32,
) -> Option<(u32, u32)> {
    let min = templates.get(kind)?;
    let counted = if kind == TemplateKind::SmallSquad {
        veterans
    } else {
        members
    };
    (counted < min).then_some((counted, min))
}

/// Positions that lead a unit (队长, 连长, 排长, 班长).
pub const LEADING_POSITIONS: [&str; 4] = ["leader", "commander", "platoon_leader", "squad_leader"];

/// The size at which a squad must have a deputy (班: 10 人含副队长 1 人, 000).
pub const FULL_SQUAD: u32 = 10;

/// What is missing among a unit's officers, in Chinese; `None` when nothing is.
/// Root units need someone in a leading position; squad-sized units of ten or more need a
/// deputy as well.
pub fn officer_gap(
    place: &UnitPlace,
    members: u32,
    has_leader: bool,
    deputies: u32,
) -> Option<&'static str> {
    let needs_deputy = place.squad_sized() && members >= FULL_SQUAD && deputies == 0;
    match (place.is_root && !has_leader, needs_deputy) {
        (true, true) => Some("没有队长，满编的班也没有副队长"),
        (true, false) => Some("没有队长"),
        (false, true) => Some("满编（10 人及以上）的班没有副队长"),
        (false, false) => None,
    }
}

/// China Standard Time, in which months and years are counted.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A calendar month in China time (`2026-04`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM` (years 2000–2999). Field `"month"`, code `month_invalid`.
    pub fn parse(s: &str) -> Result<Month, DomainError> {
        let bad = || {
            DomainError::new(
                "month",
                "month_invalid",
                "月份格式应为 YYYY-MM，例如 2026-04",
            )
        };
        let s = s.trim();
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let (year, month) = (
            y.parse::<i32>().map_err(|_| bad())?,
            m.parse::<u32>().map_err(|_| bad())?,
        );
        if !(2000..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The month containing `day`.
    pub fn of_date(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    /// The month (China time) of a unix-ms instant.
    pub fn of_ms(ms: i64) -> Month {
        let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        Month::of_date(t.with_timezone(&china()).date_naive())
    }

    /// The last full month before `today`: in May, April.
    pub fn last_full(today: NaiveDate) -> Month {
        Month::of_date(today).prev()
    }

    pub fn prev(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month {
                year: self.year,
                month: m - 1,
            },
        }
    }

    pub fn next(self) -> Month {
        match self.month {
            12 => Month {
                year: self.year + 1,
                month: 1,
            },
            m => Month {
                year: self.year,
                month: m + 1,
            },
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// Unix ms of 00:00 China time on the first day.
    pub fn start_ms(self) -> i64 {
        day_start_ms(self.first_day())
    }

    /// Unix ms of the next month's start: the month is `[start_ms, end_ms)`.
    pub fn end_ms(self) -> i64 {
        self.next().start_ms()
    }

    pub fn contains_ms(self, ms: i64) -> bool {
        (self.start_ms()..self.end_ms()).contains(&ms)
    }

    /// `2026-04`.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `2026年4月`.
    pub fn label_zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }

    /// The `n` months ending with `self`, oldest first.
    pub fn window(self, n: usize) -> Vec<Month> {
        let mut out = Vec::with_capacity(n);
        let mut m = self;
        for _ in 0..n {
            out.push(m);
            m = m.prev();
        }
        out.reverse();
        out
    }
}

/// Unix ms of 00:00 China time on `day`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    china()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// `activity::YEARLY_GOAL_HOURS` in ms.
pub const YEARLY_GOAL_MS: i64 = crate::activity::YEARLY_GOAL_HOURS * HOUR_MS;

/// Is a year's service below the 20 h goal? (19.5 h is, 20 h is not.)
pub fn under_goal(year_ms: i64) -> bool {
    year_ms < YEARLY_GOAL_MS
}

/// The year the 20 h rule checks: the one asked for, or this year from the fourth quarter
/// (1 October) on; before that nothing is checked.
pub fn hours_rule_year(today: NaiveDate, asked: Option<i32>) -> Option<i32> {
    match asked {
        Some(y) => Some(y),
        None if today.month() >= 10 => Some(today.year()),
        None => None,
    }
}

/// Checks a `?year=` (2000–2999). Field `"year"`, code `year_invalid`.
pub fn check_year(y: i32) -> Result<i32, DomainError> {
    if (2000..=2999).contains(&y) {
        Ok(y)
    } else {
        Err(DomainError::new(
            "year",
            "year_invalid",
            "年份应在 2000 到 2999 之间",
        ))
    }
}

/// Registered-volunteer target in percent of population (R-STAT-2): party and government
/// organs 60, enterprises and institutions 50, civilised units and schools 70, civilised
/// villages and communities 15; an area without a unit type 10 % of its residents. Stations,
/// centres, public places and "other" units have no headcount target.
pub fn registration_target(level: Level, unit_type: Option<UnitType>) -> Option<u32> {
    match unit_type {
        Some(UnitType::Agency) => Some(60),
        Some(UnitType::Enterprise | UnitType::Institution) => Some(50),
        Some(UnitType::CivilisedUnit | UnitType::School) => Some(70),
        Some(UnitType::CivilisedVillage | UnitType::Community) => Some(15),
        Some(_) => None,
        None if level == Level::Unit => None,
        None => Some(10),
    }
}

/// Is `registered` out of `population` below `target_percent`? Exact integer arithmetic: 10
/// of 100 meets 10 %, 9 of 100 does not. A node without residents is never below.
pub fn ratio_below(registered: i64, population: i64, target_percent: u32) -> bool {
    population > 0 && (registered as i128) * 100 < (population as i128) * target_percent as i128
}

/// Registered share in percent, one decimal (for display).
pub fn share_percent(registered: i64, population: i64) -> Option<f64> {
    (population > 0).then(|| ((registered as f64) * 1000.0 / population as f64).round() / 10.0)
}

code_enum! {
    /// One of the station standard's six items (六个有, 003, R-STD).
    pub enum StandardItem {
        field = "item", code = "standard_item_invalid", what = "“六个有”项目";
        /// 有一套志愿者管理制度
        Rules => ("rules", "有一套志愿者管理制度"),
        /// 有一个志愿活动专用场所
        Venue => ("venue", "有一个志愿活动专用场所"),
        /// 有一支志愿者队伍
        Team => ("team", "有一支志愿者队伍"),
        /// 有注册志愿者、志愿服务活动和服务对象的台账
        Ledgers => ("ledgers", "有志愿者、活动和服务对象台账"),
        /// 有相对固定的服务项目
        Projects => ("projects", "有相对固定的服务项目"),
        /// 有明显标识
        Signage => ("signage", "有明显标识"),
    }
}

/// Longest evidence note kept for one item (证明材料说明).
pub const MAX_EVIDENCE_CHARS: usize = 500;

/// Checks one recorded item: an item marked present needs evidence (what and where: the
/// rule book's title, the venue's address, a photo's file number…); evidence is trimmed and
/// at most 500 characters. Field `"evidence"`.
pub fn check_evidence(present: bool, evidence: &str) -> Result<String, DomainError> {
    let e = evidence.trim();
    if e.chars().count() > MAX_EVIDENCE_CHARS {
        return Err(DomainError::new(
            "evidence",
            "evidence_too_long",
            format!("证明材料说明最多 {MAX_EVIDENCE_CHARS} 字"),
        ));
    }
    if e.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::new(
            "evidence",
            "evidence_invalid",
            "证明材料说明含有不可见字符",
        ));
    }
    if present && e.is_empty() {
        return Err(DomainError::new(
            "evidence",
            "evidence_required",
            "标记为“有”的项目须填写证明材料",
        ));
    }
    Ok(e.to_owned())
}

/// An age band of the statistics (年龄段), by age reached in the current year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    Under18,
    From18To29,
    From30To39,
    From40To49,
    From50To59,
    From60,
}

impl AgeBand {
    pub fn all() -> [AgeBand; 6] {
        use AgeBand::*;
        [
            Under18, From18To29, From30To39, From40To49, From50To59, From60,
        ]
    }

    /// The band of someone born in `birth_year`, by the age they reach in `year`
    /// (statistics count whole birth years, so a band moves on 1 January).
    pub fn of(birth_year: i32, year: i32) -> AgeBand {
        match year - birth_year {
            i32::MIN..=17 => AgeBand::Under18,
            18..=29 => AgeBand::From18To29,
            30..=39 => AgeBand::From30To39,
            40..=49 => AgeBand::From40To49,
            50..=59 => AgeBand::From50To59,
            _ => AgeBand::From60,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under18 => "under_18",
            AgeBand::From18To29 => "18_29",
            AgeBand::From30To39 => "30_39",
            AgeBand::From40To49 => "40_49",
            AgeBand::From50To59 => "50_59",
            AgeBand::From60 => "60_plus",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AgeBand::Under18 => "18岁以下",
            AgeBand::From18To29 => "18–29岁",
            AgeBand::From30To39 => "30–39岁",
            AgeBand::From40To49 => "40–49岁",
            AgeBand::From50To59 => "50–59岁",
            AgeBand::From60 => "60岁及以上",
        }
    }
}

#[cfg(test)]
#[path = "oversight_tests.rs"]
mod tests;
