//! Applications, policies at their boundaries, and the three-level review with a
//! return-for-changes loop.

use serde_json::json;

use super::{admit, application, apply, approve, born_aged, tree};
use crate::harness::{id_number, spawn};

#[tokio::test]
async fn policy_age_limit_holds_at_50_and_breaks_at_51() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/teams/{}/policy", tr.team),
        Some(&t.root),
        Some(
            json!({"max_age": 50, "require_party_member": true, "require_veteran": true,
                    "require_healthy": true, "require_no_record": true}),
        ),
    )
    .await
    .expect(200);
    let mut fifty = application(&tr.team, 1);
    fifty["id_number"] = json!(id_number(&born_aged(50), 1));
    let r = t
        .call(
            axum::http::Method::POST,
            "/api/v1/applications",
            None,
            Some(fifty),
        )
        .await
        .expect(201);
    assert_eq!(r.body["breaches"], json!([]));
    let mut old = application(&tr.team, 2);
    old["id_number"] = json!(id_number(&born_aged(51), 2));
    old["party_member"] = json!(false);
    old["health"] = json!("fair");
    let r = t
        .call(
            axum::http::Method::POST,
            "/api/v1/applications",
            None,
            Some(old),
        )
        .await
        .expect(201);
    let rules: Vec<&str> = r.body["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["age_above_max", "not_party_member", "not_healthy"]);
    // Approving it needs an explicit override reason, which is logged.
    let id = r.id();
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        &tr.village_admin,
        json!({"decision": "approve"}),
    )
    .await
    .expect_error(422, "policy_override_required", Some("override_reason"));
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        &tr.village_admin,
        json!({"decision": "approve", "override_reason": "抢险救援骨干，经村支部研究"}),
    )
    .await
    .expect(200);
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("application.approve_override"));
}

#[tokio::test]
async fn under_14_is_refused_and_minors_need_a_guardian() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let mut child = application(&tr.team, 3);
    child["id_number"] = json!(id_number(&born_aged(13), 3));
    t.call(
        axum::http::Method::POST,
        "/api/v1/applications",
        None,
        Some(child),
    )
    .await
    .expect_error(422, "age_under_14", Some("id_number"));
    let mut minor = application(&tr.team, 4);
    minor["id_number"] = json!(id_number(&born_aged(16), 4));
    t.call(
        axum::http::Method::POST,
        "/api/v1/applications",
        None,
        Some(minor.clone()),
    )
    .await
    .expect_error(422, "guardian_consent_required", Some("guardian_consent"));
    minor["guardian_consent"] = json!(true);
    t.call(
        axum::http::Method::POST,
        "/api/v1/applications",
        None,
        Some(minor),
    )
    .await
    .expect(201);
    let mut no_consent = application(&tr.team, 5);
    no_consent["consent_data"] = json!(false);
    t.call(
        axum::http::Method::POST,
        "/api/v1/applications",
        None,
        Some(no_consent),
    )
    .await
    .expect_error(422, "consent_required", Some("consent_data"));
}

#[tokio::test]
async fn three_levels_review_bottom_up_with_a_return_loop_then_admit() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (id, code) = apply(&t, application(&tr.team, 7)).await;
    // Queues: the village sees it, the township's own queue has it under the village count.
    let q = t
        .get("/api/v1/review-queue", &tr.village_admin)
        .await
        .expect(200);
    assert_eq!(q.body["total"], 1);
    assert_eq!(q.body["counts"][0]["level"], "village");
    // Only the reviewing level decides: the county can't approve for the village.
    approve(&t, &tr.county_admin, &id)
        .await
        .expect_error(403, "not_your_level", None);
    approve(&t, &tr.village_admin, &id).await.expect(200);
    // The township returns it for changes, with a reason the applicant sees.
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        &tr.township_admin,
        json!({"decision": "return"}),
    )
    .await
    .expect_error(422, "reason_required", Some("reason"));
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        &tr.township_admin,
        json!({"decision": "return", "reason": "请补充退役年份"}),
    )
    .await
    .expect(200);
    let s = t
        .call(
            axum::http::Method::GET,
            &format!("/api/v1/applications/track/{code}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(s.body["status"], "returned");
    assert_eq!(s.body["last_reason"], "请补充退役年份");
    assert!(
        !s.text.contains("township_a"),
        "reviewers' names stay private"
    );
    // Corrected and resubmitted: review starts again at the village.
    let mut fixed = application(&tr.team, 7);
    fixed["enlisted_year"] = json!(1998);
    fixed["discharged_year"] = json!(2003);
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/applications/track/{code}"),
        None,
        Some(fixed),
    )
    .await
    .expect(200);
    let a = t
        .get(&format!("/api/v1/applications/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(a.body["status"], "pending");
    assert_eq!(a.body["step_index"], 0);
    assert_eq!(a.body["current_org_id"], tr.village.as_str());
    let r = admit(&t, &tr, &id).await.expect(200);
    assert_eq!(r.body["registration_no"], "NM001");
    let vid = r.body["volunteer_id"].as_str().unwrap().to_owned();
    // The volunteer exists, is a member of the team, and can log in with the number.
    let v = t
        .get(&format!("/api/v1/volunteers/{vid}"), &t.root)
        .await
        .expect(200);
    assert_eq!(v.body["teams"][0]["team_id"], tr.team.as_str());
    assert_eq!(v.body["discharged_year"], 2003);
    let token = t.login("NM001", "Apply-pass-2026").await;
    t.get(&format!("/api/v1/volunteers/{vid}"), &token)
        .await
        .expect(200);
    let s = t
        .call(
            axum::http::Method::GET,
            &format!("/api/v1/applications/track/{code}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(s.body["status"], "admitted");
    assert_eq!(s.body["username"], "NM001");
    let decisions: Vec<&str> = s.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "submitted",
            "approve",
            "return",
            "resubmitted",
            "approve",
            "approve",
            "admit"
        ]
    );
    // The same person can't be entered again by an admin; anonymously the answer must not
    // tell that the number is registered (issue 17), so it is taken like any application and
    // the reviewer is warned; admitting it is still refused.
    t.post(
        "/api/v1/applications",
        &tr.village_admin,
        application(&tr.team, 7),
    )
    .await
    .expect_error(409, "duplicate_id_number", Some("id_number"));
    let fresh = t
        .call(
            axum::http::Method::POST,
            "/api/v1/applications",
            None,
            Some(application(&tr.team, 8)),
        )
        .await
        .expect(201);
    let again = t
        .call(
            axum::http::Method::POST,
            "/api/v1/applications",
            None,
            Some(application(&tr.team, 7)),
        )
        .await
        .expect(201);
    let keys = |r: &crate::harness::Resp| {
        let mut k: Vec<String> = r.body.as_object().unwrap().keys().cloned().collect();
        k.sort();
        (k, r.body["status"].clone(), r.body["breaches"].clone())
    };
    assert_eq!(keys(&again), keys(&fresh), "the answers must look alike");
    let dup = t
        .get(
            &format!("/api/v1/applications/{}", again.id()),
            &tr.village_admin,
        )
        .await
        .expect(200);
    assert!(
        dup.body["duplicates"][0]
            .as_str()
            .unwrap()
            .contains("已登记为志愿者"),
        "{}",
        dup.text
    );
    let public = t
        .call(
            axum::http::Method::GET,
            &format!(
                "/api/v1/applications/track/{}",
                again.body["tracking_code"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await
        .expect(200);
    assert!(!public.text.contains("已登记"), "{}", public.text);
    approve(&t, &tr.county_admin, &id)
        .await
        .expect_error(409, "application_not_pending", None);
}

#[tokio::test]
async fn rejection_is_final_and_a_second_open_application_is_flagged() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (id, _) = apply(&t, application(&tr.team, 9)).await;
    // An admin is told; an anonymous second application is taken and both are flagged.
    t.post(
        "/api/v1/applications",
        &tr.village_admin,
        application(&tr.team, 9),
    )
    .await
    .expect_error(409, "application_open", Some("id_number"));
    let (twin, _) = apply(&t, application(&tr.team, 9)).await;
    for (a, b) in [(&id, &twin), (&twin, &id)] {
        let v = t
            .get(&format!("/api/v1/applications/{a}"), &tr.village_admin)
            .await
            .expect(200);
        assert!(
            v.body["duplicates"][0]
                .as_str()
                .unwrap()
                .contains("另有 1 份申请"),
            "{b}: {}",
            v.text
        );
    }
    t.post(
        &format!("/api/v1/applications/{id}/review"),
        &tr.village_admin,
        json!({"decision": "reject", "reason": "非本村常住人口"}),
    )
    .await
    .expect(200);
    approve(&t, &tr.village_admin, &id)
        .await
        .expect_error(409, "application_not_pending", None);
    // An application the actor's area doesn't hold is unknown to them.
    let other = t.org(&t.root, "其他旗", "county", None).await;
    let outsider = t.account(&t.root, "outsider", "admin", &other).await;
    t.get(&format!("/api/v1/applications/{id}"), &outsider)
        .await
        .expect_error(404, "not_found", None);
    t.get("/api/v1/applications/track/NOSUCHCODE00", &outsider)
        .await
        .expect_error(404, "not_found", None);
}

#[tokio::test]
async fn withdraw_suspend_and_reinstate_keep_history() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (id, _) = apply(&t, application(&tr.team, 11)).await;
    let r = admit(&t, &tr, &id).await.expect(200);
    let vid = r.body["volunteer_id"].as_str().unwrap().to_owned();
    let own = t.login("NM001", "Apply-pass-2026").await;
    t.post(
        &format!("/api/v1/volunteers/{vid}/suspend"),
        &own,
        json!({"reason": "x"}),
    )
    .await
    .expect_error(403, "role_forbidden", None);
    t.post(
        &format!("/api/v1/volunteers/{vid}/suspend"),
        &tr.village_admin,
        json!({"reason": ""}),
    )
    .await
    .expect_error(422, "reason_required", Some("reason"));
    t.post(
        &format!("/api/v1/volunteers/{vid}/suspend"),
        &tr.village_admin,
        json!({"reason": "长期外出务工"}),
    )
    .await
    .expect(200);
    t.post(
        &format!("/api/v1/volunteers/{vid}/withdraw"),
        &own,
        json!({"reason": "个人原因"}),
    )
    .await
    .expect_error(409, "status_conflict", None);
    t.post(
        &format!("/api/v1/volunteers/{vid}/reinstate"),
        &tr.village_admin,
        json!({"reason": "已返乡"}),
    )
    .await
    .expect(200);
    t.post(
        &format!("/api/v1/volunteers/{vid}/withdraw"),
        &tr.village_admin,
        json!({"reason": "代为退出"}),
    )
    .await
    .expect_error(403, "own_record_only", None);
    let h = t
        .post(
            &format!("/api/v1/volunteers/{vid}/withdraw"),
            &own,
            json!({"reason": "个人原因"}),
        )
        .await
        .expect(200);
    let to: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["suspended", "active", "withdrawn"]);
    let v = t
        .get(&format!("/api/v1/volunteers/{vid}"), &t.root)
        .await
        .expect(200);
    assert_eq!(v.body["status"], "withdrawn");
}
