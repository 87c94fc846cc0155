//! The volunteers' open activities from memory (app/activities/open_view.rs): this process's
//! writes show at once, another process's (a second `App` on the same database) within the
//! documented bound, an ended activity drops out by itself, the scope is exactly the SQL
//! list's, and places left and the volunteer's own place are right straight after a sign-up or
//! cancellation — on the page and in the API, on SQLite and on PostgreSQL.

use std::sync::Arc;

use serde_json::{json, Value};
use zhiyuan_app::activities::signups::NewSignup;
use zhiyuan_app::activities::NewActivity;
use zhiyuan_app::clock::ManualClock;
use zhiyuan_app::{Actor, App, AppConfig};

use super::{at, world, World};
use crate::forms::Browser;
use crate::harness::PASSWORD;

/// Ids of the open activities the API lists for `token`.
async fn listed(w: &World, token: &str) -> Vec<String> {
    let r = w.t.get("/api/v1/activities", token).await.expect(200);
    assert_eq!(
        r.body["total"].as_i64().unwrap() as usize,
        r.body["items"].as_array().unwrap().len()
    );
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn activity_of(w: &World, team: &str, title: &str, extra: Value) -> String {
    let mut body = json!({"title": title, "team_id": team, "starts_at": at(3600), "ends_at": at(7200), "capacity": 3});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    w.t.post("/api/v1/activities", &w.t.root, body)
        .await
        .expect(201)
        .id()
}

async fn set_status(w: &World, id: &str, status: &str) {
    w.t.post(
        &format!("/api/v1/activities/{id}/status"),
        &w.t.root,
        json!({"status": status}),
    )
    .await
    .expect(200);
}

/// A second app on the same database, as a second server process would be.
fn second_app(w: &World) -> App {
    App::new(
        w.t.app.store().clone(),
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .unwrap()
}

/// The documented bound, counted in the background loop's rounds instead of seconds: a write
/// another process has committed shows here once the first round begun after the commit is
/// over. The round under way when the write returned may have begun before the commit; the
/// next one began after it. So wait for two rounds from now, then check once, with no
/// explicit refresh anywhere.
async fn shows_by_the_second_round<F, Fut>(w: &World, shows: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut rounds = w.t.app.open_view_background_rounds();
    let now = *rounds.borrow_and_update();
    rounds
        .wait_for(|n| *n >= now + 2)
        .await
        .expect("the background loop runs");
    assert!(
        shows().await,
        "not shown by the second background round after the write (the documented bound)"
    );
}

#[tokio::test]
async fn this_process_publishing_cancelling_or_closing_shows_at_once() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "郑国强", &w.county, 11).await;
    let vt = t.account(&t.root, "zheng11", "volunteer", &v).await;
    // The view is loaded now, before the writes below.
    assert!(listed(&w, &vt).await.is_empty());
    let a = activity_of(&w, &w.team, "巡河", json!({})).await;
    assert_eq!(listed(&w, &vt).await, std::slice::from_ref(&a));
    let draft = activity_of(&w, &w.team, "义诊", json!({"draft": true})).await;
    assert_eq!(listed(&w, &vt).await, std::slice::from_ref(&a));
    set_status(&w, &draft, "published").await;
    let mut both = vec![a.clone(), draft.clone()];
    both.sort();
    let mut got = listed(&w, &vt).await;
    got.sort();
    assert_eq!(got, both);
    set_status(&w, &a, "cancelled").await;
    assert_eq!(listed(&w, &vt).await, std::slice::from_ref(&draft));
    set_status(&w, &draft, "done").await;
    assert!(listed(&w, &vt).await.is_empty());
}

#[tokio::test]
async fn another_process_publishing_and_cancelling_shows_within_the_bound() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "郑国强", &w.county, 12).await;
    let vt = t.account(&t.root, "zheng12", "volunteer", &v).await;
    assert!(listed(&w, &vt).await.is_empty());
    let other = second_app(&w);
    let system = Actor::system("another process");
    let start = chrono::Utc::now() + chrono::Duration::hours(2);
    let made = other
        .create_activity(
            &system,
            &NewActivity {
                title: "另一进程发布的活动".into(),
                team_id: w.team.clone(),
                starts_at: start.to_rfc3339(),
                ends_at: (start + chrono::Duration::hours(2)).to_rfc3339(),
                capacity: 4,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = made[0].id.clone();
    shows_by_the_second_round(&w, || async { listed(&w, &vt).await == [id.clone()] }).await;
    // A sign-up there moves the places left here too.
    other
        .sign_up(
            &system,
            &id,
            &NewSignup {
                volunteer_id: v.clone(),
                walk_in: false,
            },
        )
        .await
        .unwrap();
    shows_by_the_second_round(&w, || async {
        let r = t.get("/api/v1/activities", &vt).await.expect(200);
        r.body["items"][0]["places_left"] == 3
    })
    .await;
    other
        .set_activity_status(&system, &id, "cancelled")
        .await
        .unwrap();
    shows_by_the_second_round(&w, || async { listed(&w, &vt).await.is_empty() }).await;
}

#[tokio::test]
async fn an_activity_that_ends_drops_out_without_any_write() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "郑国强", &w.county, 13).await;
    let vt = t.account(&t.root, "zheng13", "volunteer", &v).await;
    let stays = activity_of(&w, &w.team, "长期活动", json!({})).await;
    let short = activity_of(
        &w,
        &w.team,
        "先结束的活动",
        json!({"starts_at": at(1800), "ends_at": at(3600)}),
    )
    .await;
    let mut got = listed(&w, &vt).await;
    got.sort();
    let mut both = vec![stays.clone(), short.clone()];
    both.sort();
    assert_eq!(got, both);
    // Time passes for the lists, and nothing is written: an hour and a half from now the short
    // one has ended (the other ends in two hours).
    let later = zhiyuan_app::clock::now_ms() + 5_400_000;
    t.app.set_open_view_clock(Arc::new(ManualClock::new(later)));
    assert_eq!(listed(&w, &vt).await, [stays]);
}

#[tokio::test]
async fn only_activities_of_the_volunteers_localities_and_units_show() {
    let w = world().await;
    let t = &w.t;
    let township = t
        .org(&t.root, "大沁他拉镇", "township", Some(&w.county))
        .await;
    let village = t.org(&t.root, "某村", "village", Some(&township)).await;
    let other_county = t.org(&t.root, "库伦旗", "county", None).await;
    let town_team = t.team(&t.root, "镇服务队", &township, None, "team").await;
    let village_team = t.team(&t.root, "村服务队", &village, None, "team").await;
    let far_team = t
        .team(&t.root, "库伦旗服务队", &other_county, None, "team")
        .await;
    let far_other = t
        .team(&t.root, "库伦旗另一服务队", &other_county, None, "team")
        .await;
    let far_detachment = t
        .post(
            "/api/v1/teams",
            &t.root,
            json!({"name": "应急分队", "org_id": other_county, "parent_team_id": far_team, "echelon": "detachment"}),
        )
        .await
        .expect(201)
        .id();
    let far_squad = t
        .post(
            "/api/v1/teams",
            &t.root,
            json!({"name": "一班", "org_id": other_county, "parent_team_id": far_detachment, "echelon": "squad"}),
        )
        .await
        .expect(201)
        .id();
    let me = t.volunteer(&t.root, "郑国强", &township, 14).await;
    t.post(
        &format!("/api/v1/teams/{far_detachment}/members"),
        &t.root,
        json!({"volunteer_id": me, "position": "member"}),
    )
    .await
    .expect(201);
    let stranger = t.volunteer(&t.root, "冯国庆", &other_county, 15).await;
    let mt = t.account(&t.root, "zheng14", "volunteer", &me).await;
    let st = t.account(&t.root, "feng15", "volunteer", &stranger).await;
    let mut mine = vec![
        activity_of(&w, &w.team, "县级", json!({})).await, // the county above
        activity_of(&w, &town_team, "镇级", json!({})).await, // their own locality
        activity_of(&w, &far_team, "所在队", json!({})).await, // the unit above theirs
        activity_of(&w, &far_detachment, "所在分队", json!({})).await, // their own unit
    ];
    let not_mine = [
        activity_of(&w, &village_team, "下级村", json!({})).await, // a locality below
        activity_of(&w, &far_squad, "下级班", json!({})).await,    // a unit below theirs
        activity_of(&w, &far_other, "别队", json!({})).await,      // another county's unit
    ];
    let mut got = listed(&w, &mt).await;
    got.sort();
    mine.sort();
    assert_eq!(got, mine);
    let theirs = listed(&w, &st).await;
    assert_eq!(theirs.len(), 4, "{theirs:?}");
    assert!(theirs.contains(&not_mine[2]) && theirs.contains(&not_mine[1]));
    assert!(!theirs.contains(&mine[0]));
    // The page shows the same cards.
    let b = Browser::login(t, "zheng14", PASSWORD, "/activities/open").await;
    let page = b.get(t, "/activities/open").await;
    assert_eq!(page.text.matches("class=\"card open-activity\"").count(), 4);
    for id in &mine {
        assert!(page.text.contains(&format!("data-activity-id=\"{id}\"")));
    }
    for id in &not_mine {
        assert!(!page.text.contains(id.as_str()));
    }
}

/// The text of the card of activity `id` on the page.
fn card<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("data-activity-id=\"{id}\""))
        .expect("the activity's card");
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn places_left_and_own_place_are_right_straight_after_sign_up_and_cancel() {
    let w = world().await;
    let t = &w.t;
    let id = activity_of(
        &w,
        &w.team,
        "清明祭扫",
        json!({"capacity": 1, "waitlist": true}),
    )
    .await;
    let first = t.volunteer(&t.root, "郑国强", &w.county, 16).await;
    let second = t.volunteer(&t.root, "冯国庆", &w.county, 17).await;
    let first_token = t.account(&t.root, "zheng16", "volunteer", &first).await;
    t.account(&t.root, "feng17", "volunteer", &second).await;
    let a = Browser::login(t, "zheng16", PASSWORD, "/activities/open").await;
    let b = Browser::login(t, "feng17", PASSWORD, "/activities/open").await;
    let page = a.get(t, "/activities/open").await;
    assert!(card(&page.text, &id).contains("places-left\">1</strong>"));
    assert!(!card(&page.text, &id).contains("my-place"));
    let r = a.post(t, &format!("/activities/{id}/signup"), &[]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let page = a.get(t, "/activities/open").await;
    let c = card(&page.text, &id);
    assert!(c.contains("places-left\">0</strong>"), "{c}");
    assert!(c.contains("已报名"), "{c}");
    // The second volunteer sees it full and joins the waitlist.
    let page = b.get(t, "/activities/open").await;
    assert!(card(&page.text, &id).contains("places-left\">0</strong>"));
    b.post(t, &format!("/activities/{id}/signup"), &[]).await;
    let page = b.get(t, "/activities/open").await;
    assert!(card(&page.text, &id).contains("候补第1位"));
    // The first cancels: the second is promoted, the place stays taken.
    let r = a.post(t, &format!("/activities/{id}/cancel"), &[]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let page = a.get(t, "/activities/open").await;
    let c = card(&page.text, &id);
    assert!(
        c.contains("places-left\">0</strong>") && !c.contains("my-place"),
        "{c}"
    );
    let page = b.get(t, "/activities/open").await;
    assert!(card(&page.text, &id).contains("已报名"));
    // The second cancels: a place is free again, on the page and in the API.
    b.post(t, &format!("/activities/{id}/cancel"), &[]).await;
    let page = a.get(t, "/activities/open").await;
    assert!(card(&page.text, &id).contains("places-left\">1</strong>"));
    let api = t.get("/api/v1/activities", &first_token).await.expect(200);
    let row = api.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["places_left"], 1);
}
