//! Recruitment (issue 3): API tests. Shared set-up here; the flows in `recruitment/`.

mod imports;
mod interrupted;
mod ledgers;
mod numbers;
mod review;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use crate::harness::{id_number, TestApp};

/// A county › township › village tree with a team at the village, an admin at each level,
/// and the county as registration authority with a range.
pub struct Tree {
    pub county: String,
    pub township: String,
    pub village: String,
    pub team: String,
    pub county_admin: String,
    pub township_admin: String,
    pub village_admin: String,
}

pub async fn tree(t: &TestApp, range: (i64, i64)) -> Tree {
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let township = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let village = t.org(&t.root, "白音昌村", "village", Some(&township)).await;
    let team = t
        .team(&t.root, "白音昌村志愿服务队", &village, None, "team")
        .await;
    let county_admin = t.account(&t.root, "county_a", "admin", &county).await;
    let township_admin = t.account(&t.root, "township_a", "admin", &township).await;
    let village_admin = t.account(&t.root, "village_a", "admin", &village).await;
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/orgs/{county}/registration-authority"),
        Some(&t.root),
        Some(json!({"registration_authority": true})),
    )
    .await
    .expect(204);
    t.post(
        &format!("/api/v1/orgs/{county}/number-ranges"),
        &t.root,
        json!({"prefix": "NM", "first_no": range.0, "last_no": range.1}),
    )
    .await
    .expect(201);
    Tree {
        county,
        township,
        village,
        team,
        county_admin,
        township_admin,
        village_admin,
    }
}

/// A birth date (YYYYMMDD) that makes someone exactly `age` today (China time).
pub fn born_aged(age: i32) -> String {
    let today = zhiyuan_app::clock::today();
    let d = NaiveDate::from_ymd_opt(today.year() - age, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(today.year() - age, today.month(), 28))
        .expect("date");
    d.format("%Y%m%d").to_string()
}

pub fn application(team: &str, seq: u32) -> Value {
    json!({
        "team_id": team,
        "name": "李卫国",
        "id_number": id_number("19800101", seq),
        "phone": format!("139{:08}", seq),
        "veteran": true,
        "branch": "陆军",
        "party_member": true,
        "health": "good",
        "no_record": true,
        "skills": ["驾驶", "急救"],
        "consent_data": true,
        "password": "Apply-pass-2026"
    })
}

/// Submits publicly; returns (id, tracking code).
pub async fn apply(t: &TestApp, body: Value) -> (String, String) {
    let r = t
        .call(
            axum::http::Method::POST,
            "/api/v1/applications",
            None,
            Some(body),
        )
        .await
        .expect(201);
    (r.id(), r.body["tracking_code"].as_str().unwrap().to_owned())
}

pub async fn approve(t: &TestApp, token: &str, id: &str) -> crate::harness::Resp {
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        token,
        json!({"decision": "approve"}),
    )
    .await
}

/// Takes an application through the three levels; returns the review answer.
pub async fn admit(t: &TestApp, tr: &Tree, id: &str) -> crate::harness::Resp {
    approve(t, &tr.village_admin, id).await.expect(200);
    approve(t, &tr.township_admin, id).await.expect(200);
    approve(t, &tr.county_admin, id).await
}

/// A multipart body with the field `file`.
pub fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "zhiyuan-test-boundary-7d2a";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    t: &TestApp,
    token: &str,
    path: &str,
    file_name: &str,
    bytes: &[u8],
) -> crate::harness::Resp {
    let (ct, body) = multipart(file_name, bytes);
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        .body(axum::body::Body::from(body))
        .unwrap();
    t.send(req).await
}

pub async fn download(t: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let req = axum::http::Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(t.router.clone(), req)
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, bytes.to_vec())
}
