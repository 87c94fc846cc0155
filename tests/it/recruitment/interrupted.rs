//! An import cut off by `kill -9`: what was acknowledged chunk by chunk is there, the job says
//! it was interrupted (not "running" for ever), and uploading the same file again adds the rest
//! and nobody twice.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::multipart;
use crate::harness::{database_url, id_number};
use crate::process::{create_root, free_port, http, root_token, start};

const ROWS: u32 = 30_000;

fn ledger() -> Vec<u8> {
    let mut csv = String::from("姓名,身份证号码,手机号码,退役军人,中共党员,技能\n");
    for i in 0..ROWS {
        let birth = (chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
            + chrono::Days::new(u64::from(i / 1000)))
        .format("%Y%m%d")
        .to_string();
        csv.push_str(&format!(
            "王建国,{},139{:08},是,否,驾驶\n",
            id_number(&birth, i % 1000),
            i
        ));
    }
    csv.into_bytes()
}

/// The multipart upload over raw HTTP/1.1; returns status and JSON body.
async fn upload(port: u16, token: &str, path: &str, bytes: &[u8]) -> (u16, Value) {
    let (content_type, body) = multipart("ledger.csv", bytes);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
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

async fn volunteers_in(db: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM volunteers")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn an_import_killed_midway_is_reported_interrupted_and_a_reupload_completes_it() {
    if std::env::var("ZHIYUAN_TEST_PG").is_ok() {
        return; // the process is what is killed here; SQLite's file is what survives it
    }
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    create_root(&db).await;
    let port = free_port();
    let mut server = start(&db, port).await;
    let token = root_token(port).await;
    let (s, org) = http(
        port,
        "POST",
        "/api/v1/orgs",
        Some(&token),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    assert_eq!(s, 201, "{org}");
    let org_id = org["id"].as_str().unwrap().to_owned();
    let file = ledger();
    let (s, job) = upload(
        port,
        &token,
        &format!("/api/v1/imports/volunteers?org_id={org_id}&background=true"),
        &file,
    )
    .await;
    assert_eq!(s, 202, "{job}");
    let job_path = format!("/api/v1/imports/{}", job["id"].as_str().unwrap());

    // Once a chunk is acknowledged, cut the server off. The look at the job holds the
    // database's write lock, and so does the kill: no chunk can commit between what is seen
    // and the cut, however fast the worker runs.
    let job_id = job["id"].as_str().unwrap();
    let acknowledged = {
        use sqlx::ConnectOptions;
        // It may wait for the worker's commit of a whole chunk to take the lock.
        let mut look = db
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .unwrap()
            .busy_timeout(Duration::from_secs(600))
            .connect()
            .await
            .unwrap();
        loop {
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut look)
                .await
                .unwrap();
            let (status, imported): (String, i64) =
                sqlx::query_as("SELECT status, imported FROM import_jobs WHERE id = $1")
                    .bind(job_id)
                    .fetch_one(&mut look)
                    .await
                    .unwrap();
            if imported > 0 {
                server.kill().await.unwrap();
                sqlx::query("ROLLBACK").execute(&mut look).await.unwrap();
                assert_eq!(
                    (status.as_str(), imported < i64::from(ROWS)),
                    ("running", true),
                    "killed before it finished: {imported} imported"
                );
                break imported;
            }
            sqlx::query("ROLLBACK").execute(&mut look).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    // The heartbeat stops with the process; let a minute pass for the job.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE import_jobs SET heartbeat_at = heartbeat_at - 61000")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let in_db = volunteers_in(&db).await;
    assert!(
        in_db >= acknowledged,
        "acknowledged {acknowledged}, found {in_db}"
    );
    assert!(in_db < ROWS as i64);

    let port = free_port();
    let _server = start(&db, port).await;
    let token = root_token(port).await;
    let (s, after) = http(port, "GET", &job_path, Some(&token), None).await;
    assert_eq!(s, 200);
    assert_eq!(after["status"], "interrupted", "{after}");
    assert_eq!(
        after["imported"].as_i64().unwrap(),
        in_db,
        "progress is committed with the rows"
    );
    assert!(
        after["error"].as_str().unwrap().contains("重新上传"),
        "{after}"
    );

    let (s, again) = upload(
        port,
        &token,
        &format!("/api/v1/imports/volunteers?org_id={org_id}"),
        &file,
    )
    .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["imported"].as_i64().unwrap(), ROWS as i64 - in_db);
    let rejected = again["rejected"].as_array().unwrap();
    assert_eq!(rejected.len() as i64, in_db);
    assert!(rejected.iter().all(|r| r["code"] == "already_registered"));
    assert_eq!(volunteers_in(&db).await, ROWS as i64);
}
