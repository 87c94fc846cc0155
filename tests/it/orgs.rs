use serde_json::json;

use crate::harness::spawn;

#[tokio::test]
async fn a_tree_of_any_depth_with_units() {
    let t = spawn().await;
    let province = t.org(&t.root, "内蒙古自治区", "province", None).await;
    let city = t.org(&t.root, "通辽市", "city", Some(&province)).await;
    let county = t.org(&t.root, "奈曼旗", "county", Some(&city)).await;
    let town = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let village = t.org(&t.root, "东街社区", "village", Some(&town)).await;
    let unit = t
        .post(
            "/api/v1/orgs",
            &t.root,
            json!({"name": "奈曼旗退役军人服务中心", "level": "unit", "parent_id": county, "unit_type": "service_centre", "population": 30}),
        )
        .await
        .expect(201);
    assert_eq!(unit.body["unit_type"], "service_centre");
    assert_eq!(unit.body["level_label"], "单位");
    let got = t
        .get(&format!("/api/v1/orgs/{village}"), &t.root)
        .await
        .expect(200);
    assert_eq!(got.body["name"], "东街社区");
    assert_eq!(got.body["parent_id"], town.as_str());
    assert_eq!(got.body["depth"], 4);
    let kids = t
        .get(&format!("/api/v1/orgs/{county}/children"), &t.root)
        .await
        .expect(200);
    assert_eq!(kids.body["total"], 2);
    let roots = t.get("/api/v1/orgs", &t.root).await.expect(200);
    assert_eq!(roots.body["items"][0]["id"], province.as_str());
}

#[tokio::test]
async fn levels_must_descend_and_parents_exist() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t
        .org(&t.root, "白音他拉嘎查", "village", Some(&county))
        .await;
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "某镇", "level": "township", "parent_id": village}),
    )
    .await
    .expect_error(422, "level_parent_mismatch", Some("parent_id"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "某镇", "level": "district", "parent_id": county}),
    )
    .await
    .expect_error(422, "level_invalid", Some("level"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "某镇", "level": "township", "parent_id": "nope"}),
    )
    .await
    .expect_error(404, "not_found", Some("parent_id"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "  ", "level": "township", "parent_id": county}),
    )
    .await
    .expect_error(422, "name_invalid", Some("name"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "某镇", "level": "township", "parent_id": county, "population": -1}),
    )
    .await
    .expect_error(422, "population_invalid", Some("population"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": "某镇", "level": "township", "parent_id": county, "unit_type": "castle"}),
    )
    .await
    .expect_error(422, "unit_type_invalid", Some("unit_type"));
    let kids = t
        .get(&format!("/api/v1/orgs/{county}/children"), &t.root)
        .await
        .expect(200);
    assert_eq!(kids.body["total"], 1, "no failed request wrote anything");
    t.get("/api/v1/orgs/unknown", &t.root)
        .await
        .expect_error(404, "not_found", None);
}

#[tokio::test]
async fn updates_are_versioned_and_audited() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let r = t
        .patch(
            &format!("/api/v1/orgs/{county}"),
            &t.root,
            json!({"population": 410000, "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["population"], 410000);
    assert_eq!(r.body["version"], 2);
    t.patch(
        &format!("/api/v1/orgs/{county}"),
        &t.root,
        json!({"population": 1, "version": 1}),
    )
    .await
    .expect_error(409, "stale_version", Some("version"));
    let log = t
        .get(&format!("/api/v1/audit?subject_id={county}"), &t.root)
        .await
        .expect(200);
    assert_eq!(log.body["total"], 2);
    let update = &log.body["items"][0];
    assert_eq!(update["action"], "org.update");
    assert_eq!(update["actor_name"], "root");
    assert_eq!(update["before"]["population"], 2000);
    assert_eq!(update["after"]["population"], 410000);
}
