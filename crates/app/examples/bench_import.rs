//! Benchmark of the ledger import (issue 3): 100,000 rows through the same use case as
//! `POST /api/v1/imports/volunteers`, from .csv and from .xlsx, into a fresh SQLite database
//! (or PostgreSQL when `ZHIYUAN_BENCH_PG` holds a database URL).
//!
//! `cargo run --release -p zhiyuan-app --example bench_import [ROWS]`

/// The same allocator as the `zhiyuan` binary (mimalloc), so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::{Actor, App, AppConfig};
use zhiyuan_domain::id_number::check_char;

fn id_number(i: usize) -> String {
    // 1000 sequences per birth date, dates spread over 1950–2000.
    let day = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
        + chrono::Days::new((i / 1000) as u64 * 7);
    let first17 = format!("150525{}{:03}", day.format("%Y%m%d"), i % 1000);
    format!("{first17}{}", check_char(&first17))
}

fn rows(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            vec![
                format!("王{}", ["建国", "卫东", "志强", "海军", "红梅"][i % 5]),
                id_number(i),
                format!("13{:09}", i),
                if i % 2 == 0 { "是" } else { "否" }.to_owned(),
                if i % 3 == 0 { "是" } else { "否" }.to_owned(),
                ["驾驶、急救", "无人机", "", "法律咨询、心理疏导"][i % 4].to_owned(),
            ]
        })
        .collect()
}

async fn fresh_app(dir: &tempfile::TempDir) -> (App, String) {
    let url = match std::env::var("ZHIYUAN_BENCH_PG") {
        // A database of its own per run: the runs import the same ID numbers.
        Ok(admin) => {
            use sqlx::Connection;
            let name = format!("bench_import_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let store: Arc<dyn zhiyuan_store::Store> = zhiyuan_store::connect(&url).await.expect("store");
    let app = App::new(
        store,
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .expect("app");
    let org = app
        .create_org(
            &Actor::system("bench"),
            &NewOrg {
                name: format!("奈曼旗{}", uuid::Uuid::now_v7().simple()),
                level: "county".to_owned(),
                ..Default::default()
            },
        )
        .await
        .expect("org");
    (app, org.id)
}

/// On-CPU nanoseconds of each live thread of this process (`/proc/self/task/*/schedstat`),
/// so the figures can be told apart from other work on the machine.
fn thread_cpu() -> HashMap<String, (String, u64)> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ns = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let tid = task.file_name().to_string_lossy().into_owned();
        out.insert(tid, (name.trim().to_owned(), ns));
    }
    out
}

/// CPU seconds spent between two snapshots: in all, and by the busiest thread.
fn cpu_between(
    before: &HashMap<String, (String, u64)>,
    after: &HashMap<String, (String, u64)>,
) -> (f64, f64, String) {
    let mut total = 0u64;
    let mut busiest = (0u64, String::new());
    for (tid, (name, ns)) in after {
        let spent = ns - before.get(tid).map_or(0, |(_, b)| *b).min(*ns);
        total += spent;
        if std::env::var("BENCH_THREADS").is_ok() && spent > 50_000_000 {
            eprintln!("    {name} {:.2} s", spent as f64 / 1e9);
        }
        if spent > busiest.0 {
            busiest = (spent, name.clone());
        }
    }
    (total as f64 / 1e9, busiest.0 as f64 / 1e9, busiest.1)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let table = rows(n);
    let headers = zhiyuan_domain::recruitment::IMPORT_HEADERS;
    let mut csv = headers.join(",") + "\n";
    for r in &table {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let xlsx = zhiyuan_sheets::write_xlsx("志愿者", &headers, &table).expect("xlsx");
    println!(
        "rows: {n}; csv {} KiB, xlsx {} KiB",
        csv.len() / 1024,
        xlsx.len() / 1024
    );
    for (name, bytes) in [("ledger.csv", csv.into_bytes()), ("ledger.xlsx", xlsx)] {
        let dir = tempfile::tempdir().expect("dir");
        let (app, org) = fresh_app(&dir).await;
        let actor = Actor::system("bench");
        let cpu_before = thread_cpu();
        let start = Instant::now();
        let report = app
            .import_volunteers(&actor, &org, name, bytes.clone())
            .await
            .expect("import");
        let first = start.elapsed();
        let (cpu, busiest, busiest_name) = cpu_between(&cpu_before, &thread_cpu());
        assert_eq!(report.imported as usize, n, "{:?}", report.rejected.first());
        let start = Instant::now();
        let again = app
            .import_volunteers(&actor, &org, name, bytes)
            .await
            .expect("re-import");
        let second = start.elapsed();
        assert_eq!(again.imported, 0);
        println!(
            "{name}: imported {} in {:.2} s ({:.0} rows/s); re-upload (all duplicates) {:.2} s",
            report.imported,
            first.as_secs_f64(),
            n as f64 / first.as_secs_f64(),
            second.as_secs_f64()
        );
        println!(
            "  first import on-CPU: {cpu:.2} s in all, busiest thread {busiest:.2} s ({busiest_name}) \
             -> at least {:.2} s on two free cores",
            busiest.max(cpu / 2.0)
        );
    }
}
