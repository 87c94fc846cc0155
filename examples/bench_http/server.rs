//! The real binary (`target/release/zhiyuan serve`, or `ZHIYUAN_BIN`) as a child process, a
//! direct database handle for picking ids and writing bench fixtures, and an in-process `App`
//! for setup through the use cases (before the server starts).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Row;
use zhiyuan_app::{App, AppConfig};

use crate::http::Client;

/// The key every fresh bench database gets (PostgreSQL needs one configured).
pub const BENCH_KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
pub const PASSWORD: &str = "Bench-Suite-2026";

pub fn binary() -> String {
    std::env::var("ZHIYUAN_BIN").unwrap_or_else(|_| "target/release/zhiyuan".to_owned())
}

/// The master key the server will use: `ZHIYUAN_SECRET_KEY`, else a SQLite database's key
/// file beside it, else the bench key.
pub fn secret_key(db_url: &str) -> String {
    if let Ok(k) = std::env::var("ZHIYUAN_SECRET_KEY") {
        return k;
    }
    if let Some(path) = db_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Ok(k) = std::fs::read_to_string(format!("{path}.key")) {
            return k.trim().to_owned();
        }
    }
    BENCH_KEY.to_owned()
}

pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Execs `zhiyuan serve` and returns once `GET /healthz` answers 200, with the time that took.
    pub async fn start(db_url: &str, extra: &[&str]) -> (Server, Duration) {
        let addr = free_addr();
        let t = Instant::now();
        let child = Command::new(binary())
            .arg("serve")
            .arg("--db")
            .arg(db_url)
            .arg("--listen")
            .arg(addr.to_string())
            .args(extra)
            .env("ZHIYUAN_SECRET_KEY", secret_key(db_url))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {}: {e} (cargo build --release first)", binary())
            });
        let mut server = Server { child, addr };
        let ready = server.wait_healthy(Duration::from_secs(600)).await;
        assert!(ready, "the server did not become healthy");
        (server, t.elapsed())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_healthy(&mut self, limit: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited early: {status}");
            }
            if let Ok(mut c) = Client::connect(self.addr).await {
                if let Ok(a) = c.get("/healthz", "").await {
                    if a.status == 200 {
                        return true;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    }

    /// SIGTERM (graceful shutdown), then wait.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Logs in through the API; answers the session token (bearer and cookie alike).
    pub async fn login(&self, username: &str) -> String {
        let mut c = Client::connect(self.addr).await.expect("connect");
        let a = c
            .post_json(
                "/api/v1/auth/login",
                "",
                &serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await
            .expect("login request");
        assert_eq!(a.status, 200, "login {username}: {}", a.text());
        a.json()["token"]
            .as_str()
            .expect("token in the login answer")
            .to_owned()
    }
}

/// A value bound into a fixture statement.
pub enum Val {
    S(String),
    I(i64),
}

/// A direct connection for picking ids and writing fixtures the use cases would make slow.
pub enum Db {
    Lite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Val::S(s) => q.bind(s.clone()),
                Val::I(i) => q.bind(*i),
            };
        }
        q
    }};
}

impl Db {
    pub async fn open(url: &str) -> Db {
        if url.starts_with("postgres") {
            Db::Pg(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await
                    .expect("postgres"),
            )
        } else {
            Db::Lite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .expect("sqlite"),
            )
        }
    }

    /// Rows of text columns (cast numbers with `CAST(x AS TEXT)` in the query).
    pub async fn rows(&self, sql: &str, binds: &[Val]) -> Vec<Vec<String>> {
        fn cols<R: Row>(r: &R) -> Vec<String>
        where
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            usize: sqlx::ColumnIndex<R>,
        {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, usize>(i)
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                })
                .collect()
        }
        match self {
            Db::Lite(p) => bind_all!(sqlx::query(sql), binds)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(cols)
                .collect(),
            Db::Pg(p) => bind_all!(sqlx::query(sql), binds)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(cols)
                .collect(),
        }
    }

    pub async fn one(&self, sql: &str, binds: &[Val]) -> Option<Vec<String>> {
        self.rows(sql, binds).await.into_iter().next()
    }

    /// Runs many statements in one transaction.
    pub async fn exec_all(&self, stmts: Vec<(&str, Vec<Val>)>) {
        match self {
            Db::Lite(p) => {
                let mut tx = p.begin().await.expect("begin");
                for (sql, binds) in &stmts {
                    bind_all!(sqlx::query(sql), binds)
                        .execute(&mut *tx)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                tx.commit().await.expect("commit");
            }
            Db::Pg(p) => {
                let mut tx = p.begin().await.expect("begin");
                for (sql, binds) in &stmts {
                    bind_all!(sqlx::query(sql), binds)
                        .execute(&mut *tx)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                tx.commit().await.expect("commit");
            }
        }
    }

    pub async fn close(self) {
        match self {
            Db::Lite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

/// The use cases in-process on the same database, for setup before the server starts.
pub async fn app(db_url: &str) -> App {
    let store = zhiyuan_store::connect(db_url).await.expect("store");
    App::new(
        Arc::clone(&store),
        AppConfig {
            secret_key_hex: secret_key(db_url),
            session_hours: 12,
        },
    )
    .expect("app")
}

/// Creates a login (if the username is free) through the use case; the password is `PASSWORD`.
pub async fn ensure_user(
    app: &App,
    username: &str,
    role: &str,
    org_id: Option<&str>,
    volunteer_id: Option<&str>,
) {
    if app
        .store()
        .get_user_by_username(username)
        .await
        .expect("user lookup")
        .is_some()
    {
        return;
    }
    let system = zhiyuan_app::Actor::system("bench");
    app.create_user(
        &system,
        &zhiyuan_app::users::NewUser {
            username: username.to_owned(),
            password: PASSWORD.to_owned(),
            role: role.to_owned(),
            org_id: org_id.map(str::to_owned),
            team_id: None,
            volunteer_id: volunteer_id.map(str::to_owned),
            name: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("user {username}: {e:?}"));
}

/// PostgreSQL: drops and creates `name` next to the admin URL's database; answers its URL.
pub async fn fresh_pg_database(admin_url: &str, name: &str) -> String {
    assert!(
        name.starts_with("bench_suite_"),
        "only bench_suite_* databases are recreated"
    );
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .expect("postgres admin");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create");
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    format!("{base}/{name}")
}
