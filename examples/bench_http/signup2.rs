//! The sign-up burst with two `zhiyuan serve` processes on one database (PostgreSQL: the
//! multi-instance deployment): N volunteers each sign themselves up for one activity of 500
//! places, the connections split evenly over both servers. Afterwards the database must hold
//! exactly the acknowledged sign-ups, with confirmed ≤ capacity.
//!
//! The database is made fresh: a PostgreSQL admin URL gets a new `bench_suite_signup` database
//! beside it; a `sqlite://PATH` must not exist yet. Setup is as in `examples/bench_signup.rs`:
//! the volunteers come in through the import use case; accounts and sessions are written
//! straight into the tables (argon2 for 10,000 accounts is not what is measured).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zhiyuan_app::activities::NewActivity;
use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::teams::NewTeam;
use zhiyuan_app::Actor;
use zhiyuan_domain::id_number::check_char;

use crate::http::{latency_line, Client, Meter};
use crate::server::{self, Db, Server, Val};

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

/// Org, unit, activity and N volunteers with accounts and live sessions; answers the activity
/// id and (volunteer id, bearer token) pairs.
async fn setup(db_url: &str, n: usize) -> (String, Vec<(String, String)>) {
    let app = server::app(db_url).await;
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
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let activity = app
        .create_activity(
            &system,
            &NewActivity {
                title: "清明祭扫志愿服务".to_owned(),
                team_id: team.id.clone(),
                starts_at: start.to_rfc3339(),
                ends_at: (start + chrono::Duration::hours(2)).to_rfc3339(),
                capacity: CAPACITY,
                waitlist: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("activity")
        .remove(0);
    let report = app
        .import_volunteers(&system, &org.id, "ledger.csv", ledger_csv(n))
        .await
        .expect("import");
    assert_eq!(report.imported as usize, n, "{:?}", report.rejected.first());
    let org_path = app
        .store()
        .get_org(&org.id)
        .await
        .expect("org read")
        .expect("org row")
        .path;
    drop(app);
    let db = Db::open(db_url).await;
    let ids = db.rows("SELECT id FROM volunteers ORDER BY id", &[]).await;
    let now = chrono::Utc::now().timestamp_millis();
    let mut pairs = Vec::with_capacity(ids.len());
    let mut stmts = Vec::with_capacity(ids.len() * 2);
    for (i, r) in ids.into_iter().enumerate() {
        let vid = r[0].clone();
        let uid = uuid::Uuid::now_v7().simple().to_string();
        let token = format!("bench-token-{i:05}-{}", uuid::Uuid::new_v4().simple());
        stmts.push((
            "INSERT INTO users (id, username, password_hash, role, is_super, volunteer_id, \
             scope_org_path, disabled, created_at) \
             VALUES ($1, $2, 'x', 'volunteer', FALSE, $3, $4, FALSE, $5)",
            vec![
                Val::S(uid.clone()),
                Val::S(format!("v{i:05}")),
                Val::S(vid.clone()),
                Val::S(org_path.clone()),
                Val::I(now),
            ],
        ));
        stmts.push((
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, 'c', $3, $4)",
            vec![
                Val::S(zhiyuan_app::crypto::token_hash(&token)),
                Val::S(uid),
                Val::I(now),
                Val::I(now + 3_600_000),
            ],
        ));
        pairs.push((vid, token));
    }
    db.exec_all(stmts).await;
    db.close().await;
    (activity.id, pairs)
}

/// Per volunteer: "confirmed", "waitlisted" or "full" as answered.
type Answers = HashMap<String, &'static str>;

async fn burst(
    addrs: [SocketAddr; 2],
    activity: &str,
    pairs: Arc<Vec<(String, String)>>,
    connections: usize,
) -> (Answers, Vec<Duration>, Vec<String>) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for k in 0..connections {
        let mut c = Client::connect(addrs[k % 2]).await.expect("connect");
        let (next, pairs, activity) = (next.clone(), pairs.clone(), activity.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut lat = Vec::new();
            let mut other = Vec::new();
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
                let sent = std::time::Instant::now();
                let a = c.raw(req.as_bytes()).await.expect("request");
                lat.push(sent.elapsed());
                let text = a.text();
                let kind = match a.status {
                    201 if text.contains("\"status\":\"confirmed\"") => "confirmed",
                    201 if text.contains("\"status\":\"waitlisted\"") => "waitlisted",
                    409 if text.contains("activity_full") => "full",
                    _ => {
                        other.push(format!("{} {text}", a.status));
                        continue;
                    }
                };
                answers.push((vid.clone(), kind));
            }
            (answers, lat, other)
        }));
    }
    let mut all = Answers::new();
    let mut lat = Vec::new();
    let mut other = Vec::new();
    for t in tasks {
        let (a, l, o) = t.await.expect("client task");
        all.extend(a);
        lat.extend(l);
        other.extend(o);
    }
    (all, lat, other)
}

pub async fn run(db_url: &str, n: usize, connections: usize) {
    let db_url = if db_url.starts_with("postgres") {
        server::fresh_pg_database(db_url, "bench_suite_signup").await
    } else {
        let path = db_url.trim_start_matches("sqlite://");
        assert!(
            !std::path::Path::new(path).exists(),
            "{path} exists: signup2 needs a fresh database"
        );
        db_url.to_owned()
    };
    let t = std::time::Instant::now();
    let (activity, pairs) = setup(&db_url, n).await;
    println!(
        "setup: {n} volunteers with accounts in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (a, _) = Server::start(&db_url, &[]).await;
    let (b, _) = Server::start(&db_url, &[]).await;
    let pairs = Arc::new(pairs);
    let meter = Meter::start(&[a.pid(), b.pid()]);
    let (answers, mut lat, other) = burst([a.addr, b.addr], &activity, pairs, connections).await;
    let m = meter.stop();
    a.stop();
    b.stop();
    let count = |k: &str| answers.values().filter(|v| **v == k).count();
    let (confirmed, waitlisted, full) = (count("confirmed"), count("waitlisted"), count("full"));
    println!("burst: {n} sign-ups over {connections} connections, half to each of 2 servers");
    println!(
        "  {:.0} acknowledged sign-ups/s; latency {}",
        (confirmed + waitlisted) as f64 / m.wall,
        latency_line(&mut lat)
    );
    println!("  {m} (both servers' CPU)");
    println!(
        "  answered: confirmed {confirmed}, waitlisted {waitlisted}, full {full}, other {}",
        other.len()
    );
    for o in other.iter().take(5) {
        println!("  unexpected: {o}");
    }
    // The database holds exactly what was acknowledged.
    let db = Db::open(&db_url).await;
    let stored: HashMap<String, String> = db
        .rows(
            "SELECT volunteer_id, status FROM signups WHERE activity_id = $1",
            &[Val::S(activity.clone())],
        )
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let row = db
        .one(
            "SELECT CAST(confirmed AS TEXT), CAST(capacity AS TEXT) FROM activities WHERE id = $1",
            &[Val::S(activity.clone())],
        )
        .await
        .expect("activity row");
    db.close().await;
    let stored_confirmed = stored.values().filter(|s| *s == "confirmed").count();
    let missing = answers
        .iter()
        .filter(|(vid, k)| **k != "full" && stored.get(*vid).map(String::as_str) != Some(**k))
        .count();
    let unacknowledged = stored.keys().filter(|v| !answers.contains_key(*v)).count();
    println!(
        "  stored: {} sign-ups, confirmed {stored_confirmed} (counter {} of capacity {}); \
         acknowledged but missing or different: {missing}; stored but not acknowledged: {unacknowledged}",
        stored.len(),
        row[0],
        row[1]
    );
    let ok = stored_confirmed as i64 <= CAPACITY
        && row[0] == stored_confirmed.to_string()
        && missing == 0
        && unacknowledged == 0
        && other.is_empty();
    println!(
        "FIGURE sign-up burst, 2 servers on one {}: {:.0} acknowledged/s, checks {}",
        if db_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite file"
        },
        (confirmed + waitlisted) as f64 / m.wall,
        if ok { "PASSED" } else { "FAILED" }
    );
    assert!(ok, "the database does not match the answers");
}
