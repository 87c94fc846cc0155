//! Notifications (issue 5 item 4) and the waitlist-promotion notice (issue 4): the inbox API,
//! the bell and the `/notifications` page. Reminder rules, outside channels and reporting tasks
//! are in `notifications/`.

mod delivery;
mod reminders;
mod report_tasks;

use serde_json::{json, Value};
use zhiyuan_store::notifications::NewNotification;

use crate::activities::{world, World};
use crate::forms::{location, Browser};
use crate::harness::{TestApp, PASSWORD};

/// A notice written straight through the store (as the reminder job or another feature does).
pub fn notice(user_id: &str, key: &str, at: i64) -> NewNotification {
    NewNotification {
        id: format!("n{}", uuid::Uuid::now_v7().simple()),
        user_id: user_id.to_owned(),
        kind: "test".into(),
        title: format!("通知 {key}"),
        body: "正文".into(),
        link: Some("/me".into()),
        dedupe_key: key.to_owned(),
        created_at: at,
    }
}

/// The user id behind a token.
pub async fn user_id(t: &TestApp, token: &str) -> String {
    t.get("/api/v1/auth/me", token).await.expect(200).body["user_id"]
        .as_str()
        .expect("user_id in /auth/me")
        .to_owned()
}

async fn inbox(t: &TestApp, token: &str) -> Value {
    t.get("/api/v1/notifications", token).await.expect(200).body
}

/// An activity of capacity 1 with a waitlist; A confirmed, B waitlisted; both with accounts.
async fn promotion_world() -> (World, String, String, String, String, String) {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 1, "waitlist": true})).await;
    let activity = a["id"].as_str().unwrap().to_owned();
    let va = t.volunteer(&t.root, "王志强", &w.county, 301).await;
    let vb = t.volunteer(&t.root, "李建国", &w.county, 302).await;
    let ta = t.account(&t.root, "vol_a", "volunteer", &va).await;
    let tb = t.account(&t.root, "vol_b", "volunteer", &vb).await;
    w.signup(&activity, &va).await.expect(201);
    assert_eq!(
        w.signup(&activity, &vb).await.expect(201).body["status"],
        "waitlisted"
    );
    (w, activity, va, vb, ta, tb)
}

#[tokio::test]
async fn a_promoted_volunteer_is_notified_once_in_the_cancelling_transaction() {
    let (w, activity, va, _vb, ta, tb) = promotion_world().await;
    let t = &w.t;
    assert_eq!(inbox(t, &tb).await["unread"], 0);
    // A failed cancel (nobody signed up under that id) writes no notice.
    t.delete(
        &format!("/api/v1/activities/{activity}/signups/nobody"),
        &t.root,
    )
    .await
    .expect(404);
    assert_eq!(inbox(t, &tb).await["total"], 0);

    t.delete(&format!("/api/v1/activities/{activity}/signups/{va}"), &ta)
        .await
        .expect(200);
    let b = inbox(t, &tb).await;
    assert_eq!(
        (b["unread"].as_i64(), b["total"].as_i64()),
        (Some(1), Some(1))
    );
    let n = &b["items"][0];
    assert_eq!(n["kind"], "signup_promoted");
    assert_eq!(
        n["title"], "您已从候补转为正式报名：清明祭扫志愿服务",
        "{n}"
    );
    assert_eq!(n["link"], format!("/activities/open#a-{activity}"));
    assert_eq!(n["read"], false);
    // The one who cancelled gets nothing; nobody else does either.
    assert_eq!(inbox(t, &ta).await["total"], 0);
    assert_eq!(inbox(t, &t.root).await["total"], 0);
}

#[tokio::test]
async fn promotion_without_an_account_or_without_a_waitlist_notifies_nobody() {
    let w = world().await;
    let t = &w.t;
    let a = w.activity(json!({"capacity": 1, "waitlist": true})).await;
    let id = a["id"].as_str().unwrap();
    let va = t.volunteer(&t.root, "王志强", &w.county, 311).await;
    let vb = t.volunteer(&t.root, "李建国", &w.county, 312).await;
    w.signup(id, &va).await.expect(201);
    w.signup(id, &vb).await.expect(201);
    // vb has no account: promoted, audited, but no notice (there is no one to tell).
    t.delete(&format!("/api/v1/activities/{id}/signups/{va}"), &t.root)
        .await
        .expect(200);
    assert_eq!(inbox(t, &t.root).await["total"], 0);
    // Cancelling a waitlisted place promotes nobody.
    let vc = t.volunteer(&t.root, "赵红军", &w.county, 313).await;
    let tc = t.account(&t.root, "vol_c", "volunteer", &vc).await;
    w.signup(id, &vc).await.expect(201);
    t.delete(&format!("/api/v1/activities/{id}/signups/{vc}"), &tc)
        .await
        .expect(200);
    assert_eq!(inbox(t, &tc).await["total"], 0);
}

#[tokio::test]
async fn each_user_reads_and_marks_only_their_own_notices() {
    let (w, activity, va, _vb, ta, tb) = promotion_world().await;
    let t = &w.t;
    t.delete(&format!("/api/v1/activities/{activity}/signups/{va}"), &ta)
        .await
        .expect(200);
    let id = inbox(t, &tb).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another user (even the super-administrator) can't mark it: 404, and it stays unread.
    for other in [&ta, &t.root] {
        t.post(
            &format!("/api/v1/notifications/{id}/read"),
            other,
            json!({}),
        )
        .await
        .expect_error(404, "not_found", None);
    }
    assert_eq!(inbox(t, &tb).await["unread"], 1);
    let r = t
        .post(&format!("/api/v1/notifications/{id}/read"), &tb, json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["read"], true);
    assert!(r.body["read_at"].is_string());
    // Again is harmless.
    t.post(&format!("/api/v1/notifications/{id}/read"), &tb, json!({}))
        .await
        .expect(200);
    assert_eq!(inbox(t, &tb).await["unread"], 0);
    // Not logged in: 401.
    t.call(axum::http::Method::GET, "/api/v1/notifications", None, None)
        .await
        .expect_error(401, "unauthorized", None);
}

#[tokio::test]
async fn the_inbox_pages_newest_first_and_read_all_clears_the_count() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "王志强", &w.county, 321).await;
    let tv = t.account(&t.root, "vol_p", "volunteer", &v).await;
    let uid = user_id(t, &tv).await;
    let other = user_id(t, &t.root).await;
    let ns: Vec<_> = (0..25)
        .map(|i| notice(&uid, &format!("k{i}"), 1_700_000_000_000 + i * 1000))
        .chain(std::iter::once(notice(
            &other,
            "root-only",
            1_700_000_000_000,
        )))
        .collect();
    assert_eq!(t.app.store().insert_notifications(&ns).await.unwrap(), 26);
    // The same keys again write nothing.
    assert_eq!(t.app.store().insert_notifications(&ns).await.unwrap(), 0);
    let p1 = t
        .get("/api/v1/notifications?per_page=10", &tv)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (p1["total"].as_i64(), p1["unread"].as_i64()),
        (Some(25), Some(25))
    );
    let titles: Vec<&str> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "通知 k24");
    assert_eq!(titles[9], "通知 k15");
    let p3 = t
        .get("/api/v1/notifications?page=3&per_page=10", &tv)
        .await
        .expect(200)
        .body;
    assert_eq!(p3["items"].as_array().unwrap().len(), 5);
    assert_eq!(p3["items"][4]["title"], "通知 k0");
    let r = t
        .post("/api/v1/notifications/read-all", &tv, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (r.body["marked"].as_i64(), r.body["unread"].as_i64()),
        (Some(25), Some(0))
    );
    // Only the caller's: root's notice is still unread.
    assert_eq!(inbox(t, &t.root).await["unread"], 1);
}

#[tokio::test]
async fn contacts_are_checked_and_only_local_links_are_offered() {
    let w = world().await;
    let t = &w.t;
    t.call(
        axum::http::Method::PUT,
        "/api/v1/notifications/contact",
        Some(&t.root),
        Some(json!({"email": "not-an-address"})),
    )
    .await
    .expect_error(422, "email_invalid", Some("email"));
    t.call(
        axum::http::Method::PUT,
        "/api/v1/notifications/contact",
        Some(&t.root),
        Some(json!({"email": "ok@example.cn", "phone": "12345"})),
    )
    .await
    .expect_error(422, "phone_invalid", Some("phone"));
    // Nothing was written by the failed requests.
    let c = t
        .get("/api/v1/notifications/contact", &t.root)
        .await
        .expect(200);
    assert_eq!(
        (c.body["email"].clone(), c.body["phone"].clone()),
        (Value::Null, Value::Null)
    );
    let ok = t
        .call(
            axum::http::Method::PUT,
            "/api/v1/notifications/contact",
            Some(&t.root),
            Some(json!({"email": " ok@example.cn ", "phone": "138-0000-1234"})),
        )
        .await
        .expect(200);
    assert_eq!(ok.body["email"], "ok@example.cn");
    assert_eq!(ok.body["phone"], "13800001234");

    // A notice whose stored link leads off the site is shown without it.
    let uid = user_id(t, &t.root).await;
    let mut n = notice(&uid, "evil", 1);
    n.link = Some("https://evil.example/".into());
    t.app.store().insert_notifications(&[n]).await.unwrap();
    assert_eq!(inbox(t, &t.root).await["items"][0]["link"], Value::Null);
}

#[tokio::test]
async fn the_bell_shows_the_count_and_the_page_lists_and_marks_read() {
    let (w, activity, va, _vb, ta, _tb) = promotion_world().await;
    let t = &w.t;
    t.delete(&format!("/api/v1/activities/{activity}/signups/{va}"), &ta)
        .await
        .expect(200);
    let b = Browser::login(t, "vol_b", PASSWORD, "/notifications").await;
    // Every page's chrome loads the bell; the fragment carries the count.
    let me = b.get(t, "/me").await;
    assert!(
        me.text.contains("hx-get=\"/notifications/bell\""),
        "{}",
        me.text
    );
    let bell = b.get(t, "/notifications/bell").await;
    assert!(bell.text.contains("data-count=\"1\""), "{}", bell.text);
    // Without a login the fragment is just the bell, never the login page.
    let anon = t
        .call(axum::http::Method::GET, "/notifications/bell", None, None)
        .await
        .expect(200);
    assert!(!anon.text.contains("data-count") && !anon.text.contains("<form"));

    let page = b.get(t, "/notifications").await.expect(200);
    assert!(page
        .text
        .contains("您已从候补转为正式报名：清明祭扫志愿服务"));
    assert!(page.text.contains("class=\"unread\""));
    let id = t
        .get("/api/v1/notifications", &t.login("vol_b", PASSWORD).await)
        .await
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A post without the CSRF token is refused and changes nothing.
    let mut forged = Browser {
        cookie: b.cookie.clone(),
        csrf: "wrong".into(),
    };
    forged
        .post(t, &format!("/notifications/{id}/open"), &[])
        .await
        .expect(403);
    assert!(b
        .get(t, "/notifications/bell")
        .await
        .text
        .contains("data-count=\"1\""));
    forged.csrf = b.csrf.clone();
    // "查看" marks it read and goes to the activity.
    let r = forged
        .post(t, &format!("/notifications/{id}/open"), &[])
        .await
        .expect(303);
    assert_eq!(location(&r), format!("/activities/open#a-{activity}"));
    assert!(!b
        .get(t, "/notifications/bell")
        .await
        .text
        .contains("data-count"));
    let page = b.get(t, "/notifications").await;
    assert!(page.text.contains("class=\"read\"") && page.text.contains("已读"));
    // Someone else's notice through the page: 404.
    let a = Browser::login(t, "vol_a", PASSWORD, "/notifications").await;
    a.post(t, &format!("/notifications/{id}/read"), &[])
        .await
        .expect(404);
    // The contact form re-renders with the error beside the field.
    let bad = b
        .post(
            t,
            "/notifications/contact",
            &[("email", "x@"), ("phone", "")],
        )
        .await
        .expect(422);
    assert!(bad.text.contains("data-field=\"email\""), "{}", bad.text);
    b.post(
        t,
        "/notifications/contact",
        &[("email", "b@example.cn"), ("phone", "")],
    )
    .await
    .expect(303);
}

#[tokio::test]
async fn openapi_describes_the_notification_and_report_task_endpoints() {
    let w = world().await;
    let doc =
        w.t.call(axum::http::Method::GET, "/api/v1/openapi.json", None, None)
            .await
            .expect(200);
    let paths = doc.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/notifications",
        "/api/v1/notifications/{id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/contact",
        "/api/v1/report-tasks",
        "/api/v1/report-tasks/{id}",
        "/api/v1/report-tasks/{id}/submissions",
        "/api/v1/report-tasks/{id}/submissions/{submission_id}/file",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
}
