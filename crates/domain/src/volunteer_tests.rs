//! Tests for [`super`] (volunteer data).

use super::*;
use crate::id_number::check_char;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

mod health {
    use super::*;
    code_enum_tests!(Health, "health_invalid");
}

#[test]
fn names_accepted() {
    for (input, out) in [
        ("张三", "张三"),
        ("  欧阳娜娜 ", "欧阳娜娜"),
        ("阿沛·阿旺晋美", "阿沛·阿旺晋美"),
        ("买买提•艾力", "买买提•艾力"),
        ("John  Smith", "John Smith"),
        ("José Núñez", "José Núñez"),
        ("𠮷野", "𠮷野"),
    ] {
        assert_eq!(PersonName::parse(input).unwrap().as_str(), out, "{input}");
    }
}

#[test]
fn names_rejected() {
    for bad in [
        "",
        "张",
        " 张 ",
        "张三1",
        "张三３",
        "张\n三",
        "张三!",
        "·张三",
        "张三·",
        "a_b",
        "张三@x",
    ] {
        let e = PersonName::parse(bad).unwrap_err();
        assert_eq!((e.field(), e.code()), ("name", "name_invalid"), "{bad:?}");
    }
    assert!(PersonName::parse(&"张".repeat(30)).is_ok());
    assert!(PersonName::parse(&"张".repeat(31)).is_err());
}

#[test]
fn names_masked() {
    let m = |s: &str| PersonName::parse(s).unwrap().masked();
    assert_eq!(m("张三"), "张*");
    assert_eq!(m("欧阳娜"), "欧**");
    assert_eq!(m("欧阳娜娜"), "欧***");
    let n: PersonName = "李四".parse().unwrap();
    assert_eq!(n.to_string(), "李四");
}

#[test]
fn skills_from_text() {
    let s = Skills::parse_text("驾驶、急救,  无人机 航拍 ，急救；电工;\n\n厨师\r\n驾驶").unwrap();
    assert_eq!(
        s.as_slice(),
        ["驾驶", "急救", "无人机 航拍", "电工", "厨师"]
    );
    assert_eq!(s.len(), 5);
    assert!(s.contains("无人机  航拍"));
    assert_eq!(Skills::parse_text(&s.to_text()).unwrap(), s);
    assert_eq!(s.clone().into_vec().len(), 5);
    assert!(Skills::parse_text("").unwrap().is_empty());
    assert!(Skills::parse_text(" 、 ,").unwrap().is_empty());
}

#[test]
fn skills_from_list() {
    let s = Skills::parse_list(&strings(&["急救", " 驾驶 ", "", "急救", "电工、焊工"])).unwrap();
    assert_eq!(s.as_slice(), ["急救", "驾驶", "电工", "焊工"]);
}

#[test]
fn skills_rejected() {
    let code = |r: Result<Skills, DomainError>| {
        let e = r.unwrap_err();
        assert_eq!(e.field(), "skills");
        e.code()
    };
    assert_eq!(code(Skills::parse_text(&"长".repeat(21))), "skills_invalid");
    assert_eq!(code(Skills::parse_text("急救\u{7}")), "skills_invalid");
    let many: Vec<String> = (0..31).map(|i| format!("技能{i}")).collect();
    assert_eq!(code(Skills::parse_list(&many)), "skills_invalid");
    assert!(Skills::parse_list(&many[..30]).is_ok());
    // duplicates do not count towards the limit
    let mut dup = many[..30].to_vec();
    dup.extend(many[..30].iter().cloned());
    assert_eq!(Skills::parse_list(&dup).unwrap().len(), 30);
    assert!(Skills::parse_text(&"长".repeat(20)).is_ok());
}

#[test]
fn geo_points() {
    let beijing = GeoPoint::new(39.9042, 116.4074).unwrap();
    let shanghai = GeoPoint::new(31.2304, 121.4737).unwrap();
    let km = beijing.distance_km(&shanghai);
    assert!((km - 1067.0).abs() < 5.0, "{km}");
    assert_eq!(beijing.distance_km(&beijing), 0.0);
    let quarter = GeoPoint::new(0.0, 0.0)
        .unwrap()
        .distance_km(&GeoPoint::new(0.0, 90.0).unwrap());
    assert!((quarter - std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_KM).abs() < 1e-6);
    for (lat, lon, field) in [
        (90.1, 0.0, "home.lat"),
        (f64::NAN, 0.0, "home.lat"),
        (0.0, -180.5, "home.lon"),
        (0.0, f64::INFINITY, "home.lon"),
    ] {
        let e = GeoPoint::new(lat, lon).unwrap_err();
        assert_eq!((e.field(), e.code()), (field, "coordinate_out_of_range"));
    }
    assert!(GeoPoint::new(-90.0, 180.0).is_ok());
}

#[test]
fn veteran_details() {
    let v = VeteranDetails::parse(Some(" 陆军 "), Some(1998), Some(2003), Some(""), 2026).unwrap();
    assert_eq!(v.branch.as_deref(), Some("陆军"));
    assert_eq!(v.rank, None);
    assert_eq!(
        (v.enlisted_year, v.discharged_year),
        (Some(1998), Some(2003))
    );
    assert_eq!(
        VeteranDetails::parse(None, None, None, None, 2026).unwrap(),
        VeteranDetails::default()
    );
    let e = |r: Result<VeteranDetails, DomainError>| {
        let e = r.unwrap_err();
        (e.field(), e.code())
    };
    assert_eq!(
        e(VeteranDetails::parse(None, Some(1939), None, None, 2026)),
        ("enlisted_year", "year_invalid")
    );
    assert_eq!(
        e(VeteranDetails::parse(None, None, Some(2027), None, 2026)),
        ("discharged_year", "year_invalid")
    );
    assert_eq!(
        e(VeteranDetails::parse(
            None,
            Some(2005),
            Some(2003),
            None,
            2026
        )),
        ("discharged_year", "years_out_of_order")
    );
    assert_eq!(
        e(VeteranDetails::parse(
            Some(&"长".repeat(31)),
            None,
            None,
            None,
            2026
        )),
        ("branch", "text_too_long")
    );
    assert!(VeteranDetails::parse(None, Some(2003), Some(2003), Some("上士"), 2026).is_ok());
}

fn id_born(y: i32, m: u32, day: u32) -> IdNumber {
    let first17 = format!("110105{y:04}{m:02}{day:02}001");
    let s = format!("{first17}{}", check_char(&first17));
    IdNumber::parse_on(&s, d(2026, 1, 1)).unwrap()
}

#[test]
fn age_rule() {
    let today = d(2025, 6, 1);
    let kid = id_born(2011, 6, 2); // 13
    let e = check_age(&kid, today, true).unwrap_err();
    assert_eq!((e.field(), e.code()), ("id_number", "age_under_14"));
    let teen = id_born(2011, 6, 1); // 14 today
    let e = check_age(&teen, today, false).unwrap_err();
    assert_eq!(
        (e.field(), e.code()),
        ("guardian_consent", "guardian_consent_required")
    );
    assert_eq!(check_age(&teen, today, true), Ok(14));
    let almost = id_born(2007, 6, 2); // 17
    assert!(check_age(&almost, today, false).is_err());
    let adult = id_born(2007, 6, 1); // 18 today
    assert_eq!(check_age(&adult, today, false), Ok(18));
}

proptest! {
    #[test]
    fn skills_are_normalised(items in prop::collection::vec("[a-z急救驾驶 ]{0,8}", 0..40)) {
        if let Ok(s) = Skills::parse_list(&items) {
            let tags = s.as_slice();
            prop_assert!(tags.len() <= MAX_SKILLS);
            for (i, t) in tags.iter().enumerate() {
                prop_assert!(!t.is_empty());
                prop_assert_eq!(t.trim(), t.as_str());
                prop_assert!(!t.contains("  "));
                prop_assert!(!tags[..i].contains(t));
            }
            prop_assert_eq!(Skills::parse_text(&s.to_text()).unwrap(), s);
        }
    }

    #[test]
    fn names_mask_to_same_length(s in "[\u{4E00}-\u{9FFF}]{2,30}") {
        let n = PersonName::parse(&s).unwrap();
        let m = n.masked();
        prop_assert_eq!(m.chars().count(), s.chars().count());
        prop_assert_eq!(m.chars().next(), s.chars().next());
    }

    #[test]
    fn distance_is_symmetric_and_bounded(
        a in -90.0f64..=90.0, b in -180.0f64..=180.0,
        c in -90.0f64..=90.0, e in -180.0f64..=180.0,
    ) {
        let p = GeoPoint::new(a, b).unwrap();
        let q = GeoPoint::new(c, e).unwrap();
        let pq = p.distance_km(&q);
        prop_assert!((pq - q.distance_km(&p)).abs() < 1e-6);
        prop_assert!((0.0..=std::f64::consts::PI * EARTH_RADIUS_KM + 1e-6).contains(&pq));
    }
}
