//! The report tables (003 attachments 5–7, 001's report) downloaded and read back with
//! calamine: titles, headers, counts as numbers, masked ID numbers only.

use std::io::Cursor;

use serde_json::json;
use zhiyuan_sheets::calamine::{Data, Range, Reader, Xlsx};

use super::{attend, backfill, cst};
use crate::harness::{spawn, volunteer_body, TestApp};
use crate::recruitment::download;

fn book(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("an xlsx")
}

fn text(r: &Range<Data>, row: u32, col: u32) -> String {
    match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn num(r: &Range<Data>, row: u32, col: u32) -> f64 {
    match r.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

/// The column of a header (row 2).
fn col(r: &Range<Data>, header: &str) -> u32 {
    (0..r.width() as u32)
        .find(|c| text(r, 2, *c) == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

async fn get(t: &TestApp, org: &str, kind: &str) -> Vec<u8> {
    let (status, bytes) = download(
        t,
        &t.root,
        &format!("/api/v1/orgs/{org}/reports/{kind}.xlsx"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    bytes
}

#[tokio::test]
async fn report_tables_read_back() {
    let t = spawn().await;
    let county = t
        .post(
            "/api/v1/orgs",
            &t.root,
            json!({"name": "奈曼旗", "level": "county", "population": 400}),
        )
        .await
        .expect(201)
        .id();
    let town = t
        .post("/api/v1/orgs", &t.root, json!({"name": "大沁他拉镇", "level": "township", "parent_id": county, "population": 100}))
        .await
        .expect(201)
        .id();
    let village = t.org(&t.root, "昂乃村", "village", Some(&town)).await;
    let st = t
        .post("/api/v1/orgs", &t.root, json!({"name": "昂乃村服务站", "level": "unit", "parent_id": village, "unit_type": "service_station"}))
        .await
        .expect(201)
        .id();
    let team = t.team(&t.root, "昂乃村志愿服务队", &st, None, "team").await;
    let squad = t.team(&t.root, "一班", &st, Some(&team), "squad").await;
    let mut people = Vec::new();
    for i in 0..10u32 {
        let name = format!(
            "队员{}",
            "甲乙丙丁戊己庚辛壬癸".chars().nth(i as usize).unwrap()
        );
        let mut body = volunteer_body(&name, &st, i + 1);
        body["veteran"] = json!(i < 7);
        let v = t
            .post("/api/v1/volunteers", &t.root, body)
            .await
            .expect(201)
            .id();
        let position = match i {
            0 => "leader",
            1 => "deputy",
            _ => "member",
        };
        let unit = if i < 5 { &team } else { &squad };
        t.post(
            &format!("/api/v1/teams/{unit}/members"),
            &t.root,
            json!({"volunteer_id": v, "position": position}),
        )
        .await
        .expect(201);
        people.push(v);
    }
    t.call(
        axum::http::Method::PUT,
        &format!("/api/v1/orgs/{st}/station-standard"),
        Some(&t.root),
        Some(json!({"items": [{"item": "rules", "present": true, "evidence": "制度上墙"}, {"item": "signage", "present": false}]})),
    )
    .await
    .expect(200);
    t.post(
        "/api/v1/projects",
        &t.root,
        json!({"name": "牵手夕阳", "category": "elder_care", "description": "走进敬老院", "org_id": county}),
    )
    .await
    .expect(201);
    let act = backfill(&t, &team, &cst(2025, 6, 1, 9, 0), &cst(2025, 6, 1, 12, 0)).await;
    attend(
        &t,
        &act,
        &people[0],
        &cst(2025, 6, 1, 9, 0),
        &cst(2025, 6, 1, 11, 30),
    )
    .await;

    // 注册志愿者统计表: the township, then the county as total.
    let mut b = book(get(&t, &county, "volunteers").await);
    let r = b.worksheet_range("注册志愿者统计表").unwrap();
    assert_eq!(text(&r, 0, 0), "奈曼旗注册志愿者统计表");
    assert!(text(&r, 1, 0).starts_with("制表单位：奈曼旗"));
    assert_eq!(text(&r, 3, 1), "大沁他拉镇");
    assert_eq!(num(&r, 3, col(&r, "常住人口(人)")), 100.0);
    assert_eq!(num(&r, 3, col(&r, "注册志愿者(人)")), 10.0);
    assert_eq!(num(&r, 3, col(&r, "注册比例(%)")), 10.0);
    assert_eq!(text(&r, 3, col(&r, "是否达标")), "是");
    assert_eq!(num(&r, 3, col(&r, "退役军人")), 7.0);
    assert_eq!(text(&r, 4, 0), "合计");
    assert_eq!(num(&r, 4, col(&r, "注册比例(%)")), 2.5);
    assert_eq!(text(&r, 4, col(&r, "是否达标")), "否");
    assert_eq!(num(&r, 4, col(&r, "累计服务时长(小时)")), 2.5);

    // 志愿者服务站统计表: the station's six items.
    let mut b = book(get(&t, &county, "stations").await);
    let r = b.worksheet_range("志愿者服务站统计表").unwrap();
    assert_eq!(text(&r, 3, 1), "昂乃村服务站");
    assert_eq!(text(&r, 3, 2), "大沁他拉镇 › 昂乃村");
    assert_eq!(text(&r, 3, col(&r, "有一套志愿者管理制度")), "有");
    assert_eq!(text(&r, 3, col(&r, "有明显标识")), "无");
    assert_eq!(text(&r, 3, col(&r, "“六个有”齐全")), "否");
    assert_eq!(num(&r, 3, col(&r, "注册志愿者(人)")), 10.0);
    assert_eq!(num(&r, 3, col(&r, "队伍(个)")), 2.0);

    // 志愿服务队统计表: the root unit with its squad's members counted in.
    let mut b = book(get(&t, &county, "teams").await);
    let r = b.worksheet_range("志愿服务队统计表").unwrap();
    assert_eq!(r.height(), 4, "one root unit");
    assert_eq!(text(&r, 3, 1), "昂乃村志愿服务队");
    assert_eq!(text(&r, 3, col(&r, "队长")), "队员甲");
    assert_eq!(text(&r, 3, col(&r, "副队长")), "队员乙");
    assert_eq!(num(&r, 3, col(&r, "队员(人)")), 10.0);
    assert_eq!(num(&r, 3, col(&r, "退役军人(人)")), 7.0);
    assert_eq!(num(&r, 3, col(&r, "下设单位(个)")), 1.0);
    assert_eq!(num(&r, 3, col(&r, "编制人数")), 10.0);
    assert_eq!(text(&r, 3, col(&r, "是否满编")), "是");

    // 001's report: three sheets.
    let mut b = book(get(&t, &county, "composition").await);
    assert_eq!(
        b.sheet_names(),
        ["队伍组成情况", "志愿者信息", "计划开展志愿服务项目"]
    );
    let units = b.worksheet_range("队伍组成情况").unwrap();
    assert_eq!(text(&units, 3, 0), "昂乃村志愿服务队");
    assert!(text(&units, 4, 0).ends_with("一班"));
    assert!(text(&units, 3, col(&units, "职务人员")).contains("队长：队员甲"));
    let people_sheet = b.worksheet_range("志愿者信息").unwrap();
    assert_eq!(people_sheet.height(), 3 + 10);
    let ids = col(&people_sheet, "身份证号码");
    for row in 3..13 {
        let id = text(&people_sheet, row, ids);
        assert!(id.contains('*'), "masked: {id}");
    }
    let plans = b.worksheet_range("计划开展志愿服务项目").unwrap();
    assert_eq!(text(&plans, 3, 1), "牵手夕阳");
    assert_eq!(text(&plans, 3, 2), "关爱老人");

    let (status, _) = download(
        &t,
        &t.root,
        &format!("/api/v1/orgs/{county}/reports/nope.xlsx"),
    )
    .await;
    assert_eq!(status, 404);
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("report.export"));
}
