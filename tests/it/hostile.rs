//! Hostile input from outside (issue 17): open redirects after login, look-alike login names,
//! enumeration of ID numbers through the public application, and the answers that name every
//! faulty field at once. Also the login by mobile or volunteer number of API.md (the printed
//! certificate number is in `activities::hours`).

use axum::http::{header, Method};
use serde_json::json;

use crate::forms::post_login;
use crate::harness::{spawn, volunteer_body, TestApp, PASSWORD};
use crate::recruitment::{application, tree};

async fn login_form(t: &TestApp, user: &str, password: &str, next: &str) -> crate::harness::Resp {
    post_login(
        t,
        &[("username", user), ("password", password), ("next", next)],
    )
    .await
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let t = spawn().await;
    t.account(
        &t.root,
        "zhao01",
        "admin",
        &t.org(&t.root, "奈曼旗", "county", None).await,
    )
    .await;
    let bypasses = [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2F/evil.example",
        "/%5C/evil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        " //evil.example",
    ];
    for next in bypasses {
        let r = login_form(&t, "zhao01", PASSWORD, next).await;
        assert_eq!(r.status.as_u16(), 303, "{next:?}: {}", r.text);
        let to = r.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(to, "/", "{next:?} sent the browser to {to:?}");
    }
    let r = login_form(&t, "zhao01", PASSWORD, "/volunteers?q=%E7%8E%8B").await;
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        "/volunteers?q=%E7%8E%8B"
    );
}

#[tokio::test]
async fn look_alike_login_names_are_refused() {
    let t = spawn().await;
    let org = t.org(&t.root, "奈曼旗", "county", None).await;
    let make = |name: &str| json!({"username": name, "password": PASSWORD, "role": "admin", "org_id": org, "name": "赵建国"});
    t.post("/api/v1/users", &t.root, make("leader"))
        .await
        .expect(201);
    // Cyrillic о in a Latin name: mixed scripts.
    t.post("/api/v1/users", &t.root, make("l\u{0435}ader"))
        .await
        .expect_error(422, "username_invalid", Some("username"));
    for twin in ["ｌｅａｄｅｒ", "LEADER", "Leader", "1eader"] {
        let r = t.post("/api/v1/users", &t.root, make(twin)).await;
        r.expect_error(409, "duplicate_username", Some("username"));
    }
    // The root account ("root") has its twins refused too, though created before any check.
    for twin in ["r00t", "ｒｏｏｔ", "r\u{043e}\u{043e}t"] {
        let r = t.post("/api/v1/users", &t.root, make(twin)).await;
        assert!(matches!(r.status.as_u16(), 409 | 422), "{twin}: {}", r.text);
    }
    assert_eq!(
        t.app.store().count_users().await.unwrap(),
        2,
        "only root and leader exist"
    );
    // A full-width name typed at login finds the plain one.
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "ｌｅａｄｅｒ", "password": PASSWORD})),
    )
    .await
    .expect(200);
    // The audit log shows who, not only the login name.
    let log = t.get("/api/v1/audit", &t.root).await.expect(200);
    let created = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.create")
        .expect("the account's creation is logged");
    assert_eq!(created["actor_name"], "root");
    let leader_token = t.login("leader", PASSWORD).await;
    t.org(&leader_token, "大沁他拉镇", "township", Some(&org))
        .await;
    let log = t.get("/api/v1/audit", &t.root).await.expect(200);
    let by_leader = &log.body["items"][0];
    assert_eq!(
        (
            by_leader["actor_name"].as_str(),
            by_leader["actor_person"].as_str()
        ),
        (Some("leader"), Some("赵建国")),
        "{by_leader}"
    );
}

#[tokio::test]
async fn login_takes_a_mobile_number_or_a_volunteer_number() {
    let t = spawn().await;
    let org = t.org(&t.root, "奈曼旗", "county", None).await;
    let v = t.volunteer(&t.root, "孙海峰", &org, 41).await;
    let volunteer_no = t
        .get(&format!("/api/v1/volunteers/{v}"), &t.root)
        .await
        .expect(200)
        .body["volunteer_no"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        "/api/v1/users",
        &t.root,
        json!({"username": "sunhf", "password": PASSWORD, "role": "volunteer", "volunteer_id": v}),
    )
    .await
    .expect(201);
    let phone = volunteer_body("孙海峰", &org, 41)["phone"]
        .as_str()
        .unwrap()
        .to_owned();
    let full_width_phone: String = phone
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    for login in [
        phone.as_str(),
        volunteer_no.as_str(),
        full_width_phone.as_str(),
        "sunhf",
    ] {
        let r = t
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": login, "password": PASSWORD})),
            )
            .await
            .expect(200);
        assert_eq!(r.body["user"]["volunteer_id"], v.as_str(), "{login}");
    }
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": phone, "password": "wrong-password"})),
    )
    .await
    .expect_error(401, "bad_credentials", None);
    // The login form too.
    let r = login_form(&t, &phone, PASSWORD, "").await;
    assert_eq!(r.headers[header::LOCATION].to_str().unwrap(), "/me");
}

#[tokio::test]
async fn every_faulty_field_is_named_at_once() {
    let t = spawn().await;
    let org = t.org(&t.root, "奈曼旗", "county", None).await;
    let mut body = volunteer_body("孙海峰", &org, 42);
    let id = body["id_number"].as_str().unwrap().to_owned();
    let wrong_check = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
    body["id_number"] = json!(wrong_check);
    body["phone"] = json!("1380000");
    body["name"] = json!("孙");
    let r = t
        .post("/api/v1/volunteers", &t.root, body)
        .await
        .expect(422);
    let fields: Vec<&str> = r.body["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields list: {}", r.text))
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "id_number", "phone"], "{}", r.text);
    assert_eq!(r.body["error"]["field"], "name");
    for f in r.body["error"]["fields"].as_array().unwrap() {
        assert!(
            !f["code"].as_str().unwrap().is_empty() && !f["message"].as_str().unwrap().is_empty()
        );
    }
    let list = t.get("/api/v1/volunteers", &t.root).await.expect(200);
    assert_eq!(list.body["total"], 0, "nothing written");
    // One fault: no list, as before.
    let mut one = volunteer_body("孙海峰", &org, 43);
    one["phone"] = json!("1380000");
    let r = t.post("/api/v1/volunteers", &t.root, one).await;
    let r = r.expect_error(422, "phone_invalid", Some("phone"));
    assert!(r.body["error"].get("fields").is_none(), "{}", r.text);
}

#[tokio::test]
async fn the_public_application_form_names_every_fault_and_is_throttled() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let mut bad = application(&tr.team, 50);
    bad["phone"] = json!("1390000");
    bad["consent_data"] = json!(false);
    let id = bad["id_number"].as_str().unwrap().to_owned();
    bad["id_number"] = json!(format!(
        "{}{}",
        &id[..17],
        if id.ends_with('0') { '1' } else { '0' }
    ));
    let r = t
        .call(Method::POST, "/api/v1/applications", None, Some(bad))
        .await
        .expect(422);
    let mut fields: Vec<&str> = r.body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["consent_data", "id_number", "phone"], "{}", r.text);
    // 30 submissions from one address in the window; the 31st is refused, and writes nothing.
    for seq in 1..30 {
        t.call(
            Method::POST,
            "/api/v1/applications",
            None,
            Some(application(&tr.team, 100 + seq)),
        )
        .await
        .expect(201);
    }
    t.call(
        Method::POST,
        "/api/v1/applications",
        None,
        Some(application(&tr.team, 200)),
    )
    .await
    .expect_error(429, "too_many_submissions", None);
    let all = t
        .get("/api/v1/applications?per_page=100", &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(all.body["total"], 29, "{}", all.text);
    // An admin entering applications for people is not throttled.
    t.post(
        "/api/v1/applications",
        &tr.village_admin,
        application(&tr.team, 201),
    )
    .await
    .expect(201);
}
