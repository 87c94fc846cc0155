//! Volunteer search by name fragment through the gram table (姓名检索字表, migration 0010):
//! on random names, fragments and scopes it answers exactly what a brute-force substring filter
//! over the scope's listing answers, page by page and in total, after registrations, renames,
//! a ledger import, and a rebuild of the table with the migration's own backfill statement.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::harness::{id_number, spawn, TestApp};

mod migration;
use crate::recruitment::{tree, upload};

/// Few characters, so names share characters and pairs; a Latin pair checks case.
const ALPHABET: [&str; 8] = ["王", "李", "建", "国", "华", "明", "A", "a"];

/// SplitMix64: a reproducible random source (the seed is printed; `NAME_SEARCH_SEED` replays).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn text(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())])
            .collect()
    }

    /// A valid name of 2–4 characters.
    fn name(&mut self) -> String {
        let len = 2 + self.below(3);
        self.text(len)
    }
}

fn seed() -> u64 {
    let seed = std::env::var("NAME_SEARCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    eprintln!("name search seed: NAME_SEARCH_SEED={seed}");
    seed
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// (id, name) of each item, in the order answered.
fn items(r: &Value) -> Vec<(String, String)> {
    r["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    (
                        v["id"].as_str().unwrap_or_default().to_owned(),
                        v["name"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every page of `query` (parameters, each after a `&`) at `per_page`, concatenated, and the
/// totals each page reported.
async fn all_pages(
    t: &TestApp,
    token: &str,
    query: &str,
    per_page: usize,
) -> (Vec<(String, String)>, BTreeSet<i64>) {
    let mut out = Vec::new();
    let mut totals = BTreeSet::new();
    for page in 1.. {
        let r = t
            .get(
                &format!("/api/v1/volunteers?per_page={per_page}&page={page}{query}"),
                token,
            )
            .await
            .expect(200);
        totals.insert(r.body["total"].as_i64().unwrap_or(-1));
        let got = items(&r.body);
        let last = got.len() < per_page;
        out.extend(got);
        if last {
            break;
        }
    }
    (out, totals)
}

/// A county with two townships, a village with a team under the first (the recruitment
/// tree), volunteers registered at random orgs, some imported by ledger, some renamed or moved.
struct World {
    t: TestApp,
    /// (token, extra parameter) pairs: the actor's scope, optionally narrowed by `org_id`.
    scopes: Vec<(String, String)>,
    names: Vec<String>,
}

async fn world(rng: &mut Rng, registered: u32, imported: u32, renamed: usize) -> World {
    let t = spawn().await;
    let tr = tree(&t, (1, 10_000)).await;
    let town2 = t.org(&t.root, "新镇", "township", Some(&tr.county)).await;
    let town2_admin = t.account(&t.root, "town2_a", "admin", &town2).await;
    let orgs = [&tr.county, &tr.township, &tr.village, &town2];
    let mut ids = Vec::new();
    for seq in 0..registered {
        let org = orgs[rng.below(orgs.len())];
        let body = json!({
            "name": rng.name(),
            "id_number": id_number("19800101", seq),
            "phone": format!("138{seq:08}"),
            "org_id": org,
            "veteran": false,
            "party_member": seq.is_multiple_of(3),
            "skills": if seq.is_multiple_of(2) { json!(["驾驶"]) } else { json!([]) },
        });
        ids.push(
            t.post("/api/v1/volunteers", &t.root, body)
                .await
                .expect(201)
                .id(),
        );
    }
    let mut csv = "姓名,身份证号码,手机号码,退役军人,中共党员,技能\n".to_owned();
    for seq in 0..imported {
        csv.push_str(&format!(
            "{},{},139{seq:08},否,否,{}\n",
            rng.name(),
            id_number("19850101", seq),
            if seq.is_multiple_of(2) { "驾驶" } else { "" }
        ));
    }
    let path = format!("/api/v1/imports/volunteers?org_id={}", tr.village);
    let r = upload(&t, &tr.village_admin, &path, "ledger.csv", csv.as_bytes())
        .await
        .expect(200);
    assert_eq!(r.body["imported"], imported, "{}", r.text);
    for _ in 0..renamed {
        let id = &ids[rng.below(ids.len())];
        // A new name, and every other time a new org (the grams carry the org).
        let body = if rng.below(2) == 0 {
            json!({"name": rng.name()})
        } else {
            json!({"name": rng.name(), "org_id": orgs[rng.below(orgs.len())]})
        };
        t.patch(&format!("/api/v1/volunteers/{id}"), &t.root, body)
            .await
            .expect(200);
    }
    // Some members of the village's team, searched by its leader (a unit scope).
    for id in ids.iter().step_by(5) {
        t.post(
            &format!("/api/v1/teams/{}/members", tr.team),
            &t.root,
            json!({"volunteer_id": id, "position": "member"}),
        )
        .await
        .expect(201);
    }
    let leader = t
        .account(&t.root, "leader_a", "team_leader", &tr.team)
        .await;
    let scopes = vec![
        (t.root.clone(), String::new()),
        (leader, String::new()),
        (tr.county_admin.clone(), String::new()),
        (tr.township_admin.clone(), String::new()),
        (town2_admin, String::new()),
        (t.root.clone(), format!("&org_id={}", tr.village)),
        (tr.county_admin.clone(), format!("&org_id={town2}")),
        (t.root.clone(), format!("&skill={}", enc("驾驶"))),
        (tr.county_admin.clone(), "&party_member=true".to_owned()),
    ];
    let (everyone, _) = all_pages(&t, &t.root, "", 200).await;
    let names = everyone.into_iter().map(|(_, n)| n).collect();
    World { t, scopes, names }
}

/// Random fragments of 1–4 characters and real substrings of names, searched in every scope
/// at random page sizes, against the scope's own listing filtered by `str::contains`.
async fn check_against_brute_force(w: &World, rng: &mut Rng, fragments: usize) {
    let mut listings = Vec::new();
    for (token, extra) in &w.scopes {
        listings.push(all_pages(&w.t, token, extra, 200).await.0);
    }
    for round in 0..fragments {
        let fragment = if round % 2 == 0 || w.names.is_empty() {
            let len = 1 + rng.below(4);
            rng.text(len)
        } else {
            let name: Vec<char> = w.names[rng.below(w.names.len())].chars().collect();
            let from = rng.below(name.len());
            let len = 1 + rng.below((name.len() - from).min(4));
            name[from..from + len].iter().collect()
        };
        let s = rng.below(w.scopes.len());
        let (token, extra) = &w.scopes[s];
        let expected: Vec<(String, String)> = listings[s]
            .iter()
            .filter(|(_, name)| name.contains(&fragment))
            .cloned()
            .collect();
        let per_page = 1 + rng.below(7);
        let (got, totals) = all_pages(
            &w.t,
            token,
            &format!("&q={}{extra}", enc(&fragment)),
            per_page,
        )
        .await;
        assert_eq!(
            got, expected,
            "fragment {fragment:?}, scope {s}, per_page {per_page}"
        );
        assert_eq!(
            totals,
            BTreeSet::from([expected.len() as i64]),
            "total of {fragment:?} in scope {s}"
        );
    }
}

#[tokio::test]
async fn gram_search_equals_a_substring_filter_in_every_scope() {
    let mut rng = Rng(seed());
    let w = world(&mut rng, 60, 25, 15).await;
    check_against_brute_force(&w, &mut rng, 80).await;
}

/// The data generator's (and migration 0010's) backfill statement rebuilds exactly the rows
/// the write paths kept: one row per distinct character and pair of each name, and the same
/// answers afterwards.
#[tokio::test]
async fn the_backfill_statement_rebuilds_what_the_write_paths_wrote() {
    let mut rng = Rng(seed());
    let w = world(&mut rng, 30, 15, 10).await;
    check_against_brute_force(&w, &mut rng, 20).await;
    let rows = w.t.app.store().refill_name_grams().await.expect("refill");
    let expected: usize = w
        .names
        .iter()
        .map(|n| {
            let c: Vec<char> = n.chars().collect();
            let mut g: BTreeSet<String> = c.iter().map(|x| x.to_string()).collect();
            g.extend(c.windows(2).map(|p| p.iter().collect::<String>()));
            g.len()
        })
        .sum();
    assert_eq!(rows, expected as u64);
    check_against_brute_force(&w, &mut rng, 30).await;
}

#[tokio::test]
async fn grams_follow_registration_rename_and_import() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let count = |q: &str| {
        let path = format!("/api/v1/volunteers?q={}", enc(q));
        let t = &t;
        async move { t.get(&path, &t.root).await.expect(200).body["total"].clone() }
    };
    let id = t.volunteer(&t.root, "王建国", &tr.village, 1).await;
    assert_eq!(count("建国").await, 1);
    assert_eq!(count("王建国").await, 1);
    assert_eq!(count("国建").await, 0);
    t.patch(
        &format!("/api/v1/volunteers/{id}"),
        &t.root,
        json!({"name": "李明华"}),
    )
    .await
    .expect(200);
    assert_eq!(count("建国").await, 0, "the old name's grams are gone");
    assert_eq!(count("王").await, 0);
    assert_eq!(count("明华").await, 1);
    assert_eq!(count("李明华").await, 1);
    let csv = format!(
        "姓名,身份证号码,手机号码,退役军人,中共党员,技能\n赵志刚,{},13912345678,否,否,\n",
        id_number("19850101", 2)
    );
    let path = format!("/api/v1/imports/volunteers?org_id={}", tr.village);
    upload(&t, &tr.village_admin, &path, "ledger.csv", csv.as_bytes())
        .await
        .expect(200);
    assert_eq!(count("志刚").await, 1);
    assert_eq!(count("赵志刚").await, 1);
    // A fragment whose characters are all known but never adjacent matches nobody.
    assert_eq!(count("刚华").await, 0);
    // Phone tails still search by phone.
    let r = t
        .get("/api/v1/volunteers?q=00000001", &t.root)
        .await
        .expect(200);
    assert_eq!(r.body["total"], 1);
}

/// `zhiyuan gen` writes volunteers without the write paths, then fills the grams once with
/// the backfill statement: its county answers like the brute force too.
#[tokio::test]
async fn the_generator_fills_the_grams() {
    use zhiyuan_app::generator::{generate, GenOptions, Profile, Shape};
    let mut rng = Rng(seed());
    let t = spawn().await;
    let o = GenOptions {
        shape: Shape::of(Profile::County, 0.05),
        seed: 11,
        last_month: Some(zhiyuan_domain::oversight::Month {
            year: 2026,
            month: 10,
        }),
    };
    let s = generate(&t.app, &o, |_| {}).await.expect("generate");
    let (everyone, _) = all_pages(&t, &t.root, "", 200).await;
    assert_eq!(everyone.len(), s.volunteers);
    let scopes = vec![
        (t.root.clone(), String::new()),
        (t.root.clone(), format!("&org_id={}", s.township_id)),
        (t.root.clone(), format!("&org_id={}", s.county_id)),
    ];
    let names = everyone.into_iter().map(|(_, n)| n).collect();
    let w = World { t, scopes, names };
    check_against_brute_force(&w, &mut rng, 30).await;
}
