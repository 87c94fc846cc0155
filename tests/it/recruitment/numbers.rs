//! Registration numbers: ranges, the 90 % warning, exhaustion, and concurrent admissions that
//! never share a number (run on SQLite and, with ZHIYUAN_TEST_PG, on PostgreSQL).

use std::collections::HashSet;

use serde_json::json;

use super::{admit, application, apply, approve, tree};
use crate::harness::spawn;

#[tokio::test]
async fn a_range_warns_at_90_percent_and_exhaustion_is_a_clear_409() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    let mut warnings = Vec::new();
    for seq in 0..10 {
        let (id, _) = apply(&t, application(&tr.team, 100 + seq)).await;
        let r = admit(&t, &tr, &id).await.expect(200);
        assert_eq!(r.body["registration_no"], format!("NM{:02}", seq + 1));
        warnings.push(!r.body["warning"].is_null());
    }
    // 9 of 10 issued is 90 %.
    assert_eq!(
        warnings,
        [false, false, false, false, false, false, false, false, true, true]
    );
    let ranges = t
        .get(
            &format!("/api/v1/orgs/{}/number-ranges", tr.county),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(ranges.body[0]["exhausted"], true);
    let (id, _) = apply(&t, application(&tr.team, 200)).await;
    approve(&t, &tr.village_admin, &id).await.expect(200);
    approve(&t, &tr.township_admin, &id).await.expect(200);
    approve(&t, &tr.county_admin, &id).await.expect_error(
        409,
        "registration_numbers_exhausted",
        None,
    );
    // Nothing was written: the application still waits at the county, no volunteer was made.
    let a = t
        .get(&format!("/api/v1/applications/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(a.body["status"], "pending");
    let vols = t
        .get("/api/v1/volunteers?per_page=200", &t.root)
        .await
        .expect(200);
    assert_eq!(vols.body["total"], 10);
    // A new, non-overlapping range lets it through; an overlapping one is refused.
    t.post(
        &format!("/api/v1/orgs/{}/number-ranges", tr.county),
        &t.root,
        json!({"prefix": "NM", "first_no": 5, "last_no": 20}),
    )
    .await
    .expect_error(409, "range_overlap", Some("first_no"));
    t.post(
        &format!("/api/v1/orgs/{}/number-ranges", tr.county),
        &t.root,
        json!({"prefix": "NM", "first_no": 11, "last_no": 99}),
    )
    .await
    .expect(201);
    let r = approve(&t, &tr.county_admin, &id).await.expect(200);
    assert_eq!(r.body["registration_no"], "NM11");
}

#[tokio::test]
async fn ranges_need_an_authority_and_valid_bounds() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    t.post(
        &format!("/api/v1/orgs/{}/number-ranges", tr.township),
        &t.root,
        json!({"prefix": "NM", "first_no": 500, "last_no": 600}),
    )
    .await
    .expect_error(422, "not_registration_authority", Some("org_id"));
    t.post(
        &format!("/api/v1/orgs/{}/number-ranges", tr.county),
        &t.root,
        json!({"prefix": "NM", "first_no": 700, "last_no": 600}),
    )
    .await
    .expect_error(422, "range_invalid", Some("last_no"));
    t.post(
        &format!("/api/v1/orgs/{}/number-ranges", tr.county),
        &tr.township_admin,
        json!({"prefix": "NM", "first_no": 700, "last_no": 800}),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
}

#[tokio::test]
async fn concurrent_admissions_never_share_a_number() {
    let t = spawn().await;
    let tr = tree(&t, (1, 1000)).await;
    let mut ids = Vec::new();
    for seq in 0..12 {
        let (id, _) = apply(&t, application(&tr.team, 300 + seq)).await;
        approve(&t, &tr.village_admin, &id).await.expect(200);
        approve(&t, &tr.township_admin, &id).await.expect(200);
        ids.push(id);
    }
    let mut tasks = Vec::new();
    for id in ids {
        let router = t.router.clone();
        let token = tr.county_admin.clone();
        tasks.push(tokio::spawn(async move {
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(format!("/api/v1/applications/{id}/review"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"decision":"approve"}"#))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            let bytes = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            v["registration_no"].as_str().unwrap().to_owned()
        }));
    }
    let mut numbers = HashSet::new();
    for task in tasks {
        assert!(
            numbers.insert(task.await.unwrap()),
            "a number was issued twice"
        );
    }
    assert_eq!(numbers.len(), 12);
    let expected: HashSet<String> = (1..=12).map(|n| format!("NM{n:04}")).collect();
    assert_eq!(numbers, expected, "numbers are consecutive, none skipped");
}
