//! Emergency response (issue 6): incidents and their bad input, candidates and their
//! ranking and availability here; call-ups, the close, the index's sync and two processes in
//! `emergency/`.

mod callups;
mod close;
mod index_sync;
mod multi_process;
mod pages;

use serde_json::{json, Value};

use crate::harness::{spawn, volunteer_body, TestApp};

/// The incident's place: the banner seat.
pub const AT: (f64, f64) = (42.85, 120.66);
/// Great-circle km per degree of latitude on the domain's sphere (R = 6371.0088 km).
pub const KM_PER_DEGREE: f64 = 6371.0088 * std::f64::consts::PI / 180.0;

pub struct World {
    pub t: TestApp,
    pub county: String,
    pub township: String,
    pub other_county: String,
    /// An admin of the county.
    pub admin: String,
    seq: std::cell::Cell<u32>,
}

pub async fn world() -> World {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let township = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let other_county = t.org(&t.root, "库伦旗", "county", None).await;
    let admin = t.account(&t.root, "county_admin", "admin", &county).await;
    World {
        t,
        county,
        township,
        other_county,
        admin,
        seq: std::cell::Cell::new(100),
    }
}

impl World {
    /// A volunteer of `org` living `north_km` north of the incident, with `skills`.
    pub async fn person(&self, name: &str, org: &str, north_km: f64, skills: &[&str]) -> String {
        let n = self.seq.get();
        self.seq.set(n + 1);
        // Names have two characters at least.
        let name = if name.chars().count() < 2 {
            format!("王{name}")
        } else {
            name.to_owned()
        };
        let mut body = volunteer_body(&name, org, n);
        body["skills"] = json!(skills);
        body["home"] = json!({"lat": AT.0 + north_km / KM_PER_DEGREE, "lon": AT.1});
        self.t
            .post("/api/v1/volunteers", &self.t.root, body)
            .await
            .expect(201)
            .id()
    }

    pub async fn incident(&self, extra: Value) -> Value {
        let mut body = json!({"title": "暴雨内涝抢险", "kind": "rainstorm",
            "location": {"lat": AT.0, "lon": AT.1, "address": "兴仁社区"}, "skills": ["应急救援"], "needed": 3});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.t
            .post("/api/v1/incidents", &self.admin, body)
            .await
            .expect(201)
            .body
    }

    pub async fn candidates(&self, incident: &str, limit: u32) -> Vec<Value> {
        let r = self
            .t
            .get(
                &format!("/api/v1/incidents/{incident}/candidates?limit={limit}"),
                &self.admin,
            )
            .await
            .expect(200);
        r.body["items"].as_array().cloned().unwrap_or_default()
    }

    pub async fn candidate_ids(&self, incident: &str, limit: u32) -> Vec<String> {
        self.candidates(incident, limit)
            .await
            .iter()
            .map(|c| c["volunteer_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// A login for volunteer `id`.
    /// (Accounts are named `v_<username>`: usernames have 3 characters at least.)
    pub async fn login_as(&self, username: &str, id: &str) -> String {
        let name = format!("v_{username}");
        self.t.account(&self.t.root, &name, "volunteer", id).await
    }
}

/// Incidents stored, read straight from the store (the API lists only a scope).
async fn incidents_stored(t: &TestApp) -> i64 {
    t.app
        .store()
        .list_incidents("/", None, 1, 0)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn an_incident_is_opened_with_the_api_md_body() {
    let w = world().await;
    w.person("王建国", &w.township, 1.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    assert_eq!(i["status"], "open");
    assert_eq!(i["kind"], "rainstorm");
    assert_eq!(i["kind_label"], "暴雨");
    assert_eq!(i["org_id"], w.county, "the caller's own org commands");
    assert_eq!(i["location"]["lat"], AT.0);
    assert_eq!(i["skills"], json!(["应急救援"]));
    assert_eq!(i["needed"], 3);
    let id = i["id"].as_str().unwrap();
    let got =
        w.t.get(&format!("/api/v1/incidents/{id}"), &w.admin)
            .await
            .expect(200);
    assert_eq!(got.body["title"], "暴雨内涝抢险");
    let list = w.t.get("/api/v1/incidents", &w.admin).await.expect(200);
    assert_eq!(list.body["total"], 1);
    // Another county's admin neither sees nor lists it.
    let other =
        w.t.account(&w.t.root, "kulun", "admin", &w.other_county)
            .await;
    w.t.get(&format!("/api/v1/incidents/{id}"), &other)
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(
        w.t.get("/api/v1/incidents", &other).await.expect(200).body["total"],
        0
    );
}

#[tokio::test]
async fn bad_incidents_are_refused_and_write_nothing() {
    let w = world().await;
    w.person("王建国", &w.township, 1.0, &["应急救援"]).await;
    let bad = [
        (
            json!({"location": {"lat": 91.0, "lon": 120.0}}),
            422,
            "coordinate_out_of_range",
            "location.lat",
        ),
        (
            json!({"location": {"lat": -90.5, "lon": 120.0}}),
            422,
            "coordinate_out_of_range",
            "location.lat",
        ),
        (
            json!({"location": {"lat": 42.0, "lon": 181.0}}),
            422,
            "coordinate_out_of_range",
            "location.lon",
        ),
        (json!({"skills": ["潜水"]}), 422, "unknown_skill", "skills"),
        (
            json!({"skills": ["应急救援", "潜水"]}),
            422,
            "unknown_skill",
            "skills",
        ),
        (json!({"needed": 0}), 422, "needed_invalid", "needed"),
        (json!({"needed": -5}), 422, "needed_invalid", "needed"),
        (
            json!({"kind": "earthquake"}),
            422,
            "incident_kind_invalid",
            "kind",
        ),
        (json!({"title": ""}), 422, "required", "title"),
        (
            json!({"response_minutes": 0}),
            422,
            "response_minutes_invalid",
            "response_minutes",
        ),
    ];
    for (extra, status, code, field) in bad {
        let mut body = json!({"title": "暴雨", "kind": "rainstorm",
            "location": {"lat": AT.0, "lon": AT.1}, "skills": ["应急救援"], "needed": 3});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra.clone()) {
            b.extend(e);
        }
        w.t.post("/api/v1/incidents", &w.admin, body)
            .await
            .expect_error(status, code, Some(field));
    }
    // Malformed JSON and a missing field are 400s.
    w.t.post(
        "/api/v1/incidents",
        &w.admin,
        json!({"title": "x", "kind": "fire", "needed": 1}),
    )
    .await
    .expect_error(400, "invalid_field", Some("location"));
    // Outside the caller's scope: 403 for a known org.
    w.t.post(
        "/api/v1/incidents",
        &w.admin,
        json!({"title": "暴雨", "kind": "rainstorm",
        "location": {"lat": AT.0, "lon": AT.1}, "needed": 3, "org_id": w.other_county}),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
    // Volunteers and team leaders do not command.
    let v = w.person("李四", &w.township, 2.0, &[]).await;
    let vt = w.login_as("lisi", &v).await;
    w.t.post(
        "/api/v1/incidents",
        &vt,
        json!({"title": "暴雨", "kind": "rainstorm",
        "location": {"lat": AT.0, "lon": AT.1}, "needed": 3}),
    )
    .await
    .expect_error(403, "role_forbidden", None);
    assert_eq!(incidents_stored(&w.t).await, 0, "nothing was written");
}

#[tokio::test]
async fn candidates_are_nearest_first_with_every_skill_in_scope() {
    let w = world().await;
    let far = w
        .person("远处甲", &w.township, 5.0, &["应急救援", "驾驶"])
        .await;
    let near = w.person("近处乙", &w.county, 0.5, &["应急救援"]).await;
    let mid = w
        .person("中间丙", &w.township, 2.0, &["驾驶", "应急救援"])
        .await;
    let _no_skill = w.person("无技能", &w.township, 0.2, &["驾驶"]).await;
    let _other = w
        .person("外旗丁", &w.other_county, 0.1, &["应急救援"])
        .await;
    let mut body = volunteer_body("无住址", &w.township, 999);
    body["home"] = Value::Null;
    w.t.post("/api/v1/volunteers", &w.t.root, body)
        .await
        .expect(201);
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap();
    let items = w.candidates(id, 10).await;
    let ids: Vec<&str> = items
        .iter()
        .map(|c| c["volunteer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [near.as_str(), mid.as_str(), far.as_str()]);
    let d: Vec<f64> = items
        .iter()
        .map(|c| c["distance_km"].as_f64().unwrap())
        .collect();
    assert!(
        (d[0] - 0.5).abs() < 0.01 && (d[1] - 2.0).abs() < 0.01 && (d[2] - 5.0).abs() < 0.01,
        "{d:?}"
    );
    assert_eq!(items[0]["name"], "近处乙");
    assert_eq!(items[0]["skills"], json!(["应急救援"]));
    assert_eq!(items[0]["rank"], 1);
    // limit
    assert_eq!(w.candidate_ids(id, 2).await, [near.clone(), mid.clone()]);
    // Two skills: only those holding both.
    let j = w.incident(json!({"skills": ["应急救援", "驾驶"]})).await;
    assert_eq!(
        w.candidate_ids(j["id"].as_str().unwrap(), 10).await,
        [mid, far]
    );
}

#[tokio::test]
async fn ties_go_to_the_emergency_detachment_then_to_the_least_called() {
    let w = world().await;
    // Three people at exactly the same distance.
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 1.0, &["应急救援"]).await;
    let c = w.person("丙", &w.township, 1.0, &["应急救援"]).await;
    let team =
        w.t.team(&w.t.root, "奈曼旗服务队", &w.county, None, "team")
            .await;
    let det =
        w.t.post(
            "/api/v1/teams",
            &w.t.root,
            json!({"name": "应急分队", "org_id": w.county,
            "parent_team_id": team, "echelon": "detachment", "specialty": "应急"}),
        )
        .await
        .expect(201)
        .id();
    let squad =
        w.t.team(&w.t.root, "一班", &w.county, Some(&det), "squad")
            .await;
    let i = w.incident(json!({"needed": 1})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let mut order = w.candidate_ids(&id, 3).await;
    let mut sorted = vec![a.clone(), b.clone(), c.clone()];
    sorted.sort();
    assert_eq!(order, sorted, "a full tie is broken by id");
    // c joins a squad of the emergency detachment: first among equals.
    w.t.post(
        &format!("/api/v1/teams/{squad}/members"),
        &w.t.root,
        json!({"volunteer_id": c, "position": "member"}),
    )
    .await
    .expect(201);
    order = w.candidate_ids(&id, 3).await;
    assert_eq!(order[0], c);
    assert_eq!(w.candidates(&id, 1).await[0]["in_detachment"], true);
    // The first of the others is called up on another incident this year: now last.
    let first_other = order[1].clone();
    let other = w.incident(json!({"title": "演练", "kind": "drill"})).await;
    let oid = other["id"].as_str().unwrap();
    w.t.post(
        &format!("/api/v1/incidents/{oid}/callups"),
        &w.admin,
        json!({"volunteer_ids": [first_other]}),
    )
    .await
    .expect(201);
    let after = w.candidates(&id, 3).await;
    let ids: Vec<&str> = after
        .iter()
        .map(|v| v["volunteer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], c);
    assert_eq!(
        ids[2], first_other,
        "called up once this year: behind an equal with none"
    );
    assert_eq!(after[2]["callups_this_year"], 1);
}

#[tokio::test]
async fn unavailable_volunteers_are_no_candidates() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let c = w.person("丙", &w.township, 3.0, &["应急救援"]).await;
    let d = w.person("丁", &w.township, 4.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.candidate_ids(&id, 10).await,
        [a.clone(), b.clone(), c.clone(), d.clone()]
    );
    // a is suspended.
    w.t.post(
        &format!("/api/v1/volunteers/{a}/suspend"),
        &w.t.root,
        json!({"reason": "外出务工"}),
    )
    .await
    .expect(200);
    // b accepted a call-up of another open incident.
    let other = w.incident(json!({"title": "大风", "kind": "gale"})).await;
    let oid = other["id"].as_str().unwrap().to_owned();
    let called =
        w.t.post(
            &format!("/api/v1/incidents/{oid}/callups"),
            &w.admin,
            json!({"volunteer_ids": [b]}),
        )
        .await
        .expect(201);
    let cid = called.body["items"][0]["id"].as_str().unwrap().to_owned();
    let bt = w.login_as("yi", &b).await;
    w.t.post(
        &format!("/api/v1/callups/{cid}/answer"),
        &bt,
        json!({"accept": true}),
    )
    .await
    .expect(200);
    // c holds a confirmed place in an activity under way now (a back-filled one would be
    // over; this one started a minute ago: created in the future, then time passes).
    let team = w.t.team(&w.t.root, "服务队", &w.county, None, "team").await;
    let act = w.t.post("/api/v1/activities", &w.t.root, json!({"title": "巡河", "team_id": team,
        "starts_at": crate::activities::at(60), "ends_at": crate::activities::at(3600), "capacity": 5}))
        .await
        .expect(201)
        .id();
    w.t.post(
        &format!("/api/v1/activities/{act}/signups"),
        &w.t.root,
        json!({"volunteer_id": c}),
    )
    .await
    .expect(201);
    crate::activities::started_a_minute_ago(&w.t, &act).await;
    assert_eq!(w.candidate_ids(&id, 10).await, std::slice::from_ref(&d));
    // The other incident stands down: b is free again.
    w.t.post(
        &format!("/api/v1/incidents/{oid}/status"),
        &w.admin,
        json!({"status": "standing_down"}),
    )
    .await
    .expect(200);
    assert_eq!(w.candidate_ids(&id, 10).await, [b, d]);
}
