//! Service hours: back-fill, the 8 h / 12 h approvals, the 3-cycle limit, amendments that
//! keep history, rotating check-in codes, certificates that can't be forged.

use serde_json::json;

use super::{at, started_a_minute_ago, world, yesterday};
use crate::harness::clock_past;

const H: i64 = 3600;

#[tokio::test]
async fn long_days_need_the_team_then_the_level_above() {
    let w = world().await;
    let t = &w.t;
    let city = t.org(&t.root, "通辽市", "city", None).await;
    let county = t.org(&t.root, "奈曼旗", "county", Some(&city)).await;
    let team = t.team(&t.root, "旗服务队", &county, None, "team").await;
    let a = t
        .post("/api/v1/activities", &t.root, json!({"title": "防汛抢险", "team_id": team, "starts_at": at(-30 * H), "ends_at": at(-H), "capacity": 50, "backfill_reason": "抢险当天未能及时录入"}))
        .await
        .expect(201);
    assert_eq!(a.body["status"], "done");
    let id = a.id();
    let nine = t.volunteer(&t.root, "刘长江", &county, 11).await;
    let thirteen = t.volunteer(&t.root, "陈黄河", &county, 12).await;
    let attend = |v: String, from: i64, to: i64| {
        let path = format!("/api/v1/activities/{id}/attendance");
        async move {
            t.post(&path, &t.root, json!({"volunteer_id": v, "checked_in_at": at(from), "checked_out_at": at(to), "recipients": "受灾群众"})).await
        }
    };
    let r9 = attend(nine.clone(), -29 * H, -20 * H).await.expect(201);
    assert_eq!(
        (
            r9.body["status"].as_str(),
            r9.body["captured"].as_str(),
            r9.body["hours"].as_f64()
        ),
        (Some("pending_team"), Some("backfill"), Some(9.0))
    );
    let r13 = attend(thirteen.clone(), -29 * H, -16 * H).await.expect(201);
    assert_eq!(r13.body["status"], "pending_higher");
    // Times outside the activity are refused, nothing written.
    attend(nine.clone(), -31 * H, -20 * H).await.expect_error(
        422,
        "outside_activity",
        Some("checked_in_at"),
    );

    let county_admin = t.account(&t.root, "county", "admin", &county).await;
    let city_admin = t.account(&t.root, "city", "admin", &city).await;
    let leader = t.account(&t.root, "leader", "team_leader", &team).await;
    t.post(
        &format!("/api/v1/service-records/{}/decision", r9.id()),
        &leader,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    t.post(
        &format!("/api/v1/service-records/{}/decision", r13.id()),
        &leader,
        json!({"approve": true}),
    )
    .await
    .expect_error(403, "higher_approval_required", None);
    t.post(
        &format!("/api/v1/service-records/{}/decision", r13.id()),
        &county_admin,
        json!({"approve": true}),
    )
    .await
    .expect_error(403, "higher_approval_required", None);
    let ok = t
        .post(
            &format!("/api/v1/service-records/{}/decision", r13.id()),
            &city_admin,
            json!({"approve": true}),
        )
        .await
        .expect(200);
    assert_eq!(ok.body["status"], "approved");

    let page = t
        .get(
            &format!("/api/v1/volunteers/{nine}/service-records"),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(page.body["total_hours"], 9.0);
    assert_eq!(page.body["star_level"], 0);
    let rec = &page.body["items"][0];
    for field in [
        "activity_title",
        "date",
        "place",
        "recipients",
        "content",
        "hours",
        "evaluation",
        "person_in_charge",
        "recorder",
        "captured",
    ] {
        assert!(
            !rec[field].is_null(),
            "R-LAW-3 field {field} missing: {rec}"
        );
    }
}

#[tokio::test]
async fn at_most_three_cycles_a_day_and_amendments_keep_history() {
    let w = world().await;
    let t = &w.t;
    let a = t
        .post("/api/v1/activities", &t.root, json!({"title": "敬老院服务", "team_id": w.team, "starts_at": yesterday(0), "ends_at": yesterday(10 * H), "capacity": 5, "backfill_reason": "补录"}))
        .await
        .expect(201);
    let id = a.id();
    let v = t.volunteer(&t.root, "黄建设", &w.county, 21).await;
    let path = format!("/api/v1/activities/{id}/attendance");
    let mut first = String::new();
    for i in 0..3 {
        let r = t.post(&path, &t.root, json!({"volunteer_id": v, "checked_in_at": yesterday((1 + 2 * i) * H), "checked_out_at": yesterday((2 + 2 * i) * H)})).await.expect(201);
        if i == 0 {
            first = r.id();
        }
    }
    t.post(&path, &t.root, json!({"volunteer_id": v, "checked_in_at": yesterday(7 * H + 60), "checked_out_at": yesterday(8 * H)})).await.expect_error(422, "too_many_cycles", Some("checked_in_at"));

    // The volunteer asks for a correction; the team approves; the record keeps what was captured.
    let vt = t.account(&t.root, "huang", "volunteer", &v).await;
    let leader = t.account(&t.root, "lead", "team_leader", &w.team).await;
    let m = t
        .post(&format!("/api/v1/service-records/{first}/amendments"), &vt, json!({"checked_in_at": yesterday(H), "checked_out_at": yesterday(3 * H), "reason": "签退时手机没电，实际服务到 11 点"}))
        .await
        .expect(201);
    assert_eq!(m.body["status"], "pending");
    // Nobody approves their own request.
    let own = t.post(&format!("/api/v1/service-records/{first}/amendments"), &leader, json!({"checked_in_at": yesterday(H), "checked_out_at": yesterday(2 * H + 600), "reason": "核对签到表"})).await.expect(201);
    t.post(
        &format!("/api/v1/amendments/{}/decision", own.id()),
        &leader,
        json!({"approve": true}),
    )
    .await
    .expect_error(403, "self_approval", None);
    t.post(
        &format!("/api/v1/amendments/{}/decision", m.id()),
        &vt,
        json!({"approve": true}),
    )
    .await
    .expect_error(403, "role_forbidden", None);
    t.post(
        &format!("/api/v1/amendments/{}/decision", m.id()),
        &leader,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    let h = t
        .get(&format!("/api/v1/service-records/{first}"), &vt)
        .await
        .expect(200);
    assert_eq!(h.body["record"]["hours"], 2.0);
    assert_eq!(
        h.body["record"]["captured_hours"], 1.0,
        "the captured time is never overwritten"
    );
    assert_eq!(h.body["record"]["amended"], true);
    let am = h.body["amendments"].as_array().unwrap();
    assert_eq!(am.len(), 2);
    assert_eq!(
        (
            am[0]["requested_by"].as_str(),
            am[0]["status"].as_str(),
            am[0]["old_hours"].as_f64(),
            am[0]["new_hours"].as_f64()
        ),
        (Some("huang"), Some("approved"), Some(1.0), Some(2.0))
    );
    assert_eq!(am[0]["decided_by"], "lead");
    assert!(am[0]["reason"].as_str().unwrap().contains("手机没电"));
}

#[tokio::test]
async fn certificates_verify_publicly_and_forged_codes_fail() {
    let w = world().await;
    let t = &w.t;
    let a = t
        .post("/api/v1/activities", &t.root, json!({"title": "义务植树", "team_id": w.team, "starts_at": at(-6 * H), "ends_at": at(-H), "capacity": 5, "backfill_reason": "补录"}))
        .await
        .expect(201);
    let v = t.volunteer(&t.root, "杨树林", &w.county, 31).await;
    t.post(
        &format!("/api/v1/activities/{}/attendance", a.id()),
        &t.root,
        json!({"volunteer_id": v, "checked_in_at": at(-5 * H), "checked_out_at": at(-2 * H)}),
    )
    .await
    .expect(201);
    let c = t
        .post(
            &format!("/api/v1/volunteers/{v}/certificates"),
            &t.root,
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(c.body["hours"], 3.0);
    let code = c.body["code"].as_str().unwrap().to_owned();
    assert!(c.body["pdf_url"].as_str().unwrap().contains(&code));
    // Public: no token at all.
    let ok = t
        .call(
            axum::http::Method::GET,
            &format!("/api/v1/certificates/{code}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        (
            ok.body["valid"].as_bool(),
            ok.body["hours"].as_f64(),
            ok.body["volunteer_name_masked"].as_str()
        ),
        (Some(true), Some(3.0), Some("杨**"))
    );
    assert!(
        !ok.text.contains("杨树林") && !ok.text.contains(&v),
        "reveals too much: {}",
        ok.text
    );
    // Any altered character fails, as does a well-formed made-up code.
    let mut altered = code.clone().into_bytes();
    altered[3] = if altered[3] == b'a' { b'b' } else { b'a' };
    let altered = String::from_utf8(altered).unwrap();
    t.call(
        axum::http::Method::GET,
        &format!("/api/v1/certificates/{altered}"),
        None,
        None,
    )
    .await
    .expect_error(404, "certificate_invalid", None);
    t.call(
        axum::http::Method::GET,
        &format!("/api/v1/certificates/{}", "0".repeat(40)),
        None,
        None,
    )
    .await
    .expect_error(404, "certificate_invalid", None);
    assert!(!t.app.certificate_code_is_genuine(&altered));
    // The number printed on the paper verifies like the QR code, however it is typed, on the
    // API and on /verify's box; a number never issued does not.
    let number = c.body["certificate_no"].as_str().unwrap().to_owned();
    for typed in [
        number.clone(),
        number.to_lowercase(),
        number.replace('-', ""),
    ] {
        let by_number = t
            .call(
                axum::http::Method::GET,
                &format!("/api/v1/certificates/{typed}"),
                None,
                None,
            )
            .await
            .expect(200);
        assert_eq!(by_number.body, ok.body, "{typed}");
    }
    let page = t
        .call(
            axum::http::Method::GET,
            &format!("/verify?code={}", number.to_lowercase()),
            None,
            None,
        )
        .await
        .expect(200);
    assert!(
        page.text.contains("证明有效") && page.text.contains("杨**"),
        "{}",
        page.text
    );
    let empty = t
        .call(axum::http::Method::GET, "/verify", None, None)
        .await
        .expect(200);
    assert!(empty.text.contains("id=\"verify-code\"") && !empty.text.contains("证明无效"));
    let mut never = number.clone();
    let last = never.pop().unwrap();
    never.push(if last == 'A' { 'B' } else { 'A' });
    t.call(
        axum::http::Method::GET,
        &format!("/api/v1/certificates/{never}"),
        None,
        None,
    )
    .await
    .expect_error(404, "certificate_invalid", None);
    // Revoked: still found, no longer valid.
    t.post(
        &format!("/api/v1/certificates/{code}/revoke"),
        &t.root,
        json!({"reason": "时长有误"}),
    )
    .await
    .expect(200);
    let r = t
        .call(
            axum::http::Method::GET,
            &format!("/api/v1/certificates/{code}"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        (r.body["valid"].as_bool(), r.body["revoked"].as_bool()),
        (Some(false), Some(true))
    );
    let log = t
        .get(&format!("/api/v1/volunteers/{v}/certificates"), &t.root)
        .await
        .expect(200);
    assert_eq!(log.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rotating_codes_check_in_and_out_and_refuse_foreign_or_expired_ones() {
    let w = world().await;
    let t = &w.t;
    let a = t
        .post("/api/v1/activities", &t.root, json!({"title": "社区义诊", "team_id": w.team, "starts_at": at(60), "ends_at": at(3600), "capacity": 5}))
        .await
        .expect(201);
    let id = a.id();
    let v = t.volunteer(&t.root, "林海", &w.county, 41).await;
    let other = t.volunteer(&t.root, "林涛", &w.county, 42).await;
    t.post(
        &format!("/api/v1/activities/{id}/signups"),
        &t.root,
        json!({"volunteer_id": v}),
    )
    .await
    .expect(201);
    let vt = t.account(&t.root, "linhai", "volunteer", &v).await;
    let ot = t.account(&t.root, "lintao", "volunteer", &other).await;
    started_a_minute_ago(t, &id).await;
    // Attendance only for confirmed sign-ups.
    t.post(
        &format!("/api/v1/activities/{id}/attendance"),
        &t.root,
        json!({"volunteer_id": other, "checked_in_at": at(-1), "checked_out_at": at(0)}),
    )
    .await
    .expect_error(422, "not_confirmed", Some("volunteer_id"));

    let code = t
        .get(&format!("/api/v1/activities/{id}/checkin-code"), &t.root)
        .await
        .expect(200);
    let token = code.body["token"].as_str().unwrap().to_owned();
    assert!(code.body["path"].as_str().unwrap().starts_with("/checkin/"));
    t.post(&format!("/api/v1/checkin/{token}"), &ot, json!({}))
        .await
        .expect_error(422, "not_confirmed", Some("token"));
    let inn = t
        .post(&format!("/api/v1/checkin/{token}"), &vt, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (
            inn.body["action"].as_str(),
            inn.body["record"]["status"].as_str(),
            inn.body["record"]["captured"].as_str()
        ),
        (Some("in"), Some("open"), Some("scan"))
    );
    // Checked out strictly after the check-in: some service time, however short.
    clock_past(zhiyuan_app::clock::now_ms()).await;
    let out = t
        .post(&format!("/api/v1/checkin/{token}"), &vt, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (
            out.body["action"].as_str(),
            out.body["record"]["status"].as_str()
        ),
        (Some("out"), Some("approved"))
    );

    // Altered (another activity's id under this signature) and expired codes are refused.
    let (_, rest) = token.split_once('.').unwrap();
    let foreign = format!("{}.{rest}", "f".repeat(32));
    t.post(&format!("/api/v1/checkin/{foreign}"), &vt, json!({}))
        .await
        .expect_error(422, "checkin_code_invalid", Some("token"));
    t.post("/api/v1/checkin/garbage", &vt, json!({}))
        .await
        .expect_error(422, "checkin_code_invalid", Some("token"));
    let later = chrono::Utc::now().timestamp_millis() + 120_000;
    let e = t.app.verify_checkin_token(&token, later).unwrap_err();
    assert_eq!(e.code, "checkin_code_expired");
}

#[tokio::test]
async fn photos_are_images_by_content_and_size_limited() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(serde_json::json!({})).await;
    let id = a["id"].as_str().unwrap();
    let upload = |bytes: Vec<u8>| {
        let boundary = "zyBOUNDARY";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        axum::http::Request::post(format!("/api/v1/activities/{id}/photos"))
            .header("authorization", format!("Bearer {}", t.root))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let ok = t.send(upload(png.clone())).await.expect(201);
    t.send(upload(b"<svg onload=alert(1)>".to_vec()))
        .await
        .expect_error(422, "not_an_image", Some("file"));
    let mut huge = vec![0xFF, 0xD8, 0xFF];
    huge.resize(4 * 1024 * 1024 + 10, 0);
    let r = t.send(upload(huge)).await;
    assert!(
        r.status == 422 || r.status == 400 || r.status == 413,
        "{}",
        r.text
    );
    let got = t
        .get(ok.body["url"].as_str().unwrap(), &t.root)
        .await
        .expect(200);
    assert_eq!(got.headers["content-type"], "image/png");
    assert_eq!(
        t.get(&format!("/api/v1/activities/{id}/photos"), &t.root)
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
