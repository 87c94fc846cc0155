//! Benchmark of oversight on a province (issue 5): statistics of the province root and a
//! county's compliance list over ~1 million volunteers, ~28,000 villages and ~20 million
//! service records.
//!
//! ```sh
//! cargo run --release -p zhiyuan-app --example bench_oversight [VOLUNTEERS] [VILLAGES] [MONTHS]
//! # defaults 1000000 28000 78 (≈ 20 million records); ZHIYUAN_BENCH_PG=postgres://… for PostgreSQL,
//! # ZHIYUAN_BENCH_DB=sqlite:///path/to.db to keep (or reuse) the SQLite file
//! ```
//!
//! The dataset is made with a fixed seed straight through the store's bulk loader (multi-row
//! inserts of orgs, teams, volunteers and members; a month of activities and records at a
//! time made inside the database), then the aggregates are built once by `ov_rebuild` (the
//! statements of migration 0005). What is timed is the use cases behind
//! `GET /api/v1/orgs/{id}/stats` and `GET /api/v1/orgs/{id}/compliance`, as a super
//! administrator, after two warm-up calls.
//!
//! Shape: 14 cities, 7 counties each, 15 townships per county; villages spread over the
//! townships; 7 in 10 villages have a service station whose team has 12 members (every
//! ninth only 9, every eleventh no deputy), the rest a small squad of 3–4; each township a
//! station team of 30. The other volunteers are registered but in no team. Every root unit
//! holds a done activity each month except every seventh unit/month, and each member of it
//! gets a 2-hour approved record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zhiyuan_app::oversight::views::{ComplianceQuery, StatsQuery};
use zhiyuan_app::{Actor, App, AppConfig};
use zhiyuan_domain::oversight::Month;
use zhiyuan_store::activities::ProjectRow;
use zhiyuan_store::oversight::{BulkMonth, BulkRows};
use zhiyuan_store::{OrgRow, Store, TeamRow, VolunteerRow};

const CITIES: usize = 14;
const COUNTIES_PER_CITY: usize = 7;
const TOWNSHIPS_PER_COUNTY: usize = 15;
const TOWNSHIP_TEAM: usize = 30;
/// The last month of activity in the data (fixed, so every run makes the same data).
const LAST_MONTH: Month = Month {
    year: 2025,
    month: 12,
};
/// When every org, team and volunteer was created (before the first month).
const CREATED: i64 = 1_546_272_000_000; // 2019-01-01 00:00 +08:00

fn id(kind: u8, n: usize) -> String {
    format!("{kind:x}{n:031x}")
}

fn org(
    id: &str,
    name: String,
    level: &str,
    parent: Option<&OrgRow>,
    unit_type: Option<&str>,
    population: Option<i64>,
) -> OrgRow {
    let path = match parent {
        Some(p) => format!("{}{id}/", p.path),
        None => format!("/{id}/"),
    };
    OrgRow {
        id: id.to_owned(),
        name,
        level: level.to_owned(),
        parent_id: parent.map(|p| p.id.clone()),
        depth: parent.map(|p| p.depth + 1).unwrap_or(0),
        path,
        population,
        unit_type: unit_type.map(str::to_owned),
        created_at: CREATED,
        updated_at: CREATED,
        version: 1,
    }
}

fn team(id: &str, name: String, org: &OrgRow, n: usize, echelon: &str) -> TeamRow {
    TeamRow {
        id: id.to_owned(),
        name,
        org_id: org.id.clone(),
        parent_team_id: None,
        path: format!("/{id}/"),
        echelon: echelon.to_owned(),
        specialty: None,
        // Distinct seconds: the bulk month's skip pattern keys on them.
        created_at: CREATED + n as i64 * 1000,
        updated_at: CREATED,
        version: 1,
        org_path: String::new(),
        org_name: String::new(),
    }
}

struct Gen {
    rng: StdRng,
    volunteers: usize,
    teams: usize,
}

impl Gen {
    fn volunteer(&mut self, org: &OrgRow) -> VolunteerRow {
        let n = self.volunteers;
        self.volunteers += 1;
        let birth = NaiveDate::from_ymd_opt(
            self.rng.gen_range(1960..2004),
            self.rng.gen_range(1..13),
            self.rng.gen_range(1..29),
        )
        .unwrap_or_default();
        VolunteerRow {
            id: id(3, n),
            volunteer_no: format!("B{n:011}"),
            name: "志愿者".to_owned(),
            id_cipher: "bench".to_owned(),
            id_hash: format!("bench{n}"),
            id_masked: "1505**********000X".to_owned(),
            birth_date: birth.format("%Y-%m-%d").to_string(),
            gender: if n.is_multiple_of(5) {
                "female"
            } else {
                "male"
            }
            .to_owned(),
            phone: format!("13{n:09}"),
            org_id: org.id.clone(),
            veteran: self.rng.gen_bool(0.8),
            branch: None,
            enlisted_year: None,
            discharged_year: None,
            military_rank: None,
            party_member: self.rng.gen_bool(0.5),
            health: "good".to_owned(),
            home_lat: None,
            home_lon: None,
            consent_data: true,
            consent_location: false,
            guardian_consent: false,
            status: if n.is_multiple_of(50) {
                "suspended"
            } else {
                "active"
            }
            .to_owned(),
            created_at: CREATED,
            updated_at: CREATED,
            version: 1,
            org_path: String::new(),
            org_name: String::new(),
        }
    }

    /// A root unit at `org` with `size` new volunteers as members (leader, deputy, members).
    fn staffed(
        &mut self,
        rows: &mut BulkRows,
        org: &OrgRow,
        name: String,
        echelon: &str,
        size: usize,
        deputy: bool,
    ) {
        let t = team(&id(2, self.teams), name, org, self.teams, echelon);
        self.teams += 1;
        for k in 0..size {
            let v = self.volunteer(org);
            let position = match (k, deputy) {
                (0, _) => "leader",
                (1, true) => "deputy",
                _ => "member",
            };
            rows.members
                .push((t.id.clone(), v.id.clone(), position.to_owned(), CREATED));
            rows.volunteers.push(v);
        }
        rows.teams.push(t);
    }
}

async fn load(
    store: &Arc<dyn Store>,
    volunteers: usize,
    villages: usize,
    months: i64,
) -> (OrgRow, OrgRow, OrgRow) {
    let t0 = Instant::now();
    let mut g = Gen {
        rng: StdRng::seed_from_u64(20_221_112),
        volunteers: 0,
        teams: 0,
    };
    let mut orgs = 0usize;
    let next_org = |orgs: &mut usize| {
        *orgs += 1;
        id(1, *orgs)
    };
    let province = org(
        &next_org(&mut orgs),
        "内蒙古自治区".into(),
        "province",
        None,
        None,
        Some(24_000_000),
    );
    let mut first = BulkRows {
        orgs: vec![province.clone()],
        ..Default::default()
    };
    first.projects = [
        "最美逆行",
        "星火燎原",
        "手拉手帮战友",
        "先锋示范岗",
        "习语金句",
        "石榴籽心贴心",
        "牵手夕阳",
        "老兵不老",
        "乡村振兴",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| ProjectRow {
        id: id(4, i),
        name: (*name).to_owned(),
        category: "other".to_owned(),
        description: String::new(),
        org_id: province.id.clone(),
        team_id: None,
        org_path: province.path.clone(),
        brand: false,
        created_at: CREATED,
    })
    .collect();
    let project_ids: Vec<String> = first.projects.iter().map(|p| p.id.clone()).collect();
    store.ov_bulk_insert(&first).await.expect("province");
    let counties = CITIES * COUNTIES_PER_CITY;
    let townships = counties * TOWNSHIPS_PER_COUNTY;
    // Members of teams: centres 20, township stations 30, villages 9.2 on average.
    let in_teams = counties * 20 + townships * TOWNSHIP_TEAM + villages * 922 / 100;
    let loose = volunteers.saturating_sub(in_teams);
    let loose_at = |v: usize| loose * v / villages.max(1) - loose * (v - 1) / villages.max(1);
    let (mut a_county, mut a_township) = (None, None);
    let mut village_no = 0usize;
    for c in 0..CITIES {
        let city = org(
            &next_org(&mut orgs),
            format!("第{}市", c + 1),
            "city",
            Some(&province),
            None,
            Some(1_700_000),
        );
        store
            .ov_bulk_insert(&BulkRows {
                orgs: vec![city.clone()],
                ..Default::default()
            })
            .await
            .expect("city");
        for k in 0..COUNTIES_PER_CITY {
            let mut rows = BulkRows::default();
            let county = org(
                &next_org(&mut orgs),
                format!("第{}市第{}县", c + 1, k + 1),
                "county",
                Some(&city),
                None,
                Some(240_000),
            );
            rows.orgs.push(county.clone());
            let centre = org(
                &next_org(&mut orgs),
                format!("{}退役军人服务中心", county.name),
                "unit",
                Some(&county),
                Some("service_centre"),
                None,
            );
            rows.orgs.push(centre.clone());
            g.staffed(
                &mut rows,
                &centre,
                format!("{}志愿服务队", county.name),
                "team",
                20,
                true,
            );
            for s in 0..TOWNSHIPS_PER_COUNTY {
                let town = org(
                    &next_org(&mut orgs),
                    format!("{}第{}镇", county.name, s + 1),
                    "township",
                    Some(&county),
                    None,
                    Some(16_000),
                );
                let station = org(
                    &next_org(&mut orgs),
                    format!("{}服务站", town.name),
                    "unit",
                    Some(&town),
                    Some("service_station"),
                    None,
                );
                g.staffed(
                    &mut rows,
                    &station,
                    format!("{}志愿服务队", town.name),
                    "team",
                    TOWNSHIP_TEAM,
                    true,
                );
                rows.orgs.push(town.clone());
                rows.orgs.push(station);
                // Villages spread evenly over all townships.
                let t_index = (c * COUNTIES_PER_CITY + k) * TOWNSHIPS_PER_COUNTY + s;
                let upto = villages * (t_index + 1) / townships;
                while village_no < upto {
                    village_no += 1;
                    let v = org(
                        &next_org(&mut orgs),
                        format!("{}第{}村", town.name, village_no),
                        "village",
                        Some(&town),
                        None,
                        Some(900),
                    );
                    rows.orgs.push(v.clone());
                    if village_no % 10 < 7 {
                        let st = org(
                            &next_org(&mut orgs),
                            format!("{}服务站", v.name),
                            "unit",
                            Some(&v),
                            Some("service_station"),
                            None,
                        );
                        let size = if village_no.is_multiple_of(9) { 9 } else { 12 };
                        g.staffed(
                            &mut rows,
                            &st,
                            format!("{}志愿服务队", v.name),
                            "team",
                            size,
                            !village_no.is_multiple_of(11),
                        );
                        rows.orgs.push(st.clone());
                        for _ in 0..loose_at(village_no) {
                            let vol = g.volunteer(&st);
                            rows.volunteers.push(vol);
                        }
                    } else {
                        g.staffed(
                            &mut rows,
                            &v,
                            format!("{}小分队", v.name),
                            "small_squad",
                            3 + village_no % 2,
                            false,
                        );
                        for _ in 0..loose_at(village_no) {
                            let vol = g.volunteer(&v);
                            rows.volunteers.push(vol);
                        }
                    }
                }
                a_township.get_or_insert(town);
            }
            store.ov_bulk_insert(&rows).await.expect("county");
            a_county.get_or_insert(county);
        }
        eprintln!(
            "  city {}/{CITIES}: {} volunteers, {} orgs, {:.0?}",
            c + 1,
            g.volunteers,
            orgs,
            t0.elapsed()
        );
    }
    eprintln!(
        "orgs, teams, volunteers: {:.1?} ({} orgs, {} units, {} volunteers)",
        t0.elapsed(),
        orgs,
        g.teams,
        g.volunteers
    );
    let t1 = Instant::now();
    let (mut acts, mut recs) = (0, 0);
    let mut m = LAST_MONTH;
    for _ in 1..months {
        m = m.prev();
    }
    for i in 0..months {
        let (a, r) = store
            .ov_bulk_month(&BulkMonth {
                month_start_ms: m.start_ms(),
                index: i,
                skip_one_in: 7,
                record_ms: 2 * 3_600_000,
                project_ids: project_ids.clone(),
            })
            .await
            .expect("month");
        acts += a;
        recs += r;
        if i % 6 == 5 {
            eprintln!(
                "  {}: {acts} activities, {recs} records, {:.0?}",
                m.code(),
                t1.elapsed()
            );
        }
        m = m.next();
    }
    eprintln!(
        "activities and records: {:.1?} ({acts} activities, {recs} records)",
        t1.elapsed()
    );
    let t2 = Instant::now();
    store.ov_rebuild().await.expect("rebuild");
    eprintln!(
        "aggregates built from the rows (migration 0005's statements): {:.1?}",
        t2.elapsed()
    );
    (
        province,
        a_county.expect("a county"),
        a_township.expect("a township"),
    )
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "| {label} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        ms(times[0]),
        ms(p(0.5)),
        ms(p(0.95)),
        ms(times[times.len() - 1])
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let volunteers = args.first().copied().unwrap_or(1_000_000);
    let villages = args.get(1).copied().unwrap_or(28_000);
    let months = args.get(2).copied().unwrap_or(78) as i64;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("ZHIYUAN_BENCH_PG")
        .or_else(|_| std::env::var("ZHIYUAN_BENCH_DB"))
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("province.db").display()));
    eprintln!("database: {url}");
    let store = zhiyuan_store::connect(&url).await.expect("store");
    let existing = store.org_children(None).await.expect("roots");
    let (province, county, township) = if let Some(root) = existing.first() {
        eprintln!("reusing the data already in {url}");
        let county = store
            .org_subtree(&root.path, 200)
            .await
            .expect("subtree")
            .into_iter()
            .find(|o| o.level == "county")
            .expect("county");
        let township = store
            .org_subtree(&county.path, 50)
            .await
            .expect("subtree")
            .into_iter()
            .find(|o| o.level == "township")
            .expect("township");
        (root.clone(), county, township)
    } else {
        load(&store, volunteers, villages, months).await
    };
    let app = App::new(
        store.clone(),
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .expect("app");
    let sys = Actor::system("bench");
    let runs = 30;
    let stats_q = StatsQuery::default();
    let last = LAST_MONTH.code();
    let compliance_q = ComplianceQuery {
        month: Some(last.clone()),
        year: Some(LAST_MONTH.year),
        ..Default::default()
    };
    let s = app
        .org_stats(&sys, &province.id, &stats_q)
        .await
        .expect("stats");
    let c = app
        .compliance(&sys, &county.id, &compliance_q)
        .await
        .expect("compliance");
    println!(
        "\nprovince: {} orgs ({} villages, {} stations), {} units, {} active volunteers, {} activities, {:.0} service hours ({} records)",
        s.orgs,
        s.orgs_by_level.get("village").copied().unwrap_or(0),
        s.stations,
        s.teams,
        s.volunteers,
        s.activities,
        s.service_hours,
        s.service_records
    );
    println!(
        "county {}: {} findings ({})\n",
        county.name,
        c.total,
        c.by_rule
            .iter()
            .map(|r| format!("{} {}", r.rule, r.count))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| call ({} runs after 2 warm-ups) | min | median | p95 | max |\n|---|---|---|---|---|",
        runs
    );
    let cases: Vec<(&str, &str)> = vec![
        ("stats", province.id.as_str()),
        ("stats", county.id.as_str()),
        ("compliance", county.id.as_str()),
        ("compliance", township.id.as_str()),
    ];
    for (what, org_id) in cases {
        let name = if org_id == province.id {
            "province"
        } else if org_id == county.id {
            "county"
        } else {
            "township"
        };
        let label = format!("{what} of the {name}");
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs + 2 {
            let t = Instant::now();
            match what {
                "stats" => {
                    app.org_stats(&sys, org_id, &stats_q).await.expect("stats");
                }
                _ => {
                    app.compliance(&sys, org_id, &compliance_q)
                        .await
                        .expect("compliance");
                }
            }
            if i >= 2 {
                times.push(t.elapsed());
            }
        }
        summary(&label, times);
    }
    // An exactness spot check at this size: the county's maintained figures against a recount.
    let t = Instant::now();
    let kept = store.ov_totals(&county.id).await.expect("totals");
    let counted = store.ov_recount(&county.path).await.expect("recount");
    assert_eq!(kept, counted, "maintained aggregates equal the recount");
    eprintln!(
        "\nthe county's aggregates equal a recount from the rows (recount took {:.0?})",
        t.elapsed()
    );
    if std::env::var("ZHIYUAN_BENCH_DB").is_ok() {
        std::mem::forget(dir);
    }
}
