//! Every acknowledged write survives `kill -9`: the real binary, killed without warning
//! right after answering, still has the writes when it starts again.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::harness::{database_url, volunteer_body, ROOT_PASSWORD};

const BIN: &str = env!("CARGO_BIN_EXE_zhiyuan");
const KEY: &str = "7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection; returns status and JSON body.
async fn http(
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

async fn start(db: &str, port: u16) -> Child {
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
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    let status = Command::new(BIN)
        .args([
            "admin",
            "create",
            "--username",
            "root",
            "--password",
            ROOT_PASSWORD,
            "--db",
            &db,
        ])
        .env("ZHIYUAN_SECRET_KEY", KEY)
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let port = free_port();
    let mut server = start(&db, port).await;
    let (s, login) = http(
        port,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "root", "password": ROOT_PASSWORD})),
    )
    .await;
    assert_eq!(s, 200);
    let token = login["token"].as_str().unwrap().to_owned();
    let (s, org) = http(
        port,
        "POST",
        "/api/v1/orgs",
        Some(&token),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    assert_eq!(s, 201);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for i in 0..20u32 {
        let (s, v) = http(
            port,
            "POST",
            "/api/v1/volunteers",
            Some(&token),
            Some(volunteer_body("李长城", &org_id, 900 + i)),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    server.start_kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().await.unwrap();

    let port = free_port();
    let _server = start(&db, port).await;
    for id in &ids {
        let (s, v) = http(
            port,
            "GET",
            &format!("/api/v1/volunteers/{id}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(s, 200, "volunteer {id} lost: {v}");
    }
    let (_, list) = http(port, "GET", "/api/v1/volunteers", Some(&token), None).await;
    assert_eq!(list["total"], 20);
}

#[tokio::test]
async fn backup_copies_a_running_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    let run = |args: Vec<String>| {
        let db = db.clone();
        async move {
            Command::new(BIN)
                .args(&args)
                .args(["--db", &db])
                .env("ZHIYUAN_SECRET_KEY", KEY)
                .output()
                .await
                .unwrap()
        }
    };
    let made = run(vec![
        "admin".into(),
        "create".into(),
        "--username".into(),
        "root".into(),
        "--password".into(),
        ROOT_PASSWORD.into(),
    ])
    .await;
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = free_port();
    let _server = start(&db, port).await;
    let (_, login) = http(
        port,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "root", "password": ROOT_PASSWORD})),
    )
    .await;
    let token = login["token"].as_str().unwrap().to_owned();
    let (s, _) = http(
        port,
        "POST",
        "/api/v1/orgs",
        Some(&token),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    assert_eq!(s, 201);
    let out = dir.path().join("copy.backup");
    let out_s = out.to_str().unwrap().to_owned();
    let done = run(vec!["backup".into(), "--out".into(), out_s.clone()]).await;
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
    // Never overwrites.
    let again = run(vec!["backup".into(), "--out".into(), out_s.clone()]).await;
    assert!(!again.status.success());
    if db.starts_with("sqlite:") {
        // The copy is a database of its own with the data in it.
        let store = zhiyuan_store::connect(&format!("sqlite://{out_s}"))
            .await
            .unwrap();
        let roots = store.org_children(None).await.unwrap();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].name, "奈曼旗");
    }
}
