//! Group commit of sign-ups (成批提交): a batch where one request fails and the others are
//! written, request order is waitlist order, a volunteer's own sign-up through the faster
//! path keeps every scope rule, the session cache forgets a logout at once, and batched
//! sign-ups that were answered survive `kill -9`.

use serde_json::{json, Value};
use zhiyuan_store::activities::{SignupOutcome, SignupRequest};
use zhiyuan_store::NewAudit;

use super::{at, world};
use crate::harness::{database_url, volunteer_body};
use crate::process::{create_root, free_port, http, root_token, start};

fn request(activity: &str, volunteer: &str) -> SignupRequest {
    SignupRequest {
        activity_id: activity.to_owned(),
        volunteer_id: volunteer.to_owned(),
        at: chrono::Utc::now().timestamp_millis(),
        audit: NewAudit {
            at: chrono::Utc::now().timestamp_millis(),
            actor_id: None,
            actor_name: "test".into(),
            action: "signup.create".into(),
            subject_type: "activity".into(),
            subject_id: activity.to_owned(),
            org_path: "/".into(),
            before: None,
            after: Some(json!({"volunteer_id": volunteer})),
        },
    }
}

async fn signup_audit_lines(w: &super::World, activity: &str) -> usize {
    let hist =
        w.t.get(
            &format!("/api/v1/audit?subject_id={activity}&per_page=200"),
            &w.t.root,
        )
        .await
        .expect(200);
    hist.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "signup.create")
        .count()
}

#[tokio::test]
async fn a_failing_request_leaves_the_rest_of_its_batch_written() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 2, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let mut vols = Vec::new();
    for i in 0..3 {
        vols.push(t.volunteer(&t.root, "刘建军", &w.county, 700 + i).await);
    }
    let batch = [
        request(id, &vols[0]),
        // No such volunteer: the foreign key refuses it inside its savepoint.
        request(id, "no-such-volunteer"),
        // The same person again in one batch: refused as already signed up.
        request(id, &vols[0]),
        request(id, &vols[1]),
        request(id, &vols[2]),
    ];
    let out = t.app.store().signup_batch(&batch).await.expect("batch");
    assert_eq!(out.len(), 5);
    assert_eq!(out[0].as_ref().ok(), Some(&SignupOutcome::Confirmed));
    assert!(out[1].is_err(), "{:?}", out[1]);
    assert_eq!(
        out[2].as_ref().ok(),
        Some(&SignupOutcome::Already("confirmed".into()))
    );
    assert_eq!(out[3].as_ref().ok(), Some(&SignupOutcome::Confirmed));
    assert_eq!(
        out[4].as_ref().ok(),
        Some(&SignupOutcome::Waitlisted { position: 1 })
    );
    // Exactly the three that succeeded are stored, each with its audit line; the failed
    // one took no place and left no line.
    let got = t
        .get(&format!("/api/v1/activities/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(got.body["confirmed"], 2);
    let rows = t.app.store().signups_of(id).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(signup_audit_lines(&w, id).await, 3);
}

#[tokio::test]
async fn batched_waitlist_positions_follow_request_order_across_a_cancellation() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 1, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let mut vols = Vec::new();
    for i in 0..8 {
        vols.push(t.volunteer(&t.root, "孙卫国", &w.county, 720 + i).await);
    }
    let first: Vec<_> = vols[..5].iter().map(|v| request(id, v)).collect();
    let out = t.app.store().signup_batch(&first).await.expect("batch");
    let got: Vec<_> = out.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        got,
        vec![
            SignupOutcome::Confirmed,
            SignupOutcome::Waitlisted { position: 1 },
            SignupOutcome::Waitlisted { position: 2 },
            SignupOutcome::Waitlisted { position: 3 },
            SignupOutcome::Waitlisted { position: 4 },
        ]
    );
    // The second in the queue leaves; the next batch's positions count from what remains.
    t.delete(
        &format!("/api/v1/activities/{id}/signups/{}", vols[2]),
        &t.root,
    )
    .await
    .expect(200);
    let second: Vec<_> = vols[5..].iter().map(|v| request(id, v)).collect();
    let out = t.app.store().signup_batch(&second).await.expect("batch");
    let got: Vec<_> = out.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        got,
        vec![
            SignupOutcome::Waitlisted { position: 4 },
            SignupOutcome::Waitlisted { position: 5 },
            SignupOutcome::Waitlisted { position: 6 },
        ]
    );
    // What was answered is what the stored queue says.
    let rows = t.app.store().signups_of(id).await.unwrap();
    let queue: Vec<(String, Option<i64>)> = rows
        .iter()
        .filter(|s| s.status == "waitlisted")
        .map(|s| (s.volunteer_id.clone(), s.position))
        .collect();
    let expected: Vec<(String, Option<i64>)> = [1, 3, 4, 5, 6, 7]
        .iter()
        .zip(1..)
        .map(|(&i, p)| (vols[i].clone(), Some(p)))
        .collect();
    assert_eq!(queue, expected);
}

#[tokio::test]
async fn volunteers_signing_themselves_up_keep_every_rule() {
    let w = world().await;
    let t = &w.t;
    let a = w
        .activity(json!({"capacity": 3, "waitlist": true, "required_skills": ["驾驶"]}))
        .await;
    let id = a["id"].as_str().unwrap().to_owned();
    let other_county = t.org(&t.root, "库伦旗", "county", None).await;
    let mut tokens = Vec::new();
    let mut vols = Vec::new();
    for i in 0..6u32 {
        let v = t.volunteer(&t.root, "赵红军", &w.county, 740 + i).await;
        tokens.push(
            t.account(&t.root, &format!("zhao{i}"), "volunteer", &v)
                .await,
        );
        vols.push(v);
    }
    let stranger = t.volunteer(&t.root, "钱志刚", &other_county, 760).await;
    let st = t.account(&t.root, "qian", "volunteer", &stranger).await;
    let path = format!("/api/v1/activities/{id}/signups");
    // Someone else's sign-up: 403 naming the field; an outsider does not see the activity.
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[1]}))
        .await
        .expect_error(403, "out_of_scope", Some("volunteer_id"));
    t.post(&path, &st, json!({"volunteer_id": stranger}))
        .await
        .expect_error(404, "not_found", None);
    // All six at once, each for themselves, through the batched writer.
    let mut handles = Vec::new();
    for (v, tok) in vols.iter().zip(&tokens) {
        let (router, path, body) = (
            t.router.clone(),
            path.clone(),
            json!({"volunteer_id": v}).to_string(),
        );
        let tok = tok.clone();
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post(path)
                .header("authorization", format!("Bearer {tok}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }));
    }
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for h in handles {
        let (status, body) = h.await.unwrap();
        assert_eq!(status, 201, "{body}");
        match body["status"].as_str() {
            Some("confirmed") => confirmed += 1,
            _ => positions.push(body["position"].as_i64().unwrap()),
        }
    }
    positions.sort_unstable();
    assert_eq!((confirmed, positions), (3, vec![1, 2, 3]));
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect_error(409, "already_signed_up", Some("volunteer_id"));
    assert_eq!(signup_audit_lines(&w, &id).await, 6);
}

#[tokio::test]
async fn logging_out_ends_a_cached_session_at_once() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "周国庆", &w.county, 780).await;
    let token = t.account(&t.root, "zhou", "volunteer", &v).await;
    // Used twice: the second answer comes from the session cache.
    t.get("/api/v1/activities", &token).await.expect(200);
    t.get("/api/v1/activities", &token).await.expect(200);
    t.post("/api/v1/auth/logout", &token, json!({}))
        .await
        .expect(204);
    t.get("/api/v1/activities", &token)
        .await
        .expect_error(401, "unauthorized", None);
}

// ---- kill -9 of the real binary right after batched sign-ups were answered ----

#[tokio::test]
async fn answered_batched_signups_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    if !db.starts_with("sqlite:") {
        return; // group commit is SQLite's; PostgreSQL's durability is its own
    }
    create_root(&db).await;
    let port = free_port();
    let mut server = start(&db, port).await;
    let token = root_token(port).await;
    let (_, org) = http(
        port,
        "POST",
        "/api/v1/orgs",
        Some(&token),
        Some(json!({"name": "奈曼旗", "level": "county"})),
    )
    .await;
    let org = org["id"].as_str().unwrap().to_owned();
    let (_, team) = http(
        port,
        "POST",
        "/api/v1/teams",
        Some(&token),
        Some(json!({"name": "服务队", "org_id": org, "echelon": "team"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let (s, a) = http(port, "POST", "/api/v1/activities", Some(&token), Some(json!({"title": "巡河", "team_id": team, "starts_at": at(3600), "ends_at": at(7200), "capacity": 10, "waitlist": true}))).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let mut vols = Vec::new();
    for i in 0..40u32 {
        let (s, v) = http(
            port,
            "POST",
            "/api/v1/volunteers",
            Some(&token),
            Some(volunteer_body("马建国", &org, 800 + i)),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        vols.push(v["id"].as_str().unwrap().to_owned());
    }
    // All at once, so the writer takes them in batches; kill as soon as the last is answered.
    let mut handles = Vec::new();
    for v in vols.clone() {
        let (token, id) = (token.clone(), id.clone());
        handles.push(tokio::spawn(async move {
            let (s, b) = http(
                port,
                "POST",
                &format!("/api/v1/activities/{id}/signups"),
                Some(&token),
                Some(json!({"volunteer_id": v})),
            )
            .await;
            (v, s, b)
        }));
    }
    let mut answered = Vec::new();
    for h in handles {
        let (v, s, b) = h.await.unwrap();
        assert_eq!(s, 201, "{b}");
        answered.push((
            v,
            b["status"].as_str().unwrap().to_owned(),
            b["position"].clone(),
        ));
    }
    server.start_kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().await.unwrap();

    let port = free_port();
    let _server = start(&db, port).await;
    let (s, list) = http(
        port,
        "GET",
        &format!("/api/v1/activities/{id}/signups"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), answered.len());
    for (v, status, position) in &answered {
        let row = items
            .iter()
            .find(|s| s["volunteer_id"] == *v)
            .unwrap_or_else(|| panic!("answered sign-up of {v} lost"));
        assert_eq!(row["status"], *status);
        assert_eq!(row["position"], *position);
    }
    assert_eq!(answered.iter().filter(|a| a.1 == "confirmed").count(), 10);
}
