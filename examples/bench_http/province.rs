//! Figures on a province-sized database: start-up time to the first healthy answer, resident
//! memory once warmed by the heavy reads, and volunteer search by name fragment.

use std::time::{Duration, Instant};

use crate::http::{bearer, cookie, latency_line, memory_mib, process_cpu, Client, Meter};
use crate::server::{self, Db, Server, Val, PASSWORD};

/// Exec → first `GET /healthz` 200, `runs` times (plus a first start that may migrate).
pub async fn startup(db_url: &str, runs: usize) {
    // A county admin's session and an incident, so each run can also time the first candidates
    // answer, which waits for the candidate index to load (the part of start-up that grows).
    let db = Db::open(db_url).await;
    let (_, (county_id, _)) = root_and_county(&db).await;
    db.close().await;
    admins(db_url, &county_id).await;
    let (s, took) = Server::start(db_url, &[]).await;
    println!(
        "first start (applies pending migrations, warms the OS page cache): {:.2} s",
        took.as_secs_f64()
    );
    let county = bearer(&s.login("bench_county").await);
    let mut c = Client::connect(s.addr).await.expect("connect");
    let body = serde_json::json!({
        "title": "启动测试：洪涝", "kind": "flood",
        "location": {"lat": 43.0, "lon": 116.0}, "needed": 20, "org_id": county_id,
    });
    let a = c
        .post_json("/api/v1/incidents", &county, &body)
        .await
        .expect("incident");
    let candidates = a.json()["id"]
        .as_str()
        .map(|id| format!("/api/v1/incidents/{id}/candidates?limit=20"));
    s.stop();
    let mut times = Vec::new();
    let mut ready_times = Vec::new();
    for i in 0..runs {
        let load = crate::http::loadavg();
        let exec = Instant::now();
        let (s, took) = Server::start(db_url, &[]).await;
        let cpu = process_cpu(s.pid());
        let (rss, _) = memory_mib(s.pid());
        let ready = match &candidates {
            Some(path) => {
                let mut c = Client::connect(s.addr).await.expect("connect");
                let a = c.get(path, &county).await.expect("candidates");
                assert_eq!(a.status, 200, "{}", a.text());
                let t = exec.elapsed();
                ready_times.push(t);
                format!(
                    "; first candidates answer (index loaded) after {:.2} s, server on-CPU {:.2} s, RSS {:.0} MiB",
                    t.as_secs_f64(),
                    process_cpu(s.pid()),
                    memory_mib(s.pid()).0
                )
            }
            None => String::new(),
        };
        println!(
            "  run {}: healthy after {:.3} s (server on-CPU {:.2} s, RSS {rss:.0} MiB, load {load:.2}){ready}",
            i + 1,
            took.as_secs_f64(),
            cpu
        );
        times.push(took);
        s.stop();
    }
    times.sort();
    ready_times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let worst = times.last().copied().unwrap_or_default();
    println!(
        "FIGURE start-up to healthy: median {:.3} s, worst {:.3} s over {runs} runs (aim ≤ 2 s) {}",
        median.as_secs_f64(),
        worst.as_secs_f64(),
        if worst <= Duration::from_secs(2) {
            "MET"
        } else {
            "NOT MET"
        }
    );
    if let (Some(m), Some(w)) = (ready_times.get(ready_times.len() / 2), ready_times.last()) {
        println!(
            "FIGURE start-up to the first candidates answer (index loaded): median {:.2} s, worst {:.2} s",
            m.as_secs_f64(),
            w.as_secs_f64()
        );
    }
}

/// The root org and the first county (by path), with their ids.
async fn root_and_county(db: &Db) -> ((String, String), (String, String)) {
    let root = db
        .one(
            "SELECT id, path FROM orgs WHERE parent_id IS NULL ORDER BY path LIMIT 1",
            &[],
        )
        .await
        .expect("a root org");
    let county = db
        .one(
            "SELECT id, path FROM orgs WHERE level = 'county' ORDER BY path LIMIT 1",
            &[],
        )
        .await
        .expect("a county");
    (
        (root[0].clone(), root[1].clone()),
        (county[0].clone(), county[1].clone()),
    )
}

/// `bench_root` (super-administrator) and `bench_county` (admin of the county).
async fn admins(db_url: &str, county_id: &str) {
    let app = server::app(db_url).await;
    if app
        .store()
        .get_user_by_username("bench_root")
        .await
        .expect("user lookup")
        .is_none()
    {
        app.create_super_admin("bench_root", PASSWORD)
            .await
            .expect("super admin");
    }
    server::ensure_user(&app, "bench_county", "admin", Some(county_id), None).await;
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Starts the server, runs the heavy reads once each, and reports resident memory.
pub async fn memory(db_url: &str) {
    let db = Db::open(db_url).await;
    let ((root_id, _), (county_id, county_path)) = root_and_county(&db).await;
    let home = db
        .one(
            "SELECT CAST(v.home_lat AS TEXT), CAST(v.home_lon AS TEXT) FROM volunteers v \
             JOIN orgs o ON o.id = v.org_id \
             WHERE v.home_lat IS NOT NULL AND o.path >= $1 AND o.path < $2 LIMIT 1",
            &[
                Val::S(county_path.clone()),
                Val::S(format!("{}0", county_path.trim_end_matches('/'))),
            ],
        )
        .await;
    db.close().await;
    admins(db_url, &county_id).await;
    let (s, took) = Server::start(db_url, &[]).await;
    let pid = s.pid();
    let (rss, _) = memory_mib(pid);
    println!(
        "healthy after {:.2} s, RSS {rss:.0} MiB",
        took.as_secs_f64()
    );
    let root = bearer(&s.login("bench_root").await);
    let county = bearer(&s.login("bench_county").await);
    let vol = match Db::open(db_url)
        .await
        .one("SELECT id FROM users WHERE username = 'bench_vol'", &[])
        .await
    {
        Some(_) => Some(cookie(&s.login("bench_vol").await)),
        None => None,
    };
    let mut c = Client::connect(s.addr).await.expect("connect");
    let step = |name: String, status: u16, t: Instant| {
        let (rss, hwm) = memory_mib(pid);
        println!(
            "  {name}: {status} in {:.0} ms; RSS {rss:.0} MiB, peak {hwm:.0} MiB",
            t.elapsed().as_secs_f64() * 1000.0
        );
    };
    let meter = Meter::start(&[pid]);
    let gets = [
        (format!("/api/v1/orgs/{root_id}/stats"), root.clone()),
        (format!("/api/v1/orgs/{county_id}/stats"), county.clone()),
        (
            format!("/api/v1/orgs/{county_id}/compliance"),
            county.clone(),
        ),
        (
            format!("/api/v1/volunteers?q={}", encode("王")),
            root.clone(),
        ),
        (
            format!("/api/v1/volunteers?q={}", encode("军")),
            county.clone(),
        ),
    ];
    for (path, auth) in &gets {
        let t = Instant::now();
        let a = c.get(path, auth).await.expect("request");
        step(format!("GET {path}"), a.status, t);
    }
    if let Some(home) = home {
        let t = Instant::now();
        let body = serde_json::json!({
            "title": "内存测试：洪涝",
            "kind": "flood",
            "location": {"lat": home[0].parse::<f64>().unwrap_or(43.0),
                         "lon": home[1].parse::<f64>().unwrap_or(120.0)},
            "needed": 20,
            "org_id": county_id,
        });
        let a = c
            .post_json("/api/v1/incidents", &county, &body)
            .await
            .expect("incident");
        step("POST /api/v1/incidents".to_owned(), a.status, t);
        if let Some(id) = a.json()["id"].as_str() {
            for limit in [20, 100] {
                let t = Instant::now();
                let path = format!("/api/v1/incidents/{id}/candidates?limit={limit}");
                let a = c.get(&path, &county).await.expect("candidates");
                step(format!("GET {path}"), a.status, t);
            }
        }
    }
    for (path, auth) in [
        ("/", &county),
        ("/activities", &county),
        ("/volunteers", &county),
    ] {
        let t = Instant::now();
        let a = c
            .get(
                path,
                &auth.replace("Authorization: Bearer ", "Cookie: zy_session="),
            )
            .await;
        step(format!("page {path}"), a.map(|a| a.status).unwrap_or(0), t);
    }
    if let Some(v) = &vol {
        let t = Instant::now();
        let a = c.get("/activities/open", v).await.expect("page");
        step("page /activities/open (volunteer)".to_owned(), a.status, t);
    }
    let m = meter.stop();
    let (rss, hwm) = memory_mib(pid);
    println!("  warm-up: {m}");
    println!("  resident by kind: {}", rss_kinds(pid));
    println!(
        "FIGURE server memory, province loaded and warmed: VmRSS {rss:.0} MiB, VmHWM {hwm:.0} MiB (aim ≤ 300 MB = 286 MiB) {}",
        if hwm * 1.048_576 <= 300.0 { "MET" } else { "NOT MET" }
    );
    s.stop();
}

/// The resident set split as `/proc/<pid>/status` has it: heap and stacks (anonymous), mapped
/// files (the binary, libraries) and shared memory, to tell the allocator's share from the rest.
fn rss_kinds(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    ["RssAnon:", "RssFile:", "RssShmem:"]
        .iter()
        .map(|name| {
            let kb = status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            format!("{} {:.0} MiB", name.trim_end_matches(':'), kb / 1024.0)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Name-fragment search as the province's super-administrator and as a county's admin.
pub async fn search(db_url: &str, queries: usize) {
    let db = Db::open(db_url).await;
    let (_, (county_id, county_path)) = root_and_county(&db).await;
    let upper = format!("{}0", county_path.trim_end_matches('/'));
    // Common: the most frequent surname character. Medium: a frequent given-name character.
    // Rare: whole names of volunteers in the county (a few namesakes each).
    let common = db
        .one(
            "SELECT substr(name, 1, 1), CAST(COUNT(*) AS TEXT) FROM \
             (SELECT name FROM volunteers ORDER BY id LIMIT 20000) s GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1",
            &[],
        )
        .await
        .expect("names")[0]
        .clone();
    let medium = db
        .one(
            "SELECT substr(name, 2, 1), CAST(COUNT(*) AS TEXT) FROM \
             (SELECT name FROM volunteers ORDER BY id LIMIT 20000) s GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1",
            &[],
        )
        .await
        .expect("names")[0]
        .clone();
    let rare: Vec<String> = db
        .rows(
            "SELECT v.name FROM volunteers v JOIN orgs o ON o.id = v.org_id \
             WHERE o.path >= $1 AND o.path < $2 ORDER BY v.id LIMIT 40",
            &[Val::S(county_path.clone()), Val::S(upper)],
        )
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    db.close().await;
    admins(db_url, &county_id).await;
    let (s, _) = Server::start(db_url, &[]).await;
    let root = bearer(&s.login("bench_root").await);
    let county = bearer(&s.login("bench_county").await);
    let mut c = Client::connect(s.addr).await.expect("connect");
    // The server loads its candidate index after start: wait until it is idle (under 20 ms of
    // CPU in a second, at most 2 min), so its on-CPU time per query is the searches' own.
    let waited = Instant::now();
    while waited.elapsed() < Duration::from_secs(120) {
        let idle = Meter::start(&[s.pid()]);
        tokio::time::sleep(Duration::from_secs(1)).await;
        if idle.stop().server_cpu < 0.02 {
            break;
        }
    }
    println!(
        "server idle after {:.0} s; fragments: common {common:?}, medium {medium:?}, rare: {} whole names",
        waited.elapsed().as_secs_f64(),
        rare.len()
    );
    for (scope, auth) in [("province", &root), ("county", &county)] {
        for (kind, frags) in [
            ("common (surname)", vec![common.clone()]),
            ("medium (given-name char)", vec![medium.clone()]),
            ("rare (whole name)", rare.clone()),
        ] {
            let path = |i: usize| {
                format!(
                    "/api/v1/volunteers?q={}&per_page=20",
                    encode(&frags[i % frags.len()])
                )
            };
            // Two unmeasured queries warm the page cache for this case.
            for i in 0..2 {
                c.get(&path(i), auth).await.expect("search");
            }
            let meter = Meter::start(&[s.pid()]);
            let mut lat = Vec::with_capacity(queries);
            let mut totals = Vec::new();
            for i in 0..queries {
                let t = Instant::now();
                let a = c.get(&path(i), auth).await.expect("search");
                lat.push(t.elapsed());
                assert_eq!(a.status, 200, "{}", a.text());
                totals.push(a.json()["total"].as_i64().unwrap_or(-1));
            }
            let m = meter.stop();
            totals.sort();
            println!(
                "FIGURE search {scope}, {kind}: {} (matches: median {}), server on-CPU per query {:.1} ms; {m}",
                latency_line(&mut lat),
                totals[totals.len() / 2],
                m.server_cpu * 1000.0 / queries as f64
            );
        }
    }
    s.stop();
}
