//! Nobody where they don't belong: a township admin sees and changes only their subtree, a
//! team leader only their unit, a volunteer only themselves.

use serde_json::json;

use crate::harness::{spawn, volunteer_body, TestApp};

struct World {
    county: String,
    town_a: String,
    town_b: String,
    village_b: String,
    team_b: String,
    squad_b: String,
    vol_a: String,
    vol_b: String,
    admin_a: String,
}

async fn world(t: &TestApp) -> World {
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town_a = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let town_b = t.org(&t.root, "八仙筒镇", "township", Some(&county)).await;
    let village_b = t.org(&t.root, "八仙筒村", "village", Some(&town_b)).await;
    let team_b = t
        .team(&t.root, "八仙筒镇服务队", &town_b, None, "team")
        .await;
    let squad_b = t
        .team(&t.root, "一班", &village_b, Some(&team_b), "squad")
        .await;
    let vol_a = t.volunteer(&t.root, "甲镇人", &town_a, 31).await;
    let vol_b = t.volunteer(&t.root, "乙镇人", &village_b, 32).await;
    t.post(
        &format!("/api/v1/teams/{squad_b}/members"),
        &t.root,
        json!({"volunteer_id": vol_b, "position": "member"}),
    )
    .await
    .expect(201);
    let admin_a = t.account(&t.root, "admin_a", "admin", &town_a).await;
    World {
        county,
        town_a,
        town_b,
        village_b,
        team_b,
        squad_b,
        vol_a,
        vol_b,
        admin_a,
    }
}

fn denied(status: u16) -> bool {
    status == 403 || status == 404
}

#[tokio::test]
async fn a_township_admin_cannot_touch_another_township() {
    let t = spawn().await;
    let w = world(&t).await;
    let a = &w.admin_a;
    // Reads.
    for path in [
        format!("/api/v1/orgs/{}", w.town_b),
        format!("/api/v1/orgs/{}", w.county),
        format!("/api/v1/orgs/{}/children", w.town_b),
        format!("/api/v1/orgs/{}/teams", w.town_b),
        format!("/api/v1/teams/{}", w.team_b),
        format!("/api/v1/teams/{}/members", w.squad_b),
        format!("/api/v1/volunteers/{}", w.vol_b),
        format!("/api/v1/volunteers/{}/history", w.vol_b),
        format!("/api/v1/volunteers?org_id={}", w.town_b),
    ] {
        let r = t.get(&path, a).await;
        assert!(
            denied(r.status.as_u16()),
            "{path} answered {}: {}",
            r.status,
            r.text
        );
        assert!(
            !r.text.contains("乙镇人") && !r.text.contains("八仙筒"),
            "{path} leaked: {}",
            r.text
        );
    }
    // Lists hold only their own subtree.
    let list = t.get("/api/v1/volunteers", a).await.expect(200);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], w.vol_a.as_str());
    let orgs = t.get("/api/v1/orgs", a).await.expect(200);
    assert_eq!(orgs.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(orgs.body["items"][0]["id"], w.town_a.as_str());
    assert!(!t
        .get("/api/v1/audit", a)
        .await
        .expect(200)
        .text
        .contains("八仙筒"));
    assert!(!t
        .get("/api/v1/users", a)
        .await
        .expect(200)
        .text
        .contains("root"));
    // Writes.
    let writes = [
        t.post("/api/v1/orgs", a, json!({"name": "越界村", "level": "village", "parent_id": w.town_b})).await,
        t.post("/api/v1/orgs", a, json!({"name": "越界镇", "level": "township", "parent_id": w.county})).await,
        t.post("/api/v1/orgs", a, json!({"name": "新县", "level": "county"})).await,
        t.patch(&format!("/api/v1/orgs/{}", w.town_b), a, json!({"name": "改名"})).await,
        t.post("/api/v1/teams", a, json!({"name": "越界队", "org_id": w.town_b, "echelon": "team"})).await,
        t.post("/api/v1/teams", a, json!({"name": "越界班", "org_id": w.town_a, "parent_team_id": w.team_b, "echelon": "squad"})).await,
        t.patch(&format!("/api/v1/teams/{}", w.squad_b), a, json!({"name": "改名"})).await,
        t.post(&format!("/api/v1/teams/{}/members", w.team_b), a, json!({"volunteer_id": w.vol_a, "position": "member"})).await,
        t.delete(&format!("/api/v1/teams/{}/members/{}", w.squad_b, w.vol_b), a).await,
        t.post("/api/v1/volunteers", a, volunteer_body("越界人", &w.village_b, 40)).await,
        t.patch(&format!("/api/v1/volunteers/{}", w.vol_b), a, json!({"phone": "13911112222"})).await,
        t.post("/api/v1/users", a, json!({"username": "grab_b", "password": "Pass-word-2026", "role": "admin", "org_id": w.town_b})).await,
        t.post("/api/v1/users", a, json!({"username": "grab_c", "password": "Pass-word-2026", "role": "admin", "org_id": w.county})).await,
        t.post("/api/v1/users", a, json!({"username": "grab_t", "password": "Pass-word-2026", "role": "team_leader", "team_id": w.team_b})).await,
        t.post("/api/v1/users", a, json!({"username": "grab_v", "password": "Pass-word-2026", "role": "volunteer", "volunteer_id": w.vol_b})).await,
    ];
    for (i, r) in writes.iter().enumerate() {
        assert!(
            denied(r.status.as_u16()) || r.status.as_u16() == 422,
            "write {i} answered {}: {}",
            r.status,
            r.text
        );
        assert!(r.body["error"]["code"].is_string(), "write {i}: {}", r.text);
    }
    // And nothing changed.
    let b = t
        .get(&format!("/api/v1/orgs/{}", w.town_b), &t.root)
        .await
        .expect(200);
    assert_eq!(b.body["name"], "八仙筒镇");
    assert_eq!(
        t.get(&format!("/api/v1/orgs/{}/children", w.town_b), &t.root)
            .await
            .body["total"],
        1
    );
    assert_eq!(
        t.get(&format!("/api/v1/teams/{}/members", w.team_b), &t.root)
            .await
            .body["total"],
        1
    );
    assert_eq!(t.get("/api/v1/volunteers", &t.root).await.body["total"], 2);
    let v = t
        .get(&format!("/api/v1/volunteers/{}", w.vol_b), &t.root)
        .await
        .expect(200);
    assert_eq!(v.body["version"], 1);
    // Within their own township the same admin works freely.
    let village = t.org(a, "东街社区", "village", Some(&w.town_a)).await;
    let team = t.team(a, "东街社区服务队", &village, None, "team").await;
    t.post(
        &format!("/api/v1/teams/{team}/members"),
        a,
        json!({"volunteer_id": w.vol_a, "position": "leader"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_team_leader_sees_only_their_unit() {
    let t = spawn().await;
    let w = world(&t).await;
    let leader = t
        .account(&t.root, "leader_b", "team_leader", &w.squad_b)
        .await;
    t.get(&format!("/api/v1/teams/{}", w.squad_b), &leader)
        .await
        .expect(200);
    t.get(&format!("/api/v1/teams/{}/members", w.squad_b), &leader)
        .await
        .expect(200);
    t.get(&format!("/api/v1/volunteers/{}", w.vol_b), &leader)
        .await
        .expect(200);
    let list = t.get("/api/v1/volunteers", &leader).await.expect(200);
    assert_eq!(list.body["total"], 1);
    assert!(denied(
        t.get(&format!("/api/v1/teams/{}", w.team_b), &leader)
            .await
            .status
            .as_u16()
    ));
    assert!(denied(
        t.get(&format!("/api/v1/volunteers/{}", w.vol_a), &leader)
            .await
            .status
            .as_u16()
    ));
    // May build sub-units below their own unit, but not register people or make accounts.
    t.post("/api/v1/teams", &leader, json!({"name": "一组", "org_id": w.village_b, "parent_team_id": w.squad_b, "echelon": "small_squad"}))
        .await
        .expect(201);
    t.post(
        "/api/v1/volunteers",
        &leader,
        volunteer_body("某人某", &w.village_b, 50),
    )
    .await
    .expect_error(403, "role_forbidden", None);
    t.post("/api/v1/users", &leader, json!({"username": "x_user", "password": "Pass-word-2026", "role": "volunteer", "volunteer_id": w.vol_b}))
        .await
        .expect(403);
    t.get("/api/v1/audit", &leader).await.expect(403);
}

#[tokio::test]
async fn a_volunteer_sees_only_themselves() {
    let t = spawn().await;
    let w = world(&t).await;
    let me = t.account(&t.root, "vol_b", "volunteer", &w.vol_b).await;
    let own = t
        .get(&format!("/api/v1/volunteers/{}", w.vol_b), &me)
        .await
        .expect(200);
    assert_eq!(own.body["name"], "乙镇人");
    let list = t.get("/api/v1/volunteers", &me).await.expect(200);
    assert_eq!(list.body["total"], 1);
    t.get(&format!("/api/v1/volunteers/{}", w.vol_a), &me)
        .await
        .expect(404);
    t.get(&format!("/api/v1/orgs/{}", w.town_b), &me)
        .await
        .expect(404);
    t.get(&format!("/api/v1/teams/{}", w.squad_b), &me)
        .await
        .expect(404);
    // Own contact details yes; identity and locality no.
    t.patch(
        &format!("/api/v1/volunteers/{}", w.vol_b),
        &me,
        json!({"phone": "13655556666"}),
    )
    .await
    .expect(200);
    t.patch(
        &format!("/api/v1/volunteers/{}", w.vol_b),
        &me,
        json!({"party_member": true}),
    )
    .await
    .expect_error(403, "role_forbidden", Some("party_member"));
    t.patch(
        &format!("/api/v1/volunteers/{}", w.vol_a),
        &me,
        json!({"phone": "13655556666"}),
    )
    .await
    .expect(404);
    t.post(
        "/api/v1/orgs",
        &me,
        json!({"name": "某村", "level": "village", "parent_id": w.village_b}),
    )
    .await
    .expect(403);
    t.post(
        "/api/v1/teams",
        &me,
        json!({"name": "某队", "org_id": w.village_b, "echelon": "team"}),
    )
    .await
    .expect(403);
}
