//! Property: on random trees with random people, teams, activities and hours, the statistics
//! of every node equal a brute-force recount from what the test itself created (an oracle
//! that shares nothing with the code under test), and the store's maintained aggregates equal
//! its own recount from the rows.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;

use super::{assert_exact, attend, backfill, cst};
use crate::harness::{id_number, spawn, volunteer_body};

/// A node: parent index (none for the root), level, unit type.
#[derive(Clone, Debug)]
struct Node {
    parent: Option<usize>,
    level: &'static str,
    unit_type: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Person {
    at: usize,
    birth_year: i32,
    veteran: bool,
    party: bool,
    suspended: bool,
}

/// An activity: the team (by node), its month in 2025, minutes of each attendance.
#[derive(Clone, Debug)]
struct Act {
    at: usize,
    month: u32,
    minutes: Vec<(usize, u32)>,
}

fn child_level(parent: &str, pick: u8) -> &'static str {
    match (parent, pick % 2) {
        ("county", 0) => "township",
        ("township", 0) => "village",
        _ => "unit",
    }
}

fn arb_world() -> impl Strategy<Value = (Vec<Node>, Vec<Person>, Vec<usize>, Vec<Act>)> {
    (2usize..7)
        .prop_flat_map(|n| {
            let nodes = proptest::collection::vec(
                (any::<prop::sample::Index>(), any::<u8>(), 0u8..4),
                n - 1,
            );
            let people = proptest::collection::vec(
                (0..n, 1950i32..2006, any::<bool>(), any::<bool>(), 0u8..5),
                0..10,
            );
            let teams = proptest::collection::vec(0..n, 1..4);
            let acts = proptest::collection::vec(
                (
                    0usize..4,
                    1u32..13,
                    proptest::collection::vec((any::<prop::sample::Index>(), 30u32..300), 0..4),
                ),
                0..5,
            );
            (nodes, people, teams, acts)
        })
        .prop_map(|(raw, people, teams, acts)| {
            let mut nodes = vec![Node {
                parent: None,
                level: "county",
                unit_type: None,
            }];
            for (i, (p, pick, ut)) in raw.into_iter().enumerate() {
                let parent = p.index(i + 1);
                let level = child_level(nodes[parent].level, pick);
                let unit_type = match ut {
                    1 => Some("service_station"),
                    2 => Some("agency"),
                    _ => None,
                };
                nodes.push(Node {
                    parent: Some(parent),
                    level,
                    unit_type,
                });
            }
            let people: Vec<Person> = people
                .into_iter()
                .map(|(at, birth_year, veteran, party, s)| Person {
                    at,
                    birth_year,
                    veteran,
                    party,
                    suspended: s == 0,
                })
                .collect();
            let acts = acts
                .into_iter()
                .map(|(t, month, minutes)| Act {
                    at: t,
                    month,
                    minutes: minutes
                        .into_iter()
                        .filter(|_| !people.is_empty())
                        .map(|(ix, m)| (ix.index(people.len().max(1)), m))
                        .collect(),
                })
                .collect();
            (nodes, people, teams, acts)
        })
}

fn within(nodes: &[Node], n: usize, ancestor: usize) -> bool {
    let mut at = Some(n);
    while let Some(x) = at {
        if x == ancestor {
            return true;
        }
        at = nodes[x].parent;
    }
    false
}

fn hours(ms: i64) -> f64 {
    (ms as f64 / 3_600_000.0 * 100.0).round() / 100.0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5, ..ProptestConfig::default() })]

    #[test]
    fn stats_equal_a_recount_on_random_trees((nodes, people, team_at, acts) in arb_world()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let t = spawn().await;
            let mut ids: Vec<String> = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                let id = t
                    .post("/api/v1/orgs", &t.root, json!({"name": format!("节点{i}"), "level": n.level,
                        "parent_id": n.parent.map(|p| ids[p].clone()), "unit_type": n.unit_type, "population": 50}))
                    .await
                    .expect(201)
                    .id();
                ids.push(id);
            }
            let mut vids = Vec::new();
            for (i, p) in people.iter().enumerate() {
                let mut body = volunteer_body("志愿者", &ids[p.at], i as u32 + 1);
                body["id_number"] = json!(id_number(&format!("{}0601", p.birth_year), i as u32 + 1));
                body["veteran"] = json!(p.veteran);
                body["party_member"] = json!(p.party);
                let v = t.post("/api/v1/volunteers", &t.root, body).await.expect(201).id();
                if p.suspended {
                    t.post(&format!("/api/v1/volunteers/{v}/suspend"), &t.root, json!({"reason": "外出"})).await.expect(200);
                }
                vids.push(v);
            }
            let mut tids = Vec::new();
            for (i, at) in team_at.iter().enumerate() {
                tids.push(t.team(&t.root, &format!("队{i}"), &ids[*at], None, "team").await);
            }
            // (team's node, month, ms) of every approved record, and (node, month) of activities.
            let mut done: Vec<(usize, u32)> = Vec::new();
            let mut served: Vec<(usize, u32, i64)> = Vec::new();
            // Each activity on its own day, so nobody's day goes over 8 h (no approvals needed).
            for (i, a) in acts.iter().enumerate() {
                let day = 10 + i as u32;
                let team = a.at % tids.len();
                let node = team_at[team];
                let id = backfill(&t, &tids[team], &cst(2025, a.month, day, 8, 0), &cst(2025, a.month, day, 18, 0)).await;
                done.push((node, a.month));
                let mut seen = Vec::new();
                for (who, minutes) in &a.minutes {
                    if seen.contains(who) || people[*who].suspended {
                        continue;
                    }
                    seen.push(*who);
                    let end = 8 * 60 + minutes;
                    attend(&t, &id, &vids[*who], &cst(2025, a.month, day, 8, 0), &cst(2025, a.month, day, end / 60, end % 60)).await;
                    served.push((node, a.month, *minutes as i64 * 60_000));
                }
            }
            assert_exact(&t, "random world").await;

            for (n, org) in ids.iter().enumerate() {
                let s = t.get(&format!("/api/v1/orgs/{org}/stats?to=2025-12&months=12"), &t.root).await.expect(200).body;
                let sub = |m: usize| within(&nodes, m, n);
                let active: Vec<&Person> = people.iter().filter(|p| sub(p.at) && !p.suspended).collect();
                let mut levels: BTreeMap<&str, i64> = BTreeMap::new();
                for (_, node) in nodes.iter().enumerate().filter(|(m, _)| sub(*m)) {
                    *levels.entry(node.level).or_default() += 1;
                }
                let ctx = format!("node {n} of {nodes:?}");
                assert_eq!(s["orgs"], (0..nodes.len()).filter(|m| sub(*m)).count() as i64, "{ctx}");
                assert_eq!(s["orgs_by_level"], json!(levels), "{ctx}");
                assert_eq!(s["stations"], (0..nodes.len()).filter(|m| sub(*m) && nodes[*m].unit_type == Some("service_station")).count() as i64, "{ctx}");
                assert_eq!(s["teams"], team_at.iter().filter(|m| sub(**m)).count() as i64, "{ctx}");
                assert_eq!(s["volunteers"], active.len() as i64, "{ctx}");
                assert_eq!(s["volunteers_by_status"].get("suspended").and_then(|v| v.as_i64()).unwrap_or(0),
                    people.iter().filter(|p| sub(p.at) && p.suspended).count() as i64, "{ctx}");
                assert_eq!(s["veterans"], active.iter().filter(|p| p.veteran).count() as i64, "{ctx}");
                assert_eq!(s["party_members"], active.iter().filter(|p| p.party).count() as i64, "{ctx}");
                let year = zhiyuan_app::clock::today().format("%Y").to_string().parse::<i32>().unwrap();
                let bands: Vec<i64> = s["age_bands"].as_array().unwrap().iter().map(|b| b["count"].as_i64().unwrap()).collect();
                let mut want = [0i64; 6];
                for p in &active {
                    let age = year - p.birth_year;
                    want[match age { ..=17 => 0, 18..=29 => 1, 30..=39 => 2, 40..=49 => 3, 50..=59 => 4, _ => 5 }] += 1;
                }
                assert_eq!(bands, want.to_vec(), "{ctx}");
                let acts_here = done.iter().filter(|(m, _)| sub(*m)).count() as i64;
                assert_eq!(s["activities"], acts_here, "{ctx}");
                let ms: i64 = served.iter().filter(|(m, _, _)| sub(*m)).map(|x| x.2).sum();
                assert_eq!(s["service_hours"].as_f64().unwrap(), hours(ms), "{ctx}");
                for (k, month) in s["months"].as_array().unwrap().iter().enumerate() {
                    let mo = k as u32 + 1;
                    assert_eq!(month["month"], format!("2025-{mo:02}"));
                    assert_eq!(month["activities"], done.iter().filter(|(m, x)| sub(*m) && *x == mo).count() as i64, "{ctx} month {mo}");
                    let ms: i64 = served.iter().filter(|(m, x, _)| sub(*m) && *x == mo).map(|x| x.2).sum();
                    assert_eq!(month["service_hours"].as_f64().unwrap(), hours(ms), "{ctx} month {mo}");
                }
                // One row per child, each its own subtree's figures.
                let kids: Vec<usize> = (0..nodes.len()).filter(|m| nodes[*m].parent == Some(n)).collect();
                assert_eq!(s["children"].as_array().unwrap().len(), kids.len(), "{ctx}");
                for k in kids {
                    let row = s["children"].as_array().unwrap().iter().find(|c| c["id"] == ids[k].as_str()).unwrap();
                    let ksub = |m: usize| within(&nodes, m, k);
                    assert_eq!(row["volunteers"], people.iter().filter(|p| ksub(p.at) && !p.suspended).count() as i64, "{ctx} child {k}");
                    assert_eq!(row["orgs"], (0..nodes.len()).filter(|m| ksub(*m)).count() as i64);
                    assert_eq!(row["teams"], team_at.iter().filter(|m| ksub(**m)).count() as i64);
                }
            }
        });
    }
}
