//! The compliance rules about units and people through the API, at their boundaries: a village
//! without a team, 9 and 10 members, officers of a squad of ten, the last day of a month, 19.5 and
//! 20 hours. Rules about nodes are in `rules_nodes.rs`.

use chrono::{Datelike, Duration};
use serde_json::{json, Value};
use zhiyuan_domain::oversight::Month;

use super::{attend, backfill, cst};
use crate::harness::{spawn, volunteer_body, TestApp};

/// (rule, subject id, detail) of every finding.
pub async fn findings(t: &TestApp, org: &str, query: &str) -> Vec<(String, String, String)> {
    let r = t
        .get(
            &format!("/api/v1/orgs/{org}/compliance?per_page=500&{query}"),
            &t.root,
        )
        .await
        .expect(200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(
                f["since"].as_str().is_some_and(|s| s.ends_with("+08:00")),
                "{f}"
            );
            assert!(!f["subject_name"].as_str().unwrap().is_empty());
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["subject_id"].as_str().unwrap().to_owned(),
                f["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn of<'a>(all: &'a [(String, String, String)], rule: &str, subject: &str) -> Option<&'a str> {
    all.iter()
        .find(|(r, s, _)| r == rule && s == subject)
        .map(|(_, _, d)| d.as_str())
}

/// `n` volunteers at `org` appointed to `team` (members; the first `leaders` as leader).
async fn staff(t: &TestApp, org: &str, team: &str, seq: u32, n: u32, veteran: bool) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut body = volunteer_body("队员", org, seq + i);
        body["veteran"] = json!(veteran);
        let v = t
            .post("/api/v1/volunteers", &t.root, body)
            .await
            .expect(201)
            .id();
        appoint(t, team, &v, "member").await;
        ids.push(v);
    }
    ids
}

/// Appoints (201) or re-appoints (200) to a position.
async fn appoint(t: &TestApp, team: &str, volunteer: &str, position: &str) {
    let r = t
        .post(
            &format!("/api/v1/teams/{team}/members"),
            &t.root,
            json!({"volunteer_id": volunteer, "position": position}),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 200 | 201), "{}", r.text);
}

pub async fn station(t: &TestApp, name: &str, parent: &str) -> String {
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": name, "level": "unit", "parent_id": parent, "unit_type": "service_station"}),
    )
    .await
    .expect(201)
    .id()
}

#[tokio::test]
async fn a_village_needs_a_team_or_a_small_squad() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let bare = t.org(&t.root, "昂乃村", "village", Some(&town)).await;
    let with_station = t.org(&t.root, "太和村", "village", Some(&town)).await;
    let st = station(&t, "太和村服务站", &with_station).await;
    t.team(&t.root, "太和村志愿服务队", &st, None, "team").await;
    let with_squad = t.org(&t.root, "敖包嘎查", "village", Some(&town)).await;
    t.team(&t.root, "敖包嘎查小分队", &with_squad, None, "small_squad")
        .await;
    // A school's team inside a village does not make it the village's team.
    let school = t.org(&t.root, "昂乃小学", "unit", Some(&bare)).await;
    t.team(&t.root, "昂乃小学志愿服务队", &school, None, "team")
        .await;
    let f = findings(&t, &county, "rule=village_without_team").await;
    let subjects: Vec<&str> = f.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(subjects, [bare.as_str()]);
    let bare_station = station(&t, "昂乃村服务站", &bare).await;
    t.team(&t.root, "昂乃村志愿服务队", &bare_station, None, "team")
        .await;
    assert!(findings(&t, &county, "rule=village_without_team")
        .await
        .is_empty());
}

#[tokio::test]
async fn a_village_team_of_nine_is_under_strength_and_ten_is_not() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&county)).await;
    let st = station(&t, "昂乃村服务站", &village).await;
    let team = t.team(&t.root, "昂乃村志愿服务队", &st, None, "team").await;
    let people = staff(&t, &st, &team, 1, 9, true).await;
    let f = findings(&t, &county, "rule=team_under_strength").await;
    assert_eq!(
        of(&f, "team_under_strength", &team),
        Some("现有队员 9 人，村级服务队编制 10 人")
    );
    staff(&t, &st, &team, 10, 1, false).await;
    assert_eq!(
        of(
            &findings(&t, &county, "").await,
            "team_under_strength",
            &team
        ),
        None
    );
    // A suspended member does not count.
    t.post(
        &format!("/api/v1/volunteers/{}/suspend", people[0]),
        &t.root,
        json!({"reason": "外出"}),
    )
    .await
    .expect(200);
    assert!(of(
        &findings(&t, &county, "").await,
        "team_under_strength",
        &team
    )
    .is_some());
    t.post(
        &format!("/api/v1/volunteers/{}/reinstate", people[0]),
        &t.root,
        json!({"reason": "返乡"}),
    )
    .await
    .expect(200);

    // A small squad counts veterans: two veterans and a civilian are not enough.
    let squad = t
        .team(&t.root, "杨木林村小分队", &village, None, "small_squad")
        .await;
    staff(&t, &village, &squad, 20, 2, true).await;
    staff(&t, &village, &squad, 22, 1, false).await;
    let f = findings(&t, &county, "").await;
    assert_eq!(
        of(&f, "team_under_strength", &squad),
        Some("现有退役军人 2 名，小分队至少 3 名")
    );
    staff(&t, &village, &squad, 23, 1, true).await;
    assert_eq!(
        of(
            &findings(&t, &county, "").await,
            "team_under_strength",
            &squad
        ),
        None
    );

    // The tree's own template: 12 for a village team; null turns the check off.
    let put = |body: Value| {
        let t = &t;
        let county = county.clone();
        async move {
            t.call(
                axum::http::Method::PUT,
                &format!("/api/v1/orgs/{county}/establishment"),
                Some(&t.root),
                Some(body),
            )
            .await
        }
    };
    put(json!({"village": 12})).await.expect(200);
    let got = t
        .get(&format!("/api/v1/orgs/{village}/establishment"), &t.root)
        .await
        .expect(200);
    assert_eq!(
        got.body,
        json!({"root_org_id": county, "village": 12, "township": 30, "county": null, "small_squad": 3})
    );
    let f = findings(&t, &county, "").await;
    assert_eq!(
        of(&f, "team_under_strength", &team),
        Some("现有队员 10 人，村级服务队编制 12 人")
    );
    put(json!({"village": null})).await.expect(200);
    assert_eq!(
        of(
            &findings(&t, &county, "").await,
            "team_under_strength",
            &team
        ),
        None
    );
    put(json!({"village": 0}))
        .await
        .expect_error(422, "template_invalid", Some("village"));
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/orgs/{village}/establishment"),
        Some(&t.root),
        Some(json!({})),
    )
    .await
    .expect_error(422, "not_tree_root", Some("org_id"));
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("org.establishment"));
}

#[tokio::test]
async fn a_team_needs_a_leader_and_a_full_squad_a_deputy() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&county)).await;
    let team = t
        .team(&t.root, "昂乃村志愿服务队", &village, None, "team")
        .await;
    let leaderless = t
        .team(&t.root, "太和村志愿服务队", &village, None, "team")
        .await;
    let people = staff(&t, &village, &team, 1, 9, true).await;
    appoint(&t, &team, &people[0], "leader").await;
    let f = findings(&t, &county, "rule=team_without_officer").await;
    // Nine members and a leader: no deputy needed yet.
    assert_eq!(of(&f, "team_without_officer", &team), None);
    assert_eq!(
        of(&f, "team_without_officer", &leaderless),
        Some("没有队长（现有队员 0 人）")
    );
    let tenth = staff(&t, &village, &team, 10, 1, true).await;
    let f = findings(&t, &county, "rule=team_without_officer").await;
    assert_eq!(
        of(&f, "team_without_officer", &team),
        Some("满编（10 人及以上）的班没有副队长（现有队员 10 人）")
    );
    appoint(&t, &team, &tenth[0], "deputy").await;
    assert_eq!(
        of(
            &findings(&t, &county, "").await,
            "team_without_officer",
            &team
        ),
        None
    );
    // A squad of a platoon: a deputy once it has ten.
    let platoon_team = t
        .team(&t.root, "大沁他拉镇志愿服务队", &county, None, "team")
        .await;
    let platoon = t
        .team(&t.root, "一排", &county, Some(&platoon_team), "platoon")
        .await;
    let squad = t
        .team(&t.root, "一班", &county, Some(&platoon), "squad")
        .await;
    staff(&t, &county, &squad, 30, 10, true).await;
    let f = findings(&t, &county, "rule=team_without_officer").await;
    assert!(of(&f, "team_without_officer", &squad)
        .unwrap()
        .contains("副队长"));
    assert!(of(&f, "team_without_officer", &platoon_team)
        .unwrap()
        .contains("没有队长"));
}

#[tokio::test]
async fn a_month_counts_activities_to_its_last_minute_in_china() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let last_month_end = t.team(&t.root, "月末活动队", &county, None, "team").await;
    let month_start = t.team(&t.root, "月初活动队", &county, None, "team").await;
    let by_squad = t.team(&t.root, "班组活动队", &county, None, "team").await;
    let squad = t
        .team(&t.root, "一班", &county, Some(&by_squad), "squad")
        .await;
    let planned = t.team(&t.root, "只有计划的队", &county, None, "team").await;
    let this = Month::of_date(zhiyuan_app::clock::today());
    let first = this.first_day();
    let eve = first - Duration::days(1);
    // 23:00–23:59 on the last day of last month (China time): last month's.
    backfill(
        &t,
        &last_month_end,
        &cst(eve.year(), eve.month(), eve.day(), 23, 0),
        &cst(eve.year(), eve.month(), eve.day(), 23, 59),
    )
    .await;
    // 00:00 on the 1st: this month's.
    backfill(
        &t,
        &month_start,
        &cst(first.year(), first.month(), 1, 0, 0),
        &cst(first.year(), first.month(), 1, 0, 30),
    )
    .await;
    backfill(
        &t,
        &squad,
        &cst(first.year(), first.month(), 1, 0, 0),
        &cst(first.year(), first.month(), 1, 0, 20),
    )
    .await;
    t.post(
        "/api/v1/activities",
        &t.root,
        json!({"title": "计划中的活动", "team_id": planned, "starts_at": cst(this.next().year, this.next().month, 2, 9, 0),
               "ends_at": cst(this.next().year, this.next().month, 2, 11, 0), "capacity": 10}),
    )
    .await
    .expect(201);
    let f = findings(
        &t,
        &county,
        &format!("month={}&rule=team_no_monthly_activity", this.code()),
    )
    .await;
    let idle: Vec<&str> = f.iter().map(|(_, s, _)| s.as_str()).collect();
    assert!(idle.contains(&last_month_end.as_str()), "{f:?}");
    assert!(idle.contains(&planned.as_str()));
    assert!(!idle.contains(&month_start.as_str()));
    assert!(
        !idle.contains(&by_squad.as_str()),
        "a sub-unit's activity counts for its team"
    );
    let detail = of(&f, "team_no_monthly_activity", &last_month_end).unwrap();
    assert!(
        detail.contains(&format!(
            "{}-{:02}-{:02}",
            eve.year(),
            eve.month(),
            eve.day()
        )),
        "{detail}"
    );
    assert!(of(&f, "team_no_monthly_activity", &planned)
        .unwrap()
        .contains("建队以来尚未开展活动"));
    // Last month: these teams did not exist yet, so none is flagged. The default month is the
    // last full one.
    let r = t
        .get(&format!("/api/v1/orgs/{county}/compliance"), &t.root)
        .await
        .expect(200);
    assert_eq!(
        r.body["month"],
        Month::last_full(zhiyuan_app::clock::today()).code()
    );
    assert_eq!(r.body["by_rule"][3]["rule"], "team_no_monthly_activity");
    assert_eq!(r.body["by_rule"][3]["count"], 0);
    t.get(
        &format!("/api/v1/orgs/{county}/compliance?month=2026-4"),
        &t.root,
    )
    .await
    .expect_error(422, "month_invalid", Some("month"));
}

#[tokio::test]
async fn nineteen_and_a_half_hours_is_under_twenty_and_twenty_is_not() {
    let today = zhiyuan_app::clock::today();
    let day = today - Duration::days(1);
    if day.year() != today.year() {
        eprintln!("1 January: no past day of this year to record hours on; nothing to check");
        return;
    }
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let team = t
        .team(&t.root, "奈曼旗志愿服务队", &county, None, "team")
        .await;
    let short = t.volunteer(&t.root, "差半小时", &county, 1).await;
    let enough = t.volunteer(&t.root, "刚好够", &county, 2).await;
    let none = t.volunteer(&t.root, "没服务", &county, 3).await;
    let away = t.volunteer(&t.root, "暂停的", &county, 4).await;
    t.post(
        &format!("/api/v1/volunteers/{away}/suspend"),
        &t.root,
        json!({"reason": "外出"}),
    )
    .await
    .expect(200);
    let (y, m, d) = (day.year(), day.month(), day.day());
    let act = backfill(&t, &team, &cst(y, m, d, 0, 0), &cst(y, m, d, 23, 59)).await;
    for (v, end) in [(&short, (19, 30)), (&enough, (20, 0))] {
        // 8 h, then the rest of the day: over 12 h a day needs the level above (root here).
        attend(&t, &act, v, &cst(y, m, d, 0, 0), &cst(y, m, d, 8, 0)).await;
        let r = attend(
            &t,
            &act,
            v,
            &cst(y, m, d, 8, 0),
            &cst(y, m, d, end.0, end.1),
        )
        .await;
        assert_eq!(r["status"], "pending_higher");
        t.post(
            &format!(
                "/api/v1/service-records/{}/decision",
                r["id"].as_str().unwrap()
            ),
            &t.root,
            json!({"approve": true}),
        )
        .await
        .expect(200);
    }
    let f = findings(&t, &county, &format!("year={y}&rule=volunteer_under_20h")).await;
    assert_eq!(
        of(&f, "volunteer_under_20h", &short),
        Some(format!("{y} 年服务 19.5 小时，不足 20 小时").as_str())
    );
    assert_eq!(of(&f, "volunteer_under_20h", &enough), None);
    assert!(of(&f, "volunteer_under_20h", &none)
        .unwrap()
        .contains("服务 0 小时"));
    assert_eq!(
        of(&f, "volunteer_under_20h", &away),
        None,
        "only volunteers in service"
    );
    // Paging walks the other rules' findings, then the 20 h ones, with nothing lost.
    let all = t
        .get(
            &format!("/api/v1/orgs/{county}/compliance?year={y}&per_page=500"),
            &t.root,
        )
        .await
        .expect(200);
    let total = all.body["total"].as_i64().unwrap();
    let mut paged = Vec::new();
    for page in 1..=(total + 1) / 2 {
        let r = t
            .get(
                &format!("/api/v1/orgs/{county}/compliance?year={y}&per_page=2&page={page}"),
                &t.root,
            )
            .await
            .expect(200);
        assert_eq!(r.body["total"], total);
        paged.extend(r.body["items"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(json!(paged), all.body["items"]);
    // Without ?year= the rule runs from the fourth quarter on.
    let r = t
        .get(&format!("/api/v1/orgs/{county}/compliance"), &t.root)
        .await
        .expect(200);
    let q4 = today.month() >= 10;
    assert_eq!(
        r.body["year"],
        if q4 { json!(today.year()) } else { Value::Null }
    );
    assert_eq!(r.body["by_rule"][4]["count"], if q4 { 2 } else { 0 });
    t.get(
        &format!("/api/v1/orgs/{county}/compliance?year=1999"),
        &t.root,
    )
    .await
    .expect_error(422, "year_invalid", Some("year"));
}
