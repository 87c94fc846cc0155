//! Tests for [`super`] (paths and scopes), with property tests over random
//! trees checked against brute-force ancestry.

use super::*;
use proptest::prelude::*;

mod role {
    use super::*;
    code_enum_tests!(Role, "role_invalid");
}

#[test]
fn paths() {
    assert_eq!(child_path(None, "a"), "/a/");
    assert_eq!(child_path(Some("/a/"), "b"), "/a/b/");
    assert!(is_within("/a/b/", "/a/"));
    assert!(is_within("/a/", "/a/"));
    assert!(!is_within("/a/", "/a/b/"));
    assert!(!is_within("/ab/", "/a/"));
    assert!(!is_within("/a/b/", "/b/"));
    // fail closed on malformed input
    for bad in ["", "/", "//", "a/", "/a", "/a//b/"] {
        assert!(!is_within("/a/b/", bad), "{bad:?}");
        assert!(!is_within(bad, "/a/"), "{bad:?}");
    }
}

#[test]
fn scopes() {
    let org = Scope::Org {
        org_path: "/p/c/".into(),
    };
    let team = Scope::Team {
        team_path: "/t/".into(),
        org_path: "/p/c/".into(),
    };
    let vol = Scope::Volunteer {
        volunteer_id: "v1".into(),
    };

    assert!(Scope::All.covers_org("/x/"));
    assert!(org.covers_org("/p/c/k/"));
    assert!(org.covers_org("/p/c/"));
    assert!(!org.covers_org("/p/"));
    assert!(!org.covers_org("/p/cc/"));
    assert!(!team.covers_org("/p/c/"));
    assert!(!vol.covers_org("/p/c/"));

    assert!(org.covers_team("/zz/", "/p/c/k/"));
    assert!(!org.covers_team("/zz/", "/p/"));
    assert!(team.covers_team("/t/u/", "/p/c/"));
    assert!(!team.covers_team("/u/", "/p/c/"));
    assert!(!vol.covers_team("/t/", "/p/c/"));

    assert!(Scope::All.covers_scope(&Scope::All));
    assert!(Scope::All.covers_scope(&vol));
    assert!(!org.covers_scope(&Scope::All));
    assert!(org.covers_scope(&Scope::Org {
        org_path: "/p/c/k/".into()
    }));
    assert!(!org.covers_scope(&Scope::Org {
        org_path: "/p/".into()
    }));
    assert!(org.covers_scope(&team));
    assert!(!org.covers_scope(&vol));
    assert!(team.covers_scope(&Scope::Team {
        team_path: "/t/u/".into(),
        org_path: "/q/".into()
    }));
    assert!(!team.covers_scope(&Scope::Team {
        team_path: "/u/".into(),
        org_path: "/p/c/".into()
    }));
    assert!(!team.covers_scope(&org));
    assert!(!vol.covers_scope(&vol));

    assert!(Scope::can_move_under("/a/b/", "/a/c/"));
    assert!(Scope::can_move_under("/a/b/", "/a/"));
    assert!(!Scope::can_move_under("/a/b/", "/a/b/"));
    assert!(!Scope::can_move_under("/a/b/", "/a/b/c/"));
    assert!(Scope::can_move_under("/a/b/", "/a/bc/"));
    assert!(!Scope::can_move_under("", "/a/"));
}

#[test]
fn role_labels() {
    assert_eq!(Role::TeamLeader.as_str(), "team_leader");
    assert_eq!(Role::TeamLeader.label_zh(), "队长/带队人");
    assert_eq!(Role::parse("root").unwrap_err().field(), "role");
}

/// A random forest: `parents[i]` is `None` (a root) or an earlier index.
fn arb_forest(max: usize) -> impl Strategy<Value = Vec<Option<usize>>> {
    prop::collection::vec((any::<bool>(), any::<prop::sample::Index>()), 1..max).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (root, idx))| (i > 0 && !root).then(|| idx.index(i)))
            .collect()
    })
}

/// Paths of a random forest. Ids are `{prefix}{index}`, so some are
/// prefixes of others (`n1`, `n10`, `n11`…).
fn paths_of(parents: &[Option<usize>], prefix: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::with_capacity(parents.len());
    for (i, p) in parents.iter().enumerate() {
        let parent = p.map(|j| paths[j].clone());
        paths.push(child_path(parent.as_deref(), &format!("{prefix}{i}")));
    }
    paths
}

/// Brute force: is `a` equal to `node` or one of its ancestors?
fn is_ancestor_or_self(parents: &[Option<usize>], a: usize, node: usize) -> bool {
    let mut cur = Some(node);
    while let Some(c) = cur {
        if c == a {
            return true;
        }
        cur = parents[c];
    }
    false
}

/// A random org forest plus a team forest hung on its nodes: root units pick
/// an org node; sub-units belong to their parent's org.
fn arb_orgs_and_teams(
) -> impl Strategy<Value = (Vec<Option<usize>>, Vec<Option<usize>>, Vec<usize>)> {
    (
        arb_forest(60),
        arb_forest(60),
        prop::collection::vec(any::<prop::sample::Index>(), 60),
    )
        .prop_map(|(orgs, teams, picks)| {
            let mut team_org: Vec<usize> = Vec::with_capacity(teams.len());
            for (t, p) in teams.iter().enumerate() {
                let o = match p {
                    Some(parent) => team_org[*parent],
                    None => picks[t].index(orgs.len()),
                };
                team_org.push(o);
            }
            (orgs, teams, team_org)
        })
}

proptest! {
    #[test]
    fn covers_org_matches_brute_force(parents in arb_forest(60)) {
        let paths = paths_of(&parents, "n");
        for a in 0..parents.len() {
            let scope = Scope::Org { org_path: paths[a].clone() };
            for n in 0..parents.len() {
                let expected = is_ancestor_or_self(&parents, a, n);
                prop_assert_eq!(scope.covers_org(&paths[n]), expected, "{} {}", paths[a], paths[n]);
                prop_assert_eq!(is_within(&paths[n], &paths[a]), expected);
                prop_assert!(Scope::All.covers_org(&paths[n]));
            }
        }
    }

    #[test]
    fn covers_team_matches_brute_force((orgs, teams, team_org) in arb_orgs_and_teams()) {
        let org_paths = paths_of(&orgs, "n");
        let team_paths = paths_of(&teams, "t");
        for a in 0..orgs.len() {
            let scope = Scope::Org { org_path: org_paths[a].clone() };
            for t in 0..teams.len() {
                let expected = is_ancestor_or_self(&orgs, a, team_org[t]);
                prop_assert_eq!(
                    scope.covers_team(&team_paths[t], &org_paths[team_org[t]]),
                    expected
                );
            }
        }
        for a in 0..teams.len() {
            let scope = Scope::Team {
                team_path: team_paths[a].clone(),
                org_path: org_paths[team_org[a]].clone(),
            };
            for t in 0..teams.len() {
                let expected = is_ancestor_or_self(&teams, a, t);
                let org = &org_paths[team_org[t]];
                prop_assert_eq!(scope.covers_team(&team_paths[t], org), expected);
                let other = Scope::Team { team_path: team_paths[t].clone(), org_path: org.clone() };
                prop_assert_eq!(scope.covers_scope(&other), expected);
            }
        }
    }

    #[test]
    fn can_move_under_excludes_exactly_self_and_descendants(parents in arb_forest(60)) {
        let paths = paths_of(&parents, "n");
        for node in 0..parents.len() {
            for target in 0..parents.len() {
                let forbidden = is_ancestor_or_self(&parents, node, target);
                prop_assert_eq!(Scope::can_move_under(&paths[node], &paths[target]), !forbidden);
            }
        }
    }

    #[test]
    fn org_admin_never_covers_outside((orgs, teams, team_org) in arb_orgs_and_teams()) {
        let org_paths = paths_of(&orgs, "n");
        let team_paths = paths_of(&teams, "t");
        for a in 0..orgs.len() {
            let admin = Scope::Org { org_path: org_paths[a].clone() };
            prop_assert!(!admin.covers_scope(&Scope::All));
            let volunteer = Scope::Volunteer { volunteer_id: "v".into() };
            prop_assert!(!admin.covers_scope(&volunteer));
            for (b, path) in org_paths.iter().enumerate() {
                let other = Scope::Org { org_path: path.clone() };
                prop_assert_eq!(admin.covers_scope(&other), is_ancestor_or_self(&orgs, a, b));
            }
            for t in 0..teams.len() {
                let other = Scope::Team {
                    team_path: team_paths[t].clone(),
                    org_path: org_paths[team_org[t]].clone(),
                };
                prop_assert_eq!(
                    admin.covers_scope(&other),
                    is_ancestor_or_self(&orgs, a, team_org[t])
                );
            }
        }
    }
}

#[test]
fn paths_walk_from_the_root() {
    assert_eq!(path_ids("/a/bb/c/").collect::<Vec<_>>(), ["a", "bb", "c"]);
    assert_eq!(ancestor_paths("/a/bb/"), ["/a/", "/a/bb/"]);
    assert!(ancestor_paths("/").is_empty());
    assert_eq!(path_ids("").count(), 0);
}
