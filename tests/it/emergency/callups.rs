//! Call-ups: chosen people or the best N, all or nothing; the volunteer's one-tap answer;
//! deadlines; notices.

use serde_json::json;

use super::{world, World};

async fn call(w: &World, incident: &str, body: serde_json::Value) -> crate::harness::Resp {
    w.t.post(
        &format!("/api/v1/incidents/{incident}/callups"),
        &w.admin,
        body,
    )
    .await
}

async fn callups_stored(w: &World, incident: &str) -> usize {
    w.t.app.store().callups_of(incident).await.unwrap().len()
}

#[tokio::test]
async fn officers_call_chosen_people_or_the_best_n() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let c = w.person("丙", &w.township, 3.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let r = call(
        &w,
        &id,
        json!({"volunteer_ids": [c], "response_minutes": 30}),
    )
    .await
    .expect(201);
    assert_eq!(r.body["total"], 1);
    let one = &r.body["items"][0];
    assert_eq!(
        (
            one["volunteer_id"].as_str(),
            one["status"].as_str(),
            one["seq"].as_i64()
        ),
        (Some(c.as_str()), Some("called"), Some(1))
    );
    assert!((one["distance_km"].as_f64().unwrap() - 3.0).abs() < 0.01);
    assert!(one["seconds_left"].as_i64().unwrap() > 29 * 60);
    // c is no longer a candidate; the best 2 are a and b, in order.
    assert_eq!(w.candidate_ids(&id, 10).await, [a.clone(), b.clone()]);
    let r = call(&w, &id, json!({"best": 2})).await.expect(201);
    let got: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["volunteer_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [a.as_str(), b.as_str()]);
    let all =
        w.t.get(&format!("/api/v1/incidents/{id}/callups"), &w.admin)
            .await
            .expect(200);
    let seqs: Vec<i64> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    // Nobody left: the best N finds no one.
    call(&w, &id, json!({"best": 1}))
        .await
        .expect_error(422, "no_candidates", Some("best"));
    // Each called volunteer with an account has a notice linking to the phone page.
    let at = w.login_as("jia", &a).await;
    let mine = w.t.get("/api/v1/callups", &at).await.expect(200);
    let cid = mine.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(mine.body["items"][0]["incident_title"], "暴雨内涝抢险");
    w.t.get(&format!("/api/v1/callups/{cid}"), &at)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_called_volunteer_gets_a_notice_with_the_answer_link() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let at = w.login_as("jia", &a).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let r = call(&w, &id, json!({"volunteer_ids": [a]}))
        .await
        .expect(201);
    let cid = r.body["items"][0]["id"].as_str().unwrap().to_owned();
    let me = w.t.get("/api/v1/auth/me", &at).await.expect(200);
    let uid = me.body["user_id"].as_str().unwrap().to_owned();
    let (notes, _) = w.t.app.store().notifications_of(&uid, 10, 0).await.unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].kind, "callup");
    assert_eq!(
        notes[0].link.as_deref(),
        Some(format!("/callups/{cid}").as_str())
    );
    assert!(
        notes[0].body.contains("婉拒"),
        "the notice says declining is fine"
    );
}

#[tokio::test]
async fn bad_call_ups_are_refused_and_write_nothing() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let outsider = w.person("外旗", &w.other_county, 1.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    call(&w, &id, json!({"volunteer_ids": [a, "no-such-volunteer"]}))
        .await
        .expect_error(404, "not_found", Some("volunteer_ids"));
    call(&w, &id, json!({"volunteer_ids": [a, outsider]}))
        .await
        .expect_error(403, "out_of_scope", Some("volunteer_ids"));
    call(&w, &id, json!({})).await.expect_error(
        422,
        "callup_target_invalid",
        Some("volunteer_ids"),
    );
    call(&w, &id, json!({"volunteer_ids": [a], "best": 2}))
        .await
        .expect_error(422, "callup_target_invalid", Some("volunteer_ids"));
    call(&w, &id, json!({"best": 0}))
        .await
        .expect_error(422, "best_invalid", Some("best"));
    call(
        &w,
        &id,
        json!({"volunteer_ids": [a], "response_minutes": -1}),
    )
    .await
    .expect_error(422, "response_minutes_invalid", Some("response_minutes"));
    assert_eq!(callups_stored(&w, &id).await, 0, "nothing was written");
    // Another county's admin: the incident is unknown to them.
    let other =
        w.t.account(&w.t.root, "kulun", "admin", &w.other_county)
            .await;
    w.t.post(
        &format!("/api/v1/incidents/{id}/callups"),
        &other,
        json!({"volunteer_ids": [outsider]}),
    )
    .await
    .expect_error(404, "not_found", None);
    // Twice the same person: 409.
    call(&w, &id, json!({"volunteer_ids": [a]}))
        .await
        .expect(201);
    call(&w, &id, json!({"volunteer_ids": [a]}))
        .await
        .expect_error(409, "already_called", Some("volunteer_ids"));
    assert_eq!(callups_stored(&w, &id).await, 1);
    // Suspended: 422.
    let s = w.person("停", &w.township, 1.0, &["应急救援"]).await;
    w.t.post(
        &format!("/api/v1/volunteers/{s}/suspend"),
        &w.t.root,
        json!({"reason": "外出"}),
    )
    .await
    .expect(200);
    call(&w, &id, json!({"volunteer_ids": [s]}))
        .await
        .expect_error(422, "volunteer_unavailable", Some("volunteer_ids"));
    // After standing down, no more call-ups.
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "standing_down"}),
    )
    .await
    .expect(200);
    let b = w.person("乙", &w.township, 1.0, &["应急救援"]).await;
    call(&w, &id, json!({"volunteer_ids": [b]}))
        .await
        .expect_error(409, "incident_not_open", None);
}

#[tokio::test]
async fn volunteers_accept_or_decline_with_one_tap_and_declining_costs_nothing() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let (at, bt) = (w.login_as("jia", &a).await, w.login_as("yi", &b).await);
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let r = call(&w, &id, json!({"best": 2})).await.expect(201);
    let ca = r.body["items"][0]["id"].as_str().unwrap().to_owned();
    let cb = r.body["items"][1]["id"].as_str().unwrap().to_owned();
    // Only the volunteer answers for themself: others (even an officer) are told it's unknown.
    w.t.post(
        &format!("/api/v1/callups/{ca}/answer"),
        &bt,
        json!({"accept": true}),
    )
    .await
    .expect_error(404, "not_found", None);
    w.t.post(
        &format!("/api/v1/callups/{ca}/answer"),
        &w.admin,
        json!({"accept": true}),
    )
    .await
    .expect_error(404, "not_found", None);
    let ok =
        w.t.post(
            &format!("/api/v1/callups/{ca}/answer"),
            &at,
            json!({"accept": true}),
        )
        .await
        .expect(200);
    assert_eq!(ok.body["status"], "accepted");
    let no =
        w.t.post(
            &format!("/api/v1/callups/{cb}/answer"),
            &bt,
            json!({"accept": false}),
        )
        .await
        .expect(200);
    assert_eq!(no.body["status"], "declined");
    // Changing one's mind after accepting: declining is still allowed.
    w.t.post(
        &format!("/api/v1/callups/{ca}/answer"),
        &at,
        json!({"accept": false}),
    )
    .await
    .expect(200);
    // A declined call-up cannot be accepted afterwards.
    w.t.post(
        &format!("/api/v1/callups/{cb}/answer"),
        &bt,
        json!({"accept": true}),
    )
    .await
    .expect_error(409, "callup_answered", None);
    let board =
        w.t.get(&format!("/api/v1/incidents/{id}/board"), &w.admin)
            .await
            .expect(200);
    assert_eq!(board.body["counts"]["declined"], 2);
    assert_eq!(board.body["counts"]["accepted"], 0);
    assert_eq!(board.body["counts"]["short"], 3);
    // Declining costs nothing: b ranks on a new incident exactly as before (by distance).
    let j = w.incident(json!({"title": "第二起"})).await;
    let jid = j["id"].as_str().unwrap();
    let again = w.candidates(jid, 5).await;
    let ids: Vec<&str> = again
        .iter()
        .map(|c| c["volunteer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
}

#[tokio::test]
async fn an_unanswered_call_up_expires_and_the_next_is_one_call_away() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let at = w.login_as("jia", &a).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    // A call-up whose minute to answer is already over (written straight through the store).
    let ca = past_deadline_callup(&w, &id, &a).await;
    let view =
        w.t.get(&format!("/api/v1/callups/{ca}"), &at)
            .await
            .expect(200);
    assert_eq!(
        view.body["callup"]["status"], "expired",
        "computed before any sweep"
    );
    w.t.post(
        &format!("/api/v1/callups/{ca}/answer"),
        &at,
        json!({"accept": true}),
    )
    .await
    .expect_error(409, "callup_expired", None);
    // The sweep writes it, once.
    assert_eq!(w.t.app.sweep_expired_callups().await.unwrap(), 1);
    assert_eq!(w.t.app.sweep_expired_callups().await.unwrap(), 0);
    let board =
        w.t.get(&format!("/api/v1/incidents/{id}/board"), &w.admin)
            .await
            .expect(200);
    assert_eq!(board.body["counts"]["expired"], 1);
    assert_eq!(board.body["counts"]["waiting"], 0);
    // A late "no" is still taken, and costs nothing.
    w.t.post(
        &format!("/api/v1/callups/{ca}/answer"),
        &at,
        json!({"accept": false}),
    )
    .await
    .expect(200);
    // "Call the next candidate": the best 1 is now b.
    let next = call(&w, &id, json!({"best": 1})).await.expect(201);
    assert_eq!(next.body["items"][0]["volunteer_id"], b);
}

/// A call-up of `volunteer` whose deadline passed a minute ago, written through the store.
pub async fn past_deadline_callup(w: &World, incident: &str, volunteer: &str) -> String {
    use zhiyuan_store::emergency::CallupRow;
    let now = chrono::Utc::now().timestamp_millis();
    let id = uuid::Uuid::now_v7().simple().to_string();
    let row = CallupRow {
        id: id.clone(),
        incident_id: incident.to_owned(),
        volunteer_id: volunteer.to_owned(),
        status: "called".into(),
        seq: 0,
        distance_km: Some(1.0),
        called_by: "test".into(),
        called_at: now - 120_000,
        deadline_at: now - 60_000,
        responded_at: None,
        updated_at: now - 120_000,
        volunteer_name: String::new(),
        volunteer_no: String::new(),
        home_lat: None,
        home_lon: None,
        on_site_since: None,
        ever_arrived: false,
        incident_title: String::new(),
        org_path: String::new(),
    };
    let audit = zhiyuan_store::NewAudit {
        at: now,
        actor_id: None,
        actor_name: "test".into(),
        action: "callup.create".into(),
        subject_type: "incident".into(),
        subject_id: incident.to_owned(),
        org_path: "/".into(),
        before: None,
        after: None,
    };
    w.t.app
        .store()
        .insert_callups(incident, &[row], &[], &[], &audit)
        .await
        .unwrap();
    id
}
