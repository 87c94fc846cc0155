//! Tests for [`super::IdNumber`].

use super::*;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(2026, 1, 1)
}

fn code(s: &str) -> &'static str {
    IdNumber::parse_on(s, today()).unwrap_err().code()
}

/// Builds a valid number from its first 17 digits.
fn with_check(first17: &str) -> String {
    format!("{first17}{}", check_char(first17))
}

#[test]
fn well_known_vector_with_x() {
    let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.birth_date(), d(1949, 12, 31));
    assert_eq!(id.gender(), Gender::Female);
    assert_eq!(id.region_code(), "110105");
    assert_eq!(id.masked(), "1101**********002X");
    assert_eq!(check_char("11010519491231002"), 'X');
}

#[test]
fn other_valid_vectors() {
    for (s, birth, gender) in [
        ("150502199001011232", d(1990, 1, 1), Gender::Male),
        ("440304198511204428", d(1985, 11, 20), Gender::Female),
        ("320106197910021012", d(1979, 10, 2), Gender::Male),
        ("110101199003070011", d(1990, 3, 7), Gender::Male),
    ] {
        let id = IdNumber::parse_on(s, today()).unwrap();
        assert_eq!(id.birth_date(), birth, "{s}");
        assert_eq!(id.gender(), gender, "{s}");
    }
}

#[test]
fn lowercase_x_and_whitespace_are_normalised() {
    let id = IdNumber::parse_on("  11010519491231002x\n", today()).unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    let x = with_check("15050219900101123");
    assert_eq!(IdNumber::parse_on(&x, today()).unwrap().as_str(), x);
}

#[test]
fn masked_example_from_spec_shape() {
    // Find a 1505… number ending in X to mirror the documented example.
    let first17 = (0..1000)
        .map(|n| format!("15050219900101{n:03}"))
        .find(|f| check_char(f) == 'X')
        .unwrap();
    let id = IdNumber::parse_on(&with_check(&first17), today()).unwrap();
    let m = id.masked();
    assert!(m.starts_with("1505**********"));
    assert!(m.ends_with('X'));
    assert_eq!(m.chars().count(), 18);
}

#[test]
fn debug_does_not_leak_the_number() {
    let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
    let dbg = format!("{id:?}");
    assert!(!dbg.contains("11010519491231002X"));
    assert!(dbg.contains("1101**********002X"));
}

#[test]
fn error_codes() {
    assert_eq!(code(""), "id_number_length");
    assert_eq!(code("11010519491231002"), "id_number_length");
    assert_eq!(code("11010519491231002X1"), "id_number_length");
    assert_eq!(code("1101051949123100２X"), "id_number_chars"); // full-width digit
    assert_eq!(code("1101051949123100AX"), "id_number_chars");
    assert_eq!(code("11010519491231002Y"), "id_number_chars");
    assert_eq!(code(&with_check("10010519491231002")), "id_number_region");
    assert_eq!(code(&with_check("99010519491231002")), "id_number_region");
    assert_eq!(
        code(&with_check("11010519990230002")),
        "id_number_birth_date"
    );
    assert_eq!(
        code(&with_check("11010518991231002")),
        "id_number_birth_date"
    );
    assert_eq!(
        code(&with_check("11010519991301002")),
        "id_number_birth_date"
    );
    assert_eq!(
        code(&with_check("11010519990100002")),
        "id_number_birth_date"
    );
    assert_eq!(code(&with_check("11010520260102002")), "id_number_future");
    assert_eq!(code("110105194912310021"), "id_number_check_digit");
    let e = IdNumber::parse_on("110105194912310021", today()).unwrap_err();
    assert_eq!(e.field(), "id_number");
    assert!(!e.to_string().is_empty());
}

#[test]
fn birth_today_is_allowed_and_leap_days_work() {
    assert!(IdNumber::parse_on(&with_check("11010520260101002"), today()).is_ok());
    assert!(IdNumber::parse_on(&with_check("11010520000229002"), today()).is_ok());
    assert_eq!(
        code(&with_check("11010519000229002")), // 1900 is not a leap year
        "id_number_birth_date"
    );
}

#[test]
fn all_province_codes_accepted() {
    for p in PROVINCE_CODES {
        let s = with_check(&format!("{p}010519491231002"));
        assert!(IdNumber::parse_on(&s, today()).is_ok(), "{s}");
    }
}

#[test]
fn age_in_full_years() {
    let id = IdNumber::parse_on(&with_check("11010520000229002"), today()).unwrap();
    assert_eq!(id.age_on(d(2000, 2, 29)), 0);
    assert_eq!(id.age_on(d(2018, 2, 28)), 17);
    assert_eq!(id.age_on(d(2018, 3, 1)), 18);
    assert_eq!(id.age_on(d(2020, 2, 29)), 20);
    assert_eq!(id.age_on(d(1999, 1, 1)), 0);
}

#[test]
fn from_str_and_serde() {
    let id: IdNumber = "11010519491231002X".parse().unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    let de: Result<IdNumber, serde::de::value::Error> =
        IdNumber::deserialize(serde::de::value::StrDeserializer::new("110105194912310021"));
    assert!(de.is_err());
}

#[test]
fn gender_codes() {
    assert_eq!(Gender::Male.as_str(), "male");
    assert_eq!(Gender::Female.label_zh(), "女");
    assert_eq!(Gender::parse("female"), Ok(Gender::Female));
    assert_eq!(Gender::parse("x").unwrap_err().code(), "gender_invalid");
}

#[test]
#[should_panic(expected = "17 ASCII digits")]
fn check_char_panics_on_bad_input() {
    check_char("123");
}

fn arb_first17() -> impl Strategy<Value = (String, NaiveDate, Gender)> {
    (
        prop::sample::select(PROVINCE_CODES.to_vec()),
        0u32..10_000,
        1900i32..=2025,
        1u32..=12,
        1u32..=31,
        0u32..1000,
    )
        .prop_filter_map("valid date", |(p, area, y, m, day, seq)| {
            let date = NaiveDate::from_ymd_opt(y, m, day)?;
            let first17 = format!("{p}{area:04}{y:04}{m:02}{day:02}{seq:03}");
            let g = if seq % 2 == 1 {
                Gender::Male
            } else {
                Gender::Female
            };
            Some((first17, date, g))
        })
}

proptest! {
    #[test]
    fn generated_numbers_parse((first17, date, gender) in arb_first17()) {
        let s = with_check(&first17);
        let id = IdNumber::parse_on(&s, today()).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(id.birth_date(), date);
        prop_assert_eq!(id.gender(), gender);
        prop_assert_eq!(id.region_code(), &s[..6]);
    }

    #[test]
    fn any_single_change_is_rejected(
        (first17, _date, _g) in arb_first17(),
        pos in 0usize..18,
        replacement in prop::sample::select(
            "0123456789Xx".chars().collect::<Vec<_>>()
        ),
    ) {
        let s = with_check(&first17);
        let mut chars: Vec<char> = s.chars().collect();
        prop_assume!(!chars[pos].eq_ignore_ascii_case(&replacement));
        chars[pos] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(IdNumber::parse_on(&changed, today()).is_err(), "{}", changed);
    }
}
