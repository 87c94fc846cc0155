//! Benchmark of the HTTP sign-up burst (issue 4): N distinct volunteers, each with their own
//! account and bearer token, sign themselves up for one activity of 500 places over 64
//! keep-alive connections on loopback. The server is the real router, started in-process on a
//! free port over a fresh SQLite file (synchronous=FULL, so every acknowledged sign-up is on
//! disk before its answer leaves).
//!
//! `cargo run --release --example bench_signup -- [waitlist|no-waitlist] [VOLUNTEERS] [CONNECTIONS]`
//!
//! Setup is not measured: the volunteers come in through the ledger-import use case; their
//! accounts and sessions are written in one transaction straight into the tables (argon2 for
//! 10,000 accounts would take minutes and is not what is measured). Only the burst is timed.
//! The client is a minimal HTTP/1.1 keep-alive writer/reader on its own thread, so it costs
//! the server as little CPU as possible on a 2-core machine.

/// The same allocator as the `zhiyuan` binary (mimalloc), so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zhiyuan_app::activities::NewActivity;
use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::teams::NewTeam;
use zhiyuan_app::{Actor, App, AppConfig};
use zhiyuan_domain::id_number::check_char;

const CAPACITY: i64 = 500;

fn id_number(i: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).expect("date")
        + chrono::Days::new((i / 1000) as u64 * 7);
    let first17 = format!("150525{}{:03}", day.format("%Y%m%d"), i % 1000);
    format!("{first17}{}", check_char(&first17))
}

fn ledger_csv(n: usize) -> Vec<u8> {
    let mut csv = zhiyuan_domain::recruitment::IMPORT_HEADERS.join(",") + "\n";
    for i in 0..n {
        let name = ["建国", "卫东", "志强", "海军", "红梅"][i % 5];
        csv.push_str(&format!("王{name},{},13{:09},是,否,\n", id_number(i), i));
    }
    csv.into_bytes()
}

fn rfc3339(offset_secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(offset_secs)).to_rfc3339()
}

/// Org, team, activity, N volunteers with accounts and live sessions. Returns the activity
/// id and (volunteer id, bearer token) pairs.
async fn setup(
    app: &App,
    db_path: &str,
    n: usize,
    waitlist: bool,
) -> (String, Vec<(String, String)>) {
    let system = Actor::system("bench");
    let org = app
        .create_org(
            &system,
            &NewOrg {
                name: "奈曼旗".to_owned(),
                level: "county".to_owned(),
                ..Default::default()
            },
        )
        .await
        .expect("org");
    let team = app
        .create_team(
            &system,
            &NewTeam {
                name: "奈曼旗退役军人志愿服务队".to_owned(),
                org_id: org.id.clone(),
                parent_team_id: None,
                echelon: "team".to_owned(),
                specialty: None,
            },
        )
        .await
        .expect("team");
    let activity = app
        .create_activity(
            &system,
            &NewActivity {
                title: "清明祭扫志愿服务".to_owned(),
                team_id: team.id.clone(),
                starts_at: rfc3339(86_400),
                ends_at: rfc3339(90_000),
                capacity: CAPACITY,
                waitlist: Some(waitlist),
                ..Default::default()
            },
        )
        .await
        .expect("activity")
        .remove(0);
    let org_path = app
        .store()
        .get_org(&org.id)
        .await
        .expect("org read")
        .expect("org row")
        .path;
    let report = app
        .import_volunteers(&system, &org.id, "ledger.csv", ledger_csv(n))
        .await
        .expect("import");
    assert_eq!(report.imported as usize, n, "{:?}", report.rejected.first());

    // Accounts and sessions in one transaction on a connection of our own.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{db_path}"))
        .await
        .expect("setup connection");
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM volunteers ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("volunteer ids");
    let now = chrono::Utc::now().timestamp_millis();
    let mut pairs = Vec::with_capacity(ids.len());
    let mut tx = conn.begin().await.expect("begin");
    for (i, (vid,)) in ids.into_iter().enumerate() {
        let uid = uuid::Uuid::now_v7().simple().to_string();
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, is_super, volunteer_id, \
             scope_org_path, disabled, created_at) VALUES ($1, $2, 'x', 'volunteer', FALSE, $3, $4, FALSE, $5)",
        )
        .bind(&uid)
        .bind(format!("v{i:05}"))
        .bind(&vid)
        .bind(&org_path)
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("user");
        let token = format!("bench-token-{i:05}-{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, 'c', $3, $4)",
        )
        .bind(zhiyuan_app::crypto::token_hash(&token))
        .bind(&uid)
        .bind(now)
        .bind(now + 3_600_000)
        .execute(&mut *tx)
        .await
        .expect("session");
        pairs.push((vid, token));
    }
    tx.commit().await.expect("commit");
    (activity.id, pairs)
}

/// One keep-alive connection: sends a request, reads exactly one response (Content-Length).
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn request(&mut self, req: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.stream.write_all(req).await?;
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + len {
                    let n = self.stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return Ok((status, self.buf[end + 4..end + 4 + len].to_vec()));
            }
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    confirmed: usize,
    waitlisted: usize,
    full: usize,
    other: Vec<String>,
}

async fn burst(
    addr: SocketAddr,
    activity: Arc<String>,
    pairs: Arc<Vec<(String, String)>>,
    connections: usize,
) -> (Tally, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..connections {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(Client {
            stream,
            buf: Vec::with_capacity(4096),
        });
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for mut c in clients {
        let (next, pairs, activity) = (next.clone(), pairs.clone(), activity.clone());
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((vid, token)) = pairs.get(i) else {
                    break;
                };
                let body = format!("{{\"volunteer_id\":\"{vid}\"}}");
                let req = format!(
                    "POST /api/v1/activities/{activity}/signups HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                     Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let sent = Instant::now();
                let (status, body) = c.request(req.as_bytes()).await.expect("request");
                t.latencies.push(sent.elapsed());
                let text = String::from_utf8_lossy(&body);
                match status {
                    201 if text.contains("\"status\":\"confirmed\"") => t.confirmed += 1,
                    201 if text.contains("\"status\":\"waitlisted\"") => t.waitlisted += 1,
                    409 if text.contains("activity_full") => t.full += 1,
                    _ => t.other.push(format!("{status} {text}")),
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await.expect("client task");
        all.latencies.extend(t.latencies);
        all.confirmed += t.confirmed;
        all.waitlisted += t.waitlisted;
        all.full += t.full;
        all.other.extend(t.other);
    }
    (all, start.elapsed())
}

/// CPU seconds (user, kernel) of every thread of this process alive now, by thread name
/// with digits dropped (`tokio-runtime-w`, `sqlx-sqlite-wor`, …), from `/proc/self/task`.
/// Threads that have exited are missing here but counted in [`process_cpu`].
fn cpu_by_thread_kind() -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name: String = stat[open + 1..close]
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect();
        let (user, kernel) = ticks(&stat[close + 1..]);
        let e = out.entry(name).or_insert((0.0, 0.0));
        e.0 += user;
        e.1 += kernel;
    }
    out
}

/// utime and stime (fields 14 and 15 of a `stat` line) in seconds, from the text after `)`.
fn ticks(after_name: &str) -> (f64, f64) {
    let f: Vec<&str> = after_name.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (get(11), get(12))
}

/// CPU seconds (user, kernel) of the whole process, exited threads included.
fn process_cpu() -> (f64, f64) {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| s.rfind(')').map(|c| ticks(&s[c + 1..])))
        .unwrap_or((0.0, 0.0))
}

/// The calling thread's own CPU seconds (`/proc/thread-self/schedstat`, nanoseconds).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1e9
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    // RUST_LOG=zhiyuan_app=debug shows each sign-up batch: its size and time.
    if std::env::var("RUST_LOG").is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args().collect();
    let waitlist = args.get(1).map(|a| a != "no-waitlist").unwrap_or(true);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let connections: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(64);

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("bench.db").display().to_string();
    let (addr, app, activity, pairs) = server_rt.block_on(async {
        let store = zhiyuan_store::connect(&format!("sqlite://{db_path}"))
            .await
            .expect("store");
        let app = App::new(
            store,
            AppConfig {
                secret_key_hex: "5a".repeat(32),
                session_hours: 12,
            },
        )
        .expect("app");
        let t = Instant::now();
        let (activity, pairs) = setup(&app, &db_path, n, waitlist).await;
        println!(
            "setup: {n} volunteers with accounts in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = zhiyuan_web::router(
            app.clone(),
            zhiyuan_web::WebConfig {
                session_hours: 12,
                ..Default::default()
            },
        );
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve")
        });
        (addr, app, activity, pairs)
    });

    // The client runs on its own thread and single-threaded runtime.
    let activity = Arc::new(activity);
    let pairs = Arc::new(pairs);
    let load_before = load_average();
    let (cpu_before, threads_before) = (process_cpu(), cpu_by_thread_kind());
    let (mut tally, elapsed, client_cpu) = {
        let (activity, pairs) = (activity.clone(), pairs.clone());
        std::thread::spawn(move || {
            let start = thread_cpu();
            let (tally, elapsed) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("client runtime")
                .block_on(burst(addr, activity, pairs, connections));
            (tally, elapsed, thread_cpu() - start)
        })
        .join()
        .expect("client thread")
    };
    let (cpu_after, threads_after) = (process_cpu(), cpu_by_thread_kind());
    tally.latencies.sort();
    let acknowledged = tally.confirmed + tally.waitlisted;
    println!(
        "burst: {n} sign-ups, {connections} keep-alive connections, waitlist {}",
        if waitlist { "on" } else { "off" }
    );
    println!(
        "  {:.2} s; {:.0} answers/s; {:.0} acknowledged (201) sign-ups/s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        acknowledged as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&tally.latencies, 0.50),
        percentile(&tally.latencies, 0.90),
        percentile(&tally.latencies, 0.99),
        percentile(&tally.latencies, 1.0)
    );
    println!(
        "  confirmed {}, waitlisted {}, full (409) {}, other {}",
        tally.confirmed,
        tally.waitlisted,
        tally.full,
        tally.other.len()
    );
    let user = cpu_after.0 - cpu_before.0;
    let kernel = cpu_after.1 - cpu_before.1;
    let server = user + kernel - client_cpu;
    println!(
        "  on-CPU: {:.2} s in all ({:.2} user, {:.2} kernel), client thread {:.2} s; \
         server {:.0} µs per sign-up ({:.0} % of 2 cores over the burst)",
        user + kernel,
        user,
        kernel,
        client_cpu,
        server / n as f64 * 1e6,
        (user + kernel) / elapsed.as_secs_f64() / 2.0 * 100.0
    );
    for (kind, (u, k)) in &threads_after {
        let (u0, k0) = threads_before.get(kind).copied().unwrap_or((0.0, 0.0));
        let (u, k) = (u - u0, k - k0);
        if u + k >= 0.01 {
            println!("    threads {kind:<16} user {u:.2} s, kernel {k:.2} s");
        }
    }
    println!(
        "  load average before: {load_before}; after: {}",
        load_average()
    );
    for o in tally.other.iter().take(5) {
        println!("  unexpected: {o}");
    }
    // What the database holds agrees with what was acknowledged.
    server_rt.block_on(async {
        let rows = app.store().signups_of(&activity).await.expect("signups");
        let confirmed = rows.iter().filter(|s| s.status == "confirmed").count();
        let waitlisted = rows.iter().filter(|s| s.status == "waitlisted").count();
        println!("  stored: confirmed {confirmed}, waitlisted {waitlisted}");
        assert_eq!(confirmed, tally.confirmed);
        assert_eq!(waitlisted, tally.waitlisted);
        assert_eq!(confirmed as i64, CAPACITY.min(n as i64));
        assert!(tally.other.is_empty(), "unexpected answers");
    });
}
