//! Every parser of outside input, fed arbitrary text: it answers Ok or a named error and never
//! panics. These run on every `cargo test`; the coverage-guided targets in `fuzz/`
//! (`scripts/fuzz`, cargo-fuzz) go deeper for a bounded time, outside the test run.

use proptest::prelude::*;

use crate::*;

fn check_error(e: &DomainError) {
    assert!(!e.code().is_empty() && !e.field().is_empty() && !e.message().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn id_number_parser_never_panics(s in "\\PC{0,24}|[0-9Xx]{15,19}") {
        match IdNumber::parse(&s) {
            Ok(id) => {
                prop_assert_eq!(id.as_str().len(), 18);
                prop_assert_eq!(id.masked().chars().count(), 18);
            }
            Err(e) => check_error(&e),
        }
    }

    #[test]
    fn phone_parser_never_panics(s in "\\PC{0,20}|[+0-9 -]{8,16}") {
        match Phone::parse(&s) {
            Ok(p) => prop_assert_eq!(p.as_str().len(), 11),
            Err(e) => check_error(&e),
        }
    }

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,80}") {
        for r in [
            PersonName::parse(&s).map(|_| ()),
            Skills::parse_text(&s).map(|_| ()),
            Level::parse(&s).map(|_| ()),
            UnitType::parse(&s).map(|_| ()),
            Echelon::parse(&s).map(|_| ()),
            Position::parse(&s).map(|_| ()),
            Health::parse(&s).map(|_| ()),
            Role::parse(&s).map(|_| ()),
            org::parse_org_name(&s).map(|_| ()),
            team::parse_team_name(&s).map(|_| ()),
        ] {
            if let Err(e) = r {
                check_error(&e);
            }
        }
    }

    #[test]
    fn coordinates_never_panic(lat in proptest::num::f64::ANY, lon in proptest::num::f64::ANY) {
        match GeoPoint::new(lat, lon) {
            Ok(p) => prop_assert!(p.distance_km(&p).abs() < 1e-6),
            Err(e) => check_error(&e),
        }
    }
}
