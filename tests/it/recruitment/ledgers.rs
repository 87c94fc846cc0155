//! Talent pool, ledger exports read back with calamine, spot checks.

use serde_json::json;
use zhiyuan_sheets::calamine::{Data, Reader, Xlsx};

use super::{admit, application, apply, download, tree};
use crate::harness::{id_number, spawn};

fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn ledgers_export_masked_unless_allowed_and_whole_exports_are_logged() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (id, _) = apply(&t, application(&tr.team, 21)).await;
    admit(&t, &tr, &id).await.expect(200);
    let full = id_number("19800101", 21);
    // The village admin: masked only; asking for whole numbers is refused.
    let (s, bytes) = download(
        &t,
        &tr.village_admin,
        &format!("/api/v1/teams/{}/roster.xlsx", tr.team),
    )
    .await;
    assert_eq!(s, 200);
    let rows = sheet(&bytes);
    assert_eq!(rows[0][..3], ["序号", "姓名", "身份证号码"]);
    assert_eq!(rows[0].last().unwrap(), "职务");
    assert_eq!(rows[1][1], "李卫国");
    assert!(rows[1][2].contains("****"));
    assert_eq!(rows[1][11], "NM001");
    assert_eq!(rows[1].last().unwrap(), "队员");
    let (s, _) = download(
        &t,
        &tr.village_admin,
        &format!("/api/v1/orgs/{}/ledger.xlsx?full_ids=true", tr.village),
    )
    .await;
    assert_eq!(s, 403);
    // The county admin may export whole numbers; the export is logged as such.
    let (s, bytes) = download(
        &t,
        &tr.county_admin,
        &format!("/api/v1/orgs/{}/ledger.xlsx?full_ids=true", tr.county),
    )
    .await;
    assert_eq!(s, 200);
    let rows = sheet(&bytes);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][2], full);
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("ledger.export_full_ids"));
    assert!(audit.text.contains("ledger.export\""));
    assert!(!audit.text.contains(&full));
}

#[tokio::test]
async fn talent_pool_filters_and_exports() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let mut a = application(&tr.team, 31);
    a["skills"] = json!(["无人机驾驶", "急救"]);
    let (id, _) = apply(&t, a).await;
    admit(&t, &tr, &id).await.expect(200);
    let mut b = application(&tr.team, 32);
    b["branch"] = json!("海军");
    b["id_number"] = json!(id_number("19500101", 32));
    let (id, _) = apply(&t, b).await;
    admit(&t, &tr, &id).await.expect(200);
    let q = |s: &str| format!("/api/v1/talent?{s}");
    let total = |r: &crate::harness::Resp| r.body["total"].as_i64().unwrap();
    assert_eq!(
        total(
            &t.get(&q("skill=急救"), &tr.township_admin)
                .await
                .expect(200)
        ),
        2
    );
    assert_eq!(
        total(
            &t.get(&q("specialty=无人机"), &tr.township_admin)
                .await
                .expect(200)
        ),
        1
    );
    assert_eq!(
        total(
            &t.get(&q("branch=海军"), &tr.township_admin)
                .await
                .expect(200)
        ),
        1
    );
    assert_eq!(
        total(
            &t.get(&q("max_age=60"), &tr.township_admin)
                .await
                .expect(200)
        ),
        1
    );
    t.get(&q("min_age=60&max_age=50"), &tr.township_admin)
        .await
        .expect_error(422, "age_range_invalid", Some("max_age"));
    let (s, bytes) = download(
        &t,
        &tr.township_admin,
        "/api/v1/talent/export.xlsx?skill=急救",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(sheet(&bytes).len(), 3);
    // Another county's admin sees nobody.
    let other = t.org(&t.root, "其他旗", "county", None).await;
    let outsider = t.account(&t.root, "outsider", "admin", &other).await;
    assert_eq!(
        total(&t.get(&q("skill=急救"), &outsider).await.expect(200)),
        0
    );
}

#[tokio::test]
async fn spot_checks_draw_at_random_record_results_and_flag() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    for seq in 0..5 {
        t.volunteer(&t.root, "王建军", &tr.village, 60 + seq).await;
    }
    t.post(
        "/api/v1/spot-checks",
        &tr.county_admin,
        json!({"org_id": tr.county, "size": 0}),
    )
    .await
    .expect_error(422, "spot_check_size", Some("size"));
    let c = t
        .post(
            "/api/v1/spot-checks",
            &tr.county_admin,
            json!({"org_id": tr.county, "size": 3}),
        )
        .await
        .expect(201);
    assert_eq!(c.body["size"], 3);
    let check = c.id();
    let vid = c.body["items"][0]["volunteer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/spot-checks/{check}/results/{vid}");
    t.post(&path, &tr.county_admin, json!({"result": "maybe"}))
        .await
        .expect_error(422, "spot_result_invalid", Some("result"));
    let r = t
        .post(
            &path,
            &tr.county_admin,
            json!({"result": "unreachable", "note": "电话停机"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["checked"], 1);
    assert_eq!(r.body["flagged"], 1);
    let flagged = t
        .get("/api/v1/talent?veterans_only=true", &tr.county_admin)
        .await
        .expect(200);
    assert!(flagged.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["unverified"] == true));
    let r = t
        .post(&path, &tr.county_admin, json!({"result": "verified"}))
        .await
        .expect(200);
    assert_eq!(r.body["flagged"], 0);
    let other = t.org(&t.root, "其他旗", "county", None).await;
    let outsider = t.account(&t.root, "outsider", "admin", &other).await;
    t.get(&format!("/api/v1/spot-checks/{check}"), &outsider)
        .await
        .expect_error(404, "not_found", None);
}
