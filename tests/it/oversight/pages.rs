//! The oversight pages as a browser sees them: the dashboard's charts with their tables and
//! drill-down links, the compliance list grouped by rule, the org page's panel and the
//! station standard form (with CSRF, errors beside the item, 303 on success).

use serde_json::json;

use super::{attend, backfill, cst};
use crate::forms::{location, Browser};
use crate::harness::{spawn, PASSWORD, ROOT_PASSWORD};

#[tokio::test]
async fn the_dashboard_draws_charts_with_tables_and_drills_down() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let town = t
        .org(&t.root, "大沁他拉镇", "township", Some(&county))
        .await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&town)).await;
    let team = t
        .team(&t.root, "昂乃村志愿服务队", &village, None, "team")
        .await;
    let v = t.volunteer(&t.root, "王一", &village, 1).await;
    let act = backfill(&t, &team, &cst(2025, 5, 3, 9, 0), &cst(2025, 5, 3, 12, 0)).await;
    attend(
        &t,
        &act,
        &v,
        &cst(2025, 5, 3, 9, 0),
        &cst(2025, 5, 3, 11, 0),
    )
    .await;

    let b = Browser::login(&t, "root", ROOT_PASSWORD, "/").await;
    let home = b.get(&t, "/").await;
    assert!(
        home.text
            .contains(&format!("href=\"/orgs/{county}/dashboard\"")),
        "home links the dashboard"
    );
    let r = b
        .get(&t, &format!("/orgs/{county}/dashboard?to=2025-06&months=6"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let page = r.text;
    for id in [
        "chart-children",
        "chart-hours",
        "chart-activities",
        "chart-ages",
        "chart-projects",
    ] {
        assert!(
            page.contains(&format!("<svg class=\"chart\" id=\"{id}\"")),
            "{id}"
        );
        assert!(
            page.contains(&format!("aria-labelledby=\"{id}-t {id}-d\"")),
            "{id} is named"
        );
    }
    assert!(page.contains("<title id=\"chart-hours-t\">每月服务时长（小时）</title>"));
    // Hours of May 2025 in the chart's description and its table.
    assert!(
        page.contains("5月 2小时"),
        "the chart summary names the figures"
    );
    assert!(page.contains("<td>5月</td><td class=\"num\">2小时</td>"));
    assert!(
        page.contains(&format!(
            "<a href=\"/orgs/{town}/dashboard\">大沁他拉镇</a>"
        )),
        "drill down"
    );
    assert!(page.contains("/reports/volunteers.xlsx"));
    assert!(!page.contains("<script src=\"http"), "no CDN");
    // The child's own dashboard, and its breadcrumbs back up.
    let r = b.get(&t, &format!("/orgs/{town}/dashboard")).await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r
        .text
        .contains(&format!("<a href=\"/orgs/{county}/dashboard\">奈曼旗</a>")));

    // The compliance page lists the township-less… village without station findings by rule.
    let r = b
        .get(&t, &format!("/orgs/{county}/compliance?month=2025-05"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert!(r.text.contains("id=\"rule-team_under_strength\""));
    assert!(r
        .text
        .contains(&format!("<a href=\"/teams/{team}\">昂乃村志愿服务队</a>")));
    assert!(r.text.contains("现有队员 0 人，村级服务队编制 10 人"));
    let r = b
        .get(&t, &format!("/orgs/{county}/compliance?year=abc"))
        .await;
    assert_eq!(r.status.as_u16(), 422);

    // A team leader has no dashboard; the org page shows none of it to them.
    t.account(&t.root, "leader", "team_leader", &team).await;
    let l = Browser::login(&t, "leader", PASSWORD, "/").await;
    assert_eq!(
        l.get(&t, &format!("/orgs/{village}/dashboard"))
            .await
            .status
            .as_u16(),
        403
    );
    let panel = l.get(&t, &format!("/orgs/{village}/oversight-panel")).await;
    assert_eq!((panel.status.as_u16(), panel.text.as_str()), (200, ""));
}

#[tokio::test]
async fn a_station_fills_in_its_six_items_on_the_org_page() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let st = t
        .post("/api/v1/orgs", &t.root, json!({"name": "昂乃村服务站", "level": "unit", "parent_id": county, "unit_type": "service_station"}))
        .await
        .expect(201)
        .id();
    let b = Browser::login(&t, "root", ROOT_PASSWORD, "/").await;
    let org = b.get(&t, &format!("/orgs/{st}")).await;
    assert!(org
        .text
        .contains(&format!("hx-get=\"/orgs/{st}/oversight-panel\"")));
    assert!(org.text.contains(&format!("href=\"/orgs/{st}/dashboard\"")));
    let panel = b.get(&t, &format!("/orgs/{st}/oversight-panel")).await;
    assert!(
        panel.text.contains("id=\"station-standard-form\""),
        "{}",
        panel.text
    );
    assert!(panel.text.contains("name=\"present.signage\""));
    // A non-station's panel has the links but no form.
    let plain = b.get(&t, &format!("/orgs/{county}/oversight-panel")).await;
    assert!(plain.text.contains("统计看板") && !plain.text.contains("station-standard-form"));

    let path = format!("/orgs/{st}/station-standard");
    let r = b
        .post(
            &t,
            &path,
            &[("present.rules", "on"), ("evidence.rules", "")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("data-field=\"evidence.rules\""));
    let mut fields: Vec<(String, String)> = Vec::new();
    for item in ["rules", "venue", "team", "ledgers", "projects", "signage"] {
        fields.push((format!("present.{item}"), "on".into()));
        fields.push((format!("evidence.{item}"), format!("{item}证明")));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = b.post(&t, &path, &refs).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(location(&r), format!("{path}?saved=1"));
    let saved = b.get(&t, &location(&r)).await;
    assert!(saved.text.contains("已保存") && saved.text.contains("齐全"));
    assert!(saved.text.contains("value=\"signage证明\""));
    // Without the CSRF token nothing is written.
    let mut bad = Browser {
        cookie: b.cookie.clone(),
        csrf: "forged".into(),
    };
    bad.csrf.push('x');
    let r = bad.post(&t, &path, &[("evidence.rules", "")]).await;
    assert_eq!(r.status.as_u16(), 403);
    let api = t
        .get(&format!("/api/v1/orgs/{st}/station-standard"), &t.root)
        .await
        .expect(200);
    assert_eq!(api.body["complete"], true);
    // The page of a node that is no station says so.
    assert_eq!(
        b.get(&t, &format!("/orgs/{county}/station-standard"))
            .await
            .status
            .as_u16(),
        422
    );
}

#[tokio::test]
async fn the_tree_root_edits_its_templates_on_the_compliance_page() {
    let t = spawn().await;
    let county = t.org(&t.root, "奈曼旗", "county", None).await;
    let village = t.org(&t.root, "昂乃村", "village", Some(&county)).await;
    let team = t
        .team(&t.root, "昂乃村志愿服务队", &village, None, "team")
        .await;
    let b = Browser::login(&t, "root", ROOT_PASSWORD, "/").await;
    let page = b.get(&t, &format!("/orgs/{county}/compliance")).await;
    assert!(page
        .text
        .contains(&format!("action=\"/orgs/{county}/establishment\"")));
    assert!(page.text.contains("name=\"village\" value=\"10\""));
    // Below the root the templates are shown, not edited.
    let below = b.get(&t, &format!("/orgs/{village}/compliance")).await;
    assert!(!below.text.contains("/establishment\"") && below.text.contains("村级服务队 10 人"));

    let path = format!("/orgs/{county}/establishment");
    let fields = [
        ("village", "abc"),
        ("township", "30"),
        ("county", ""),
        ("small_squad", "3"),
    ];
    let r = b.post(&t, &path, &fields).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("data-field=\"village\"") && r.text.contains("value=\"abc\""));
    let fields = [
        ("village", "12"),
        ("township", ""),
        ("county", "50"),
        ("small_squad", "3"),
    ];
    let r = b.post(&t, &path, &fields).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(
        location(&r),
        format!("/orgs/{county}/compliance#establishment")
    );
    let got = t
        .get(&format!("/api/v1/orgs/{county}/establishment"), &t.root)
        .await
        .expect(200);
    assert_eq!(
        (
            got.body["village"].as_i64(),
            got.body["township"].as_i64(),
            got.body["county"].as_i64()
        ),
        (Some(12), None, Some(50))
    );
    let page = b.get(&t, &format!("/orgs/{county}/compliance")).await;
    assert!(
        page.text.contains("现有队员 0 人，村级服务队编制 12 人"),
        "{team}"
    );
}
