//! Tests of the oversight rules, each at its boundary.

use super::*;
use proptest::prelude::*;

mod rule {
    use super::*;
    code_enum_tests!(Rule, "rule_invalid");
}

mod template_kind {
    use super::*;
    code_enum_tests!(TemplateKind, "template_kind_invalid");
}

mod standard_item {
    use super::*;
    code_enum_tests!(StandardItem, "standard_item_invalid");
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn place(
    echelon: Echelon,
    is_root: bool,
    level: Level,
    ut: Option<UnitType>,
    parent: Option<Level>,
) -> UnitPlace {
    UnitPlace {
        echelon,
        is_root,
        org_level: level,
        org_unit_type: ut,
        parent_level: parent,
    }
}

#[test]
fn rule_codes_are_the_contract() {
    let codes: Vec<_> = Rule::all().iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "village_without_team",
            "team_under_strength",
            "team_without_officer",
            "team_no_monthly_activity",
            "volunteer_under_20h",
            "registration_ratio_low",
            "station_standard_incomplete"
        ]
    );
}

#[test]
fn a_village_team_of_nine_is_under_strength_and_ten_is_not() {
    let t = Templates::default();
    assert_eq!(strength_gap(TemplateKind::Village, &t, 9, 9), Some((9, 10)));
    assert_eq!(strength_gap(TemplateKind::Village, &t, 10, 0), None);
    assert_eq!(
        strength_gap(TemplateKind::Township, &t, 29, 29),
        Some((29, 30))
    );
    assert_eq!(strength_gap(TemplateKind::Township, &t, 30, 0), None);
    // A county team has no minimum unless the tree sets one.
    assert_eq!(strength_gap(TemplateKind::County, &t, 1, 1), None);
}

#[test]
fn a_small_squad_counts_veterans_only() {
    let t = Templates::default();
    assert_eq!(
        strength_gap(TemplateKind::SmallSquad, &t, 5, 2),
        Some((2, 3))
    );
    assert_eq!(strength_gap(TemplateKind::SmallSquad, &t, 3, 3), None);
}

#[test]
fn templates_are_editable_and_checked() {
    let mut t = Templates::default();
    t.set(TemplateKind::Village, Some(12));
    t.set(TemplateKind::County, Some(50));
    assert_eq!(
        strength_gap(TemplateKind::Village, &t, 11, 0),
        Some((11, 12))
    );
    assert_eq!(
        strength_gap(TemplateKind::County, &t, 49, 0),
        Some((49, 50))
    );
    t.set(TemplateKind::Township, None);
    assert_eq!(strength_gap(TemplateKind::Township, &t, 0, 0), None);
    assert!(t.check().is_ok());
    t.set(TemplateKind::SmallSquad, Some(0));
    let e = t.check().unwrap_err();
    assert_eq!((e.field(), e.code()), ("small_squad", "template_invalid"));
    t.set(TemplateKind::SmallSquad, Some(MAX_TEMPLATE_MEMBERS + 1));
    assert!(t.check().is_err());
}

#[test]
fn templates_apply_to_root_teams_by_the_level_they_serve() {
    use Level::*;
    let station = Some(UnitType::ServiceStation);
    // A village station's team serves the village.
    let p = place(Echelon::Team, true, Unit, station, Some(Village));
    assert_eq!(template_for(&p), Some(TemplateKind::Village));
    assert!(p.squad_sized());
    // A team hung straight on the village too.
    assert_eq!(
        template_for(&place(Echelon::Team, true, Village, None, Some(Township))),
        Some(TemplateKind::Village)
    );
    assert_eq!(
        template_for(&place(Echelon::Team, true, Unit, station, Some(Township))),
        Some(TemplateKind::Township)
    );
    assert_eq!(
        template_for(&place(
            Echelon::Team,
            true,
            Unit,
            Some(UnitType::ServiceCentre),
            Some(County)
        )),
        Some(TemplateKind::County)
    );
    // A school's team is not templated; nor is a sub-unit.
    assert_eq!(
        template_for(&place(
            Echelon::Team,
            true,
            Unit,
            Some(UnitType::School),
            Some(Village)
        )),
        None
    );
    assert_eq!(
        template_for(&place(Echelon::Squad, false, Unit, station, Some(Village))),
        None
    );
    // A small squad is, wherever it sits.
    assert_eq!(
        template_for(&place(Echelon::SmallSquad, true, Village, None, None)),
        Some(TemplateKind::SmallSquad)
    );
    assert_eq!(
        template_for(&place(Echelon::SmallSquad, false, County, None, None)),
        Some(TemplateKind::SmallSquad)
    );
}

#[test]
fn officers_a_leader_and_a_deputy_in_a_squad_of_ten() {
    let village = place(Echelon::Team, true, Level::Village, None, None);
    assert_eq!(officer_gap(&village, 10, true, 1), None);
    assert_eq!(officer_gap(&village, 10, false, 1), Some("没有队长"));
    // Nine members and no deputy: under strength, but the deputy rule starts at ten.
    assert_eq!(officer_gap(&village, 9, true, 0), None);
    assert!(officer_gap(&village, 10, true, 0)
        .unwrap()
        .contains("副队长"));
    assert!(officer_gap(&village, 10, false, 0)
        .unwrap()
        .contains("没有队长"));
    // A squad inside a platoon needs no leader of its own here, but a deputy once full.
    let squad = place(Echelon::Squad, false, Level::Township, None, None);
    assert_eq!(
        officer_gap(&squad, 10, false, 0),
        Some("满编（10 人及以上）的班没有副队长")
    );
    assert_eq!(officer_gap(&squad, 9, false, 0), None);
    // A township platoon-sized team needs a leader, not a squad deputy.
    let township = place(Echelon::Team, true, Level::Township, None, None);
    assert!(!township.squad_sized());
    assert_eq!(officer_gap(&township, 30, true, 0), None);
}

#[test]
fn months_run_in_china_time_to_the_last_millisecond() {
    let april = Month::parse("2026-04").unwrap();
    assert_eq!(april.code(), "2026-04");
    assert_eq!(april.label_zh(), "2026年4月");
    // 2026-04-30 23:59:59.999 +08:00 is still April; 2026-05-01 00:00 +08:00 is May.
    let may_start = china()
        .with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(april.end_ms(), may_start);
    assert!(april.contains_ms(may_start - 1));
    assert!(!april.contains_ms(may_start));
    assert_eq!(Month::of_ms(may_start - 1), april);
    assert_eq!(Month::of_ms(may_start), april.next());
    // 2026-04-30 20:00 UTC is already 1 May in China.
    let utc_evening = chrono::Utc
        .with_ymd_and_hms(2026, 4, 30, 20, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(Month::of_ms(utc_evening).code(), "2026-05");
    assert_eq!(
        april.start_ms(),
        china()
            .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis()
    );
}

#[test]
fn the_default_month_is_the_last_full_one() {
    assert_eq!(Month::last_full(d(2026, 5, 1)).code(), "2026-04");
    assert_eq!(Month::last_full(d(2026, 4, 30)).code(), "2026-03");
    assert_eq!(Month::last_full(d(2026, 1, 15)).code(), "2025-12");
    assert_eq!(Month::parse("2025-12").unwrap().next().code(), "2026-01");
    let w = Month::parse("2026-02").unwrap().window(3);
    let codes: Vec<_> = w.iter().map(|m| m.code()).collect();
    assert_eq!(codes, ["2025-12", "2026-01", "2026-02"]);
}

#[test]
fn bad_months_are_refused() {
    for bad in [
        "",
        "2026",
        "2026-4",
        "2026-13",
        "2026-00",
        "26-04",
        "２０２６-04",
        "1999-12",
        "2026-04-01",
        "+026-04",
    ] {
        let e = Month::parse(bad).unwrap_err();
        assert_eq!((e.field(), e.code()), ("month", "month_invalid"), "{bad:?}");
    }
    assert_eq!(
        Month::parse(" 2026-04 ").unwrap(),
        Month {
            year: 2026,
            month: 4
        }
    );
}

#[test]
fn nineteen_and_a_half_hours_is_under_twenty_and_twenty_is_not() {
    assert!(under_goal(19 * HOUR_MS + HOUR_MS / 2));
    assert!(under_goal(YEARLY_GOAL_MS - 1));
    assert!(!under_goal(20 * HOUR_MS));
    assert!(!under_goal(25 * HOUR_MS));
    assert!(under_goal(0));
}

#[test]
fn the_hours_rule_starts_with_the_fourth_quarter() {
    assert_eq!(hours_rule_year(d(2026, 9, 30), None), None);
    assert_eq!(hours_rule_year(d(2026, 10, 1), None), Some(2026));
    assert_eq!(hours_rule_year(d(2026, 12, 31), None), Some(2026));
    assert_eq!(hours_rule_year(d(2026, 3, 1), Some(2025)), Some(2025));
    assert_eq!(check_year(2025), Ok(2025));
    assert_eq!(check_year(1999).unwrap_err().code(), "year_invalid");
}

#[test]
fn registration_targets_follow_003() {
    use Level::*;
    assert_eq!(registration_target(County, None), Some(10));
    assert_eq!(registration_target(Village, None), Some(10));
    assert_eq!(registration_target(Unit, Some(UnitType::Agency)), Some(60));
    assert_eq!(
        registration_target(Unit, Some(UnitType::Enterprise)),
        Some(50)
    );
    assert_eq!(
        registration_target(Unit, Some(UnitType::Institution)),
        Some(50)
    );
    assert_eq!(
        registration_target(Unit, Some(UnitType::CivilisedUnit)),
        Some(70)
    );
    assert_eq!(registration_target(Unit, Some(UnitType::School)), Some(70));
    assert_eq!(
        registration_target(Village, Some(UnitType::CivilisedVillage)),
        Some(15)
    );
    assert_eq!(
        registration_target(Village, Some(UnitType::Community)),
        Some(15)
    );
    assert_eq!(
        registration_target(Unit, Some(UnitType::ServiceStation)),
        None
    );
    assert_eq!(registration_target(Unit, None), None);
}

#[test]
fn ratios_meet_the_target_exactly_at_it() {
    assert!(ratio_below(9, 100, 10));
    assert!(!ratio_below(10, 100, 10));
    assert!(ratio_below(59, 100, 60));
    assert!(!ratio_below(60, 100, 60));
    assert!(ratio_below(149, 1000, 15));
    assert!(!ratio_below(150, 1000, 15));
    assert!(!ratio_below(0, 0, 10));
    assert!(!ratio_below(i64::MAX, i64::MAX, 100));
    assert_eq!(share_percent(1, 3), Some(33.3));
    assert_eq!(share_percent(5, 0), None);
}

#[test]
fn evidence_is_needed_for_an_item_marked_present() {
    assert_eq!(
        check_evidence(true, " 《志愿者管理制度》2024版 ").unwrap(),
        "《志愿者管理制度》2024版"
    );
    assert_eq!(check_evidence(false, "").unwrap(), "");
    assert_eq!(
        check_evidence(true, "  ").unwrap_err().code(),
        "evidence_required"
    );
    assert_eq!(
        check_evidence(false, &"字".repeat(501)).unwrap_err().code(),
        "evidence_too_long"
    );
    assert!(check_evidence(true, &"字".repeat(500)).is_ok());
    assert_eq!(
        check_evidence(true, "a\u{7}").unwrap_err().code(),
        "evidence_invalid"
    );
    assert_eq!(StandardItem::all().len(), 6);
}

#[test]
fn age_bands_by_birth_year() {
    assert_eq!(AgeBand::of(2009, 2026), AgeBand::Under18);
    assert_eq!(AgeBand::of(2008, 2026), AgeBand::From18To29);
    assert_eq!(AgeBand::of(1997, 2026), AgeBand::From18To29);
    assert_eq!(AgeBand::of(1996, 2026), AgeBand::From30To39);
    assert_eq!(AgeBand::of(1977, 2026), AgeBand::From40To49);
    assert_eq!(AgeBand::of(1976, 2026), AgeBand::From50To59);
    assert_eq!(AgeBand::of(1966, 2026), AgeBand::From60);
    assert_eq!(AgeBand::all().len(), 6);
}

proptest! {
    #[test]
    fn a_month_holds_exactly_its_instants(ms in 946_684_800_000i64..4_102_444_800_000i64) {
        let m = Month::of_ms(ms);
        prop_assert!(m.contains_ms(ms));
        prop_assert!(!m.prev().contains_ms(ms));
        prop_assert!(!m.next().contains_ms(ms));
        prop_assert_eq!(Month::parse(&m.code()).unwrap(), m);
    }

    #[test]
    fn ratio_below_matches_exact_fractions(reg in 0i64..1_000_000, pop in 1i64..10_000_000, t in 1u32..100) {
        // The registered share is below t % exactly when reg / pop < t / 100.
        // (floats are exact at these sizes, well below 2^53)
        prop_assert_eq!(ratio_below(reg, pop, t), (reg as f64) * 100.0 < (pop as f64) * t as f64);
    }

    #[test]
    fn month_parse_never_panics(s in "\\PC{0,12}") {
        let _ = Month::parse(&s);
    }
}
