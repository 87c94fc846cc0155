use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::id_number::check_char;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn facts(age: u32) -> ApplicantFacts {
    ApplicantFacts {
        age,
        party_member: true,
        veteran: true,
        health: Health::Good,
        no_record: true,
    }
}

fn rules(b: &[Breach]) -> Vec<&str> {
    b.iter().map(|b| b.rule.as_str()).collect()
}

#[test]
fn veteran_team_age_limit_is_inclusive_at_50_and_breaks_at_51() {
    let p = EligibilityPolicy::veteran_team_000();
    assert!(check_eligibility(&p, &facts(50)).is_empty());
    assert_eq!(rules(&check_eligibility(&p, &facts(51))), ["age_above_max"]);
}

#[test]
fn min_age_is_inclusive() {
    let p = EligibilityPolicy {
        min_age: Some(18),
        ..Default::default()
    };
    assert!(check_eligibility(&p, &facts(18)).is_empty());
    assert_eq!(rules(&check_eligibility(&p, &facts(17))), ["age_below_min"]);
}

#[test]
fn each_flag_rule_breaks_alone_and_all_are_reported_together() {
    let p = EligibilityPolicy::veteran_team_000();
    type Spoil = fn(&mut ApplicantFacts);
    let cases: [(&str, Spoil); 4] = [
        ("not_party_member", |f| f.party_member = false),
        ("not_veteran", |f| f.veteran = false),
        ("not_healthy", |f| f.health = Health::Fair),
        ("has_record", |f| f.no_record = false),
    ];
    for (rule, spoil) in cases {
        let mut f = facts(40);
        spoil(&mut f);
        assert_eq!(rules(&check_eligibility(&p, &f)), [rule]);
        // Without the requirement the same facts pass.
        assert!(check_eligibility(&EligibilityPolicy::default(), &f).is_empty());
    }
    let worst = ApplicantFacts {
        age: 60,
        party_member: false,
        veteran: false,
        health: Health::Poor,
        no_record: false,
    };
    assert_eq!(
        rules(&check_eligibility(&p, &worst)),
        [
            "age_above_max",
            "not_party_member",
            "not_veteran",
            "not_healthy",
            "has_record"
        ]
    );
}

#[test]
fn policy_limits_are_checked() {
    let bad = EligibilityPolicy {
        min_age: Some(40),
        max_age: Some(30),
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().code(), "policy_age_order");
    let young = EligibilityPolicy {
        min_age: Some(10),
        ..Default::default()
    };
    assert_eq!(young.validate().unwrap_err().code(), "policy_age_invalid");
    assert!(EligibilityPolicy::veteran_team_000().validate().is_ok());
}

#[test]
fn review_chain_runs_bottom_up_over_reviewing_levels() {
    let ancestry = [
        ("nm", Level::Province),
        ("naiman", Level::County),
        ("daqin", Level::Township),
        ("village", Level::Village),
    ];
    assert_eq!(
        review_chain(&ancestry, &DEFAULT_REVIEW_LEVELS),
        ["village", "daqin", "naiman"]
    );
    assert_eq!(
        review_chain(&ancestry, &[Level::County, Level::Village]),
        ["village", "naiman"]
    );
    // No reviewing level in the chain: the org itself reviews.
    assert_eq!(review_chain(&ancestry, &[Level::City]), ["village"]);
}

#[test]
fn decisions_move_the_application() {
    assert_eq!(
        decide(0, 3, Decision::Approve, None, 0),
        Ok(StepOutcome::NextLevel(1))
    );
    assert_eq!(
        decide(2, 3, Decision::Approve, None, 0),
        Ok(StepOutcome::Admit)
    );
    assert_eq!(
        decide(1, 3, Decision::Return, Some("补充退役证"), 0),
        Ok(StepOutcome::Returned)
    );
    assert_eq!(
        decide(1, 3, Decision::Reject, Some("不符合"), 0),
        Ok(StepOutcome::Rejected)
    );
    assert_eq!(
        decide(1, 3, Decision::Return, Some("  "), 0)
            .unwrap_err()
            .code(),
        "reason_required"
    );
    assert_eq!(
        decide(0, 3, Decision::Approve, None, 2).unwrap_err().code(),
        "policy_override_required"
    );
    assert_eq!(
        decide(0, 3, Decision::Approve, Some("抢险骨干"), 2),
        Ok(StepOutcome::NextLevel(1))
    );
    assert_eq!(Decision::parse("approve"), Ok(Decision::Approve));
    assert_eq!(
        Decision::parse("ok").unwrap_err().code(),
        "decision_invalid"
    );
}

#[test]
fn number_ranges_count_warn_and_exhaust() {
    let mut r = NumberRange::new(1, 10).unwrap();
    assert_eq!((r.size(), r.remaining(), r.near_end()), (10, 10, false));
    r.next = 9; // 8 issued
    assert!(!r.near_end());
    r.next = 10; // 9 of 10 issued: 90 %
    assert!(r.near_end());
    r.next = 11;
    assert!(r.is_exhausted());
    assert_eq!(r.remaining(), 0);
    assert_eq!(NumberRange::new(0, 5).unwrap_err().code(), "range_invalid");
    assert_eq!(NumberRange::new(5, 4).unwrap_err().code(), "range_invalid");
    assert_eq!(
        NumberRange::new(1, MAX_RANGE_SIZE + 1).unwrap_err().code(),
        "range_too_large"
    );
    let a = NumberRange::new(1, 100).unwrap();
    assert!(a.overlaps(&NumberRange::new(100, 200).unwrap()));
    assert!(!a.overlaps(&NumberRange::new(101, 200).unwrap()));
    assert_eq!(format_registration_no("NM", 7, 1000), "NM0007");
    assert_eq!(parse_range_prefix(" nm-1 ").unwrap(), "NM-1");
    assert!(parse_range_prefix("内蒙").is_err());
}

fn id(birth: &str, seq: u32) -> String {
    let first17 = format!("150525{birth}{seq:03}");
    format!("{first17}{}", check_char(&first17))
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

#[test]
fn headers_must_match_exactly() {
    let good = row(&[
        "\u{feff}姓名",
        "身份证号码 ",
        "手机号码",
        "退役军人",
        "中共党员",
        "技能",
        "",
    ]);
    assert!(check_import_headers(&good).is_ok());
    let swapped = row(&[
        "身份证号码",
        "姓名",
        "手机号码",
        "退役军人",
        "中共党员",
        "技能",
    ]);
    assert_eq!(
        check_import_headers(&swapped).unwrap_err().code(),
        "import_header_invalid"
    );
    assert!(check_import_headers(&[]).is_err());
}

#[test]
fn a_good_row_parses() {
    let today = day(2026, 5, 1);
    let r = parse_import_row(
        &row(&[
            "王建国",
            &id("19800101", 1),
            "13800000001",
            "是",
            "否",
            "驾驶、急救",
        ]),
        today,
    )
    .unwrap();
    assert_eq!(r.name.as_str(), "王建国");
    assert!(r.veteran && !r.party_member);
    assert_eq!(r.skills.as_slice(), ["驾驶", "急救"]);
}

#[test]
fn every_bad_field_of_a_row_is_reported() {
    let today = day(2026, 5, 1);
    let p = parse_import_row(&row(&["王", "123", "1380000", "也许", "X", ""]), today).unwrap_err();
    let fields: Vec<&str> = p.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        ["name", "id_number", "phone", "veteran", "party_member"]
    );
    assert_eq!(p[1].column, "身份证号码");
    // A child (under 14) and a minor without the guardian's consent are refused.
    let child = parse_import_row(
        &row(&["王小明", &id("20200101", 1), "13800000001", "否", "否", ""]),
        today,
    )
    .unwrap_err();
    assert_eq!(child[0].code, "age_under_14");
    let minor = parse_import_row(
        &row(&["王小明", &id("20100101", 1), "13800000001", "否", "否", ""]),
        today,
    )
    .unwrap_err();
    assert_eq!(minor[0].code, "guardian_consent_required");
    let extra = parse_import_row(
        &row(&[
            "王建国",
            &id("19800101", 1),
            "13800000001",
            "是",
            "否",
            "",
            "多余",
        ]),
        today,
    )
    .unwrap_err();
    assert_eq!(extra[0].code, "extra_cells");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The row parser (fed by the CSV and xlsx readers) answers a row or named problems for
    /// any cells whatsoever, and never panics.
    #[test]
    fn import_row_parser_never_panics(cells in proptest::collection::vec("\\PC{0,30}|[0-9Xx]{18}|是|否", 0..9)) {
        match parse_import_row(&cells, day(2026, 5, 1)) {
            Ok(r) => prop_assert_eq!(r.id_number.as_str().len(), 18),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(!p.code.is_empty() && !p.reason.is_empty() && !p.field.is_empty());
                }
            }
        }
        let _ = check_import_headers(&cells);
    }

    #[test]
    fn issued_plus_remaining_is_the_size(first in 1i64..1_000_000, len in 0i64..1000, used in 0i64..1100) {
        let mut r = NumberRange::new(first, first + len).unwrap();
        r.next = first + used;
        prop_assert_eq!(r.issued() + r.remaining(), r.size());
        prop_assert_eq!(r.near_end(), r.issued() as f64 >= 0.9 * r.size() as f64);
    }
}
