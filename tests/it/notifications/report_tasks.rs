//! Reporting tasks (报送任务): set by an admin for the orgs below, submitted by the asked orgs'
//! admins (a note and optionally a workbook), followed per org as not started, submitted,
//! late or overdue; scope on every step; deadline reminders once each.

use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::{json, Value};

use super::inbox;
use crate::activities::at;
use crate::forms::{location, Browser};
use crate::harness::{clock_past, spawn, Resp, TestApp, PASSWORD};

struct Tree {
    t: TestApp,
    county: String,
    towns: [String; 3],
    village: String,
    county_admin: String,
    town_admins: [String; 3],
    village_admin: String,
}

async fn tree() -> Tree {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let mut towns = Vec::new();
    for name in ["大沁他拉镇", "八仙筒镇", "青龙山镇"] {
        towns.push(t.org(&t.root, name, "township", Some(&county)).await);
    }
    let village = t.org(&t.root, "白音昌村", "village", Some(&towns[0])).await;
    let county_admin = t.account(&t.root, "county_a", "admin", &county).await;
    let mut town_admins = Vec::new();
    for (i, town) in towns.iter().enumerate() {
        town_admins.push(t.account(&t.root, &format!("town{i}"), "admin", town).await);
    }
    let village_admin = t.account(&t.root, "village_a", "admin", &village).await;
    Tree {
        t,
        county,
        towns: towns.try_into().unwrap(),
        village,
        county_admin,
        town_admins: town_admins.try_into().unwrap(),
        village_admin,
    }
}

async fn create(t: &TestApp, token: &str, body: Value) -> Resp {
    t.post("/api/v1/report-tasks", token, body).await
}

fn statuses(detail: &Value) -> Vec<(String, String)> {
    detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["org_name"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A multipart submission with `note`, `org_id` and a `file` named `name`.
async fn submit_file(
    t: &TestApp,
    token: &str,
    task: &str,
    org: &str,
    name: &str,
    bytes: &[u8],
) -> Resp {
    let boundary = "XyZzy0123";
    let mut body = Vec::new();
    for (k, v) in [("org_id", org), ("note", "见附件")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/report-tasks/{task}/submissions"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn a_county_sets_a_task_and_sees_each_township_submitted_late_or_overdue() {
    let tr = tree().await;
    let t = &tr.t;
    // Bad input: nothing written.
    create(
        t,
        &tr.county_admin,
        json!({"title": "", "deadline": at(3600)}),
    )
    .await
    .expect_error(422, "required", Some("title"));
    create(
        t,
        &tr.county_admin,
        json!({"title": "统计表", "deadline": at(-60)}),
    )
    .await
    .expect_error(422, "deadline_past", Some("deadline"));
    create(
        t,
        &tr.county_admin,
        json!({"title": "统计表", "deadline": "明天"}),
    )
    .await
    .expect_error(422, "time_invalid", Some("deadline"));
    create(
        t,
        &tr.village_admin,
        json!({"title": "统计表", "deadline": at(3600)}),
    )
    .await
    .expect_error(422, "no_targets", Some("target_level"));
    assert_eq!(
        t.get("/api/v1/report-tasks", &tr.county_admin).await.body["total"],
        0
    );

    // Due in an hour, for the three townships (the direct children).
    let task = create(
        t,
        &tr.county_admin,
        json!({"title": "注册志愿者统计表", "description": "按附件5填报", "deadline": at(3600)}),
    )
    .await
    .expect(201);
    assert_eq!(task.body["targets"], 3);
    let id = task.id();
    // Each township's admin was told; the village's and the county's were not.
    for a in &tr.town_admins {
        let n = &inbox(t, a).await["items"][0];
        assert_eq!(n["title"], "新的报送任务：注册志愿者统计表");
        assert_eq!(n["link"], format!("/report-tasks/{id}"));
    }
    assert_eq!(inbox(t, &tr.village_admin).await["total"], 0);
    assert_eq!(inbox(t, &tr.county_admin).await["total"], 0);

    // Town 0 submits on time (JSON, its own org by default).
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.town_admins[0],
        json!({"note": "已按时报送"}),
    )
    .await
    .expect(201);
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(
        statuses(&d.body),
        [
            ("大沁他拉镇".to_owned(), "submitted".to_owned()),
            ("八仙筒镇".to_owned(), "not_started".to_owned()),
            ("青龙山镇".to_owned(), "not_started".to_owned())
        ]
    );
    // Time passes the deadline: it moves to now, after town 0's submission, and the clock
    // moves past it.
    let deadline = zhiyuan_app::clock::now_ms();
    t.execute_sql(&format!(
        "UPDATE report_tasks SET deadline = {deadline} WHERE id = '{id}'"
    ))
    .await;
    clock_past(deadline).await;
    // Town 1 submits after the deadline: kept, and late. Town 2 never does: overdue.
    let late = t
        .post(
            &format!("/api/v1/report-tasks/{id}/submissions"),
            &tr.town_admins[1],
            json!({"note": "补报"}),
        )
        .await
        .expect(201);
    assert_eq!(late.body["late"], true);
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.county_admin)
        .await
        .expect(200);
    let got: Vec<String> = statuses(&d.body).into_iter().map(|(_, s)| s).collect();
    assert_eq!(got, ["submitted", "late", "overdue"]);
    assert_eq!(
        d.body["counts"],
        json!({"not_started": 0, "submitted": 1, "late": 1, "overdue": 1})
    );
    assert_eq!(d.body["task"]["deadline_passed"], true);
    assert_eq!(d.body["submissions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn scope_holds_on_every_step() {
    let tr = tree().await;
    let t = &tr.t;
    // A township admin can't set a task for the county.
    create(
        t,
        &tr.town_admins[0],
        json!({"title": "越级", "deadline": at(3600), "org_id": tr.county}),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
    // Every village in the county's subtree, when the level is chosen.
    let task = create(
        t,
        &tr.county_admin,
        json!({"title": "站点统计表", "deadline": at(3600), "target_level": "village"}),
    )
    .await
    .expect(201);
    assert_eq!(task.body["targets"], 1, "the one village in the subtree");
    let id = task.id();
    // Town 1 is not asked and sees nothing of it: 404, and not listed.
    t.get(&format!("/api/v1/report-tasks/{id}"), &tr.town_admins[1])
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(
        t.get("/api/v1/report-tasks", &tr.town_admins[1]).await.body["total"],
        0
    );
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.town_admins[1],
        json!({"note": "x", "org_id": tr.village}),
    )
    .await
    .expect_error(404, "not_found", None);
    // Town 0 covers the village: sees its line only, and may submit for it.
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.town_admins[0])
        .await
        .expect(200);
    assert_eq!(d.body["task"]["setter"], false);
    assert_eq!(
        statuses(&d.body),
        [("白音昌村".to_owned(), "not_started".to_owned())]
    );
    // The village admin can't submit for an org that is not asked (its township).
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.village_admin,
        json!({"note": "x", "org_id": tr.towns[0]}),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.town_admins[0],
        json!({"note": "x", "org_id": tr.towns[0]}),
    )
    .await
    .expect_error(422, "not_a_target", Some("org_id"));
    // An empty submission says what is missing.
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.village_admin,
        json!({"note": "  "}),
    )
    .await
    .expect_error(422, "required", Some("note"));
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(d.body["submissions"], json!([]));
    // A team leader is not an admin: 403.
    let team = t.team(&t.root, "队", &tr.county, None, "team").await;
    let leader = t.account(&t.root, "leader", "team_leader", &team).await;
    t.get("/api/v1/report-tasks", &leader)
        .await
        .expect_error(403, "role_forbidden", None);
}

#[tokio::test]
async fn a_workbook_is_attached_checked_and_downloaded_within_scope() {
    let tr = tree().await;
    let t = &tr.t;
    let id = create(
        t,
        &tr.county_admin,
        json!({"title": "队伍统计表", "deadline": at(3600)}),
    )
    .await
    .expect(201)
    .id();
    let xlsx = zhiyuan_sheets::write_xlsx(
        "表7",
        &["队伍", "人数"],
        &[vec!["一班".into(), "10".into()]],
    );
    let xlsx = match xlsx {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    // Not a workbook, by name or by content: 422, nothing written.
    submit_file(t, &tr.town_admins[0], &id, &tr.towns[0], "表7.pdf", &xlsx)
        .await
        .expect_error(422, "not_xlsx", Some("file"));
    submit_file(
        t,
        &tr.town_admins[0],
        &id,
        &tr.towns[0],
        "表7.xlsx",
        b"%PDF-1.7 not a zip",
    )
    .await
    .expect_error(422, "not_xlsx", Some("file"));
    let big = vec![b'P'; 5 * 1024 * 1024 + 1];
    let r = submit_file(t, &tr.town_admins[0], &id, &tr.towns[0], "big.xlsx", &big).await;
    assert!(matches!(r.status.as_u16(), 413 | 422), "{}", r.text);
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(d.body["submissions"], json!([]));

    let s = submit_file(t, &tr.town_admins[0], &id, &tr.towns[0], "表7.xlsx", &xlsx)
        .await
        .expect(201);
    let url = s.body["file_url"].as_str().unwrap().to_owned();
    assert_eq!(s.body["file_name"], "表7.xlsx");
    // The setter and the submitter download the same bytes; an unasked township can't.
    for token in [&tr.county_admin, &tr.town_admins[0]] {
        let req = Request::builder()
            .uri(&url)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(t.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(bytes.as_ref(), xlsx.as_slice());
    }
    t.get(&url, &tr.town_admins[1]).await.expect(404);
    // A village admin of town 0 sees town 0's task only through its own subtree: town 0's
    // line is not its to see.
    t.get(&url, &tr.village_admin).await.expect(404);
}

/// A workbook attachment meets the same unpack budgets as an import (it is stored, not read,
/// but whoever downloads it opens it): a bomb is refused and nothing is submitted.
#[tokio::test]
async fn a_workbook_bomb_is_refused_and_nothing_is_submitted() {
    let tr = tree().await;
    let t = &tr.t;
    let id = create(
        t,
        &tr.county_admin,
        json!({"title": "队伍统计表", "deadline": at(3600)}),
    )
    .await
    .expect(201)
    .id();
    let bomb = zhiyuan_sheets::hostile::one_long_shared_string(zhiyuan_sheets::hostile::GIB);
    submit_file(t, &tr.town_admins[0], &id, &tr.towns[0], "表7.xlsx", &bomb)
        .await
        .expect_error(422, "cell_too_long", Some("file"));
    let d = t
        .get(&format!("/api/v1/report-tasks/{id}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(d.body["submissions"], json!([]));
}

#[tokio::test]
async fn deadline_reminders_go_to_the_asked_orgs_that_have_not_submitted_once() {
    let tr = tree().await;
    let t = &tr.t;
    let deadline = zhiyuan_app::clock::now_ms() + 5 * 86_400_000;
    let id = create(
        t,
        &tr.county_admin,
        json!({"title": "注册志愿者统计表", "deadline": zhiyuan_app::clock::rfc3339(deadline)}),
    )
    .await
    .expect(201)
    .id();
    t.post(
        &format!("/api/v1/report-tasks/{id}/submissions"),
        &tr.town_admins[0],
        json!({"note": "已报"}),
    )
    .await
    .expect(201);
    let day = 86_400_000;
    // Four days before: nothing yet.
    let r = t.app.run_reminders(deadline - 4 * day).await.unwrap();
    assert_eq!((r.report_due, r.report_overdue), (0, 0));
    // Within three days: the two that haven't submitted, once.
    let r = t
        .app
        .run_reminders(deadline - 3 * day + 60_000)
        .await
        .unwrap();
    assert_eq!(r.report_due, 2);
    assert_eq!(
        t.app
            .run_reminders(deadline - day)
            .await
            .unwrap()
            .report_due,
        0
    );
    let n = &inbox(t, &tr.town_admins[1]).await["items"][0];
    assert_eq!(n["kind"], "report_due");
    assert!(n["title"].as_str().unwrap().starts_with("报送任务即将截止"));
    // Past the deadline: overdue, once; town 0 never hears of it again.
    let r = t.app.run_reminders(deadline + 60_000).await.unwrap();
    assert_eq!((r.report_due, r.report_overdue), (0, 2));
    assert_eq!(
        t.app
            .run_reminders(deadline + 2 * day)
            .await
            .unwrap()
            .report_overdue,
        0
    );
    // Only the task notice for town 0.
    assert_eq!(inbox(t, &tr.town_admins[0]).await["total"], 1);
    assert_eq!(inbox(t, &tr.town_admins[2]).await["total"], 3);
}

#[tokio::test]
async fn the_pages_set_follow_and_submit_a_task() {
    let tr = tree().await;
    let t = &tr.t;
    let county = Browser::login(t, "county_a", PASSWORD, "/report-tasks").await;
    let page = county.get(t, "/report-tasks").await.expect(200);
    assert!(page.text.contains("下达报送任务"));
    // A deadline in the past re-renders the form with the error beside the field.
    let bad = county
        .post(
            t,
            "/report-tasks",
            &[
                ("title", "统计表"),
                ("deadline", "2020-01-01T09:00"),
                ("org_id", &tr.county),
            ],
        )
        .await
        .expect(422);
    assert!(bad.text.contains("data-field=\"deadline\""), "{}", bad.text);
    let deadline = chrono::Utc::now() + chrono::Duration::days(3);
    let local = deadline
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = county
        .post(
            t,
            "/report-tasks",
            &[
                ("title", "站点统计表"),
                ("deadline", &local),
                ("org_id", &tr.county),
                ("target_level", ""),
            ],
        )
        .await
        .expect(303);
    let to = location(&r);
    assert!(
        to.starts_with("/report-tasks/") && to.ends_with("?done=created"),
        "{to}"
    );
    let detail = county.get(t, &to).await.expect(200);
    assert!(detail.text.contains("站点统计表") && detail.text.contains("未报送 3"));
    assert!(
        !detail.text.contains("enctype=\"multipart/form-data\""),
        "the setter doesn't submit"
    );

    // The township admin submits from the page (multipart, no file).
    let town = Browser::login(t, "town0", PASSWORD, "/report-tasks").await;
    let path = to.split('?').next().unwrap().to_owned();
    let mine = town.get(t, &path).await.expect(200);
    assert!(mine.text.contains("enctype=\"multipart/form-data\""));
    let boundary = "B0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"org_id\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n已报送纸质表\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n",
        town.csrf, tr.towns[0]
    );
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{path}/submit"))
        .header(header::COOKIE, &town.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body.clone()))
        .unwrap();
    let r = t.send(req).await.expect(303);
    assert_eq!(location(&r), format!("{path}?done=submitted"));
    let after = county.get(t, &path).await;
    assert!(after.text.contains("已报送 1") && after.text.contains("已报送纸质表"));
    // Without the CSRF token: refused, nothing written.
    let forged = body.replace(&town.csrf, "nope");
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{path}/submit"))
        .header(header::COOKIE, &town.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(forged))
        .unwrap();
    t.send(req).await.expect(403);
    let api = t.get(&format!("/api/v1{path}"), &tr.county_admin).await;
    assert_eq!(api.body["submissions"].as_array().unwrap().len(), 1);
}
