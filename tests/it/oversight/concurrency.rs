//! Aggregates stay exact under concurrent writes: many requests at once (registrations,
//! moves, suspensions, activities closed as done, attendance, approvals) on a multi-threaded
//! runtime, then every org's maintained figures against a brute-force recount. On PostgreSQL
//! the writers really overlap (row locks on the aggregate rows); on SQLite they queue for the
//! one writer connection.

use std::sync::Arc;

use serde_json::json;

use super::{assert_exact, attend, backfill, cst};
use crate::harness::{spawn, volunteer_body, TestApp};

async fn worker(t: Arc<TestApp>, w: u32, orgs: Arc<Vec<String>>, teams: Arc<Vec<String>>) {
    let org = |i: u32| orgs[(i as usize) % orgs.len()].clone();
    let team = teams[(w as usize) % teams.len()].clone();
    let mut mine = Vec::new();
    for i in 0..6u32 {
        let seq = w * 20 + i + 1;
        let mut body = volunteer_body("并发", &org(w + i), seq);
        body["veteran"] = json!(i % 2 == 0);
        mine.push(
            t.post("/api/v1/volunteers", &t.root, body)
                .await
                .expect(201)
                .id(),
        );
    }
    // Moves and status changes interleaved with everyone else's.
    t.patch(
        &format!("/api/v1/volunteers/{}", mine[0]),
        &t.root,
        json!({"org_id": org(w + 3), "party_member": true}),
    )
    .await
    .expect(200);
    t.post(
        &format!("/api/v1/volunteers/{}/suspend", mine[1]),
        &t.root,
        json!({"reason": "并发测试"}),
    )
    .await
    .expect(200);
    // Two done activities with hours, one of them over 8 h and approved afterwards.
    let day = 1 + w % 27;
    let act = backfill(
        &t,
        &team,
        &cst(2025, 3, day, 8, 0),
        &cst(2025, 3, day, 22, 0),
    )
    .await;
    for v in &mine[2..5] {
        attend(
            &t,
            &act,
            v,
            &cst(2025, 3, day, 8, 0),
            &cst(2025, 3, day, 10, 0),
        )
        .await;
    }
    let long = attend(
        &t,
        &act,
        &mine[5],
        &cst(2025, 3, day, 8, 0),
        &cst(2025, 3, day, 18, 0),
    )
    .await;
    t.post(
        &format!(
            "/api/v1/service-records/{}/decision",
            long["id"].as_str().unwrap()
        ),
        &t.root,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    let planned = t
        .post(
            "/api/v1/activities",
            &t.root,
            json!({"title": "计划", "team_id": team, "starts_at": cst(2030, 1, 2, 9, 0), "ends_at": cst(2030, 1, 2, 10, 0), "capacity": 5}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &format!("/api/v1/activities/{planned}/status"),
        &t.root,
        json!({"status": "done"}),
    )
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_leave_the_aggregates_exact() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let mut orgs = vec![county.clone()];
    let mut teams = Vec::new();
    for n in ["大沁他拉镇", "八仙筒镇", "义隆永镇"] {
        let town = t.org(&t.root, n, "township", Some(&county)).await;
        let village = t
            .org(&t.root, &format!("{n}一村"), "village", Some(&town))
            .await;
        teams.push(
            t.team(&t.root, &format!("{n}志愿服务队"), &town, None, "team")
                .await,
        );
        teams.push(
            t.team(&t.root, &format!("{n}一村服务队"), &village, None, "team")
                .await,
        );
        orgs.push(town);
        orgs.push(village);
    }
    let t = Arc::new(t);
    let (orgs, teams) = (Arc::new(orgs), Arc::new(teams));
    let mut handles = Vec::new();
    for w in 0..12u32 {
        handles.push(tokio::spawn(worker(
            t.clone(),
            w,
            orgs.clone(),
            teams.clone(),
        )));
    }
    for h in handles {
        h.await.expect("worker");
    }
    assert_exact(&t, "12 concurrent writers").await;
    let s = t
        .get(&format!("/api/v1/orgs/{county}/stats"), &t.root)
        .await
        .expect(200)
        .body;
    assert_eq!(s["volunteers"], 12 * 5);
    assert_eq!(s["volunteers_by_status"]["suspended"], 12);
    assert_eq!(s["activities"], 24);
    // Per writer: 3 × 2 h + 10 h.
    assert_eq!(s["service_hours"], 12.0 * 16.0);
}
