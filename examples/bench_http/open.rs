//! The volunteer's page of open activities (`GET /activities/open`, cookie session) and its API
//! twin (`GET /api/v1/activities` with the volunteer's bearer token) under closed-loop load.
//!
//! Setup (not timed) picks a volunteer who is a unit member, gives them the login `bench_vol`,
//! and publishes future activities in the units and orgs above them until they see at least
//! `target` open activities, and signs them up for a few (so the page also shows "已报名").

use std::time::Duration;

use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::activities::NewActivity;
use zhiyuan_app::Actor;

use crate::http::Client;
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

/// Returns the volunteer id of `bench_vol`, creating the login on a suitable volunteer.
async fn volunteer(db: &Db, app: &zhiyuan_app::App) -> String {
    if let Some(r) = db
        .one(
            "SELECT volunteer_id FROM users WHERE username = 'bench_vol'",
            &[],
        )
        .await
    {
        return r[0].clone();
    }
    // A unit member in a village below a county, without a login yet.
    let pick = db
        .one(
            "SELECT v.id FROM volunteers v \
             WHERE v.status = 'active' \
               AND EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = v.id) \
               AND NOT EXISTS (SELECT 1 FROM users u WHERE u.volunteer_id = v.id) \
             ORDER BY v.id LIMIT 1",
            &[],
        )
        .await
        .or(db
            .one(
                "SELECT v.id FROM volunteers v WHERE v.status = 'active' \
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.volunteer_id = v.id) \
                 ORDER BY v.id LIMIT 1",
                &[],
            )
            .await)
        .expect("a volunteer without a login");
    server::ensure_user(app, "bench_vol", "volunteer", None, Some(&pick[0])).await;
    pick[0].clone()
}

pub async fn setup(db_url: &str, target: usize) -> usize {
    let db = Db::open(db_url).await;
    let app = server::app(db_url).await;
    let vid = volunteer(&db, &app).await;
    let org_path = db
        .one(
            "SELECT o.path FROM volunteers v JOIN orgs o ON o.id = v.org_id WHERE v.id = $1",
            &[Val::S(vid.clone())],
        )
        .await
        .expect("volunteer's org")[0]
        .clone();
    // Units at the volunteer's org or above, and the units they belong to.
    let mut teams: Vec<String> = Vec::new();
    for p in ancestors(&org_path) {
        for r in db
            .rows(
                "SELECT t.id FROM teams t JOIN orgs o ON o.id = t.org_id WHERE o.path = $1 \
                 ORDER BY t.id LIMIT 20",
                &[Val::S(p)],
            )
            .await
        {
            teams.push(r[0].clone());
        }
    }
    for r in db
        .rows(
            "SELECT team_id FROM team_members WHERE volunteer_id = $1",
            &[Val::S(vid.clone())],
        )
        .await
    {
        teams.push(r[0].clone());
    }
    assert!(!teams.is_empty(), "no unit at or above the volunteer's org");
    let volunteer_actor = {
        let mut a = Actor::system("bench");
        a.volunteer_id = Some(vid.clone());
        a
    };
    let open_now = app
        .open_activities(&volunteer_actor)
        .await
        .expect("open activities")
        .len();
    let system = Actor::system("bench");
    let mut created = 0;
    for i in open_now..target {
        let start = chrono::Utc::now() + chrono::Duration::days(3 + (i % 60) as i64);
        let made = app
            .create_activity(
                &system,
                &NewActivity {
                    title: format!("社区志愿服务（测试{i}）"),
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
        created += made.len();
        if i % 8 == 0 {
            let input = NewSignup {
                volunteer_id: vid.clone(),
                walk_in: false,
            };
            if let Err(e) = app.sign_up(&system, &made[0].id, &input).await {
                println!("  (sign-up refused: {})", e.message);
            }
        }
    }
    let open = app
        .open_activities(&volunteer_actor)
        .await
        .expect("open activities")
        .len();
    println!(
        "setup: volunteer {vid} at {org_path}; {} units in reach; {created} activities created; \
         {open} open activities visible",
        teams.len()
    );
    db.close().await;
    open
}

pub async fn run(a: OpenArgs) {
    if a.demo {
        // Loads the demo county into the (empty) database, then stops.
        let (s, took) = Server::start(&a.db_url, &["--demo"]).await;
        println!("demo loaded in {:.1} s", took.as_secs_f64());
        s.stop();
    }
    let open = setup(&a.db_url, a.target).await;
    let (server, took) = Server::start(&a.db_url, &[]).await;
    println!("server healthy after {:.2} s", took.as_secs_f64());
    let token = server.login("bench_vol").await;
    let mut c = Client::connect(server.addr).await.expect("connect");
    let page = c
        .get("/activities/open", &crate::http::cookie(&token))
        .await
        .expect("page");
    let cards = page.text().matches("class=\"card open-activity\"").count();
    println!(
        "page: {} bytes, {cards} activity cards (status {})",
        page.body.len(),
        page.status
    );
    assert_eq!(page.status, 200);
    assert_eq!(cards, open.min(200), "every open activity is on the page");
    let api = c
        .get("/api/v1/activities", &crate::http::bearer(&token))
        .await
        .expect("api");
    println!(
        "api: {} bytes, total {}",
        api.body.len(),
        api.json()["total"]
    );
    let pids = [server.pid()];
    let warm = Duration::from_secs(2);
    let secs = Duration::from_secs(a.seconds);
    println!(
        "load: {} keep-alive connections, {} s each (after 2 s warm-up)",
        a.connections, a.seconds
    );
    let mut r = crate::load::run(
        server.addr,
        crate::http::get_request("/activities/open", &crate::http::cookie(&token)),
        "open-activity".to_owned(),
        a.connections,
        warm,
        secs,
        &pids,
    );
    r.print("GET /activities/open (page, cookie)", a.connections);
    let page_rate = r.rate();
    let mut r = crate::load::run(
        server.addr,
        crate::http::get_request("/api/v1/activities", &crate::http::bearer(&token)),
        "\"items\"".to_owned(),
        a.connections,
        warm,
        secs,
        &pids,
    );
    r.print("GET /api/v1/activities (API, bearer)", a.connections);
    println!(
        "FIGURE open-activities page: {page_rate:.0} req/s at {} connections (aim ≥ 5,000) {}",
        a.connections,
        if page_rate >= 5000.0 {
            "MET"
        } else {
            "NOT MET"
        }
    );
    server.stop();
}
