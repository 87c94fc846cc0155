//! The volunteer's page of open activities (`GET /activities/open`, cookie session) and its API
//! twin (`GET /api/v1/activities` with the volunteer's bearer token) under closed-loop load,
//! from MANY volunteers: each of `--volunteers` (default 1,000) has their own account and
//! session, and every connection rotates through them, so neither sessions nor pages are
//! answered for one person only.
//!
//! Setup (not timed): picks the volunteers in one county (or the demo county), unit members
//! first; publishes future activities in the units of that county and of the levels above it
//! (every volunteer sees those) and in units inside it (only their members and localities
//! below see those), until there are `--activities` (default 40) visible to everyone; signs
//! every fourth volunteer up for one. Accounts and sessions are written straight into the
//! database (argon2 for a thousand logins would take minutes). What each volunteer should see
//! is counted by an independent SQL query (their locality and the orgs above, their units and
//! the units above), and the load checks every answer against it: the number of cards and of
//! "my place" marks on the page, `total` in the API. `--one-volunteer` adds a run with one
//! volunteer on every connection (the earlier figures' way).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::activities::NewActivity;
use zhiyuan_app::crypto::{hash_password, random_token, token_hash};
use zhiyuan_app::Actor;
use zhiyuan_store::{SessionRow, UserRow};

use crate::http::{Client, Meter};
use crate::load::LoadResult;
use crate::server::{self, Db, Server, Val};

pub struct OpenArgs {
    pub db_url: String,
    pub demo: bool,
    pub target: usize,
    pub connections: usize,
    pub seconds: u64,
}

/// The org paths above and including `path` ("/a/b/" → ["/a/", "/a/b/"]).
fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::from("/");
    for part in path.split('/').filter(|p| !p.is_empty()) {
        acc.push_str(part);
        acc.push('/');
        out.push(acc.clone());
    }
    out
}

/// The smallest path above every path starting with `p` ("/a/" → "/a0").
fn upper(p: &str) -> String {
    let mut s = p.trim_end_matches('/').to_owned();
    s.push('0');
    s
}

/// One bench volunteer: their session token and what their page must show.
struct Person {
    volunteer_id: String,
    org_path: String,
    team_paths: Vec<String>,
    token: String,
    cards: usize,
    mine: usize,
}

fn how_many_volunteers() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--volunteers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Up to `n` active volunteers of the county of the first unit member found (unit members
/// first), with their org paths.
async fn pick_volunteers(db: &Db, n: usize) -> Vec<(String, String)> {
    let anchor = db
        .one(
            "SELECT o.path FROM volunteers v JOIN orgs o ON o.id = v.org_id \
             WHERE v.status = 'active' \
               AND EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = v.id) \
             ORDER BY v.id LIMIT 1",
            &[],
        )
        .await
        .or(db
            .one(
                "SELECT o.path FROM volunteers v JOIN orgs o ON o.id = v.org_id \
                 WHERE v.status = 'active' ORDER BY v.id LIMIT 1",
                &[],
            )
            .await)
        .expect("an active volunteer")[0]
        .clone();
    let anc = ancestors(&anchor);
    let area = anc[anc.len().min(3) - 1].clone();
    let mut out = Vec::new();
    for members in [true, false] {
        let rows = db
            .rows(
                &format!(
                    "SELECT v.id, o.path FROM volunteers v JOIN orgs o ON o.id = v.org_id \
                     WHERE v.status = 'active' AND o.path >= $1 AND o.path < $2 AND {} \
                     (SELECT 1 FROM team_members m WHERE m.volunteer_id = v.id) \
                     ORDER BY v.id LIMIT $3",
                    if members { "EXISTS" } else { "NOT EXISTS" }
                ),
                &[
                    Val::S(area.clone()),
                    Val::S(upper(&area)),
                    Val::I((n - out.len()) as i64),
                ],
            )
            .await;
        out.extend(rows.into_iter().map(|r| (r[0].clone(), r[1].clone())));
        if out.len() >= n {
            break;
        }
    }
    out
}

/// Team ids at `org_paths` (exact paths), up to `limit` each.
async fn teams_at(db: &Db, org_paths: &[String], limit: i64) -> Vec<String> {
    let mut out = Vec::new();
    for p in org_paths {
        for r in db
            .rows(
                "SELECT t.id FROM teams t JOIN orgs o ON o.id = t.org_id WHERE o.path = $1 \
                 ORDER BY t.id LIMIT $2",
                &[Val::S(p.clone()), Val::I(limit)],
            )
            .await
        {
            out.push(r[0].clone());
        }
    }
    out
}

async fn create(app: &zhiyuan_app::App, teams: &[String], from: usize, to: usize, tag: &str) {
    let system = Actor::system("bench");
    for i in from..to {
        let start = chrono::Utc::now() + chrono::Duration::days(3 + (i % 60) as i64);
        app.create_activity(
            &system,
            &NewActivity {
                title: format!("社区志愿服务（测试{tag}{i}）"),
                team_id: teams[i % teams.len()].clone(),
                starts_at: start.to_rfc3339(),
                ends_at: (start + chrono::Duration::hours(3)).to_rfc3339(),
                capacity: 30,
                waitlist: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("activity: {e:?}"));
    }
}

/// `(SELECT … WHERE x IN ($n, …))` marks for a list of binds starting at `$first`.
fn marks(first: usize, n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `p` must see: open activities (capped at 200) and their live sign-ups among them,
/// counted straight in SQL.
async fn expected(db: &Db, p: &Person, now: i64) -> (usize, usize) {
    let orgs = ancestors(&p.org_path);
    let teams: Vec<String> = p.team_paths.iter().flat_map(|t| ancestors(t)).collect();
    let mut cond = format!("a.org_path IN ({})", marks(2, orgs.len()));
    if !teams.is_empty() {
        cond.push_str(&format!(
            " OR a.team_path IN ({})",
            marks(2 + orgs.len(), teams.len())
        ));
    }
    let mut binds = vec![Val::I(now)];
    binds.extend(orgs.iter().chain(&teams).map(|s| Val::S(s.clone())));
    let n = db
        .one(
            &format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM activities a WHERE a.status = 'published' \
                 AND a.ends_at > $1 AND ({cond})"
            ),
            &binds,
        )
        .await
        .expect("count")[0]
        .parse::<usize>()
        .expect("a number");
    binds.push(Val::S(p.volunteer_id.clone()));
    let vmark = 2 + orgs.len() + teams.len();
    let mine = db
        .one(
            &format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM activities a JOIN signups s \
                 ON s.activity_id = a.id AND s.volunteer_id = ${vmark} \
                 AND s.status <> 'cancelled' WHERE a.status = 'published' \
                 AND a.ends_at > $1 AND ({cond})"
            ),
            &binds,
        )
        .await
        .expect("count")[0]
        .parse::<usize>()
        .expect("a number");
    (n.min(200), mine)
}

async fn setup(db_url: &str, target: usize, n: usize) -> Vec<Person> {
    let db = Db::open(db_url).await;
    let app = server::app(db_url).await;
    let picked = pick_volunteers(&db, n).await;
    assert!(!picked.is_empty(), "no volunteers");
    // Units at the volunteers' localities and the levels above (seen by everyone below
    // them), and the units they are members of.
    let mut orgs: Vec<String> = picked.iter().flat_map(|(_, p)| ancestors(p)).collect();
    orgs.sort();
    orgs.dedup();
    let mut teams = teams_at(&db, &orgs, 10).await;
    for (vid, _) in picked.iter().take(200) {
        for r in db
            .rows(
                "SELECT team_id FROM team_members WHERE volunteer_id = $1",
                &[Val::S(vid.clone())],
            )
            .await
        {
            teams.push(r[0].clone());
        }
    }
    teams.sort();
    teams.dedup();
    teams.truncate(80);
    assert!(!teams.is_empty(), "no unit the volunteers may join");
    let made: usize = db
        .one(
            "SELECT CAST(COUNT(*) AS TEXT) FROM activities \
             WHERE title LIKE '社区志愿服务（测试%' AND status = 'published'",
            &[],
        )
        .await
        .map(|r| r[0].parse().unwrap_or(0))
        .unwrap_or(0);
    if made == 0 {
        // About `target` / 4 per unit, so a volunteer in reach of a few units sees dozens.
        create(&app, &teams, 0, teams.len() * target.div_ceil(4), "").await;
    }
    // Accounts and sessions, straight into the database.
    let hash = hash_password(server::PASSWORD);
    let now = chrono::Utc::now().timestamp_millis();
    let mut people = Vec::new();
    for (i, (vid, org_path)) in picked.iter().enumerate() {
        let username = format!("bench_v{i}");
        let user = match app
            .store()
            .get_user_by_username(&username)
            .await
            .expect("user")
        {
            Some(u) if u.volunteer_id.as_deref() == Some(vid.as_str()) => u,
            Some(u) => panic!("{username} belongs to {:?}", u.volunteer_id),
            None => {
                let u = UserRow {
                    id: uuid::Uuid::now_v7().simple().to_string(),
                    username,
                    password_hash: hash.clone(),
                    role: "volunteer".into(),
                    is_super: false,
                    org_id: None,
                    team_id: None,
                    volunteer_id: Some(vid.clone()),
                    scope_org_path: org_path.clone(),
                    disabled: false,
                    created_at: now,
                    person_name: None,
                };
                app.store()
                    .insert_user(&u, None)
                    .await
                    .expect("insert user");
                u
            }
        };
        let token = random_token();
        app.store()
            .insert_session(&SessionRow {
                token_hash: token_hash(&token),
                user_id: user.id.clone(),
                csrf_token: random_token(),
                created_at: now,
                expires_at: now + 12 * 3_600_000,
            })
            .await
            .expect("session");
        let team_paths = db
            .rows(
                "SELECT t.path FROM team_members m JOIN teams t ON t.id = m.team_id \
                 WHERE m.volunteer_id = $1",
                &[Val::S(vid.clone())],
            )
            .await
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        people.push(Person {
            volunteer_id: vid.clone(),
            org_path: org_path.clone(),
            team_paths,
            token,
            cards: 0,
            mine: 0,
        });
    }
    // Every fourth volunteer signs up for one open activity (unless they hold one already).
    let system = Actor::system("bench");
    for (i, p) in people.iter().enumerate().step_by(4) {
        let mut actor = Actor::system("bench");
        actor.volunteer_id = Some(p.volunteer_id.clone());
        let open = app.open_activities(&actor).await.expect("open activities");
        let signed = db
            .one(
                "SELECT CAST(COUNT(*) AS TEXT) FROM signups s JOIN activities a \
                 ON a.id = s.activity_id AND a.status = 'published' \
                 WHERE s.volunteer_id = $1 AND s.status <> 'cancelled'",
                &[Val::S(p.volunteer_id.clone())],
            )
            .await
            .map(|r| r[0] != "0")
            .unwrap_or(false);
        if let (Some(a), false) = (open.get(i % open.len().max(1)), signed) {
            let input = NewSignup {
                volunteer_id: p.volunteer_id.clone(),
                walk_in: false,
            };
            if let Err(e) = app.sign_up(&system, &a.id, &input).await {
                println!("  (sign-up refused: {})", e.message);
            }
        }
    }
    let now = chrono::Utc::now().timestamp_millis();
    for p in people.iter_mut() {
        let (cards, mine) = expected(&db, p, now).await;
        p.cards = cards;
        p.mine = mine;
    }
    let (lo, hi) = (
        people.iter().map(|p| p.cards).min().unwrap_or(0),
        people.iter().map(|p| p.cards).max().unwrap_or(0),
    );
    println!(
        "setup: {} volunteers ({} of them unit members), {} units, {lo}–{hi} open activities \
         each, {} with a sign-up among them",
        people.len(),
        people.iter().filter(|p| !p.team_paths.is_empty()).count(),
        teams.len(),
        people.iter().filter(|p| p.mine > 0).count()
    );
    db.close().await;
    people
}

/// A request and how to tell its answer is right.
struct Probe {
    request: Vec<u8>,
    /// Page: the number of cards and of own-place marks; API: the `"total":N` text.
    check: Check,
}

enum Check {
    Page { cards: usize, mine: usize },
    Api(String),
}

fn right(check: &Check, status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    match check {
        Check::Page { cards, mine } => {
            text.matches("class=\"card open-activity\"").count() == *cards
                && text.matches("my-place").count() == *mine
        }
        Check::Api(total) => text.contains(total.as_str()),
    }
}

/// Closed loop over `connections` keep-alive connections, each rotating through the probes.
fn rotate(
    addr: SocketAddr,
    probes: Vec<Probe>,
    connections: usize,
    warm: Duration,
    measure: Duration,
    pids: &[u32],
) -> LoadResult {
    let pids = pids.to_vec();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime")
            .block_on(async move {
                let probes = Arc::new(probes);
                let mut clients = Vec::new();
                for _ in 0..connections {
                    clients.push(Client::connect(addr).await.expect("connect"));
                }
                let (clients, _) = phase(clients, &probes, 0, warm).await;
                let meter = Meter::start(&pids);
                let (_, tallies) = phase(clients, &probes, 7, measure).await;
                let meter = meter.stop();
                let mut out = LoadResult {
                    answers: 0,
                    errors: Vec::new(),
                    failed: 0,
                    latencies: Vec::new(),
                    meter,
                };
                for mut t in tallies {
                    out.answers += t.0.len();
                    out.latencies.append(&mut t.0);
                    out.errors.append(&mut t.1);
                    out.failed += t.2;
                }
                out
            })
    })
    .join()
    .expect("client thread")
}

type Tally = (Vec<Duration>, Vec<String>, usize);

async fn phase(
    clients: Vec<Client>,
    probes: &Arc<Vec<Probe>>,
    offset: usize,
    length: Duration,
) -> (Vec<Client>, Vec<Tally>) {
    let deadline = Instant::now() + length;
    let n = clients.len();
    let mut tasks = Vec::new();
    for (c_no, mut c) in clients.into_iter().enumerate() {
        let probes = probes.clone();
        tasks.push(tokio::spawn(async move {
            let mut t: Tally = (Vec::new(), Vec::new(), 0);
            let mut k = c_no + offset;
            while Instant::now() < deadline {
                let p = &probes[k % probes.len()];
                k += n;
                let sent = Instant::now();
                let a = c.raw(&p.request).await.expect("connection failed");
                t.0.push(sent.elapsed());
                if !right(&p.check, a.status, &a.body) {
                    t.2 += 1;
                    if t.1.len() < 3 {
                        t.1.push(format!(
                            "{} {}",
                            a.status,
                            a.text().chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
            (c, t)
        }));
    }
    let mut clients = Vec::new();
    let mut tallies = Vec::new();
    for task in tasks {
        let (c, t) = task.await.expect("client task");
        clients.push(c);
        tallies.push(t);
    }
    (clients, tallies)
}

pub async fn run(a: OpenArgs) {
    if a.demo {
        // Loads the demo county into the (empty) database, then stops.
        let (s, took) = Server::start(&a.db_url, &["--demo"]).await;
        println!("demo loaded in {:.1} s", took.as_secs_f64());
        s.stop();
    }
    let people = setup(&a.db_url, a.target, how_many_volunteers()).await;
    let (server, took) = Server::start(&a.db_url, &[]).await;
    println!("server healthy after {:.2} s", took.as_secs_f64());
    // Start-up work in the background (the candidate index reads every volunteer: tens of
    // seconds on a province) would otherwise be measured as page cost: wait until the server
    // is idle.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(300) {
        let before = crate::http::process_cpu(server.pid());
        tokio::time::sleep(Duration::from_secs(1)).await;
        if crate::http::process_cpu(server.pid()) - before < 0.05 {
            break;
        }
    }
    println!(
        "server idle after {:.1} s more (background start-up work)",
        settle.elapsed().as_secs_f64()
    );
    let first = &people[0];
    let mut c = Client::connect(server.addr).await.expect("connect");
    let page = c
        .get("/activities/open", &crate::http::cookie(&first.token))
        .await
        .expect("page");
    let cards = page.text().matches("class=\"card open-activity\"").count();
    println!(
        "page of the first volunteer: {} bytes, {cards} activity cards (status {})",
        page.body.len(),
        page.status
    );
    assert_eq!(page.status, 200);
    assert_eq!(cards, first.cards, "every open activity is on the page");
    let api = c
        .get("/api/v1/activities", &crate::http::bearer(&first.token))
        .await
        .expect("api");
    println!(
        "api: {} bytes, total {}",
        api.body.len(),
        api.json()["total"]
    );
    let pages: Vec<Probe> = people
        .iter()
        .map(|p| Probe {
            request: crate::http::get_request("/activities/open", &crate::http::cookie(&p.token))
                .into_bytes(),
            check: Check::Page {
                cards: p.cards,
                mine: p.mine,
            },
        })
        .collect();
    let apis: Vec<Probe> = people
        .iter()
        .map(|p| Probe {
            request: crate::http::get_request("/api/v1/activities", &crate::http::bearer(&p.token))
                .into_bytes(),
            check: Check::Api(format!("\"total\":{}", p.cards)),
        })
        .collect();
    let pids = [server.pid()];
    let warm = Duration::from_secs(2);
    let secs = Duration::from_secs(a.seconds);
    println!(
        "load: {} keep-alive connections rotating over {} volunteers, {} s each (after 2 s \
         warm-up); every answer checked against that volunteer's expected cards",
        a.connections,
        people.len(),
        a.seconds
    );
    let mut r = rotate(server.addr, pages, a.connections, warm, secs, &pids);
    r.print("GET /activities/open (page, cookie)", a.connections);
    let page_rate = r.rate();
    let page_failed = r.failed;
    let mut r = rotate(server.addr, apis, a.connections, warm, secs, &pids);
    r.print("GET /api/v1/activities (API, bearer)", a.connections);
    if std::env::args().any(|a| a == "--one-volunteer") {
        // The earlier figures' way, for comparison: one volunteer on every connection.
        let mut r = crate::load::run(
            server.addr,
            crate::http::get_request("/activities/open", &crate::http::cookie(&first.token)),
            "open-activity".to_owned(),
            a.connections,
            warm,
            secs,
            &pids,
        );
        r.print("GET /activities/open (page, one volunteer)", a.connections);
    }
    println!(
        "FIGURE open-activities page: {page_rate:.0} req/s at {} connections, {} volunteers \
         (aim ≥ 5,000) {}",
        a.connections,
        people.len(),
        if page_rate >= 5000.0 && page_failed == 0 {
            "MET"
        } else {
            "NOT MET"
        }
    );
    server.stop();
}
