//! Fuzzes the JSON bodies of the main write endpoints through the real router: the handler
//! input types live in crates/app and the rules they pass through (domain checks, scope,
//! store constraints) are only all run by the use case, so the body goes where a client's
//! would — `ApiJson` extractor, handler, use case, SQLite — and the answer must never be a
//! 5xx (a panic anywhere aborts the process: libFuzzer's panic hook), and every refusal must
//! have the API's error shape.
//!
//! One world per process (a SQLite file in /dev/shm): a county with a township, a team, a
//! volunteer, a published activity and an incident. Input: the first byte picks the endpoint,
//! the rest is the body; `$O` `$W` `$T` `$V` `$A` `$I` in the body become the ids of the
//! county, township, team, volunteer, activity and incident, so the corpus keeps valid bodies
//! across runs although ids are random. Accepted writes stay in the database, so later inputs
//! meet a world that has grown (a crash found is still replayed on a fresh world).
//! `FUZZ_SHOW=1` prints every request's answer (to check the corpus still reaches the handlers).

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tower::ServiceExt;
use zhiyuan_app::{App, AppConfig};
use zhiyuan_web::WebConfig;

/// Method and path of each fuzzed endpoint; `{X}` is replaced like `$X` in bodies.
const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/v1/orgs"),
    ("PATCH", "/api/v1/orgs/{O}"),
    ("POST", "/api/v1/teams"),
    ("PATCH", "/api/v1/teams/{T}"),
    ("POST", "/api/v1/teams/{T}/members"),
    ("POST", "/api/v1/volunteers"),
    ("PATCH", "/api/v1/volunteers/{V}"),
    ("POST", "/api/v1/applications"),
    ("POST", "/api/v1/projects"),
    ("POST", "/api/v1/activities"),
    ("POST", "/api/v1/activities/{A}/signups"),
    ("POST", "/api/v1/activities/{A}/attendance"),
    ("POST", "/api/v1/activities/{A}/status"),
    ("POST", "/api/v1/incidents"),
    ("POST", "/api/v1/incidents/{I}/callups"),
    ("POST", "/api/v1/incidents/{I}/presence"),
    ("POST", "/api/v1/incidents/{I}/status"),
    ("PUT", "/api/v1/teams/{T}/policy"),
    ("PUT", "/api/v1/orgs/{O}/review-levels"),
    ("POST", "/api/v1/orgs/{O}/number-ranges"),
    ("POST", "/api/v1/spot-checks"),
    ("POST", "/api/v1/volunteers/{V}/suspend"),
    ("POST", "/api/v1/volunteers/{V}/certificates"),
    ("POST", "/api/v1/report-tasks"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/auth/login"),
];

struct World {
    rt: tokio::runtime::Runtime,
    router: Router,
    token: String,
    /// County, township, team, volunteer, activity, incident.
    ids: [(u8, String); 6],
    _dir: tempfile::TempDir,
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = req.body(Body::from(body)).expect("request");
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .expect("router never fails");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn create(router: &Router, token: &str, path: &str, body: Value) -> String {
    let (status, v) = call(
        router,
        "POST",
        path,
        Some(token),
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 201, "world setup {path}: {v}");
    v["id"].as_str().expect("id").to_owned()
}

fn id_number(seq: u32) -> String {
    let first17 = format!("15052519800101{:03}", seq % 1000);
    format!(
        "{first17}{}",
        zhiyuan_domain::id_number::check_char(&first17)
    )
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" };
        let dir = tempfile::Builder::new()
            .prefix("zhiyuan-fuzz-json")
            .tempdir_in(base)
            .expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("json.db").display());
        let (router, token, ids) = rt.block_on(async move {
            let store: Arc<dyn zhiyuan_store::Store> =
                zhiyuan_store::connect(&url).await.expect("open store");
            let app = App::new(
                store,
                AppConfig { secret_key_hex: "5a".repeat(32), session_hours: 12 },
            )
            .expect("app");
            app.create_super_admin("root", "Root-pass-2026").await.expect("super admin");
            let router = zhiyuan_web::router(app, WebConfig { session_hours: 12, ..Default::default() });
            let login = json!({"username": "root", "password": "Root-pass-2026"});
            let (status, v) =
                call(&router, "POST", "/api/v1/auth/login", None, login.to_string().into_bytes()).await;
            assert_eq!(status, 200, "login: {v}");
            let token = v["token"].as_str().expect("token").to_owned();
            let t = token.as_str();
            let county = create(&router, t, "/api/v1/orgs",
                json!({"name": "奈曼旗", "level": "county", "population": 2000})).await;
            let town = create(&router, t, "/api/v1/orgs",
                json!({"name": "大沁他拉镇", "level": "township", "parent_id": county})).await;
            let team = create(&router, t, "/api/v1/teams",
                json!({"name": "奈曼旗退役军人志愿服务队", "org_id": county, "echelon": "team"})).await;
            let vol = create(&router, t, "/api/v1/volunteers", json!({
                "name": "王志强", "id_number": id_number(1), "phone": "13800000001", "org_id": town,
                "veteran": true, "skills": ["应急救援", "驾驶"], "home": {"lat": 42.85, "lon": 120.66}})).await;
            let act = create(&router, t, "/api/v1/activities", json!({
                "title": "清明祭扫志愿服务", "team_id": team, "starts_at": "2030-04-04T08:00:00+08:00",
                "ends_at": "2030-04-04T12:00:00+08:00", "capacity": 1000, "waitlist": true})).await;
            let inc = create(&router, t, "/api/v1/incidents", json!({
                "title": "暴雨内涝抢险", "kind": "rainstorm", "org_id": county, "needed": 3,
                "location": {"lat": 42.85, "lon": 120.66, "address": "兴仁社区"}, "skills": ["应急救援"]})).await;
            let ids = [(b'O', county), (b'W', town), (b'T', team), (b'V', vol), (b'A', act), (b'I', inc)];
            (router, token, ids)
        });
        World { rt, router, token, ids, _dir: dir }
    })
}

/// Replaces `$X` (in bodies) or `{X}` (in paths) by the world's id for X.
fn fill(w: &World, bytes: &[u8], path_style: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut i = 0;
    while i < bytes.len() {
        let marker = if path_style { b'{' } else { b'$' };
        if bytes[i] == marker && i + 1 < bytes.len() {
            if let Some((_, id)) = w.ids.iter().find(|(k, _)| *k == bytes[i + 1]) {
                out.extend_from_slice(id.as_bytes());
                i += if path_style { 3 } else { 2 };
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let w = world();
    let (method, path) = ENDPOINTS[usize::from(pick) % ENDPOINTS.len()];
    let path = String::from_utf8(fill(w, path.as_bytes(), true)).expect("ids are ASCII");
    let body = fill(w, body, false);
    let token =
        (!path.ends_with("/applications") && !path.ends_with("/login")).then_some(w.token.as_str());
    let (status, v) = w.rt.block_on(call(&w.router, method, &path, token, body));
    if std::env::var_os("FUZZ_SHOW").is_some() {
        eprintln!("{method} {path} -> {status} {v}");
    }
    assert!(status < 500, "{method} {path} answered {status}: {v}");
    if status >= 400 {
        let e = &v["error"];
        assert!(
            e["code"].as_str().is_some_and(|c| !c.is_empty())
                && e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path} {status} without the error shape: {v}"
        );
    }
});
