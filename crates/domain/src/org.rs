//! The administrative tree (R-ORG-1): levels of org nodes, unit types,
//! population and names.

use crate::error::DomainError;

code_enum! {
    /// Level of an org node (层级): province › city › county › township ›
    /// village, plus units hung anywhere (R-ORG-1).
    pub enum Level {
        field = "level", code = "level_invalid", what = "层级";
        /// 省（自治区、直辖市）
        Province => ("province", "省"),
        /// 市（地区、盟）
        City => ("city", "市"),
        /// 县/区/旗
        County => ("county", "县/区/旗"),
        /// 乡镇/街道/苏木
        Township => ("township", "乡镇/街道/苏木"),
        /// 村/社区/嘎查
        Village => ("village", "村/社区/嘎查"),
        /// 单位: agency, school, enterprise, public place such as a station…
        Unit => ("unit", "单位"),
    }
}

impl Level {
    /// Depth rank: province 0 … village 4, unit 5.
    pub fn rank(self) -> u8 {
        match self {
            Level::Province => 0,
            Level::City => 1,
            Level::County => 2,
            Level::Township => 3,
            Level::Village => 4,
            Level::Unit => 5,
        }
    }

    /// May a node of level `self` hang directly under a node of `parent`?
    ///
    /// * a [`Level::Unit`] may hang under any node, including another unit;
    /// * nothing but a unit may hang under a unit;
    /// * any other level must rank strictly lower than its parent; levels
    ///   may be skipped (a county directly under a province is fine).
    pub fn can_be_child_of(self, parent: Level) -> bool {
        match (self, parent) {
            (Level::Unit, _) => true,
            (_, Level::Unit) => false,
            (child, parent) => child.rank() > parent.rank(),
        }
    }
}

/// Checks that a node of level `child` may sit under a parent of level
/// `parent`; a root (`None`) may have any level.
/// Field `"parent_id"`, code `level_parent_mismatch`.
pub fn check_parent(child: Level, parent: Option<Level>) -> Result<(), DomainError> {
    match parent {
        Some(p) if !child.can_be_child_of(p) => Err(DomainError::new(
            "parent_id",
            "level_parent_mismatch",
            format!(
                "“{}”级节点不能设在“{}”级节点之下",
                child.label_zh(),
                p.label_zh()
            ),
        )),
        _ => Ok(()),
    }
}

code_enum! {
    /// Kind of a unit node (单位类型).
    pub enum UnitType {
        field = "unit_type", code = "unit_type_invalid", what = "单位类型";
        /// 退役军人服务中心 (county level and above)
        ServiceCentre => ("service_centre", "退役军人服务中心"),
        /// 退役军人服务站 (township and village)
        ServiceStation => ("service_station", "退役军人服务站"),
        /// 党政机关
        Agency => ("agency", "党政机关"),
        /// 企业
        Enterprise => ("enterprise", "企业"),
        /// 事业单位
        Institution => ("institution", "事业单位"),
        /// 学校
        School => ("school", "学校"),
        /// 公共场所 (stations, parks, care homes…)
        PublicPlace => ("public_place", "公共场所"),
        /// 文明单位
        CivilisedUnit => ("civilised_unit", "文明单位"),
        /// 文明村镇
        CivilisedVillage => ("civilised_village", "文明村镇"),
        /// 社区
        Community => ("community", "社区"),
        /// 其他
        Other => ("other", "其他"),
    }
}

/// Largest population accepted for a node (人口).
pub const MAX_POPULATION: i64 = 200_000_000;

/// Checks a population figure: `0..=200_000_000`.
/// Field `"population"`, code `population_invalid`.
pub fn check_population(p: i64) -> Result<i64, DomainError> {
    if (0..=MAX_POPULATION).contains(&p) {
        Ok(p)
    } else {
        Err(DomainError::new(
            "population",
            "population_invalid",
            format!("人口数应在 0 到 {MAX_POPULATION} 之间"),
        ))
    }
}

/// Parses the name of an org node (名称): trimmed, 1..=60 characters, no
/// control characters. Field `"name"`, code `name_invalid`.
pub fn parse_org_name(s: &str) -> Result<String, DomainError> {
    crate::text::parse_name("name", s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    mod level {
        use super::*;
        code_enum_tests!(Level, "level_invalid");
    }

    mod unit_type {
        use super::*;
        code_enum_tests!(UnitType, "unit_type_invalid");
    }

    #[test]
    fn codes_and_labels() {
        let codes: Vec<_> = Level::all().iter().map(|l| l.as_str()).collect();
        assert_eq!(
            codes,
            ["province", "city", "county", "township", "village", "unit"]
        );
        let ranks: Vec<_> = Level::all().iter().map(|l| l.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4, 5]);
        assert_eq!(Level::County.label_zh(), "县/区/旗");
        assert_eq!(UnitType::ServiceCentre.as_str(), "service_centre");
        assert_eq!(UnitType::CivilisedVillage.as_str(), "civilised_village");
        assert_eq!(UnitType::ServiceStation.label_zh(), "退役军人服务站");
        assert_eq!(UnitType::all().len(), 11);
        assert_eq!(Level::parse(" city "), Ok(Level::City));
        assert_eq!(Level::parse("bad").unwrap_err().field(), "level");
    }

    #[test]
    fn parent_rules() {
        use Level::*;
        assert!(City.can_be_child_of(Province));
        assert!(County.can_be_child_of(Province)); // skipping a level
        assert!(Village.can_be_child_of(Township));
        assert!(!Province.can_be_child_of(Province));
        assert!(!City.can_be_child_of(County));
        assert!(!Village.can_be_child_of(Village));
        for p in Level::all() {
            assert!(Unit.can_be_child_of(*p));
        }
        for c in Level::all() {
            assert_eq!(c.can_be_child_of(Unit), *c == Unit);
        }
        assert!(check_parent(Village, None).is_ok());
        assert!(check_parent(Unit, None).is_ok());
        assert!(check_parent(Township, Some(County)).is_ok());
        let e = check_parent(Township, Some(Unit)).unwrap_err();
        assert_eq!(
            (e.field(), e.code()),
            ("parent_id", "level_parent_mismatch")
        );
        assert!(e.to_string().contains("单位"));
    }

    #[test]
    fn population_bounds() {
        assert_eq!(check_population(0), Ok(0));
        assert_eq!(check_population(200_000_000), Ok(200_000_000));
        for bad in [-1, 200_000_001, i64::MIN, i64::MAX] {
            let e = check_population(bad).unwrap_err();
            assert_eq!((e.field(), e.code()), ("population", "population_invalid"));
        }
    }

    #[test]
    fn org_names() {
        assert_eq!(parse_org_name("  鄂尔多斯市  ").unwrap(), "鄂尔多斯市");
        assert_eq!(
            parse_org_name(&"一".repeat(60)).unwrap().chars().count(),
            60
        );
        for bad in ["", "   ", "甲\n乙", "a\u{7}"] {
            let e = parse_org_name(bad).unwrap_err();
            assert_eq!((e.field(), e.code()), ("name", "name_invalid"), "{bad:?}");
        }
        assert!(parse_org_name(&"一".repeat(61)).is_err());
    }

    proptest! {
        #[test]
        fn non_unit_children_are_strictly_lower(c in 0usize..6, p in 0usize..6) {
            let (c, p) = (Level::all()[c], Level::all()[p]);
            let ok = c.can_be_child_of(p);
            prop_assert_eq!(check_parent(c, Some(p)).is_ok(), ok);
            if c != Level::Unit {
                prop_assert_eq!(ok, p != Level::Unit && c.rank() > p.rank());
            }
            // no level can sit under itself except a unit
            if c == p { prop_assert_eq!(ok, c == Level::Unit); }
        }

        #[test]
        fn names_are_trimmed(s in "[\\p{Han}a-zA-Z0-9 ]{1,40}") {
            match parse_org_name(&s) {
                Ok(n) => {
                    prop_assert_eq!(n.as_str(), s.trim());
                    prop_assert!(!n.is_empty());
                }
                Err(_) => prop_assert!(s.trim().is_empty()),
            }
        }
    }
}
