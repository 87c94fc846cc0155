//! Every acknowledged write survives `kill -9`: the real binary, killed without warning
//! right after answering, still has the writes when it starts again.

use serde_json::json;
use tokio::process::Command;

use crate::harness::{database_url, volunteer_body, ROOT_PASSWORD};
use crate::process::{create_root, free_port, http, root_token, start, BIN, KEY};

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
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
    let token = root_token(port).await;
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
