//! Oversight (issue 5): statistics of a subtree kept exact through every write path, the
//! compliance rules at their boundaries (`oversight/rules*.rs`), the report tables read back
//! (`oversight/reports.rs`), concurrent writes (`oversight/concurrency.rs`), random trees
//! (`oversight/props.rs`) and the pages (`oversight/pages.rs`).

mod concurrency;
mod pages;
mod props;
mod reports;
mod rules;
mod rules_nodes;

use chrono::TimeZone;
use serde_json::{json, Value};

use crate::activities::started_a_minute_ago;
use crate::harness::{clock_past, spawn, TestApp};
use crate::recruitment::{admit, application, apply, tree, upload};

/// RFC 3339 of a wall-clock time in China.
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> String {
    zhiyuan_domain::oversight::china()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .to_rfc3339()
}

/// For every org: the maintained aggregates equal a recount from the rows.
pub async fn assert_exact(t: &TestApp, step: &str) {
    let store = t.app.store();
    let orgs = store.org_subtree("/", 100_000).await.unwrap();
    assert!(!orgs.is_empty());
    for o in orgs {
        let kept = store.ov_totals(&o.id).await.unwrap();
        let counted = store.ov_recount(&o.path).await.unwrap();
        assert_eq!(kept, counted, "after {step}: {} ({})", o.name, o.path);
    }
}

/// A back-filled (done) activity of `team` between two China times; returns its id.
pub async fn backfill(t: &TestApp, team: &str, starts: &str, ends: &str) -> String {
    t.post(
        "/api/v1/activities",
        &t.root,
        json!({"title": "月度志愿服务", "team_id": team, "starts_at": starts, "ends_at": ends,
               "capacity": 100, "backfill_reason": "活动当天未及时录入"}),
    )
    .await
    .expect(201)
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An officer's attendance entry; returns the service record.
pub async fn attend(t: &TestApp, activity: &str, volunteer: &str, from: &str, to: &str) -> Value {
    t.post(
        &format!("/api/v1/activities/{activity}/attendance"),
        &t.root,
        json!({"volunteer_id": volunteer, "checked_in_at": from, "checked_out_at": to}),
    )
    .await
    .expect(201)
    .body
}

pub async fn stats(t: &TestApp, token: &str, org: &str) -> Value {
    t.get(&format!("/api/v1/orgs/{org}/stats"), token)
        .await
        .expect(200)
        .body
}

#[tokio::test]
async fn aggregates_follow_every_write_path() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    assert_exact(&t, "the tree").await;

    // Orgs: a station under the village; unit types changed back and forth.
    let station = t
        .post(
            "/api/v1/orgs",
            &t.root,
            json!({"name": "白音昌村服务站", "level": "unit", "parent_id": tr.village, "unit_type": "service_station"}),
        )
        .await
        .expect(201)
        .id();
    for (org, body) in [
        (
            &tr.village,
            json!({"unit_type": "civilised_village", "population": 800}),
        ),
        (&station, json!({"unit_type": "other"})),
        (&station, json!({"unit_type": "service_station"})),
    ] {
        t.patch(&format!("/api/v1/orgs/{org}"), &t.root, body)
            .await
            .expect(200);
    }
    assert_exact(&t, "org writes").await;

    // Teams: a station team with a small squad, which then becomes a root unit.
    let st_team = t
        .team(&t.root, "服务站志愿服务队", &station, None, "team")
        .await;
    let squad = t
        .team(
            &t.root,
            "应急小分队",
            &station,
            Some(&st_team),
            "small_squad",
        )
        .await;
    t.patch(
        &format!("/api/v1/teams/{squad}"),
        &t.root,
        json!({"parent_team_id": ""}),
    )
    .await
    .expect(200);
    assert_exact(&t, "team writes").await;

    // Volunteers: registered, moved and changed, suspended, reinstated, withdrawn.
    let a = t.volunteer(&t.root, "王一", &station, 1).await;
    let b = t.volunteer(&t.root, "王二", &tr.village, 2).await;
    let c = t.volunteer(&t.root, "王三", &tr.township, 3).await;
    t.patch(
        &format!("/api/v1/volunteers/{a}"),
        &t.root,
        json!({"org_id": tr.township, "veteran": false, "party_member": true}),
    )
    .await
    .expect(200);
    let reason = json!({"reason": "长期外出务工"});
    t.post(
        &format!("/api/v1/volunteers/{b}/suspend"),
        &t.root,
        reason.clone(),
    )
    .await
    .expect(200);
    assert_exact(&t, "suspend").await;
    t.post(
        &format!("/api/v1/volunteers/{b}/reinstate"),
        &t.root,
        reason.clone(),
    )
    .await
    .expect(200);
    let ct = t.account(&t.root, "wangsan", "volunteer", &c).await;
    t.post(&format!("/api/v1/volunteers/{c}/withdraw"), &ct, reason)
        .await
        .expect(200);
    assert_exact(&t, "volunteer writes").await;

    // A ledger import and an admission.
    let csv = format!(
        "姓名,身份证号码,手机号码,退役军人,中共党员,技能\n李一,{},13900000001,是,是,驾驶\n李二,{},13900000002,否,否,\n",
        crate::harness::id_number("19700101", 11),
        crate::harness::id_number("19990101", 12),
    );
    let path = format!("/api/v1/imports/volunteers?org_id={}", tr.village);
    let r = upload(&t, &t.root, &path, "ledger.csv", csv.as_bytes())
        .await
        .expect(200);
    assert_eq!(r.body["imported"], 2, "{}", r.text);
    let (app_id, _) = apply(&t, application(&tr.team, 21)).await;
    admit(&t, &tr, &app_id).await.expect(200);
    assert_exact(&t, "import and admission").await;

    // Activities: published then done; back-filled with approved and pending hours.
    let future = t
        .post(
            "/api/v1/activities",
            &t.root,
            json!({"title": "防汛演练", "team_id": st_team, "starts_at": cst(2030, 6, 1, 9, 0),
                   "ends_at": cst(2030, 6, 1, 12, 0), "capacity": 10}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_exact(&t, "published").await;
    t.post(
        &format!("/api/v1/activities/{future}/status"),
        &t.root,
        json!({"status": "done"}),
    )
    .await
    .expect(200);
    let past = backfill(
        &t,
        &tr.team,
        &cst(2025, 3, 31, 8, 0),
        &cst(2025, 3, 31, 23, 0),
    )
    .await;
    attend(
        &t,
        &past,
        &b,
        &cst(2025, 3, 31, 8, 0),
        &cst(2025, 3, 31, 11, 30),
    )
    .await;
    let long = attend(
        &t,
        &past,
        &a,
        &cst(2025, 3, 31, 8, 0),
        &cst(2025, 3, 31, 17, 0),
    )
    .await;
    assert_eq!(long["status"], "pending_team");
    assert_exact(&t, "back-filled hours").await;
    let rid = long["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/service-records/{rid}/decision"),
        &t.root,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    assert_exact(&t, "approval").await;
    let m = t
        .post(
            &format!("/api/v1/service-records/{rid}/amendments"),
            &t.root,
            json!({"checked_in_at": cst(2025, 3, 31, 9, 0), "checked_out_at": cst(2025, 3, 31, 15, 0), "reason": "签到时间记错"}),
        )
        .await
        .expect(201);
    t.post(
        &format!("/api/v1/amendments/{}/decision", m.id()),
        &tr.county_admin,
        json!({"approve": true}),
    )
    .await
    .expect(200);
    assert_exact(&t, "amendment").await;

    // A QR check-in and check-out (the open record closed later).
    let soon = chrono::Utc::now() + chrono::Duration::seconds(60);
    let live = t
        .post(
            "/api/v1/activities",
            &t.root,
            json!({"title": "社区服务", "team_id": tr.team, "starts_at": soon.to_rfc3339(),
                   "ends_at": (soon + chrono::Duration::hours(2)).to_rfc3339(), "capacity": 5}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &format!("/api/v1/activities/{live}/signups"),
        &t.root,
        json!({"volunteer_id": b}),
    )
    .await
    .expect(201);
    let bt = t.account(&t.root, "wanger", "volunteer", &b).await;
    started_a_minute_ago(&t, &live).await;
    let code = t
        .get(&format!("/api/v1/activities/{live}/checkin-code"), &t.root)
        .await
        .expect(200);
    let token = code.body["token"].as_str().unwrap().to_owned();
    t.post(&format!("/api/v1/checkin/{token}"), &bt, json!({}))
        .await
        .expect(200);
    assert_exact(&t, "check-in").await;
    // Checked out strictly after the check-in: the scan's service time is not nil.
    clock_past(zhiyuan_app::clock::now_ms()).await;
    let out = t
        .post(&format!("/api/v1/checkin/{token}"), &bt, json!({}))
        .await
        .expect(200);
    assert_eq!(out.body["record"]["status"], "approved");
    assert_exact(&t, "check-out").await;

    // The figures themselves, at the county: 6 volunteers registered, 1 withdrawn.
    let s = stats(&t, &t.root, &tr.county).await;
    assert_eq!(s["volunteers"], 5, "{s}");
    assert_eq!(s["volunteers_by_status"]["withdrawn"], 1);
    assert_eq!(s["orgs"], 4);
    assert_eq!(s["stations"], 1);
    assert_eq!(s["teams"], 3);
    assert_eq!(s["root_teams"], 3);
    assert_eq!(s["activities"], 2);
    // 3.5 h + 6 h (amended) + the scan's few seconds.
    let hours = s["service_hours"].as_f64().unwrap();
    assert!((9.5..9.52).contains(&hours), "{hours}");
    assert_eq!(s["service_records"], 3);
}

#[tokio::test]
async fn stats_show_levels_people_months_and_children() {
    let t = spawn().await;
    let county = t
        .post(
            "/api/v1/orgs",
            &t.root,
            json!({"name": "奈曼旗", "level": "county", "population": 100}),
        )
        .await
        .expect(201)
        .id();
    let town = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&town)).await;
    let other = t.org(&t.root, "义隆永镇", "township", Some(&county)).await;
    let team = t
        .team(&t.root, "昂乃村志愿服务队", &village, None, "team")
        .await;
    // Born 1980 (veteran, party on even seq), 2000 and 1955: three age bands.
    let a = t.volunteer(&t.root, "张甲", &village, 2).await;
    let mut young = crate::harness::volunteer_body("李乙", &village, 3);
    young["id_number"] = json!(crate::harness::id_number("20000101", 3));
    young["veteran"] = json!(false);
    t.post("/api/v1/volunteers", &t.root, young)
        .await
        .expect(201);
    let mut old = crate::harness::volunteer_body("王丙", &other, 5);
    old["id_number"] = json!(crate::harness::id_number("19550101", 5));
    t.post("/api/v1/volunteers", &t.root, old).await.expect(201);
    let act = backfill(
        &t,
        &team,
        &cst(2025, 4, 30, 20, 0),
        &cst(2025, 4, 30, 23, 59),
    )
    .await;
    attend(
        &t,
        &act,
        &a,
        &cst(2025, 4, 30, 20, 0),
        &cst(2025, 4, 30, 22, 30),
    )
    .await;

    let s = stats(&t, &t.root, &county).await;
    assert_eq!(s["org"]["id"], county.as_str());
    assert_eq!(
        (s["orgs"].as_i64(), s["volunteers"].as_i64()),
        (Some(4), Some(3))
    );
    assert_eq!(
        s["orgs_by_level"],
        json!({"county": 1, "township": 2, "village": 1})
    );
    assert_eq!(
        (s["veterans"].as_i64(), s["party_members"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        s["by_sex"]["male"].as_i64().unwrap() + s["by_sex"]["female"].as_i64().unwrap_or(0),
        3
    );
    let bands: Vec<i64> = s["age_bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .collect();
    assert_eq!(bands.iter().sum::<i64>(), 3);
    assert_eq!(bands.iter().filter(|n| **n == 1).count(), 3, "{bands:?}");
    // 3 of 100 residents: 3 %, against a 10 % target.
    assert_eq!(s["registered_share"], 3.0);
    assert_eq!(s["registration_target"], 10);
    assert_eq!(s["activities_by_kind"][1]["code"], "community");
    assert_eq!(s["activities_by_kind"][1]["count"], 1);
    // The activity on 30 April (China time) counts for April, whatever UTC says.
    let m = t
        .get(
            &format!("/api/v1/orgs/{county}/stats?to=2025-05&months=2"),
            &t.root,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(m["months"][0]["month"], "2025-04");
    assert_eq!(m["months"][0]["activities"], 1);
    assert_eq!(m["months"][0]["service_hours"], 2.5);
    assert_eq!(m["months"][1]["activities"], 0);
    assert_eq!(s["projects"][0]["name"], "未关联服务项目");
    assert_eq!(s["projects"][0]["service_hours"], 2.5);
    // A row per child to drill down.
    let kids = s["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2);
    let town_row = kids.iter().find(|k| k["id"] == town.as_str()).unwrap();
    assert_eq!(
        (
            town_row["orgs"].as_i64(),
            town_row["volunteers"].as_i64(),
            town_row["teams"].as_i64()
        ),
        (Some(2), Some(2), Some(1))
    );
    assert_eq!(town_row["activities"], 1);
    t.get(&format!("/api/v1/orgs/{county}/stats?months=37"), &t.root)
        .await
        .expect_error(422, "months_invalid", Some("months"));
    t.get(&format!("/api/v1/orgs/{county}/stats?to=2025-13"), &t.root)
        .await
        .expect_error(422, "month_invalid", Some("to"));
}

#[tokio::test]
async fn statistics_and_compliance_are_for_admins_over_the_node() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let other = t
        .org(&t.root, "八仙筒镇", "township", Some(&tr.county))
        .await;
    let other_admin = t.account(&t.root, "other_a", "admin", &other).await;
    let leader = t
        .account(&t.root, "leader_a", "team_leader", &tr.team)
        .await;
    for path in [
        "stats",
        "compliance",
        "station-standard",
        "establishment",
        "reports/teams.xlsx",
    ] {
        t.get(&format!("/api/v1/orgs/{}/{path}", tr.village), &other_admin)
            .await
            .expect_error(404, "not_found", None);
        t.get(&format!("/api/v1/orgs/{}/{path}", tr.village), &leader)
            .await
            .expect_error(403, "role_forbidden", None);
        t.get(
            &format!("/api/v1/orgs/{}/{path}", tr.village),
            &tr.village_admin,
        )
        .await
        .expect(200);
        t.get(
            &format!("/api/v1/orgs/{}/{path}", tr.county),
            &tr.village_admin,
        )
        .await
        .expect_error(404, "not_found", None);
    }
    t.call(
        axum::http::Method::GET,
        &format!("/api/v1/orgs/{}/stats", tr.county),
        None,
        None,
    )
    .await
    .expect_error(401, "unauthorized", None);
}

#[tokio::test]
async fn rebuilding_from_rows_gives_the_maintained_figures() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let v = t.volunteer(&t.root, "王一", &tr.village, 1).await;
    let act = backfill(
        &t,
        &tr.team,
        &cst(2025, 1, 5, 9, 0),
        &cst(2025, 1, 5, 12, 0),
    )
    .await;
    attend(
        &t,
        &act,
        &v,
        &cst(2025, 1, 5, 9, 0),
        &cst(2025, 1, 5, 11, 0),
    )
    .await;
    let store = t.app.store();
    let orgs = store.org_subtree("/", 1000).await.unwrap();
    let mut before = Vec::new();
    for o in &orgs {
        before.push(store.ov_totals(&o.id).await.unwrap());
    }
    // The rebuild runs the migration's own statements (the ones that populate a database
    // that had data before migration 0005).
    store.ov_rebuild().await.unwrap();
    for (o, b) in orgs.iter().zip(before) {
        assert_eq!(store.ov_totals(&o.id).await.unwrap(), b, "{}", o.name);
    }
    assert_exact(&t, "rebuild").await;
}

#[tokio::test]
async fn an_incident_closed_into_an_activity_is_counted() {
    // Emergency response (issue 6) writes an activity when an incident closes: it counts too.
    let w = crate::emergency::world().await;
    let team =
        w.t.team(&w.t.root, "奈曼旗应急分队", &w.county, None, "team")
            .await;
    // Someone with the skill the incident asks for, called up, on site for a moment.
    let v = w.person("张三", &w.township, 1.0, &["应急救援"]).await;
    let i = w.incident(json!({"team_id": team})).await;
    let id = i["id"].as_str().unwrap();
    let token = w.login_as("zhangsan", &v).await;
    let call =
        w.t.post(
            &format!("/api/v1/incidents/{id}/callups"),
            &w.admin,
            json!({"volunteer_ids": [v]}),
        )
        .await
        .expect(201);
    let cid = call.body["items"][0]["id"].as_str().unwrap();
    w.t.post(
        &format!("/api/v1/callups/{cid}/answer"),
        &token,
        json!({"accept": true}),
    )
    .await
    .expect(200);
    for action in ["arrive", "leave"] {
        w.t.post(
            &format!("/api/v1/incidents/{id}/presence"),
            &w.admin,
            json!({"volunteer_id": v, "action": action}),
        )
        .await
        .expect(200);
        // Left strictly after arriving: the stretch on site is not empty.
        clock_past(zhiyuan_app::clock::now_ms()).await;
    }
    for status in ["standing_down", "closed"] {
        w.t.post(
            &format!("/api/v1/incidents/{id}/status"),
            &w.admin,
            json!({"status": status}),
        )
        .await
        .expect(200);
    }
    assert_exact(&w.t, "an incident's close").await;
    let s = stats(&w.t, &w.t.root, &w.county).await;
    assert_eq!(s["activities_by_status"]["done"], 1, "{s}");
}
