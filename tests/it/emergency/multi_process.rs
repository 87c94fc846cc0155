//! Two real server processes on one PostgreSQL: an answer given through process A reaches the
//! live board's event stream (server-sent events) on process B (LISTEN/NOTIFY), and B's
//! candidate index sees a volunteer registered through A. Runs only when `ZHIYUAN_TEST_PG` is
//! set.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{database_url, volunteer_body, PASSWORD};
use crate::process::{create_root, free_port, http, root_token, start};

/// Opens the incident's event stream on `port`; returns the connection once `ready` came.
async fn open_events(port: u16, token: &str, incident: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!(
        "GET /api/v1/incidents/{incident}/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let seen = read_until(&mut s, String::new(), "event: ready").await;
    (s, seen)
}

/// Reads from the stream until `needle` shows up. What ends the wait is the event or the
/// stream closing, not a time: the bound only keeps a lost event from hanging the run.
async fn read_until(s: &mut TcpStream, mut seen: String, needle: &str) -> String {
    const HANG_GUARD: Duration = Duration::from_secs(300);
    let mut buf = [0u8; 4096];
    let hung = tokio::time::Instant::now() + HANG_GUARD;
    while !seen.contains(needle) {
        let n = tokio::time::timeout_at(hung, s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} at all (hung); got:\n{seen}"))
            .unwrap();
        assert!(n > 0, "stream closed; got:\n{seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    seen
}

#[tokio::test]
async fn an_event_through_one_process_reaches_the_board_of_another() {
    if std::env::var("ZHIYUAN_TEST_PG")
        .map(|v| v.is_empty())
        .unwrap_or(true)
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    create_root(&db).await;
    let (pa, pb) = (free_port(), free_port());
    let _a = start(&db, pa).await;
    let _b = start(&db, pb).await;
    let root = root_token(pa).await;
    let (_, org) = http(
        pa,
        "POST",
        "/api/v1/orgs",
        Some(&root),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    let org = org["id"].as_str().unwrap().to_owned();
    let (s, v) = http(
        pa,
        "POST",
        "/api/v1/volunteers",
        Some(&root),
        Some(volunteer_body("王建国", &org, 7)),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let vid = v["id"].as_str().unwrap().to_owned();
    let (s, _) = http(pa, "POST", "/api/v1/users", Some(&root), Some(json!({"username": "wang", "password": PASSWORD, "role": "volunteer", "volunteer_id": vid}))).await;
    assert_eq!(s, 201);
    let (_, login) = http(
        pa,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "wang", "password": PASSWORD})),
    )
    .await;
    let vtoken = login["token"].as_str().unwrap().to_owned();
    let (s, i) = http(pa, "POST", "/api/v1/incidents", Some(&root), Some(json!({"title": "暴雨", "kind": "rainstorm",
        "location": {"lat": 42.85, "lon": 120.66}, "skills": ["应急救援"], "needed": 2, "org_id": org}))).await;
    assert_eq!(s, 201, "{i}");
    let iid = i["id"].as_str().unwrap().to_owned();
    // B's index sees the volunteer registered through A.
    let (s, cands) = http(
        pb,
        "GET",
        &format!("/api/v1/incidents/{iid}/candidates"),
        Some(&root),
        None,
    )
    .await;
    assert_eq!(s, 200, "{cands}");
    assert_eq!(cands["items"][0]["volunteer_id"], vid.as_str());
    // B's board listens; the call-up and the answer go through A.
    let (mut stream, seen) = open_events(pb, &root, &iid).await;
    let (s, called) = http(
        pa,
        "POST",
        &format!("/api/v1/incidents/{iid}/callups"),
        Some(&root),
        Some(json!({"volunteer_ids": [vid]})),
    )
    .await;
    assert_eq!(s, 201, "{called}");
    let cid = called["items"][0]["id"].as_str().unwrap().to_owned();
    let seen = read_until(&mut stream, seen, "\"kind\":\"called\"").await;
    let (s, answer) = http(
        pa,
        "POST",
        &format!("/api/v1/callups/{cid}/answer"),
        Some(&vtoken),
        Some(json!({"accept": true})),
    )
    .await;
    assert_eq!(s, 200, "{answer}");
    let seen = read_until(&mut stream, seen, "\"kind\":\"accepted\"").await;
    assert!(seen.contains(&cid), "the event names the call-up");
    // And B's board counts it.
    let (_, board) = http(
        pb,
        "GET",
        &format!("/api/v1/incidents/{iid}/board"),
        Some(&root),
        None,
    )
    .await;
    assert_eq!(board["counts"]["accepted"], 1);
}
