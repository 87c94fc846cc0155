//! The test harness: the real router over a real database. SQLite by default (a fresh file
//! per test); PostgreSQL when `ZHIYUAN_TEST_PG` holds an admin URL (a fresh database per test).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use zhiyuan_app::{App, AppConfig};
use zhiyuan_web::WebConfig;

pub const ROOT_PASSWORD: &str = "Root-pass-2026";
pub const PASSWORD: &str = "Pass-word-2026";

pub struct TestApp {
    pub router: Router,
    pub app: App,
    /// The super-administrator's bearer token.
    pub root: String,
    /// The database the app runs on (for `execute_sql`).
    db_url: String,
    _dir: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    pub headers: axum::http::HeaderMap,
}

impl Resp {
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_owned()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.text
        );
        self
    }

    /// Asserts the API's error shape, its status, code and (when given) field.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str, field: Option<&str>) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.text
        );
        assert_eq!(
            self.body["error"]["code"], code,
            "unexpected code: {}",
            self.text
        );
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        if let Some(f) = field {
            assert_eq!(
                self.body["error"]["field"], f,
                "unexpected field: {}",
                self.text
            );
        }
        self
    }
}

pub async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("ZHIYUAN_TEST_PG") {
        Ok(admin) if !admin.is_empty() => {
            use sqlx::Connection;
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    }
}

pub async fn spawn() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&dir).await;
    let store: Arc<dyn zhiyuan_store::Store> =
        zhiyuan_store::connect(&url).await.expect("open store");
    let app = App::new(
        store,
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .expect("app");
    app.create_super_admin("root", ROOT_PASSWORD)
        .await
        .expect("super admin");
    let router = zhiyuan_web::router(
        app.clone(),
        WebConfig {
            session_hours: 12,
            ..Default::default()
        },
    );
    let mut t = TestApp {
        router,
        app,
        root: String::new(),
        db_url: url,
        _dir: dir,
    };
    t.root = t.login("root", ROOT_PASSWORD).await;
    t
}

/// Waits until the wall clock has moved past `ms`, so that whatever the app stamps next is
/// strictly later than what it stamped by then. A millisecond at most; nothing races it.
pub async fn clock_past(ms: i64) {
    while zhiyuan_app::clock::now_ms() <= ms {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

impl TestApp {
    /// Runs one statement on the test's database, beside the app. Only for letting time pass
    /// without waiting for it: moving a stored time into the past, which the API rightly
    /// refuses to write.
    pub async fn execute_sql(&self, statement: &str) {
        use sqlx::Connection;
        if self.db_url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&self.db_url)
                .await
                .expect("connect to the test database");
            sqlx::query(statement)
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        } else {
            let mut c = sqlx::SqliteConnection::connect(&self.db_url)
                .await
                .expect("open the test database");
            sqlx::query(statement)
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            text,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await
            .expect(200);
        r.body["token"].as_str().expect("token").to_owned()
    }

    pub async fn org(&self, token: &str, name: &str, level: &str, parent: Option<&str>) -> String {
        self.post(
            "/api/v1/orgs",
            token,
            json!({"name": name, "level": level, "parent_id": parent, "population": 2000}),
        )
        .await
        .expect(201)
        .id()
    }

    pub async fn team(
        &self,
        token: &str,
        name: &str,
        org: &str,
        parent: Option<&str>,
        echelon: &str,
    ) -> String {
        self.post(
            "/api/v1/teams",
            token,
            json!({"name": name, "org_id": org, "parent_team_id": parent, "echelon": echelon}),
        )
        .await
        .expect(201)
        .id()
    }

    pub async fn volunteer(&self, token: &str, name: &str, org: &str, seq: u32) -> String {
        self.post("/api/v1/volunteers", token, volunteer_body(name, org, seq))
            .await
            .expect(201)
            .id()
    }

    /// An account with `role` bound to `target` (org, team or volunteer id); returns its token.
    pub async fn account(&self, token: &str, username: &str, role: &str, target: &str) -> String {
        let key = match role {
            "admin" => "org_id",
            "team_leader" => "team_id",
            _ => "volunteer_id",
        };
        self.post(
            "/api/v1/users",
            token,
            json!({"username": username, "password": PASSWORD, "role": role, key: target}),
        )
        .await
        .expect(201);
        self.login(username, PASSWORD).await
    }
}

/// A valid GB 11643 number: Naiman banner region, a birth date from `birth` (YYYYMMDD), a
/// sequence, and the right check character.
pub fn id_number(birth: &str, seq: u32) -> String {
    let first17 = format!("150525{birth}{:03}", seq % 1000);
    format!(
        "{first17}{}",
        zhiyuan_domain::id_number::check_char(&first17)
    )
}

pub fn volunteer_body(name: &str, org: &str, seq: u32) -> Value {
    json!({
        "name": name,
        "id_number": id_number("19800101", seq),
        "phone": format!("138{:08}", seq),
        "org_id": org,
        "veteran": true,
        "party_member": seq.is_multiple_of(2),
        "skills": ["应急救援", "驾驶"],
        "home": {"lat": 42.85, "lon": 120.66}
    })
}
