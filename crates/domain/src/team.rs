//! Team units (R-ORG-2): echelons of the organisation chart and officer
//! positions.

use crate::error::DomainError;

code_enum! {
    /// Echelon of a team unit (编制层级). Sub-units nest to any depth (R-ORG-2).
    pub enum Echelon {
        field = "echelon", code = "echelon_invalid", what = "编制层级";
        /// 队: the team of a station or centre.
        Team => ("team", "队"),
        /// 分队
        Detachment => ("detachment", "分队"),
        /// 连
        Company => ("company", "连"),
        /// 排
        Platoon => ("platoon", "排"),
        /// 班
        Squad => ("squad", "班"),
        /// 小分队: also the root unit of a village without a station.
        SmallSquad => ("small_squad", "小分队"),
    }
}

impl Echelon {
    /// Depth rank: team 0 … small squad 5.
    pub fn rank(self) -> u8 {
        match self {
            Echelon::Team => 0,
            Echelon::Detachment => 1,
            Echelon::Company => 2,
            Echelon::Platoon => 3,
            Echelon::Squad => 4,
            Echelon::SmallSquad => 5,
        }
    }

    /// May a unit of echelon `self` sit directly under `parent`?
    /// See [`check_nesting`].
    pub fn can_nest_in(self, parent: Echelon) -> bool {
        match (self, parent) {
            (Echelon::Team, _) => false,
            (Echelon::Detachment, Echelon::Detachment) => true,
            (child, parent) => child.rank() > parent.rank(),
        }
    }
}

/// Checks where a team unit may sit. Field `"parent_team_id"`, code
/// `echelon_nesting`.
///
/// * a root unit must be a [`Echelon::Team`] or a [`Echelon::SmallSquad`]
///   (a village without a station has a small squad);
/// * a team is never nested;
/// * otherwise the child must rank strictly lower than the parent, except
///   that a detachment may sit in a detachment.
pub fn check_nesting(child: Echelon, parent: Option<Echelon>) -> Result<(), DomainError> {
    let err = |msg: String| DomainError::new("parent_team_id", "echelon_nesting", msg);
    match parent {
        None if matches!(child, Echelon::Team | Echelon::SmallSquad) => Ok(()),
        None => Err(err(format!(
            "“{}”不能单独设立，必须隶属于某个队",
            child.label_zh()
        ))),
        Some(p) if child.can_nest_in(p) => Ok(()),
        Some(p) => Err(err(format!(
            "“{}”不能设在“{}”之下",
            child.label_zh(),
            p.label_zh()
        ))),
    }
}

code_enum! {
    /// Position held in a team unit (职务). Officers are everything but
    /// [`Position::Member`].
    pub enum Position {
        field = "position", code = "position_invalid", what = "职务";
        /// 队长
        Leader => ("leader", "队长"),
        /// 副队长
        Deputy => ("deputy", "副队长"),
        /// 连长
        Commander => ("commander", "连长"),
        /// 指导员
        Instructor => ("instructor", "指导员"),
        /// 司务长
        Quartermaster => ("quartermaster", "司务长"),
        /// 排长
        PlatoonLeader => ("platoon_leader", "排长"),
        /// 班长
        SquadLeader => ("squad_leader", "班长"),
        /// 队员
        Member => ("member", "队员"),
    }
}

impl Position {
    /// Whether this is an officer post (骨干), i.e. not a plain member.
    pub fn is_officer(self) -> bool {
        self != Position::Member
    }

    /// Display order on rosters: leader first, members last.
    pub fn sort_key(self) -> u8 {
        match self {
            Position::Leader => 0,
            Position::Deputy => 1,
            Position::Commander => 2,
            Position::Instructor => 3,
            Position::Quartermaster => 4,
            Position::PlatoonLeader => 5,
            Position::SquadLeader => 6,
            Position::Member => 7,
        }
    }
}

/// Parses the name of a team unit (名称), e.g. “应急分队”, “一班”: trimmed,
/// 1..=60 characters, no control characters. Field `"name"`, code
/// `name_invalid`.
pub fn parse_team_name(s: &str) -> Result<String, DomainError> {
    crate::text::parse_name("name", s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    mod echelon {
        use super::*;
        code_enum_tests!(Echelon, "echelon_invalid");
    }

    mod position {
        use super::*;
        code_enum_tests!(Position, "position_invalid");
    }

    #[test]
    fn codes_and_labels() {
        let codes: Vec<_> = Echelon::all().iter().map(|e| e.as_str()).collect();
        assert_eq!(
            codes,
            [
                "team",
                "detachment",
                "company",
                "platoon",
                "squad",
                "small_squad"
            ]
        );
        assert_eq!(Echelon::SmallSquad.label_zh(), "小分队");
        assert_eq!(Position::Quartermaster.label_zh(), "司务长");
        assert_eq!(Position::PlatoonLeader.as_str(), "platoon_leader");
        assert_eq!(Position::parse("x").unwrap_err().field(), "position");
    }

    #[test]
    fn nesting_rules() {
        use Echelon::*;
        assert!(check_nesting(Team, None).is_ok());
        assert!(check_nesting(SmallSquad, None).is_ok());
        for c in [Detachment, Company, Platoon, Squad] {
            let e = check_nesting(c, None).unwrap_err();
            assert_eq!((e.field(), e.code()), ("parent_team_id", "echelon_nesting"));
        }
        for p in Echelon::all() {
            assert!(check_nesting(Team, Some(*p)).is_err());
            assert!(check_nesting(*p, Some(SmallSquad)).is_err());
        }
        // R-ORG-3 templates
        assert!(check_nesting(Detachment, Some(Team)).is_ok());
        assert!(check_nesting(Squad, Some(Detachment)).is_ok());
        assert!(check_nesting(Detachment, Some(Detachment)).is_ok());
        assert!(check_nesting(Platoon, Some(Team)).is_ok());
        assert!(check_nesting(Squad, Some(Platoon)).is_ok());
        assert!(check_nesting(Squad, Some(Team)).is_ok());
        assert!(check_nesting(Company, Some(Team)).is_ok());
        assert!(check_nesting(Squad, Some(Company)).is_ok()); // platoons optional
        assert!(check_nesting(SmallSquad, Some(Squad)).is_ok());
        assert!(check_nesting(Squad, Some(Squad)).is_err());
        assert!(check_nesting(Company, Some(Platoon)).is_err());
    }

    #[test]
    fn positions() {
        let mut all = Position::all().to_vec();
        all.sort_by_key(|p| p.sort_key());
        assert_eq!(all[0], Position::Leader);
        assert_eq!(*all.last().unwrap(), Position::Member);
        assert_eq!(all, Position::all());
        let officers = Position::all().iter().filter(|p| p.is_officer()).count();
        assert_eq!(officers, 7);
    }

    #[test]
    fn team_names() {
        assert_eq!(parse_team_name(" 应急分队 ").unwrap(), "应急分队");
        assert_eq!(parse_team_name("").unwrap_err().code(), "name_invalid");
        assert_eq!(parse_team_name("\t").unwrap_err().field(), "name");
    }

    proptest! {
        #[test]
        fn nesting_matches_rule(c in 0usize..6, p in proptest::option::of(0usize..6)) {
            let c = Echelon::all()[c];
            let p = p.map(|i| Echelon::all()[i]);
            let expected = match p {
                None => matches!(c, Echelon::Team | Echelon::SmallSquad),
                Some(_) if c == Echelon::Team => false,
                Some(Echelon::Detachment) if c == Echelon::Detachment => true,
                Some(p) => c.rank() > p.rank(),
            };
            prop_assert_eq!(check_nesting(c, p).is_ok(), expected);
        }

        #[test]
        fn sort_keys_are_distinct(a in 0usize..8, b in 0usize..8) {
            let (x, y) = (Position::all()[a], Position::all()[b]);
            prop_assert_eq!(x.sort_key() == y.sort_key(), x == y);
        }
    }
}
