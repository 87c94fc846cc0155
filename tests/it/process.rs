//! The real binary in its own process, for what only a process shows: `kill -9`, several
//! servers on one database, the command line. Raw HTTP/1.1 keeps the tests free of a client
//! library.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_zhiyuan");
pub const KEY: &str = "7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection; returns status and JSON body.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

pub async fn start(db: &str, port: u16) -> Child {
    let child = Command::new(BIN)
        .args([
            "serve",
            "--db",
            db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("ZHIYUAN_SECRET_KEY", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    wait_until_listening(child, port).await
}

/// Polls until the server accepts connections on `port`. What ends the wait is the port or
/// the process exiting, not a time: the bound only keeps a hung server from hanging the run.
async fn wait_until_listening(mut child: Child, port: u16) -> Child {
    const HANG_GUARD: Duration = Duration::from_secs(300);
    let polled = async {
        loop {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return;
            }
            if let Some(status) = child.try_wait().expect("the server's status") {
                panic!("the server exited before it listened: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, polled)
        .await
        .expect("the server neither listened nor exited (hung)");
    child
}

/// `zhiyuan admin create` of the test's super-administrator on `db`.
pub async fn create_root(db: &str) {
    let status = Command::new(BIN)
        .args([
            "admin",
            "create",
            "--username",
            "root",
            "--password",
            crate::harness::ROOT_PASSWORD,
            "--db",
            db,
        ])
        .env("ZHIYUAN_SECRET_KEY", KEY)
        .status()
        .await
        .expect("run admin create");
    assert!(status.success(), "admin create failed");
}

/// Logs the super-administrator in on the server at `port`; returns the bearer token.
pub async fn root_token(port: u16) -> String {
    let body = serde_json::json!({"username": "root", "password": crate::harness::ROOT_PASSWORD});
    let (s, login) = http(port, "POST", "/api/v1/auth/login", None, Some(body)).await;
    assert_eq!(s, 200, "{login}");
    login["token"].as_str().expect("token").to_owned()
}
