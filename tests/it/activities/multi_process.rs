//! Two server processes on one PostgreSQL: a burst of sign-ups split between them never
//! confirms more than capacity. Runs only when `ZHIYUAN_TEST_PG` is set.

use serde_json::json;

use super::at;
use crate::harness::{database_url, volunteer_body};
use crate::process::{create_root, free_port, http, root_token, start};

#[tokio::test]
async fn two_processes_on_one_postgresql_never_overbook() {
    if std::env::var("ZHIYUAN_TEST_PG")
        .map(|v| v.is_empty())
        .unwrap_or(true)
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    create_root(&db).await;
    let (p1, p2) = (free_port(), free_port());
    let _s1 = start(&db, p1).await;
    let _s2 = start(&db, p2).await;
    let token = root_token(p1).await;
    let (_, org) = http(
        p1,
        "POST",
        "/api/v1/orgs",
        Some(&token),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    let org = org["id"].as_str().unwrap().to_owned();
    let (_, team) = http(
        p1,
        "POST",
        "/api/v1/teams",
        Some(&token),
        Some(json!({"name": "服务队", "org_id": org, "echelon": "team"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let (s, a) = http(p2, "POST", "/api/v1/activities", Some(&token), Some(json!({"title": "巡河", "team_id": team, "starts_at": at(3600), "ends_at": at(7200), "capacity": 10}))).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let mut vols = Vec::new();
    for i in 0..120u32 {
        let (s, v) = http(
            p1,
            "POST",
            "/api/v1/volunteers",
            Some(&token),
            Some(volunteer_body("陈立军", &org, 500 + i)),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        vols.push(v["id"].as_str().unwrap().to_owned());
    }
    let mut handles = Vec::new();
    for (i, v) in vols.into_iter().enumerate() {
        let port = if i % 2 == 0 { p1 } else { p2 };
        let (token, id) = (token.clone(), id.clone());
        handles.push(tokio::spawn(async move {
            http(
                port,
                "POST",
                &format!("/api/v1/activities/{id}/signups"),
                Some(&token),
                Some(json!({"volunteer_id": v})),
            )
            .await
        }));
    }
    let (mut confirmed, mut full) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            (201, b) if b["status"] == "confirmed" => confirmed += 1,
            (409, b) if b["error"]["code"] == "activity_full" => full += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((confirmed, full), (10, 110));
    let (_, got) = http(
        p2,
        "GET",
        &format!("/api/v1/activities/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(got["confirmed"], 10);
}
