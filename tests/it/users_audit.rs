use serde_json::json;

use crate::harness::{spawn, PASSWORD};

#[tokio::test]
async fn accounts_are_made_downward_only() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town = t.org(&t.root, "青龙山镇", "township", Some(&county)).await;
    let village = t.org(&t.root, "青龙山村", "village", Some(&town)).await;
    let county_admin = t.account(&t.root, "county", "admin", &county).await;
    let town_admin = t.account(&county_admin, "town", "admin", &town).await;
    t.account(&town_admin, "village", "admin", &village).await;
    t.post(
        "/api/v1/users",
        &town_admin,
        json!({"username": "upward", "password": PASSWORD, "role": "admin", "org_id": county}),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
    t.post(
        "/api/v1/users",
        &town_admin,
        json!({"username": "village", "password": PASSWORD, "role": "admin", "org_id": village}),
    )
    .await
    .expect_error(409, "duplicate_username", Some("username"));
    t.post(
        "/api/v1/users",
        &town_admin,
        json!({"username": "weak", "password": "short", "role": "admin", "org_id": village}),
    )
    .await
    .expect_error(422, "password_weak", Some("password"));
    t.post(
        "/api/v1/users",
        &town_admin,
        json!({"username": "norole", "password": PASSWORD, "role": "king", "org_id": village}),
    )
    .await
    .expect_error(422, "role_invalid", Some("role"));
    t.post(
        "/api/v1/users",
        &town_admin,
        json!({"username": "noorg", "password": PASSWORD, "role": "admin"}),
    )
    .await
    .expect_error(422, "required", Some("org_id"));
    let team = t
        .team(&town_admin, "青龙山镇服务队", &town, None, "team")
        .await;
    t.account(&town_admin, "captain", "team_leader", &team)
        .await;
    let v = t.volunteer(&town_admin, "周振华", &village, 61).await;
    let vt = t.account(&town_admin, "zhou", "volunteer", &v).await;
    let me = t.get("/api/v1/auth/me", &vt).await.expect(200);
    assert_eq!(me.body["volunteer_id"], v.as_str());
    let users = t.get("/api/v1/users", &town_admin).await.expect(200);
    let names: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"village") && names.contains(&"captain") && names.contains(&"zhou"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"county") && !names.contains(&"root"),
        "{names:?}"
    );
    let stored = t
        .app
        .store()
        .get_user_by_username("zhou")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn every_write_is_audited_within_scope() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town_a = t.org(&t.root, "治安镇", "township", Some(&county)).await;
    let town_b = t.org(&t.root, "东明镇", "township", Some(&county)).await;
    let admin_a = t.account(&t.root, "admin_a", "admin", &town_a).await;
    let team = t
        .team(&admin_a, "治安镇服务队", &town_a, None, "team")
        .await;
    let v = t.volunteer(&admin_a, "吴国庆", &town_a, 71).await;
    t.post(
        &format!("/api/v1/teams/{team}/members"),
        &admin_a,
        json!({"volunteer_id": v, "position": "leader"}),
    )
    .await
    .expect(201);
    t.volunteer(&t.root, "郑东明", &town_b, 72).await;
    let log = t.get("/api/v1/audit", &admin_a).await.expect(200);
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "team.appoint",
            "volunteer.create",
            "team.create",
            "user.create",
            "org.create"
        ],
        "{}",
        log.text
    );
    let appoint = &log.body["items"][0];
    assert_eq!(appoint["actor_name"], "admin_a");
    assert_eq!(appoint["after"]["position"], "leader");
    assert!(!log.text.contains("郑东明"));
    let all = t
        .get("/api/v1/audit?per_page=100", &t.root)
        .await
        .expect(200);
    assert!(all.text.contains("郑东明"));
    assert!(all.body["total"].as_i64().unwrap() >= 9);
}
