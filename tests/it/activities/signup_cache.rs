//! What a volunteer's own sign-up reads before it queues (app/activities/signup_reads.rs):
//! a cached activity row and volunteer facts read together with other requests. Every change
//! is seen by the next sign-up — made through this process (which forgets its cached row) or
//! straight in the database as another server process would (which the batch writer catches
//! through the row's `version`) — on SQLite and on PostgreSQL.

use serde_json::json;
use zhiyuan_store::NewAudit;

use super::world;

fn audit(action: &str, subject: &str) -> NewAudit {
    NewAudit {
        at: chrono::Utc::now().timestamp_millis(),
        actor_id: None,
        actor_name: "another process".into(),
        action: action.into(),
        subject_type: "activity".into(),
        subject_id: subject.into(),
        org_path: "/".into(),
        before: None,
        after: None,
    }
}

/// Three volunteers of the county with their own accounts: (volunteer ids, tokens).
async fn volunteers(w: &super::World, first_seq: u32) -> (Vec<String>, Vec<String>) {
    let t = &w.t;
    let (mut ids, mut tokens) = (Vec::new(), Vec::new());
    for i in 0..3 {
        let v = t
            .volunteer(&t.root, "孙建国", &w.county, first_seq + i)
            .await;
        tokens.push(
            t.account(&t.root, &format!("sun{}", first_seq + i), "volunteer", &v)
                .await,
        );
        ids.push(v);
    }
    (ids, tokens)
}

#[tokio::test]
async fn an_activity_cancelled_here_refuses_the_next_signup() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 5, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let (vols, tokens) = volunteers(&w, 800).await;
    let path = format!("/api/v1/activities/{id}/signups");
    // The first sign-up reads the activity (and caches it).
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect(201);
    t.post(
        &format!("/api/v1/activities/{id}/status"),
        &t.root,
        json!({"status": "cancelled"}),
    )
    .await
    .expect(200);
    t.post(&path, &tokens[1], json!({"volunteer_id": vols[1]}))
        .await
        .expect_error(409, "activity_not_open", None);
}

#[tokio::test]
async fn an_activity_cancelled_by_another_process_refuses_the_next_signup() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 5, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let (vols, tokens) = volunteers(&w, 810).await;
    let path = format!("/api/v1/activities/{id}/signups");
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect(201);
    // Straight in the database, as another server process would: this process's cached row
    // still says "published"; the writer sees the version move and nothing is written.
    let now = chrono::Utc::now().timestamp_millis();
    t.app
        .store()
        .set_activity_status(
            id,
            "published",
            "cancelled",
            now,
            &audit("activity.status", id),
        )
        .await
        .expect("cancel");
    t.post(&path, &tokens[1], json!({"volunteer_id": vols[1]}))
        .await
        .expect_error(409, "activity_not_open", None);
    let rows = t.app.store().signups_of(id).await.expect("signups");
    assert_eq!(rows.len(), 1, "{rows:?}");
}

#[tokio::test]
async fn a_refusal_on_a_cached_row_is_decided_again_on_a_fresh_one() {
    let w = world().await;
    let t = &w.t;
    let a = w
        .activity(json!({"capacity": 5, "waitlist": true, "draft": true}))
        .await;
    let id = a["id"].as_str().unwrap();
    let (vols, tokens) = volunteers(&w, 820).await;
    let path = format!("/api/v1/activities/{id}/signups");
    // A draft: refused (and its row read, so cached as a draft).
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect_error(409, "activity_not_open", None);
    // Published by another process: the cached draft must not refuse anybody now.
    let now = chrono::Utc::now().timestamp_millis();
    t.app
        .store()
        .set_activity_status(id, "draft", "published", now, &audit("activity.status", id))
        .await
        .expect("publish");
    let ok = t
        .post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect(201);
    assert_eq!(ok.body["status"], "confirmed");
}

#[tokio::test]
async fn a_skill_removed_is_seen_by_the_next_signup() {
    let w = world().await;
    let t = &w.t;
    let a = w
        .activity(json!({"capacity": 5, "waitlist": true, "required_skills": ["驾驶"]}))
        .await;
    let id = a["id"].as_str().unwrap();
    let (vols, tokens) = volunteers(&w, 830).await;
    let path = format!("/api/v1/activities/{id}/signups");
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect(201);
    // vols[1] loses 驾驶 (straight in the database, as another process would write it).
    let store = t.app.store();
    let mut rec = store
        .get_volunteer(&vols[1])
        .await
        .expect("read")
        .expect("volunteer");
    rec.skills.retain(|s| s != "驾驶");
    rec.row.version += 1;
    store
        .update_volunteer(&rec, &audit("volunteer.update", &vols[1]))
        .await
        .expect("update");
    t.post(&path, &tokens[1], json!({"volunteer_id": vols[1]}))
        .await
        .expect_error(422, "missing_skill", Some("volunteer_id"));
    // And a volunteer no longer active may not sign up either.
    let mut rec = store
        .get_volunteer(&vols[2])
        .await
        .expect("read")
        .expect("volunteer");
    rec.row.status = "withdrawn".into();
    rec.row.version += 1;
    store
        .update_volunteer(&rec, &audit("volunteer.update", &vols[2]))
        .await
        .expect("update");
    t.post(&path, &tokens[2], json!({"volunteer_id": vols[2]}))
        .await
        .expect_error(422, "volunteer_inactive", Some("volunteer_id"));
}

#[tokio::test]
async fn team_membership_decides_who_may_join_at_once() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 5, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/activities/{id}/signups");
    // Lives in another county: may join only as a member of the activity's team.
    let other = t.org(&t.root, "库伦旗", "county", None).await;
    let v = t.volunteer(&t.root, "李卫东", &other, 840).await;
    let token = t.account(&t.root, "li840", "volunteer", &v).await;
    t.post(&path, &token, json!({"volunteer_id": v}))
        .await
        .expect_error(404, "not_found", None);
    t.post(
        &format!("/api/v1/teams/{}/members", w.team),
        &t.root,
        json!({"volunteer_id": v, "position": "member"}),
    )
    .await
    .expect(201);
    t.post(&path, &token, json!({"volunteer_id": v}))
        .await
        .expect(201);
}

#[tokio::test]
async fn a_full_activity_without_waitlist_stays_full_with_a_cached_row() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 2, "waitlist": false})).await;
    let id = a["id"].as_str().unwrap();
    let (vols, tokens) = volunteers(&w, 850).await;
    let path = format!("/api/v1/activities/{id}/signups");
    for i in 0..2 {
        t.post(&path, &tokens[i], json!({"volunteer_id": vols[i]}))
            .await
            .expect(201);
    }
    t.post(&path, &tokens[2], json!({"volunteer_id": vols[2]}))
        .await
        .expect_error(409, "activity_full", None);
    t.post(&path, &tokens[0], json!({"volunteer_id": vols[0]}))
        .await
        .expect_error(409, "already_signed_up", Some("volunteer_id"));
}
