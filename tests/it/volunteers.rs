use serde_json::json;

use crate::harness::{id_number, spawn, volunteer_body};

#[tokio::test]
async fn registration_derives_identity_and_never_shows_the_number() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let mut body = volunteer_body("赵志刚", &county, 7);
    let full = id_number("19760501", 13); // odd sequence: male
    body["id_number"] = json!(full);
    body["branch"] = json!("陆军");
    body["enlisted_year"] = json!(1994);
    body["discharged_year"] = json!(1998);
    let r = t
        .post("/api/v1/volunteers", &t.root, body)
        .await
        .expect(201);
    let b = &r.body;
    assert_eq!(b["birth_date"], "1976-05-01");
    assert_eq!(b["gender"], "male");
    assert_eq!(
        b["id_number_masked"],
        format!("1505**********{}", &full[14..])
    );
    assert!(b["volunteer_no"].as_str().unwrap().starts_with('V'));
    assert_eq!(b["branch"], "陆军");
    assert_eq!(b["skills"], json!(["应急救援", "驾驶"]));
    assert_eq!(b["home"], json!({"lat": 42.85, "lon": 120.66}));
    let id = r.id();
    // No read returns the whole number: the one, the list, the history, the audit log.
    for path in [
        format!("/api/v1/volunteers/{id}"),
        "/api/v1/volunteers".to_owned(),
        format!("/api/v1/volunteers/{id}/history"),
        "/api/v1/audit".to_owned(),
    ] {
        let r = t.get(&path, &t.root).await.expect(200);
        assert!(!r.text.contains(&full), "{path} leaks the ID number");
    }
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_written() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let good = volunteer_body("孙海涛", &county, 1);
    let valid = id_number("19800101", 1);
    let wrong_check = format!(
        "{}{}",
        &valid[..17],
        if valid.ends_with('0') { '1' } else { '0' }
    );
    let cases = [
        (
            "id_number",
            json!(wrong_check),
            422,
            "id_number_check_digit",
        ),
        (
            "id_number",
            json!("150525198002300011"),
            422,
            "id_number_birth_date",
        ),
        (
            "id_number",
            json!("15052519800101001"),
            422,
            "id_number_length",
        ),
        ("phone", json!("12345678901"), 422, "phone_invalid"),
        ("phone", json!("010-12345678"), 422, "phone_invalid"),
        ("name", json!("张"), 422, "name_invalid"),
        ("org_id", json!("nope"), 404, "not_found"),
        ("skills", json!(["x".repeat(40)]), 422, "skills_invalid"),
    ];
    for (field, value, status, code) in cases {
        let mut body = good.clone();
        body[field] = value;
        t.post("/api/v1/volunteers", &t.root, body)
            .await
            .expect_error(status, code, Some(field));
    }
    let mut body = good.clone();
    body["consent_location"] = json!(false);
    t.post("/api/v1/volunteers", &t.root, body)
        .await
        .expect_error(422, "location_consent_required", Some("consent_location"));
    let mut body = good.clone();
    body["home"] = json!({"lat": 95.0, "lon": 120.0});
    t.post("/api/v1/volunteers", &t.root, body)
        .await
        .expect_error(422, "coordinate_out_of_range", Some("home.lat"));
    let mut body = good.clone();
    body["enlisted_year"] = json!(2000);
    body["discharged_year"] = json!(1990);
    t.post("/api/v1/volunteers", &t.root, body)
        .await
        .expect_error(422, "years_out_of_order", Some("discharged_year"));
    let list = t.get("/api/v1/volunteers", &t.root).await.expect(200);
    assert_eq!(list.body["total"], 0, "no bad request wrote anything");
    // And the good one goes in, once.
    t.post("/api/v1/volunteers", &t.root, good.clone())
        .await
        .expect(201);
    let mut again = good.clone();
    again["name"] = json!("另一个人");
    again["phone"] = json!("13900000000");
    t.post("/api/v1/volunteers", &t.root, again)
        .await
        .expect_error(409, "duplicate_id_number", Some("id_number"));
    assert_eq!(t.get("/api/v1/volunteers", &t.root).await.body["total"], 1);
}

#[tokio::test]
async fn age_rules_for_minors() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
    let mut child = volunteer_body("小明明", &county, 2);
    child["id_number"] = json!(id_number(&format!("{}0101", year - 10), 2));
    t.post("/api/v1/volunteers", &t.root, child)
        .await
        .expect_error(422, "age_under_14", Some("id_number"));
    let mut teen = volunteer_body("少年郎", &county, 3);
    teen["id_number"] = json!(id_number(&format!("{}0101", year - 16), 3));
    t.post("/api/v1/volunteers", &t.root, teen.clone())
        .await
        .expect_error(422, "guardian_consent_required", Some("guardian_consent"));
    teen["guardian_consent"] = json!(true);
    let r = t
        .post("/api/v1/volunteers", &t.root, teen)
        .await
        .expect(201);
    assert_eq!(r.body["guardian_consent"], true);
}

#[tokio::test]
async fn search_by_fragment_phone_tail_skill_and_flags() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town = t.org(&t.root, "八仙筒镇", "township", Some(&county)).await;
    let a = t.volunteer(&t.root, "王建军", &county, 11).await;
    let b = t.volunteer(&t.root, "王小红", &town, 12).await;
    let mut c = volunteer_body("刘德华", &town, 13);
    c["veteran"] = json!(false);
    c["skills"] = json!(["法律咨询"]);
    t.post("/api/v1/volunteers", &t.root, c).await.expect(201);
    let ids = |r: &crate::harness::Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = t
        .get(
            &format!("/api/v1/volunteers?q={}", urlencode("王")),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(r.body["total"], 2);
    let r = t
        .get("/api/v1/volunteers?q=00000011", &t.root)
        .await
        .expect(200);
    assert_eq!(ids(&r), vec![a.clone()]);
    let r = t
        .get("/api/v1/volunteers?phone=0012", &t.root)
        .await
        .expect(200);
    assert_eq!(ids(&r), vec![b.clone()]);
    let r = t
        .get(
            &format!("/api/v1/volunteers?skill={}", urlencode("法律咨询")),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(r.body["total"], 1);
    let r = t
        .get("/api/v1/volunteers?veteran=false", &t.root)
        .await
        .expect(200);
    assert_eq!(r.body["total"], 1);
    let r = t
        .get("/api/v1/volunteers?party_member=true", &t.root)
        .await
        .expect(200);
    assert_eq!(r.body["total"], 1, "only seq 12 is a party member");
    let r = t
        .get(&format!("/api/v1/volunteers?org_id={town}"), &t.root)
        .await
        .expect(200);
    assert_eq!(r.body["total"], 2);
    let r = t
        .get("/api/v1/volunteers?per_page=1&page=2", &t.root)
        .await
        .expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["total"], 3);
    t.get("/api/v1/volunteers?veteran=maybe", &t.root)
        .await
        .expect_error(400, "invalid_query", None);
    let r = t
        .get(&format!("/api/v1/skills?q={}", urlencode("应急")), &t.root)
        .await
        .expect(200);
    assert_eq!(r.body, json!(["应急救援"]));
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn edits_keep_their_history() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let v = t.volunteer(&t.root, "陈卫国", &county, 21).await;
    let r = t
        .patch(
            &format!("/api/v1/volunteers/{v}"),
            &t.root,
            json!({"phone": "13912345678", "skills": ["电工"], "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["skills"], json!(["电工"]));
    t.patch(
        &format!("/api/v1/volunteers/{v}"),
        &t.root,
        json!({"phone": "13900000000", "version": 1}),
    )
    .await
    .expect_error(409, "stale_version", Some("version"));
    t.patch(
        &format!("/api/v1/volunteers/{v}"),
        &t.root,
        json!({"phone": "123"}),
    )
    .await
    .expect_error(422, "phone_invalid", Some("phone"));
    let h = t
        .get(&format!("/api/v1/volunteers/{v}/history"), &t.root)
        .await
        .expect(200);
    assert_eq!(h.body["total"], 2);
    assert_eq!(h.body["items"][0]["action"], "volunteer.update");
    assert_eq!(h.body["items"][0]["before"]["phone"], "13800000021");
    assert_eq!(h.body["items"][0]["after"]["phone"], "13912345678");
    assert_eq!(h.body["items"][1]["action"], "volunteer.create");
    // Withdrawing location consent removes the stored home.
    let r = t
        .patch(
            &format!("/api/v1/volunteers/{v}"),
            &t.root,
            json!({"consent_location": false}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["home"], serde_json::Value::Null);
}
