//! Activities and service hours (issue 4): API tests. Sign-ups and their concurrency here;
//! hours, amendments, check-in codes and certificates in `activities/`.

mod certificate_pdf;
mod group_commit;
mod hours;
mod multi_process;
mod open_view;
mod signup_cache;

use serde_json::{json, Value};

use crate::harness::{spawn, TestApp};

/// RFC 3339 of yesterday 08:00 China time + `secs` seconds: a fixed day, so records made
/// around midnight don't fall on two days.
pub fn yesterday(secs: i64) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&china).date_naive();
    let eight = (today - chrono::Duration::days(1))
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_local_timezone(china)
        .unwrap();
    (eight + chrono::Duration::seconds(secs)).to_rfc3339()
}

/// RFC 3339 of now + `secs` seconds, in China time.
pub fn at(secs: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::seconds(secs);
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Lets time pass until the activity has been under way for a minute, without waiting: its
/// times and its sign-up window move back together. (The API only creates activities that
/// start in the future, and only those take sign-ups.)
pub async fn started_a_minute_ago(t: &TestApp, activity: &str) {
    let a = t
        .app
        .store()
        .get_activity(activity)
        .await
        .unwrap()
        .expect("the activity");
    let back = a.starts_at - zhiyuan_app::clock::now_ms() + 60_000;
    t.execute_sql(&format!(
        "UPDATE activities SET starts_at = starts_at - {back}, ends_at = ends_at - {back}, \
         signup_opens_at = signup_opens_at - {back}, signup_closes_at = signup_closes_at - {back} \
         WHERE id = '{activity}'"
    ))
    .await;
}

pub struct World {
    pub t: TestApp,
    pub county: String,
    pub team: String,
}

pub async fn world() -> World {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let team = t
        .team(&t.root, "奈曼旗退役军人志愿服务队", &county, None, "team")
        .await;
    World { t, county, team }
}

impl World {
    pub async fn activity(&self, extra: Value) -> Value {
        let mut body = json!({"title": "清明祭扫志愿服务", "team_id": self.team, "starts_at": at(3600), "ends_at": at(7200), "capacity": 2, "location": {"name": "烈士陵园", "lat": 42.85, "lon": 120.66}});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.t
            .post("/api/v1/activities", &self.t.root, body)
            .await
            .expect(201)
            .body
    }

    pub async fn signup(&self, activity: &str, volunteer: &str) -> crate::harness::Resp {
        self.t
            .post(
                &format!("/api/v1/activities/{activity}/signups"),
                &self.t.root,
                json!({"volunteer_id": volunteer}),
            )
            .await
    }
}

#[tokio::test]
async fn bad_activities_are_refused_and_write_nothing() {
    let w = world().await;
    let t = &w.t;
    let base = |extra: Value| {
        let mut b = json!({"title": "活动", "team_id": w.team, "starts_at": at(3600), "ends_at": at(7200), "capacity": 5});
        if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
            b.extend(e);
        }
        b
    };
    t.post(
        "/api/v1/activities",
        &t.root,
        base(json!({"ends_at": at(1800)})),
    )
    .await
    .expect_error(422, "times_out_of_order", Some("ends_at"));
    t.post(
        "/api/v1/activities",
        &t.root,
        base(json!({"starts_at": at(-3600)})),
    )
    .await
    .expect_error(422, "activity_in_past", Some("starts_at"));
    t.post("/api/v1/activities", &t.root, base(json!({"capacity": 0})))
        .await
        .expect_error(422, "capacity_invalid", Some("capacity"));
    t.post(
        "/api/v1/activities",
        &t.root,
        base(json!({"starts_at": "tomorrow"})),
    )
    .await
    .expect_error(422, "time_invalid", Some("starts_at"));
    t.post(
        "/api/v1/activities",
        &t.root,
        base(json!({"signup_closes_at": at(5000)})),
    )
    .await
    .expect_error(422, "signup_closes_after_start", Some("signup_closes_at"));
    let list = t.get("/api/v1/activities", &t.root).await.expect(200);
    assert_eq!(list.body["total"], 0, "nothing written: {}", list.text);
}

#[tokio::test]
async fn recurring_activities_produce_their_occurrences() {
    let w = world().await;
    let a = w
        .activity(json!({"recurrence": "weekly", "occurrences": 4}))
        .await;
    assert_eq!(a["occurrences"].as_array().unwrap().len(), 4);
    assert!(a["series_id"].is_string());
    let list = w.t.get("/api/v1/activities", &w.t.root).await.expect(200);
    assert_eq!(list.body["total"], 4);
}

#[tokio::test]
async fn sign_up_confirms_then_waitlists_in_order_and_promotes_on_cancel() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 2, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let mut vols = Vec::new();
    for i in 0..5 {
        vols.push(t.volunteer(&t.root, "王志强", &w.county, 100 + i).await);
    }
    assert_eq!(
        w.signup(id, &vols[0]).await.expect(201).body["status"],
        "confirmed"
    );
    assert_eq!(
        w.signup(id, &vols[1]).await.expect(201).body["status"],
        "confirmed"
    );
    let third = w.signup(id, &vols[2]).await.expect(201);
    assert_eq!(
        (
            third.body["status"].as_str(),
            third.body["position"].as_i64()
        ),
        (Some("waitlisted"), Some(1))
    );
    assert_eq!(w.signup(id, &vols[3]).await.expect(201).body["position"], 2);
    w.signup(id, &vols[3])
        .await
        .expect_error(409, "already_signed_up", Some("volunteer_id"));
    // Cancelling a confirmed place promotes the first waitlisted; the second moves up.
    t.delete(
        &format!("/api/v1/activities/{id}/signups/{}", vols[0]),
        &t.root,
    )
    .await
    .expect(200);
    let list = t
        .get(&format!("/api/v1/activities/{id}/signups"), &t.root)
        .await
        .expect(200);
    let items = list.body["items"].as_array().unwrap();
    let status_of = |v: &str| {
        items
            .iter()
            .find(|s| s["volunteer_id"] == v)
            .map(|s| (s["status"].clone(), s["position"].clone()))
    };
    assert_eq!(status_of(&vols[2]).unwrap().0, "confirmed");
    assert_eq!(
        status_of(&vols[3]).unwrap(),
        (json!("waitlisted"), json!(1))
    );
    assert!(status_of(&vols[0]).is_none());
    let got = t
        .get(&format!("/api/v1/activities/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(got.body["confirmed"], 2);
    // The promoted volunteer is notified (an audit line on their record).
    let hist = t
        .get(&format!("/api/v1/audit?subject_id={}", vols[2]), &t.root)
        .await
        .expect(200);
    assert!(hist.text.contains("signup.promoted"), "{}", hist.text);
    // New positions count the queue as it is now: after the promotion one waits ahead.
    assert_eq!(w.signup(id, &vols[4]).await.expect(201).body["position"], 2);
    // A waitlisted one who leaves and comes back joins the end of the queue.
    t.delete(
        &format!("/api/v1/activities/{id}/signups/{}", vols[3]),
        &t.root,
    )
    .await
    .expect(200);
    assert_eq!(w.signup(id, &vols[3]).await.expect(201).body["position"], 2);
}

#[tokio::test]
async fn full_without_waitlist_is_409_and_walk_ins_are_explicit() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 1})).await;
    let id = a["id"].as_str().unwrap();
    let v1 = t.volunteer(&t.root, "赵卫国", &w.county, 1).await;
    let v2 = t.volunteer(&t.root, "钱建军", &w.county, 2).await;
    w.signup(id, &v1).await.expect(201);
    w.signup(id, &v2)
        .await
        .expect_error(409, "activity_full", None);
    // A volunteer can't add themselves as a walk-in; an officer can, and it is logged.
    let vt = t.account(&t.root, "qian", "volunteer", &v2).await;
    t.post(
        &format!("/api/v1/activities/{id}/signups"),
        &vt,
        json!({"volunteer_id": v2, "walk_in": true}),
    )
    .await
    .expect_error(403, "role_forbidden", Some("walk_in"));
    let r = t
        .post(
            &format!("/api/v1/activities/{id}/signups"),
            &t.root,
            json!({"volunteer_id": v2, "walk_in": true}),
        )
        .await
        .expect(201);
    assert_eq!(
        (r.body["status"].as_str(), r.body["walk_in"].as_bool()),
        (Some("confirmed"), Some(true))
    );
    let got = t
        .get(&format!("/api/v1/activities/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(
        (
            got.body["confirmed"].as_i64(),
            got.body["walk_ins"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let log = t
        .get(&format!("/api/v1/audit?subject_id={id}"), &t.root)
        .await
        .expect(200);
    assert!(log.text.contains("signup.walk_in"), "{}", log.text);
}

#[tokio::test]
async fn a_missing_required_skill_is_refused_with_the_reason() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"required_skills": ["心肺复苏"]})).await;
    let v = t.volunteer(&t.root, "孙海涛", &w.county, 3).await;
    let r = w.signup(a["id"].as_str().unwrap(), &v).await.expect_error(
        422,
        "missing_skill",
        Some("volunteer_id"),
    );
    assert!(r.text.contains("心肺复苏"), "{}", r.text);
}

#[tokio::test]
async fn sign_up_after_closing_or_on_a_draft_is_refused() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "周永军", &w.county, 4).await;
    let draft = w.activity(json!({"draft": true})).await;
    w.signup(draft["id"].as_str().unwrap(), &v)
        .await
        .expect_error(409, "activity_not_open", None);
    let closed = w
        .activity(json!({"signup_opens_at": at(-7200), "signup_closes_at": at(-60)}))
        .await;
    w.signup(closed["id"].as_str().unwrap(), &v)
        .await
        .expect_error(409, "signup_closed", None);
    let published = t
        .post(
            &format!(
                "/api/v1/activities/{}/status",
                draft["id"].as_str().unwrap()
            ),
            &t.root,
            json!({"status": "published"}),
        )
        .await
        .expect(200);
    assert_eq!(published.body["status"], "published");
    t.post(
        &format!(
            "/api/v1/activities/{}/status",
            draft["id"].as_str().unwrap()
        ),
        &t.root,
        json!({"status": "draft"}),
    )
    .await
    .expect_error(409, "status_transition", Some("status"));
}

/// Hundreds of concurrent sign-ups for few places: exactly `capacity` confirmed, the rest
/// waitlisted with distinct positions 1..n, on whichever database the harness runs.
#[tokio::test]
async fn a_concurrent_burst_never_overbooks() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 25, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let n = 300u32;
    let mut vols = Vec::new();
    for i in 0..n {
        vols.push(t.volunteer(&t.root, "吴建华", &w.county, 200 + i).await);
    }
    let mut handles = Vec::new();
    for v in vols.clone() {
        let router = t.router.clone();
        let token = t.root.clone();
        let path = format!("/api/v1/activities/{id}/signups");
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"volunteer_id": v}).to_string(),
                ))
                .unwrap();
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }));
    }
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for h in handles {
        let (status, body) = h.await.unwrap();
        assert_eq!(status, 201, "{body}");
        match body["status"].as_str() {
            Some("confirmed") => confirmed += 1,
            Some("waitlisted") => positions.push(body["position"].as_i64().unwrap()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(confirmed, 25);
    positions.sort_unstable();
    assert_eq!(positions, (1..=(n as i64 - 25)).collect::<Vec<_>>());
    let got = t
        .get(&format!("/api/v1/activities/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(got.body["confirmed"], 25);
    let list = t
        .get(&format!("/api/v1/activities/{id}/signups"), &t.root)
        .await
        .expect(200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(
        items.iter().filter(|s| s["status"] == "confirmed").count(),
        25
    );
}

#[tokio::test]
async fn volunteers_see_open_activities_of_their_locality_and_outsiders_do_not() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({})).await;
    let other_county = t.org(&t.root, "库伦旗", "county", None).await;
    let mine = t.volunteer(&t.root, "郑国强", &w.county, 5).await;
    let stranger = t.volunteer(&t.root, "冯国庆", &other_county, 6).await;
    let vt = t.account(&t.root, "zheng", "volunteer", &mine).await;
    let st = t.account(&t.root, "feng", "volunteer", &stranger).await;
    let list = t.get("/api/v1/activities", &vt).await.expect(200);
    assert_eq!(list.body["total"], 1, "{}", list.text);
    assert_eq!(
        t.get("/api/v1/activities", &st).await.expect(200).body["total"],
        0
    );
    let id = a["id"].as_str().unwrap();
    t.get(&format!("/api/v1/activities/{id}"), &st)
        .await
        .expect_error(404, "not_found", None);
    // A volunteer signs themselves up, not others.
    t.post(
        &format!("/api/v1/activities/{id}/signups"),
        &vt,
        json!({"volunteer_id": mine}),
    )
    .await
    .expect(201);
    t.post(
        &format!("/api/v1/activities/{id}/signups"),
        &st,
        json!({"volunteer_id": mine}),
    )
    .await
    .expect_error(404, "not_found", None);
}

#[tokio::test]
async fn the_month_filter_is_cut_at_midnight_china_time_in_the_database() {
    use chrono::Datelike;
    let w = world().await;
    let t = &w.t;
    let year = chrono::Utc::now().year() + 1;
    let last_evening = w
        .activity(json!({"starts_at": format!("{year}-03-31T23:30:00+08:00"),
                         "ends_at": format!("{year}-04-01T01:00:00+08:00")}))
        .await;
    let first_morning = w
        .activity(json!({"starts_at": format!("{year}-04-01T00:00:00+08:00"),
                         "ends_at": format!("{year}-04-01T02:00:00+08:00")}))
        .await;
    let ids = |month: &str| {
        let path = format!("/api/v1/activities?month={month}&per_page=50");
        async move {
            let r = t.get(&path, &t.root).await.expect(200);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids(&format!("{year}-03")).await,
        vec![last_evening["id"].as_str().unwrap()]
    );
    assert_eq!(
        ids(&format!("{year}-04")).await,
        vec![first_morning["id"].as_str().unwrap()]
    );
    t.get("/api/v1/activities?month=2026-13", &t.root)
        .await
        .expect_error(422, "month_invalid", Some("month"));
}
