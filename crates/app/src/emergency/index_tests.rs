//! The candidate index against a brute-force computation over everyone, on random homes,
//! skills, scopes and exclusions, through both of its paths (tree walk and scan).

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;

const SKILLS: [&str; 5] = ["应急救援", "驾驶", "医疗救护", "无人机", "电工"];
const PATHS: [&str; 4] = ["/p/c1/", "/p/c1/t1/", "/p/c1/t2/", "/p/c2/"];

fn volunteer(n: usize, lat: f64, lon: f64, path: usize, skills: u8) -> IndexedVolunteer {
    IndexedVolunteer {
        id: format!("{n:032x}"),
        org_path: PATHS[path % PATHS.len()].to_owned(),
        home: GeoPoint { lat, lon },
        skills: SKILLS
            .iter()
            .enumerate()
            .filter(|(i, _)| skills & (1 << i) != 0)
            .map(|(_, s)| s.to_string())
            .collect(),
        version: 1,
    }
}

fn people() -> impl Strategy<Value = Vec<IndexedVolunteer>> {
    // Clustered homes (villages share coordinates) around a county, as real data is.
    prop::collection::vec(
        (
            0usize..12,
            -0.05f64..0.05,
            -0.05f64..0.05,
            0usize..4,
            0u8..32,
        ),
        0..400,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(n, (village, dlat, dlon, path, skills))| {
                let (vlat, vlon) = (42.5 + village as f64 * 0.07, 120.4 + village as f64 * 0.05);
                // A third live exactly at the village's point: many exact ties.
                let (lat, lon) = if n % 3 == 0 {
                    (vlat, vlon)
                } else {
                    (vlat + dlat, vlon + dlon)
                };
                volunteer(n, lat, lon, path, skills)
            })
            .collect()
    })
}

fn check(
    ix: &SpatialIndex,
    at: GeoPoint,
    scope: &str,
    skills: &[String],
    exclude: &HashSet<String>,
    limit: usize,
) {
    let q = Search {
        at,
        scope_path: scope,
        skills,
        exclude,
        limit,
    };
    let fast = ix.search(&q);
    let slow = ix.brute_force(&q);
    assert_eq!(fast, slow, "scope {scope} skills {skills:?} limit {limit}");
    assert!(fast.len() >= limit.min(slow.len()));
    for w in fast.windows(2) {
        assert!(w[0].distance_km <= w[1].distance_km, "nearest first");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn search_equals_brute_force(
        people in people(),
        at in (42.3f64..43.5, 120.2f64..121.2),
        near in 0usize..12,
        scope in 0usize..4,
        need in 0u8..8,
        limit in 0usize..30,
        excluded in prop::collection::vec(0usize..400, 0..20),
        route in 0u8..3,
    ) {
        let mut ix = SpatialIndex::build(people.clone());
        // Each way, forced (the walk with a small budget, to run its fallback too), and by cost.
        ix.route = [Route::Auto, Route::Walk, Route::Scan][route as usize];
        ix.walk_budget = 150;
        let skills: Vec<String> = SKILLS.iter().take(3).enumerate()
            .filter(|(i, _)| need & (1 << i) != 0).map(|(_, s)| s.to_string()).collect();
        let exclude: HashSet<String> = excluded.iter().map(|n| format!("{n:032x}")).collect();
        // Half the incidents right at a village, where the ties are.
        let at = if near % 2 == 0 {
            GeoPoint { lat: 42.5 + near as f64 * 0.07 + 0.001, lon: 120.4 + near as f64 * 0.05 }
        } else {
            GeoPoint { lat: at.0, lon: at.1 }
        };
        check(&ix, at, PATHS[scope], &skills, &exclude, limit);
        check(&ix, at, "/p/", &skills, &exclude, limit);
    }

    #[test]
    fn updates_keep_the_index_equal_to_a_fresh_build(
        people in people(),
        moves in prop::collection::vec((0usize..400, 42.3f64..43.5, 120.2f64..121.2, 0u8..32, any::<bool>()), 0..60),
    ) {
        let mut live = SpatialIndex::build(people.clone());
        let mut truth: std::collections::BTreeMap<String, IndexedVolunteer> =
            people.into_iter().map(|v| (v.id.clone(), v)).collect();
        for (n, lat, lon, skills, gone) in moves {
            let v = volunteer(n, lat, lon, n, skills);
            if gone {
                live.remove(&v.id);
                truth.remove(&v.id);
            } else {
                live.upsert(&v);
                truth.insert(v.id.clone(), v);
            }
        }
        let fresh = SpatialIndex::build(truth.into_values());
        prop_assert_eq!(live.len(), fresh.len());
        let at = GeoPoint { lat: 42.8, lon: 120.7 };
        // Every route over the updated index (recent arrivals in the dynamic tree, stale
        // slots in the lists), then again once it has been rebuilt.
        for rebuilt in [false, true] {
            if rebuilt {
                live.repack();
                prop_assert!(live.recent.size() == 0 && live.dead == 0);
            }
            for route in [Route::Auto, Route::Walk, Route::Scan] {
                live.route = route;
                for need in [vec![], vec!["驾驶".to_owned()], vec!["应急救援".to_owned(), "电工".to_owned()]] {
                    for scope in ["/p/", PATHS[0], PATHS[1], PATHS[3]] {
                        let q = Search { at, scope_path: scope, skills: &need, exclude: &HashSet::new(), limit: 15 };
                        prop_assert_eq!(live.search(&q), fresh.brute_force(&q));
                    }
                }
            }
        }
    }

    #[test]
    fn the_packed_walk_visits_every_home_nearest_first(
        people in people(),
        at in (42.3f64..43.5, 120.2f64..121.2),
        gone in prop::collection::vec(0usize..400, 0..40),
        moved in prop::collection::vec((0usize..400, 42.3f64..43.5, 120.2f64..121.2), 0..40),
    ) {
        let mut ix = SpatialIndex::build(people);
        for n in gone {
            ix.remove(&format!("{n:032x}"));
        }
        for (n, lat, lon) in moved {
            ix.upsert(&volunteer(n, lat, lon, n, 1));
        }
        let q = unit_xyz(&GeoPoint { lat: at.0, lon: at.1 });
        let walked: Vec<(u32, f32)> = ix.nearest(q).collect();
        prop_assert_eq!(walked.len(), ix.len());
        for w in walked.windows(2) {
            prop_assert!(w[0].1 <= w[1].1, "nearest first");
        }
        let mut slots: Vec<u32> = walked.iter().map(|(s, _)| *s).collect();
        slots.sort_unstable();
        slots.dedup();
        prop_assert_eq!(slots.len(), ix.len(), "each live home once");
    }
}

/// A vocabulary past the 64 skills kept as bits: the rarer ones live in a side table, which
/// must follow slots through moves and rebuilds.
#[test]
fn skills_beyond_the_bit_set() {
    let tag = |i: usize| format!("技能{i}");
    let people: Vec<IndexedVolunteer> = (0..300)
        .map(|n| IndexedVolunteer {
            skills: vec![tag(n % 90), tag((n * 7) % 90)],
            ..volunteer(
                n,
                42.5 + (n % 17) as f64 * 0.01,
                120.4 + (n % 13) as f64 * 0.01,
                n,
                0,
            )
        })
        .collect();
    let mut ix = SpatialIndex::build(people.clone());
    let mut truth: std::collections::BTreeMap<String, IndexedVolunteer> =
        people.into_iter().map(|v| (v.id.clone(), v)).collect();
    for n in (0..300).step_by(7) {
        let v = IndexedVolunteer {
            skills: vec![tag(80 + n % 10)],
            ..volunteer(n, 42.7, 120.5 + n as f64 * 0.001, n, 0)
        };
        ix.upsert(&v);
        truth.insert(v.id.clone(), v);
    }
    let fresh = SpatialIndex::build(truth.into_values());
    let none = HashSet::new();
    for step in 0..2 {
        if step == 1 {
            ix.repack();
        }
        for route in [Route::Auto, Route::Walk, Route::Scan] {
            ix.route = route;
            for need in [
                vec![tag(85)],
                vec![tag(70), tag(0)],
                vec![tag(3)],
                vec![tag(88), tag(88)],
            ] {
                let q = Search {
                    at: GeoPoint {
                        lat: 42.6,
                        lon: 120.45,
                    },
                    scope_path: "/p/",
                    skills: &need,
                    exclude: &none,
                    limit: 10,
                };
                let got = ix.search(&q);
                assert_eq!(got, fresh.brute_force(&q), "{need:?} {route:?} step {step}");
                assert!(!fresh.brute_force(&q).is_empty() || need == [tag(70), tag(0)]);
            }
        }
    }
}

/// Enough writes rebuild the packed tree (`tidy`); the answers stay those of a fresh build,
/// and a reconciliation's unmarked slots are taken out.
#[test]
fn many_writes_rebuild_and_unmarked_slots_go() {
    let people: Vec<IndexedVolunteer> = (0..6_000)
        .map(|n| {
            volunteer(
                n,
                42.5 + (n % 97) as f64 * 0.003,
                120.4 + (n % 89) as f64 * 0.003,
                n,
                (n % 32) as u8,
            )
        })
        .collect();
    let mut ix = SpatialIndex::build(people.clone());
    let mut truth: std::collections::BTreeMap<String, IndexedVolunteer> =
        people.into_iter().map(|v| (v.id.clone(), v)).collect();
    assert!(!ix.tidy(), "nothing changed yet");
    let mut rebuilt = false;
    for n in 0..5_000 {
        let v = volunteer(
            n,
            42.9 - (n % 61) as f64 * 0.004,
            120.9 - (n % 53) as f64 * 0.004,
            n + 1,
            (n % 31) as u8,
        );
        ix.upsert(&v);
        truth.insert(v.id.clone(), v);
        if n % 500 == 499 {
            rebuilt |= ix.tidy();
        }
    }
    assert!(rebuilt, "5,000 moves among 6,000 rebuild the tree");
    let none = HashSet::new();
    let fresh = SpatialIndex::build(truth.values().cloned());
    for need in [vec![], vec!["驾驶".to_owned()]] {
        let q = Search {
            at: GeoPoint {
                lat: 42.7,
                lon: 120.6,
            },
            scope_path: "/p/c1/",
            skills: &need,
            exclude: &none,
            limit: 50,
        };
        assert_eq!(ix.search(&q), fresh.brute_force(&q));
    }
    // A reconciliation that saw everyone but the first 100 ids takes those out.
    let mut seen = vec![false; ix.slot_count()];
    for id in truth.keys().skip(100) {
        seen[ix.slot_of_id(id).unwrap() as usize] = true;
    }
    assert_eq!(ix.remove_unmarked(&seen), 100);
    assert_eq!(ix.len(), 5_900);
    assert!(truth.keys().take(100).all(|id| ix.version_of(id).is_none()));
    assert!(truth
        .keys()
        .skip(100)
        .all(|id| ix.version_of(id) == Some(1)));
}

#[test]
fn unknown_skill_finds_nobody_and_ids_round_trip() {
    let mut people = vec![volunteer(1, 42.8, 120.6, 0, 0b11)];
    people.push(IndexedVolunteer {
        id: "not-a-hex-id".into(),
        ..volunteer(2, 42.81, 120.6, 0, 0b1)
    });
    let ix = SpatialIndex::build(people);
    let none = HashSet::new();
    let q = |skills: &'static [&'static str]| {
        let skills: Vec<String> = skills.iter().map(|s| s.to_string()).collect();
        ix.search(&Search {
            at: GeoPoint {
                lat: 42.8,
                lon: 120.6,
            },
            scope_path: "/p/",
            skills: &skills,
            exclude: &none,
            limit: 5,
        })
    };
    assert!(q(&["潜水"]).is_empty());
    let all = q(&["应急救援"]);
    assert_eq!(
        all.iter()
            .map(|h| h.volunteer_id.as_str())
            .collect::<Vec<_>>(),
        [format!("{:032x}", 1).as_str(), "not-a-hex-id"]
    );
    assert_eq!(all[0].distance_km, 0.0);
    assert!(
        (all[1].distance_km - 1.11).abs() < 0.01,
        "{}",
        all[1].distance_km
    );
    assert_eq!(q(&["驾驶"]).len(), 1);
}

#[test]
fn removal_and_versions() {
    let mut ix = SpatialIndex::build(vec![volunteer(7, 42.8, 120.6, 0, 1)]);
    let id = format!("{:032x}", 7);
    assert_eq!(ix.version_of(&id), Some(1));
    let mut moved = volunteer(7, 43.0, 121.0, 3, 2);
    moved.version = 2;
    ix.upsert(&moved);
    assert_eq!((ix.len(), ix.version_of(&id)), (1, Some(2)));
    let none = HashSet::new();
    let search = |ix: &SpatialIndex, scope: &str| {
        ix.search(&Search {
            at: GeoPoint {
                lat: 42.8,
                lon: 120.6,
            },
            scope_path: scope,
            skills: &[],
            exclude: &none,
            limit: 5,
        })
    };
    assert!(
        search(&ix, "/p/c1/").is_empty(),
        "moved out of the old scope"
    );
    assert_eq!(search(&ix, "/p/c2/").len(), 1);
    assert!(ix.remove(&id));
    assert!(!ix.remove(&id));
    assert!(ix.is_empty() && search(&ix, "/p/").is_empty());
}

#[test]
fn the_walk_keeps_every_tie_of_the_last_place() {
    // Incident 111 m south of a village: two live at its centre, one 30 m farther (the same
    // 0.1 km step: 0.14 km), one 60 m farther (0.17 km: the next step).
    let at_village = |n, dlat: f64| volunteer(n, 42.8 + dlat, 120.6, 0, 1);
    let people = vec![
        at_village(1, 0.0),
        at_village(2, 0.0),
        at_village(3, 0.00027),
        at_village(4, 0.00054),
    ];
    let mut ix = SpatialIndex::build(people);
    ix.route = Route::Walk;
    let none = HashSet::new();
    let q = Search {
        at: GeoPoint {
            lat: 42.799,
            lon: 120.6,
        },
        scope_path: "/p/",
        skills: &[],
        exclude: &none,
        limit: 1,
    };
    let got: Vec<(String, f64)> = ix
        .search(&q)
        .into_iter()
        .map(|h| (h.volunteer_id, h.distance_km))
        .collect();
    let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("{:032x}", 1),
            format!("{:032x}", 2),
            format!("{:032x}", 3)
        ],
        "{got:?}"
    );
    assert_eq!(ix.search(&q), ix.brute_force(&q));
}

#[test]
fn chord_distances_match_great_circle_ones() {
    let a = GeoPoint {
        lat: 42.799,
        lon: 120.6,
    };
    let b = GeoPoint {
        lat: 42.8,
        lon: 120.6,
    };
    let (pa, pb) = (unit_xyz(&a), unit_xyz(&b));
    let d2 = TreePoint { p: pb, slot: 0 }.distance_2(&pa);
    let km = chord_km((d2 as f64).sqrt());
    assert!(
        (km - a.distance_km(&b)).abs() < WALK_SLACK_KM,
        "{km} vs {}",
        a.distance_km(&b)
    );
}
