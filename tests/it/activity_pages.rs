//! The officer's activity forms, posted as a browser would (session cookie + `_csrf`):
//! each good post lands and redirects; each bad one re-renders with the field named and
//! writes nothing.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::forms::{location, Browser};
use crate::harness::{spawn, ROOT_PASSWORD};

fn local(dt: chrono::DateTime<Utc>) -> String {
    dt.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn officer_forms_create_publish_and_staff_an_activity() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let team = t.team(&t.root, "服务队", &county, None, "team").await;
    let v = t.volunteer(&t.root, "赵得胜", &county, 81).await;
    t.post(
        &format!("/api/v1/teams/{team}/members"),
        &t.root,
        json!({"volunteer_id": v, "position": "member"}),
    )
    .await
    .expect(201);
    let b = Browser::login(&t, "root", ROOT_PASSWORD, "/activities/new").await;

    // A service project through its form.
    let r = b
        .post(
            &t,
            "/projects",
            &[
                ("name", "牵手夕阳"),
                ("category", "elder_care"),
                ("description", "看望空巢老人"),
                ("org_id", &county),
                ("team_id", &team),
                ("brand", ""),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert!(b.get(&t, "/projects").await.text.contains("牵手夕阳"));

    let start = Utc::now() + Duration::days(2);
    let end = start + Duration::hours(3);
    let (s, e) = (local(start), local(end));
    let base = vec![
        ("title", "重阳节敬老院慰问"),
        ("team_id", team.as_str()),
        ("project_id", ""),
        ("kind", "community"),
        ("starts_at", s.as_str()),
        ("ends_at", e.as_str()),
        ("place_name", "奈曼旗敬老院"),
        ("lat", ""),
        ("lon", ""),
        ("capacity", "20"),
        ("waitlist", "on"),
        ("required_skills", ""),
        ("signup_opens_at", ""),
        ("signup_closes_at", ""),
        ("contact_name", "李队长"),
        ("contact_phone", "13800001111"),
        ("description", ""),
        ("recurrence", ""),
        ("occurrences", ""),
        ("draft", "on"),
    ];
    // Bad: capacity 0 and a non-number: re-rendered with the field named, nothing written.
    for cap in ["0", "二十"] {
        let mut bad = base.clone();
        bad.iter_mut().find(|(k, _)| *k == "capacity").unwrap().1 = cap;
        let r = b.post(&t, "/activities/new", &bad).await;
        assert!(r.status.is_client_error(), "capacity {cap}: {}", r.status);
        assert!(
            r.text.contains("data-field=\"capacity\""),
            "capacity {cap} error shown beside the field"
        );
        assert!(r.text.contains("重阳节敬老院慰问"), "values are kept");
    }
    let mut reversed = base.clone();
    reversed
        .iter_mut()
        .find(|(k, _)| *k == "ends_at")
        .unwrap()
        .1 = s.as_str();
    reversed
        .iter_mut()
        .find(|(k, _)| *k == "starts_at")
        .unwrap()
        .1 = e.as_str();
    let r = b.post(&t, "/activities/new", &reversed).await;
    assert!(r.status.is_client_error());
    assert_eq!(
        t.get("/api/v1/activities", &t.root).await.expect(200).body["total"],
        0,
        "nothing written"
    );

    // Good: created, then published through the status form.
    let r = b.post(&t, "/activities/new", &base).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let to = location(&r);
    let id = to
        .trim_start_matches("/activities/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let a = t
        .get(&format!("/api/v1/activities/{id}"), &t.root)
        .await
        .expect(200);
    assert_eq!(a.body["title"], "重阳节敬老院慰问");
    assert_eq!(a.body["capacity"], 20);
    assert_eq!(a.body["status"], "draft", "saved as a draft when asked");
    let r = b
        .post(
            &t,
            &format!("/activities/{id}/status"),
            &[("status", "published")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(
        t.get(&format!("/api/v1/activities/{id}"), &t.root)
            .await
            .body["status"],
        "published"
    );

    // A walk-in beyond sign-up, explicitly, through its form.
    let r = b
        .post(
            &t,
            &format!("/activities/{id}/walk-ins"),
            &[("volunteer_id", &v)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let page = b.get(&t, &format!("/activities/{id}")).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("赵得胜"));

    // A forged form (wrong _csrf) is refused and writes nothing.
    let forged = Browser {
        cookie: b.cookie.clone(),
        csrf: "forged".into(),
    };
    let r = forged
        .post(
            &t,
            &format!("/activities/{id}/status"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(
        t.get(&format!("/api/v1/activities/{id}"), &t.root)
            .await
            .body["status"],
        "published"
    );
}
