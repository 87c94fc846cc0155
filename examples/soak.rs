//! Soak test (issue 7, part 6): the release binary on a fresh demo database, a steady rate
//! of mixed traffic for `SOAK_SECONDS`, latency percentiles and the server's RSS per window.
//! Fails (exit 1) on any error answer or when RSS grows by more than `SOAK_MAX_GROWTH_MB`
//! after the first window (warm-up). Run through `scripts/soak`.
//!
//! Mix per 20 requests: 4 activity lists, 4 volunteer searches, 2 org stats, 2 sign-up lists,
//! 4 sign-ups (201, waitlisted past capacity), 2 officer attendance records (签到签退), 1 ledger
//! xlsx, 1 statistics report xlsx. Open loop: requests start on the clock, whatever the
//! answers take, so a slow server shows as latency, not as a lower rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
const OPS: [&str; 20] = [
    "list", "search", "signup", "list", "search", "stats", "signup", "attend", "signups", "ledger",
    "list", "search", "signup", "stats", "list", "search", "signup", "attend", "signups", "report",
];

/// One answered request: its kind, latency in ms and HTTP status.
type Sample = (&'static str, f64, u16);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One request on a fresh connection; (status, body). Status 0 when the exchange failed.
async fn call(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Vec<u8>) {
    let run = async {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await?;
        std::io::Result::Ok(raw)
    };
    let Ok(raw) = run.await else {
        return (0, Vec::new());
    };
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, raw.get(end + 4..).unwrap_or(&[]).to_vec())
}

async fn json_call(port: u16, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let (s, b) = call(port, method, path, token, body).await;
    let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
    assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
    v
}

fn rfc3339(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms).expect("time");
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+8"))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

struct World {
    port: u16,
    token: String,
    org: String,
    team: String,
    volunteers: Vec<String>,
    /// The activity that has started, where the officer records attendance.
    checkin: (String, i64),
    signups: tokio::sync::Mutex<(String, usize)>,
    attended: std::sync::atomic::AtomicUsize,
}

async fn new_activity(port: u16, token: &str, team: &str, starts_at: i64, capacity: i64) -> String {
    let body = json!({"title": "社区巡访", "team_id": team, "starts_at": rfc3339(starts_at),
        "ends_at": rfc3339(starts_at + 6 * 3_600_000), "capacity": capacity, "waitlist": true});
    let a = json_call(port, "POST", "/api/v1/activities", token, Some(body)).await;
    a["id"].as_str().expect("activity id").to_owned()
}

async fn setup(port: u16) -> World {
    let (_, b) = call(
        port,
        "POST",
        "/api/v1/auth/login",
        "",
        Some(json!({"username": "county", "password": "Demo-2026"})),
    )
    .await;
    let login: Value = serde_json::from_slice(&b).expect("login answer");
    let token = login["token"].as_str().expect("token").to_owned();
    let org = login["user"]["org_id"]
        .as_str()
        .expect("county org")
        .to_owned();
    let teams = json_call(
        port,
        "GET",
        &format!("/api/v1/orgs/{org}/teams"),
        &token,
        None,
    )
    .await;
    let team = teams["items"]
        .get(0)
        .or(teams.get(0))
        .and_then(|t| t["id"].as_str())
        .expect("a team of the county")
        .to_owned();
    let mut all = Vec::new();
    for page in 1..=5 {
        let l = json_call(
            port,
            "GET",
            &format!("/api/v1/volunteers?per_page=200&page={page}"),
            &token,
            None,
        )
        .await;
        let items = l["items"].as_array().cloned().unwrap_or_default();
        all.extend(
            items
                .iter()
                .filter_map(|v| v["id"].as_str().map(str::to_owned)),
        );
        if items.len() < 200 {
            break;
        }
    }
    // Everyone who may join signs up for the attendance activity before it starts.
    let start = now_ms() + 8_000;
    let checkin = new_activity(port, &token, &team, start, 1000).await;
    // Only the team's members may join its activity; the others are refused with a reason,
    // counted here so a refusal for any other cause shows up in the output.
    let mut volunteers = Vec::new();
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    for v in all {
        let (s, b) = call(
            port,
            "POST",
            &format!("/api/v1/activities/{checkin}/signups"),
            &token,
            Some(json!({"volunteer_id": v})),
        )
        .await;
        if s == 201 {
            volunteers.push(v);
        } else {
            let code =
                serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null)["error"]["code"].clone();
            *refused.entry(format!("{s} {code}")).or_default() += 1;
        }
    }
    assert!(!volunteers.is_empty(), "no volunteer could sign up");
    println!(
        "sign-ups for the check-in activity: {} in, refused {refused:?}",
        volunteers.len()
    );
    let wait = start + 3_000 - now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    let first = new_activity(port, &token, &team, now_ms() + 86_400_000, 50).await;
    World {
        port,
        token,
        org,
        team,
        volunteers,
        checkin: (checkin, start),
        signups: tokio::sync::Mutex::new((first, 0)),
        attended: Default::default(),
    }
}

/// One operation of the mix; (status, what was done). Status 0: no answer.
async fn operate(w: &World, op: &str, n: u64) -> u16 {
    let (p, t) = (w.port, w.token.as_str());
    let q = ["王", "李", "张", "刘"][n as usize % 4];
    match op {
        "list" => {
            call(p, "GET", "/api/v1/activities?per_page=50", t, None)
                .await
                .0
        }
        "search" => {
            call(
                p,
                "GET",
                &format!("/api/v1/volunteers?q={}", urlencode(q)),
                t,
                None,
            )
            .await
            .0
        }
        "stats" => {
            call(p, "GET", &format!("/api/v1/orgs/{}/stats", w.org), t, None)
                .await
                .0
        }
        "signups" => {
            call(
                p,
                "GET",
                &format!("/api/v1/activities/{}/signups", w.checkin.0),
                t,
                None,
            )
            .await
            .0
        }
        "ledger" => {
            call(
                p,
                "GET",
                &format!("/api/v1/orgs/{}/ledger.xlsx", w.org),
                t,
                None,
            )
            .await
            .0
        }
        "report" => {
            call(
                p,
                "GET",
                &format!("/api/v1/orgs/{}/reports/volunteers.xlsx", w.org),
                t,
                None,
            )
            .await
            .0
        }
        "signup" => {
            let (activity, v) = {
                let mut s = w.signups.lock().await;
                if s.1 == w.volunteers.len() {
                    *s = (
                        new_activity(p, t, &w.team, now_ms() + 86_400_000, 50).await,
                        0,
                    );
                }
                s.1 += 1;
                (s.0.clone(), w.volunteers[s.1 - 1].clone())
            };
            call(
                p,
                "POST",
                &format!("/api/v1/activities/{activity}/signups"),
                t,
                Some(json!({"volunteer_id": v})),
            )
            .await
            .0
        }
        _ => {
            // Three check-in/check-out cycles per volunteer (the daily limit), then reads.
            let k = w.attended.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let cycle = (k / w.volunteers.len()) as i64;
            if cycle >= 3 {
                return call(p, "GET", "/api/v1/activities?per_page=50", t, None)
                    .await
                    .0;
            }
            let v = &w.volunteers[k % w.volunteers.len()];
            let base = w.checkin.1 + cycle * 1_000;
            call(
                p,
                "POST",
                &format!("/api/v1/activities/{}/attendance", w.checkin.0),
                t,
                Some(
                    json!({"volunteer_id": v, "checked_in_at": rfc3339(base + 1),
                    "checked_out_at": rfc3339(base + 600)}),
                ),
            )
            .await
            .0
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let seconds = env_num("SOAK_SECONDS", 600);
    let rate = env_num("SOAK_RATE", 40).max(1);
    let window = env_num("SOAK_WINDOW", 60).max(1);
    let max_growth_mb = env_num("SOAK_MAX_GROWTH_MB", 64);
    let bin = std::env::var("ZHIYUAN_BIN").unwrap_or_else(|_| "target/release/zhiyuan".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let db = format!("sqlite://{}", dir.path().join("soak.db").display());
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
    let mut server = tokio::process::Command::new(&bin)
        .args([
            "serve",
            "--demo",
            "--db",
            &db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("ZHIYUAN_SECRET_KEY", KEY)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {bin}: {e}"));
    let pid = server.id().expect("pid");
    for _ in 0..600 {
        if call(port, "GET", "/healthz", "", None).await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let w = Arc::new(setup(port).await);
    println!("soak: {seconds} s at {rate} req/s, windows of {window} s, {} volunteers, server pid {pid}, RSS after setup {} MiB",
        w.volunteers.len(), rss_kib(pid) / 1024);
    println!("| window | requests | errors | p50 ms | p95 ms | p99 ms | max ms | writes p99 ms | xlsx p99 ms | RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut n, mut next_window, mut errors_total) = (0u64, window, 0usize);
    let mut rss_series = Vec::new();
    while start.elapsed().as_secs() < seconds {
        tick.tick().await;
        let op = OPS[n as usize % OPS.len()];
        let (w, sink) = (w.clone(), samples.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let status = operate(&w, op, n).await;
            sink.lock()
                .expect("samples")
                .push((op, t.elapsed().as_secs_f64() * 1e3, status));
        });
        n += 1;
        if start.elapsed().as_secs() >= next_window {
            let got: Vec<_> = std::mem::take(&mut *samples.lock().expect("samples"));
            let rss = rss_kib(pid) / 1024;
            rss_series.push(rss);
            errors_total += report(next_window / window, &got, rss);
            next_window += window;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got: Vec<_> = std::mem::take(&mut *samples.lock().expect("samples"));
    if !got.is_empty() {
        let rss = rss_kib(pid) / 1024;
        rss_series.push(rss);
        errors_total += report(next_window / window, &got, rss);
    }
    let alive = server.try_wait().ok().flatten().is_none();
    let _ = server.start_kill();
    let growth = rss_series.last().copied().unwrap_or(0) as i64
        - rss_series.first().copied().unwrap_or(0) as i64;
    println!("soak: {n} requests, {errors_total} errors, RSS first window {} MiB → last {} MiB (growth {growth} MiB, limit {max_growth_mb})",
        rss_series.first().copied().unwrap_or(0), rss_series.last().copied().unwrap_or(0));
    if errors_total > 0 || growth > max_growth_mb as i64 || !alive {
        eprintln!(
            "soak: FAILED (server log: {})",
            dir.path().join("server.log").display()
        );
        let _ = dir.keep();
        std::process::exit(1);
    }
    println!("soak: passed");
}

/// Prints one window's row; returns its error count (anything but 2xx, or no answer).
fn report(index: u64, got: &[(&str, f64, u16)], rss: u64) -> usize {
    let sorted = |f: &dyn Fn(&str) -> bool| {
        let mut v: Vec<f64> = got.iter().filter(|s| f(s.0)).map(|s| s.1).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let all = sorted(&|_| true);
    let writes = sorted(&|op| op == "signup" || op == "attend");
    let xlsx = sorted(&|op| op == "ledger" || op == "report");
    let errors: Vec<_> = got.iter().filter(|s| !(200..300).contains(&s.2)).collect();
    for e in errors.iter().take(5) {
        eprintln!("  error: {} answered {}", e.0, e.2);
    }
    println!(
        "| {index} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {rss} |",
        all.len(),
        errors.len(),
        pct(&all, 0.5),
        pct(&all, 0.95),
        pct(&all, 0.99),
        all.last().copied().unwrap_or(0.0),
        pct(&writes, 0.99),
        pct(&xlsx, 0.99)
    );
    errors.len()
}
