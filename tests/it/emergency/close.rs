//! At the scene and afterwards: QR check-in and officer marks, closing into service records
//! with the activities' rules (day split, 8 h / 12 h approvals, capture method), the muster
//! report read back.

use serde_json::{json, Value};
use zhiyuan_store::emergency::PresenceRow;

use super::{world, World};

const HOUR: i64 = 3_600_000;

/// China midnight starting the day `days_ago` days before today, unix ms.
fn midnight(days_ago: i64) -> i64 {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&china).date_naive();
    (today - chrono::Duration::days(days_ago))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(china)
        .unwrap()
        .timestamp_millis()
}

fn rfc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339()
}

/// An accepted call-up of `volunteer` (called through the API, accepted by them).
async fn accepted(w: &World, incident: &str, volunteer: &str, username: &str) -> (String, String) {
    let token = w.login_as(username, volunteer).await;
    let r =
        w.t.post(
            &format!("/api/v1/incidents/{incident}/callups"),
            &w.admin,
            json!({"volunteer_ids": [volunteer]}),
        )
        .await
        .expect(201);
    let cid = r.body["items"][0]["id"].as_str().unwrap().to_owned();
    w.t.post(
        &format!("/api/v1/callups/{cid}/answer"),
        &token,
        json!({"accept": true}),
    )
    .await
    .expect(200);
    (cid, token)
}

/// A past stretch on site, written through the store (the API only knows "now").
async fn stretch(w: &World, incident: &str, callup: &str, volunteer: &str, from: i64, to: i64) {
    let store = w.t.app.store();
    let audit = zhiyuan_store::NewAudit {
        at: from,
        actor_id: None,
        actor_name: "test".into(),
        action: "incident.arrived".into(),
        subject_type: "callup".into(),
        subject_id: callup.into(),
        org_path: "/".into(),
        before: None,
        after: None,
    };
    let p = PresenceRow {
        id: uuid::Uuid::now_v7().simple().to_string(),
        incident_id: incident.into(),
        callup_id: callup.into(),
        volunteer_id: volunteer.into(),
        arrived_at: from,
        arrived_how: "officer".into(),
        left_at: None,
        left_how: None,
        record_note: None,
        volunteer_name: String::new(),
    };
    store
        .arrive(&p, from - from.rem_euclid(24 * HOUR), 3, &[], &audit)
        .await
        .unwrap();
    store
        .leave(incident, volunteer, to, "officer", &[], &audit)
        .await
        .unwrap();
}

async fn records(w: &World, volunteer: &str) -> Vec<Value> {
    w.t.get(
        &format!("/api/v1/volunteers/{volunteer}/service-records"),
        &w.t.root,
    )
    .await
    .expect(200)
    .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn volunteers_check_in_at_the_scene_by_qr_and_officers_mark_arrivals() {
    let w = world().await;
    w.t.team(&w.t.root, "奈曼旗服务队", &w.county, None, "team")
        .await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let c = w.person("丙", &w.township, 3.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let (_, at) = accepted(&w, &id, &a, "jia").await;
    accepted(&w, &id, &b, "yi").await;
    let ct = w.login_as("bing", &c).await;
    // The scene's code, scanned by a.
    let code =
        w.t.get(&format!("/api/v1/incidents/{id}/checkin-code"), &w.admin)
            .await
            .expect(200);
    let token = code.body["token"].as_str().unwrap().to_owned();
    assert!(code.body["path"]
        .as_str()
        .unwrap()
        .starts_with("/incidents/checkin/"));
    let r =
        w.t.post(
            &format!("/api/v1/incidents/checkin/{token}"),
            &at,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["action"], "arrived");
    // c was never called: refused.
    w.t.post(
        &format!("/api/v1/incidents/checkin/{token}"),
        &ct,
        json!({}),
    )
    .await
    .expect_error(422, "not_called", Some("volunteer_id"));
    // An altered code, or an activity's code, is refused.
    // The last character changed for certain (a fixed '0' was the same code one time in 16).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    w.t.post(
        &format!("/api/v1/incidents/checkin/{forged}"),
        &at,
        json!({}),
    )
    .await
    .expect_error(422, "checkin_code_invalid", Some("token"));
    // The officer marks b on site.
    w.t.post(
        &format!("/api/v1/incidents/{id}/presence"),
        &w.admin,
        json!({"volunteer_id": b, "action": "arrive"}),
    )
    .await
    .expect(200);
    w.t.post(
        &format!("/api/v1/incidents/{id}/presence"),
        &w.admin,
        json!({"volunteer_id": b, "action": "arrive"}),
    )
    .await
    .expect_error(409, "already_on_site", None);
    let board =
        w.t.get(&format!("/api/v1/incidents/{id}/board"), &w.admin)
            .await
            .expect(200);
    assert_eq!(board.body["counts"]["on_site"], 2);
    assert_eq!(board.body["counts"]["accepted"], 2);
    // Scanning again checks a out.
    let r =
        w.t.post(
            &format!("/api/v1/incidents/checkin/{token}"),
            &at,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["action"], "left");
    let board =
        w.t.get(&format!("/api/v1/incidents/{id}/board"), &w.admin)
            .await
            .expect(200);
    assert_eq!(board.body["counts"]["on_site"], 1);
    // On site, declining is no longer the way out.
    let cb = board.body["callups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["volunteer_id"] == b.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bt = w.t.login("v_yi", crate::harness::PASSWORD).await;
    w.t.post(
        &format!("/api/v1/callups/{cb}/answer"),
        &bt,
        json!({"accept": false}),
    )
    .await
    .expect_error(409, "callup_answered", None);
    // Closing: b's open stretch ends at the close; both get scan/officer records.
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let ra = records(&w, &a).await;
    assert_eq!(ra.len(), 1, "{ra:?}");
    assert_eq!(ra[0]["captured"], "scan");
    assert!(ra[0]["activity_title"]
        .as_str()
        .unwrap()
        .contains("暴雨内涝抢险"));
    let rb = records(&w, &b).await;
    assert_eq!(rb[0]["captured"], "officer");
    assert!(rb[0]["content"].as_str().unwrap().contains("收队时签退"));
    // Closed is final: no check-in, no status change.
    w.t.post(
        &format!("/api/v1/incidents/{id}/presence"),
        &w.admin,
        json!({"volunteer_id": b, "action": "arrive"}),
    )
    .await
    .expect_error(409, "incident_closed", None);
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "standing_down"}),
    )
    .await
    .expect_error(409, "status_transition", Some("status"));
}

#[tokio::test]
async fn closing_turns_time_on_site_into_records_with_the_day_rules() {
    let w = world().await;
    let team =
        w.t.team(&w.t.root, "奈曼旗服务队", &w.county, None, "team")
            .await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let c = w.person("丙", &w.township, 3.0, &["应急救援"]).await;
    let d3 = midnight(3);
    let i = w
        .incident(json!({"started_at": rfc(d3), "team_id": team}))
        .await;
    let id = i["id"].as_str().unwrap().to_owned();
    let (ca, _) = accepted(&w, &id, &a, "jia").await;
    let (cb, _) = accepted(&w, &id, &b, "yi").await;
    let (cc, _) = accepted(&w, &id, &c, "bing").await;
    // a: 9.5 h on day -2 (over 8 h: the team approves).
    stretch(
        &w,
        &id,
        &ca,
        &a,
        midnight(2) + 8 * HOUR,
        midnight(2) + 17 * HOUR + HOUR / 2,
    )
    .await;
    // b: 13 h on day -2 (over 12 h: the level above approves).
    stretch(
        &w,
        &id,
        &cb,
        &b,
        midnight(2) + 6 * HOUR,
        midnight(2) + 19 * HOUR,
    )
    .await;
    // c: 20:00 → 04:00 over midnight: two records of 4 h, one per day.
    stretch(
        &w,
        &id,
        &cc,
        &c,
        midnight(3) + 20 * HOUR,
        midnight(2) + 4 * HOUR,
    )
    .await;
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "standing_down"}),
    )
    .await
    .expect(200);
    let closed =
        w.t.post(
            &format!("/api/v1/incidents/{id}/status"),
            &w.admin,
            json!({"status": "closed"}),
        )
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "closed");
    let activity = closed.body["activity_id"]
        .as_str()
        .expect("the incident owns an activity")
        .to_owned();
    let ra = records(&w, &a).await;
    assert_eq!(
        (ra.len(), ra[0]["status"].as_str(), ra[0]["hours"].as_f64()),
        (1, Some("pending_team"), Some(9.5))
    );
    let rb = records(&w, &b).await;
    assert_eq!(
        (rb[0]["status"].as_str(), rb[0]["hours"].as_f64()),
        (Some("pending_higher"), Some(13.0))
    );
    let mut rc = records(&w, &c).await;
    rc.sort_by_key(|r| r["date"].as_str().unwrap().to_owned());
    assert_eq!(rc.len(), 2, "split at midnight: {rc:?}");
    assert_eq!(
        (rc[0]["hours"].as_f64(), rc[1]["hours"].as_f64()),
        (Some(4.0), Some(4.0))
    );
    assert!(rc
        .iter()
        .all(|r| r["status"] == "approved" && r["activity_id"] == activity.as_str()));
    // The records belong to the incident's activity, under the leading unit: its officers see them.
    let recs =
        w.t.get(
            &format!("/api/v1/activities/{activity}/attendance"),
            &w.admin,
        )
        .await
        .expect(200);
    assert_eq!(
        recs.body
            .as_array()
            .map(|a| a.len())
            .or(recs.body["items"].as_array().map(|a| a.len())),
        Some(4)
    );
    // The team approves a's long day (the activities' own approval flow).
    let rid = ra[0]["id"].as_str().unwrap();
    w.t.post(
        &format!("/api/v1/service-records/{rid}/decision"),
        &w.admin,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    // The muster report reads back.
    let bytes = muster_bytes(&w, &id).await;
    let rows = zhiyuan_sheets::read_xlsx(&bytes).unwrap();
    let texts: Vec<Vec<String>> = rows.iter().map(|r| r.texts()).collect();
    assert!(texts[0][0].contains("集结点名册"));
    let header = texts
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("序号"))
        .unwrap();
    let lines = &texts[header + 1..];
    assert_eq!(lines.len(), 3);
    let line_a = lines.iter().find(|r| r[1] == "王甲").unwrap();
    assert_eq!(line_a[3], "已接受");
    assert_eq!(line_a[9].parse::<f64>().unwrap(), 9.5);
    assert!(line_a[10].contains("待队伍审核"), "{line_a:?}");
    let line_c = lines.iter().find(|r| r[1] == "王丙").unwrap();
    assert_eq!(line_c[9].parse::<f64>().unwrap(), 8.0);
    assert!(texts
        .iter()
        .any(|r| r.first().map(String::as_str) == Some("到场人数") && r[1] == "3"));
}

async fn muster_bytes(w: &World, id: &str) -> Vec<u8> {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let resp =
        w.t.router
            .clone()
            .oneshot(
                axum::http::Request::get(format!("/api/v1/incidents/{id}/muster.xlsx"))
                    .header("authorization", format!("Bearer {}", w.admin))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn closing_without_any_unit_writes_nothing() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    accepted(&w, &id, &a, "jia").await;
    w.t.post(
        &format!("/api/v1/incidents/{id}/presence"),
        &w.admin,
        json!({"volunteer_id": a, "action": "arrive"}),
    )
    .await
    .expect(200);
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "closed"}),
    )
    .await
    .expect_error(409, "no_team", None);
    let still =
        w.t.get(&format!("/api/v1/incidents/{id}"), &w.admin)
            .await
            .expect(200);
    assert_eq!(still.body["status"], "open");
    assert!(
        w.t.app.store().presence_of(&id).await.unwrap()[0]
            .left_at
            .is_none(),
        "nothing was written"
    );
    // With a unit in the county, the close goes through.
    w.t.team(&w.t.root, "奈曼旗服务队", &w.county, None, "team")
        .await;
    w.t.post(
        &format!("/api/v1/incidents/{id}/status"),
        &w.admin,
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    assert_eq!(records(&w, &a).await.len(), 1);
}
