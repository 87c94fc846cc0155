//! The compliance rules about nodes, at their boundaries: 9 and 10 registered out of 100
//! (and each unit type's target), a station's six items with evidence; paging in rule order.

use serde_json::{json, Value};

use super::rules::{findings, of, station};
use crate::harness::spawn;
#[tokio::test]
async fn registration_ratios_meet_their_targets_exactly_at_them() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t
        .post(
            "/api/v1/orgs",
            &t.root,
            json!({"name": "昂乃村", "level": "village", "parent_id": county, "population": 100}),
        )
        .await
        .expect(201)
        .id();
    let agency = t
        .post("/api/v1/orgs", &t.root, json!({"name": "旗政府办", "level": "unit", "parent_id": county, "population": 10, "unit_type": "agency"}))
        .await
        .expect(201)
        .id();
    let unknown = t.org(&t.root, "人口未知村", "village", Some(&county)).await;
    t.patch(
        &format!("/api/v1/orgs/{unknown}"),
        &t.root,
        json!({"population": 0}),
    )
    .await
    .expect(200);
    for i in 0..9 {
        t.volunteer(&t.root, "村民", &village, i + 1).await;
    }
    for i in 0..5 {
        t.volunteer(&t.root, "干部", &agency, i + 100).await;
    }
    let f = findings(&t, &county, "rule=registration_ratio_low").await;
    assert_eq!(
        of(&f, "registration_ratio_low", &village),
        Some("注册志愿者 9 人，占 100 人的 9%，目标 10%")
    );
    assert_eq!(
        of(&f, "registration_ratio_low", &agency),
        Some("注册志愿者 5 人，占 10 人的 50%，目标 60%")
    );
    assert_eq!(of(&f, "registration_ratio_low", &unknown), None);
    t.volunteer(&t.root, "村民", &village, 10).await;
    t.volunteer(&t.root, "干部", &agency, 105).await;
    let f = findings(&t, &county, "rule=registration_ratio_low").await;
    assert_eq!(of(&f, "registration_ratio_low", &village), None);
    assert_eq!(of(&f, "registration_ratio_low", &agency), None);
    // A civilised village aims at 15 %.
    t.patch(
        &format!("/api/v1/orgs/{village}"),
        &t.root,
        json!({"unit_type": "civilised_village"}),
    )
    .await
    .expect(200);
    let f = findings(&t, &county, "rule=registration_ratio_low").await;
    assert!(of(&f, "registration_ratio_low", &village)
        .unwrap()
        .ends_with("目标 15%"));
}

#[tokio::test]
async fn a_station_records_its_six_items_with_evidence() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&county)).await;
    let st = station(&t, "昂乃村服务站", &village).await;
    let f = findings(&t, &county, "rule=station_standard_incomplete").await;
    assert!(of(&f, "station_standard_incomplete", &st)
        .unwrap()
        .starts_with("缺 6 项"));
    let path = format!("/api/v1/orgs/{st}/station-standard");
    let put = |body: Value| {
        let (t, path) = (&t, path.clone());
        async move {
            t.call(axum::http::Method::PUT, &path, Some(&t.root), Some(body))
                .await
        }
    };
    put(json!({"items": [{"item": "rules", "present": true, "evidence": " "}]}))
        .await
        .expect_error(422, "evidence_required", Some("evidence.rules"));
    put(json!({"items": [{"item": "rules", "present": false}, {"item": "rules", "present": false}]}))
        .await
        .expect_error(422, "duplicate_item", Some("items"));
    put(json!({"items": [{"item": "flag", "present": false}]}))
        .await
        .expect_error(422, "standard_item_invalid", Some("items"));
    put(json!({"items": []}))
        .await
        .expect_error(422, "items_required", Some("items"));
    let all: Vec<Value> = ["rules", "venue", "team", "ledgers", "projects", "signage"]
        .iter()
        .map(|i| json!({"item": i, "present": true, "evidence": format!("{i} 证明")}))
        .collect();
    let r = put(json!({"items": all})).await.expect(200);
    assert_eq!(r.body["complete"], true);
    assert_eq!(r.body["items"][0]["recorded_by"], "root");
    assert!(findings(&t, &county, "rule=station_standard_incomplete")
        .await
        .is_empty());
    let r = put(json!({"items": [{"item": "signage", "present": false}]}))
        .await
        .expect(200);
    assert_eq!(
        (
            r.body["complete"].as_bool(),
            r.body["items"][0]["present"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let f = findings(&t, &county, "rule=station_standard_incomplete").await;
    assert_eq!(
        of(&f, "station_standard_incomplete", &st),
        Some("缺 1 项：有明显标识")
    );
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/orgs/{village}/station-standard"),
        Some(&t.root),
        Some(json!({"items": [{"item": "rules", "present": false}]})),
    )
    .await
    .expect_error(422, "not_a_station", Some("org_id"));
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("station.standard"));
}

#[tokio::test]
async fn findings_page_in_rule_order_and_filter_by_rule() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    for name in ["甲村", "乙村", "丙村"] {
        t.org(&t.root, name, "village", Some(&county)).await;
    }
    station(&t, "服务站", &county).await;
    let all = t
        .get(
            &format!("/api/v1/orgs/{county}/compliance?month=2026-01"),
            &t.root,
        )
        .await
        .expect(200);
    let total = all.body["total"].as_i64().unwrap();
    let counted: i64 = all.body["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, counted);
    assert!(total >= 4, "{}", all.text);
    let mut seen = Vec::new();
    for page in 1..=total {
        let r = t
            .get(
                &format!("/api/v1/orgs/{county}/compliance?month=2026-01&per_page=1&page={page}"),
                &t.root,
            )
            .await
            .expect(200);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        seen.push(r.body["items"][0].clone());
    }
    assert_eq!(json!(seen), all.body["items"]);
    let only = t
        .get(
            &format!("/api/v1/orgs/{county}/compliance?rule=village_without_team"),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(only.body["total"], 3);
    assert!(only.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] == "village_without_team"));
    // Grouped by rule: the first of each.
    let grouped = t
        .get(
            &format!("/api/v1/orgs/{county}/compliance?month=2026-01&per_rule=1"),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(grouped.body["total"], total);
    let rules: Vec<&str> = grouped.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    let with_findings = all.body["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["count"].as_i64() > Some(0))
        .count();
    assert_eq!(rules.len(), with_findings, "{rules:?}");
    let mut dedup = rules.clone();
    dedup.dedup();
    assert_eq!(dedup, rules, "one of each, in rule order");
    t.get(
        &format!("/api/v1/orgs/{county}/compliance?rule=nope"),
        &t.root,
    )
    .await
    .expect_error(422, "rule_invalid", Some("rule"));
}
