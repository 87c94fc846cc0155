//! Emergency response (应急响应, R-EMG-1, R-EMG-2, R-LAW-1 art. 24–25): the pure rules of
//! incidents, candidates and call-ups.
//!
//! - kinds of incident (暴雨, 大风, 暴雪, 洪涝, 火灾, 疫情, 搜救, 演练, 其他) and their life:
//!   open (响应中) → standing down (收队中) → closed (已结束);
//! - the checks on a new incident: place, headcount, required skills (each must be a skill some
//!   volunteer already holds, so a typo never silently finds nobody);
//! - call-ups (召集): called → accepted | declined | expired | cancelled; declining is always
//!   allowed and costs nothing (art. 25: no forced assignment);
//! - ranking of candidates: nearest first by great-circle distance, distances equal to the
//!   shown 0.1 km being a tie, then members of an emergency detachment (应急分队), then those
//!   called up least this year, then the volunteer id (so the order is total and repeatable).

use std::cmp::Ordering;

use crate::error::DomainError;
use crate::volunteer::{GeoPoint, Skills};

/// Most people one incident may ask for.
pub const MAX_NEEDED: i64 = 10_000;
/// Most required skills on one incident.
pub const MAX_REQUIRED_SKILLS: usize = 10;
/// The response time an officer may set for a call-up, in minutes (default 15).
pub const DEFAULT_RESPONSE_MINUTES: i64 = 15;
pub const MAX_RESPONSE_MINUTES: i64 = 24 * 60;
/// A unit whose specialty (专业方向) starts with this is an emergency detachment (应急分队),
/// and so is every unit below it (its squads).
pub const EMERGENCY_SPECIALTY_PREFIX: &str = "应急";
/// Distances closer than this (0.1 km, what the board shows) are a tie in the ranking.
pub const TIE_KM: f64 = 0.1;

code_enum! {
    /// Kind of incident (事件类型, R-EMG-1).
    pub enum IncidentKind {
        field = "kind", code = "incident_kind_invalid", what = "事件类型";
        Rainstorm => ("rainstorm", "暴雨"),
        Gale => ("gale", "大风"),
        Blizzard => ("blizzard", "暴雪"),
        Flood => ("flood", "洪涝"),
        Fire => ("fire", "火灾"),
        Epidemic => ("epidemic", "疫情"),
        Search => ("search", "搜救"),
        Drill => ("drill", "演练"),
        Other => ("other", "其他"),
    }
}

code_enum! {
    /// Where an incident is in its life.
    pub enum IncidentStatus {
        field = "status", code = "incident_status_invalid", what = "事件状态";
        /// 响应中: call-ups may be sent.
        Open => ("open", "响应中"),
        /// 收队中: no new call-ups; pending ones are withdrawn; people leave the scene.
        StandingDown => ("standing_down", "收队中"),
        /// 已结束: time on site became service records.
        Closed => ("closed", "已结束"),
    }
}

code_enum! {
    /// State of one call-up (召集).
    pub enum CallupStatus {
        field = "status", code = "callup_status_invalid", what = "召集状态";
        Called => ("called", "待响应"),
        Accepted => ("accepted", "已接受"),
        Declined => ("declined", "已婉拒"),
        Expired => ("expired", "超时未响应"),
        Cancelled => ("cancelled", "已撤回"),
    }
}

impl IncidentStatus {
    /// Open may stand down or close at once; standing down may only close; closed is final.
    pub fn can_become(self, next: IncidentStatus) -> bool {
        use IncidentStatus::*;
        matches!(
            (self, next),
            (Open, StandingDown) | (Open, Closed) | (StandingDown, Closed)
        )
    }
}

impl CallupStatus {
    /// The status a stored call-up shows at `now`: one still waiting past its deadline counts
    /// as expired even before the sweeper has written so.
    pub fn effective(self, deadline_at: i64, now: i64) -> CallupStatus {
        if self == CallupStatus::Called && now > deadline_at {
            CallupStatus::Expired
        } else {
            self
        }
    }

    /// May the volunteer accept now? Only a call-up still waiting within its deadline.
    pub fn can_accept(self, deadline_at: i64, now: i64) -> bool {
        self.effective(deadline_at, now) == CallupStatus::Called
    }

    /// May the volunteer decline? Always while waiting (even late) or after accepting, as long
    /// as they have not arrived: declining costs nothing (R-LAW-1 art. 25).
    pub fn can_decline(self, arrived: bool) -> bool {
        matches!(self, CallupStatus::Called | CallupStatus::Expired)
            || (self == CallupStatus::Accepted && !arrived)
    }

    /// Whether the call-up still counts on the board (waiting or accepted).
    pub fn is_live(self) -> bool {
        matches!(self, CallupStatus::Called | CallupStatus::Accepted)
    }
}

/// The place of an incident: a checked point and an address (地点).
pub fn check_place(lat: f64, lon: f64, address: &str) -> Result<(GeoPoint, String), DomainError> {
    let p = GeoPoint::new(lat, lon).map_err(|e| {
        let field = if e.field() == "home.lat" {
            "location.lat"
        } else {
            "location.lon"
        };
        DomainError::new(field, e.code(), e.message())
    })?;
    let address = address.split_whitespace().collect::<Vec<_>>().join(" ");
    if address.chars().count() > 100 || address.chars().any(char::is_control) {
        return Err(DomainError::new(
            "location.address",
            "text_invalid",
            "地址最多 100 个字，且不能含有控制字符",
        ));
    }
    Ok((p, address))
}

/// Headcount (需要人数): 1..=10 000.
pub fn check_needed(needed: i64) -> Result<i64, DomainError> {
    if !(1..=MAX_NEEDED).contains(&needed) {
        return Err(DomainError::new(
            "needed",
            "needed_invalid",
            format!("需要人数必须在 1 到 {MAX_NEEDED} 之间"),
        ));
    }
    Ok(needed)
}

/// Required skills: well-formed tags (as [`Skills`]), at most 10, each one `known` (held by
/// at least one registered volunteer). Field `"skills"`, codes `skills_invalid`,
/// `too_many_skills`, `unknown_skill`.
pub fn check_required_skills(
    items: &[String],
    known: impl Fn(&str) -> bool,
) -> Result<Skills, DomainError> {
    let skills = Skills::parse_list(items)?;
    if skills.len() > MAX_REQUIRED_SKILLS {
        return Err(DomainError::new(
            "skills",
            "too_many_skills",
            format!("所需技能最多 {MAX_REQUIRED_SKILLS} 项"),
        ));
    }
    if let Some(unknown) = skills.as_slice().iter().find(|s| !known(s)) {
        return Err(DomainError::new(
            "skills",
            "unknown_skill",
            format!(
                "没有志愿者登记过技能“{}”，请检查是否写错（可从技能提示中选择）",
                crate::error::echo(unknown)
            ),
        ));
    }
    Ok(skills)
}

/// Response time of a call-up in minutes: 1..=1440 (a day).
pub fn check_response_minutes(minutes: i64) -> Result<i64, DomainError> {
    if !(1..=MAX_RESPONSE_MINUTES).contains(&minutes) {
        return Err(DomainError::new(
            "response_minutes",
            "response_minutes_invalid",
            format!("响应时限必须在 1 到 {MAX_RESPONSE_MINUTES} 分钟之间"),
        ));
    }
    Ok(minutes)
}

/// Whether a unit's specialty marks it as an emergency detachment (应急分队).
pub fn is_emergency_specialty(specialty: Option<&str>) -> bool {
    specialty.is_some_and(|s| s.trim().starts_with(EMERGENCY_SPECIALTY_PREFIX))
}

/// The tie bucket of a distance: distances in the same 0.1 km step are equal for ranking.
pub fn distance_bucket(km: f64) -> i64 {
    (km / TIE_KM).round() as i64
}

/// Everything the ranking looks at, for one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct RankKey<'a> {
    pub distance_km: f64,
    pub in_detachment: bool,
    pub callups_this_year: i64,
    pub volunteer_id: &'a str,
}

impl RankKey<'_> {
    /// The ranking order: nearer bucket, then detachment members, then fewer call-ups this
    /// year, then the exact distance, then the id.
    pub fn cmp_rank(&self, other: &RankKey<'_>) -> Ordering {
        distance_bucket(self.distance_km)
            .cmp(&distance_bucket(other.distance_km))
            .then(other.in_detachment.cmp(&self.in_detachment))
            .then(self.callups_this_year.cmp(&other.callups_this_year))
            .then(self.distance_km.total_cmp(&other.distance_km))
            .then(self.volunteer_id.cmp(other.volunteer_id))
    }
}

/// Great-circle distance between two points, in km (the haversine of [`GeoPoint`]).
pub fn distance_km(a: &GeoPoint, b: &GeoPoint) -> f64 {
    a.distance_km(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    mod kind {
        use super::super::*;
        code_enum_tests!(IncidentKind, "incident_kind_invalid");
    }
    mod status {
        use super::super::*;
        code_enum_tests!(IncidentStatus, "incident_status_invalid");
    }
    mod callup {
        use super::super::*;
        code_enum_tests!(CallupStatus, "callup_status_invalid");
    }

    #[test]
    fn incidents_move_forward_only() {
        use IncidentStatus::*;
        assert!(Open.can_become(StandingDown));
        assert!(Open.can_become(Closed));
        assert!(StandingDown.can_become(Closed));
        assert!(!StandingDown.can_become(Open));
        assert!(!Closed.can_become(Open));
        assert!(!Closed.can_become(StandingDown));
        assert!(!Open.can_become(Open));
    }

    #[test]
    fn places_are_checked() {
        let (p, a) = check_place(42.85, 120.66, "  大沁他拉镇  兴仁社区 ").unwrap();
        assert_eq!((p.lat, p.lon), (42.85, 120.66));
        assert_eq!(a, "大沁他拉镇 兴仁社区");
        for (lat, lon, field) in [
            (90.5, 120.0, "location.lat"),
            (-91.0, 0.0, "location.lat"),
            (f64::NAN, 0.0, "location.lat"),
            (0.0, 180.01, "location.lon"),
            (0.0, f64::INFINITY, "location.lon"),
        ] {
            let e = check_place(lat, lon, "").unwrap_err();
            assert_eq!((e.field(), e.code()), (field, "coordinate_out_of_range"));
        }
        let e = check_place(0.0, 0.0, &"长".repeat(101)).unwrap_err();
        assert_eq!(e.field(), "location.address");
    }

    #[test]
    fn headcount_must_be_positive() {
        assert_eq!(check_needed(1), Ok(1));
        assert_eq!(check_needed(MAX_NEEDED), Ok(MAX_NEEDED));
        for bad in [0, -1, MAX_NEEDED + 1, i64::MIN] {
            let e = check_needed(bad).unwrap_err();
            assert_eq!((e.field(), e.code()), ("needed", "needed_invalid"));
        }
    }

    #[test]
    fn required_skills_must_be_known() {
        let known = |s: &str| ["应急救援", "驾驶"].contains(&s);
        let s = check_required_skills(&["应急救援".into(), " 驾驶 ".into()], known).unwrap();
        assert_eq!(s.as_slice(), ["应急救援", "驾驶"]);
        assert!(check_required_skills(&[], known).unwrap().is_empty());
        let e = check_required_skills(&["潜水".into()], known).unwrap_err();
        assert_eq!((e.field(), e.code()), ("skills", "unknown_skill"));
        assert!(e.message().contains("潜水"));
        let many: Vec<String> = (0..11).map(|i| format!("技能{i}")).collect();
        assert_eq!(
            check_required_skills(&many, |_| true).unwrap_err().code(),
            "too_many_skills"
        );
        let long = "长".repeat(21);
        assert_eq!(
            check_required_skills(&[long], |_| true).unwrap_err().code(),
            "skills_invalid"
        );
    }

    #[test]
    fn response_time_is_bounded() {
        assert!(check_response_minutes(15).is_ok());
        assert!(check_response_minutes(0).is_err());
        assert!(check_response_minutes(MAX_RESPONSE_MINUTES + 1).is_err());
    }

    #[test]
    fn callups_expire_and_may_always_be_declined() {
        use CallupStatus::*;
        assert_eq!(Called.effective(100, 100), Called);
        assert_eq!(Called.effective(100, 101), Expired);
        assert_eq!(Accepted.effective(100, 500), Accepted);
        assert!(Called.can_accept(100, 50));
        assert!(!Called.can_accept(100, 101), "too late to accept");
        assert!(!Declined.can_accept(100, 50));
        assert!(Called.can_decline(false));
        assert!(
            Expired.can_decline(false),
            "a late answer may still decline"
        );
        assert!(
            Accepted.can_decline(false),
            "changing one's mind costs nothing"
        );
        assert!(!Accepted.can_decline(true), "on site: check out instead");
        assert!(!Cancelled.can_decline(false));
        assert!(Called.is_live() && Accepted.is_live() && !Declined.is_live());
    }

    #[test]
    fn emergency_units_are_marked_by_specialty() {
        assert!(is_emergency_specialty(Some("应急")));
        assert!(is_emergency_specialty(Some(" 应急救援")));
        assert!(!is_emergency_specialty(Some("法律服务")));
        assert!(!is_emergency_specialty(Some("抢险应急")));
        assert!(!is_emergency_specialty(None));
    }

    #[test]
    fn distance_matches_known_values() {
        // Beijing Tiananmen to Shanghai People's Square: about 1067 km.
        let bj = GeoPoint::new(39.9087, 116.3975).unwrap();
        let sh = GeoPoint::new(31.2304, 121.4737).unwrap();
        let d = distance_km(&bj, &sh);
        assert!((d - 1067.0).abs() < 3.0, "{d}");
        assert_eq!(distance_km(&bj, &bj), 0.0);
        // Antipodes: half the circumference.
        let a = GeoPoint::new(0.0, 0.0).unwrap();
        let b = GeoPoint::new(0.0, 180.0).unwrap();
        assert!(
            (distance_km(&a, &b) - std::f64::consts::PI * crate::volunteer::EARTH_RADIUS_KM).abs()
                < 1e-6
        );
    }

    fn key(d: f64, det: bool, n: i64, id: &str) -> RankKey<'_> {
        RankKey {
            distance_km: d,
            in_detachment: det,
            callups_this_year: n,
            volunteer_id: id,
        }
    }

    #[test]
    fn ranking_is_nearest_then_detachment_then_load() {
        // Farther bucket loses whatever else.
        assert_eq!(
            key(1.0, false, 9, "a").cmp_rank(&key(1.2, true, 0, "b")),
            Ordering::Less
        );
        // Same shown distance (1.04 and 0.96 both show as 1.0): the detachment member first.
        assert_eq!(
            key(0.96, false, 0, "a").cmp_rank(&key(1.04, true, 5, "b")),
            Ordering::Greater
        );
        // Then fewer call-ups this year.
        assert_eq!(
            key(2.0, true, 3, "a").cmp_rank(&key(2.0, true, 1, "b")),
            Ordering::Greater
        );
        // Then the exact distance, then the id.
        assert_eq!(
            key(2.01, true, 1, "a").cmp_rank(&key(2.0, true, 1, "b")),
            Ordering::Greater
        );
        assert_eq!(
            key(2.0, true, 1, "a").cmp_rank(&key(2.0, true, 1, "b")),
            Ordering::Less
        );
    }

    proptest! {
        #[test]
        fn ranking_is_a_total_order(
            a in (0.0f64..50.0, any::<bool>(), 0i64..4),
            b in (0.0f64..50.0, any::<bool>(), 0i64..4),
            c in (0.0f64..50.0, any::<bool>(), 0i64..4),
        ) {
            let (ka, kb, kc) = (key(a.0, a.1, a.2, "a"), key(b.0, b.1, b.2, "b"), key(c.0, c.1, c.2, "c"));
            prop_assert_eq!(ka.cmp_rank(&kb), kb.cmp_rank(&ka).reverse());
            if ka.cmp_rank(&kb) != Ordering::Greater && kb.cmp_rank(&kc) != Ordering::Greater {
                prop_assert_ne!(ka.cmp_rank(&kc), Ordering::Greater);
            }
        }

        #[test]
        fn distance_is_a_metric(
            p in (-89.0f64..89.0, -179.0f64..179.0),
            q in (-89.0f64..89.0, -179.0f64..179.0),
            r in (-89.0f64..89.0, -179.0f64..179.0),
        ) {
            let (p, q, r) = (GeoPoint::new(p.0, p.1).unwrap(), GeoPoint::new(q.0, q.1).unwrap(), GeoPoint::new(r.0, r.1).unwrap());
            prop_assert!((distance_km(&p, &q) - distance_km(&q, &p)).abs() < 1e-9);
            prop_assert!(distance_km(&p, &r) <= distance_km(&p, &q) + distance_km(&q, &r) + 1e-6);
        }
    }
}
