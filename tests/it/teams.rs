use serde_json::json;

use crate::harness::spawn;

#[tokio::test]
async fn a_team_with_nested_units_and_officers() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let centre = t
        .team(&t.root, "奈曼旗退役军人志愿服务队", &county, None, "team")
        .await;
    let emergency = t
        .post(
            "/api/v1/teams",
            &t.root,
            json!({"name": "应急分队", "org_id": county, "parent_team_id": centre, "echelon": "detachment", "specialty": "应急"}),
        )
        .await
        .expect(201);
    assert_eq!(emergency.body["specialty"], "应急");
    let emergency = emergency.id();
    let squads: Vec<String> = futures_join(&t, &county, &emergency).await;
    let got = t
        .get(&format!("/api/v1/teams/{centre}"), &t.root)
        .await
        .expect(200);
    assert_eq!(got.body["sub_units"][0]["id"], emergency.as_str());
    assert_eq!(
        got.body["sub_units"][0]["sub_units"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let leader = t.volunteer(&t.root, "张建国", &county, 1).await;
    let deputy = t.volunteer(&t.root, "李卫东", &county, 2).await;
    t.post(
        &format!("/api/v1/teams/{centre}/members"),
        &t.root,
        json!({"volunteer_id": leader, "position": "leader"}),
    )
    .await
    .expect(201);
    t.post(
        &format!("/api/v1/teams/{}/members", squads[0]),
        &t.root,
        json!({"volunteer_id": deputy, "position": "deputy"}),
    )
    .await
    .expect(201);
    // One position per person per unit: appointing again changes it (200), not a second row.
    let r = t
        .post(
            &format!("/api/v1/teams/{}/members", squads[0]),
            &t.root,
            json!({"volunteer_id": deputy, "position": "squad_leader"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["position_label"], "班长");
    // A person may belong to several units.
    t.post(
        &format!("/api/v1/teams/{centre}/members"),
        &t.root,
        json!({"volunteer_id": deputy, "position": "member"}),
    )
    .await
    .expect(201);
    let roster = t
        .get(&format!("/api/v1/teams/{centre}/members"), &t.root)
        .await
        .expect(200);
    assert_eq!(roster.body["total"], 3);
    assert_eq!(
        roster.body["items"][0]["position"], "leader",
        "officers first: {}",
        roster.text
    );
    assert_eq!(roster.body["items"][2]["team_id"], squads[0].as_str());
    let v = t
        .get(&format!("/api/v1/volunteers/{deputy}"), &t.root)
        .await
        .expect(200);
    assert_eq!(v.body["teams"].as_array().unwrap().len(), 2);

    t.delete(&format!("/api/v1/teams/{centre}/members/{deputy}"), &t.root)
        .await
        .expect(204);
    t.delete(&format!("/api/v1/teams/{centre}/members/{deputy}"), &t.root)
        .await
        .expect(404);
    let roster = t
        .get(&format!("/api/v1/teams/{centre}/members"), &t.root)
        .await
        .expect(200);
    assert_eq!(roster.body["total"], 2);
}

async fn futures_join(t: &crate::harness::TestApp, org: &str, parent: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in 1..=3 {
        out.push(
            t.team(&t.root, &format!("第{i}班"), org, Some(parent), "squad")
                .await,
        );
    }
    out
}

#[tokio::test]
async fn bad_units_and_members_are_refused() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let team = t.team(&t.root, "服务队", &county, None, "team").await;
    let squad = t.team(&t.root, "一班", &county, Some(&team), "squad").await;
    t.post(
        "/api/v1/teams",
        &t.root,
        json!({"name": "二队", "org_id": county, "parent_team_id": squad, "echelon": "team"}),
    )
    .await
    .expect_error(422, "echelon_nesting", Some("parent_team_id"));
    t.post(
        "/api/v1/teams",
        &t.root,
        json!({"name": "排", "org_id": county, "parent_team_id": squad, "echelon": "platoon"}),
    )
    .await
    .expect_error(422, "echelon_nesting", Some("parent_team_id"));
    t.post(
        "/api/v1/teams",
        &t.root,
        json!({"name": "排", "org_id": county, "echelon": "battalion"}),
    )
    .await
    .expect_error(422, "echelon_invalid", Some("echelon"));
    t.post(
        "/api/v1/teams",
        &t.root,
        json!({"name": "排", "org_id": "nope", "echelon": "team"}),
    )
    .await
    .expect_error(404, "not_found", Some("org_id"));
    t.post(
        "/api/v1/teams",
        &t.root,
        json!({"name": "排", "org_id": county, "parent_team_id": "nope", "echelon": "platoon"}),
    )
    .await
    .expect_error(404, "not_found", Some("parent_team_id"));
    let v = t.volunteer(&t.root, "王强", &county, 3).await;
    t.post(
        &format!("/api/v1/teams/{team}/members"),
        &t.root,
        json!({"volunteer_id": v, "position": "general"}),
    )
    .await
    .expect_error(422, "position_invalid", Some("position"));
    t.post(
        &format!("/api/v1/teams/{team}/members"),
        &t.root,
        json!({"volunteer_id": "nope", "position": "member"}),
    )
    .await
    .expect_error(404, "not_found", Some("volunteer_id"));
    t.post(
        "/api/v1/teams/nope/members",
        &t.root,
        json!({"volunteer_id": v, "position": "member"}),
    )
    .await
    .expect(404);
    let roster = t
        .get(&format!("/api/v1/teams/{team}/members"), &t.root)
        .await
        .expect(200);
    assert_eq!(roster.body["total"], 0);
    let tree = t
        .get(&format!("/api/v1/teams/{team}"), &t.root)
        .await
        .expect(200);
    assert_eq!(
        tree.body["sub_units"].as_array().unwrap().len(),
        1,
        "nothing half-written"
    );
}

#[tokio::test]
async fn a_unit_never_moves_under_itself_or_a_descendant() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let team = t.team(&t.root, "服务队", &county, None, "team").await;
    let d1 = t
        .team(&t.root, "一分队", &county, Some(&team), "detachment")
        .await;
    let d2 = t
        .team(&t.root, "二分队", &county, Some(&d1), "detachment")
        .await;
    let squad = t.team(&t.root, "一班", &county, Some(&d2), "squad").await;
    t.patch(
        &format!("/api/v1/teams/{d1}"),
        &t.root,
        json!({"parent_team_id": d1}),
    )
    .await
    .expect_error(422, "team_cycle", Some("parent_team_id"));
    t.patch(
        &format!("/api/v1/teams/{d1}"),
        &t.root,
        json!({"parent_team_id": d2}),
    )
    .await
    .expect_error(422, "team_cycle", Some("parent_team_id"));
    // A legal move carries the whole subtree along.
    let moved = t
        .patch(
            &format!("/api/v1/teams/{d2}"),
            &t.root,
            json!({"parent_team_id": team}),
        )
        .await
        .expect(200);
    assert_eq!(moved.body["parent_team_id"], team.as_str());
    assert_eq!(moved.body["sub_units"][0]["id"], squad.as_str());
    let top = t
        .get(&format!("/api/v1/teams/{team}"), &t.root)
        .await
        .expect(200);
    assert_eq!(top.body["sub_units"].as_array().unwrap().len(), 2);
    let old = t
        .get(&format!("/api/v1/teams/{d1}"), &t.root)
        .await
        .expect(200);
    assert!(old.body["sub_units"].as_array().unwrap().is_empty());
    // Now d1 may go under d2 (no longer its descendant).
    t.patch(
        &format!("/api/v1/teams/{d1}"),
        &t.root,
        json!({"parent_team_id": d2, "name": "一分队（改）"}),
    )
    .await
    .expect(200);
    let d1_now = t
        .get(&format!("/api/v1/teams/{d1}"), &t.root)
        .await
        .expect(200);
    assert_eq!(d1_now.body["name"], "一分队（改）");
    assert_eq!(d1_now.body["parent_team_id"], d2.as_str());
}
