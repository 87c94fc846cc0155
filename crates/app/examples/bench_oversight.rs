//! Benchmark of oversight on a province (issue 5): statistics of the province root and a
//! county's compliance list over ~1 million volunteers, ~28,000 villages and ~20 million
//! service records.
//!
//! ```sh
//! cargo run --release -p zhiyuan-app --example bench_oversight [VOLUNTEERS] [VILLAGES] [MONTHS]
//! # defaults: the province profile of `zhiyuan gen` (1000000 volunteers, 28000 villages,
//! # 24 months, ≈ 20 million records; the records scale with the months);
//! # ZHIYUAN_BENCH_PG=postgres://… for PostgreSQL,
//! # ZHIYUAN_BENCH_DB=sqlite:///path/to.db to keep (or reuse) the SQLite file — a database made
//! # by `zhiyuan gen --profile province` is reused as it is
//! ```
//!
//! The dataset is the one `zhiyuan gen` makes (`zhiyuan_app::generator`, fixed seed): the
//! same generator, the same bulk load and the same aggregates. What is timed is the use cases
//! behind `GET /api/v1/orgs/{id}/stats` and `GET /api/v1/orgs/{id}/compliance`, as a super
//! administrator, after two warm-up calls, for the last month with activity.

/// The same allocator as the `zhiyuan` binary (mimalloc), so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use zhiyuan_app::generator::{generate, GenOptions, Profile, Shape};
use zhiyuan_app::oversight::views::{ComplianceQuery, StatsQuery};
use zhiyuan_app::{Actor, App, AppConfig};
use zhiyuan_domain::oversight::Month;
use zhiyuan_store::OrgRow;

/// The last month of activity in freshly generated data (fixed, so every run makes the same
/// data).
const LAST_MONTH: Month = Month {
    year: 2025,
    month: 12,
};
const SEED: u64 = 20_221_112;

async fn load(
    app: &App,
    volunteers: usize,
    villages: usize,
    months: usize,
) -> (OrgRow, OrgRow, OrgRow) {
    let base = Shape::of(Profile::Province, 1.0);
    let shape = Shape {
        volunteers,
        villages,
        months,
        activities: base.activities * months / base.months,
        records: base.records * months / base.months,
        ..base
    };
    let options = GenOptions {
        shape,
        seed: SEED,
        last_month: Some(LAST_MONTH),
    };
    let mut phase = "";
    let s = generate(app, &options, |p| {
        if p.phase != phase {
            eprintln!("== {} ({:.1?})", p.phase, p.elapsed);
            phase = p.phase;
        }
        eprintln!(
            "  {} / ~{} rows, {:.0} rows/s, {:.0?}, ETA {:.0?}",
            p.rows_done, p.rows_total, p.rows_per_sec, p.elapsed, p.eta
        );
    })
    .await
    .expect("generate");
    eprintln!(
        "generated: {} orgs, {} units, {} volunteers, {} activities, {} records in {:.1?}",
        s.orgs, s.teams, s.volunteers, s.activities, s.records, s.elapsed
    );
    let store = app.store();
    let get = |id: String| async move { store.get_org(&id).await.expect("org").expect("org") };
    (
        get(s.province_id).await,
        get(s.county_id).await,
        get(s.township_id).await,
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
    let months = args.get(2).copied().unwrap_or(24);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("ZHIYUAN_BENCH_PG")
        .or_else(|_| std::env::var("ZHIYUAN_BENCH_DB"))
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("province.db").display()));
    eprintln!("database: {url}");
    let store = zhiyuan_store::connect(&url).await.expect("store");
    let app = App::new(
        store.clone(),
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .expect("app");
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
        load(&app, volunteers, villages, months).await
    };
    // The last month with activity in the data (generated data may end in another month).
    let last_month = store
        .ov_months(&province.id, "0000-00", "9999-99")
        .await
        .expect("months")
        .iter()
        .rev()
        .find(|m| m.activities > 0)
        .and_then(|m| Month::parse(&m.month).ok())
        .unwrap_or(LAST_MONTH);
    let sys = Actor::system("bench");
    let runs = 30;
    let stats_q = StatsQuery::default();
    let compliance_q = ComplianceQuery {
        month: Some(last_month.code()),
        year: Some(last_month.year),
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
