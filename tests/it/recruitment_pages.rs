//! The recruitment pages added after the API (issue 3), posted as a browser does (session
//! cookie + `_csrf`): the talent pool search and its Excel export, roster and ledger
//! downloads from the team and org pages, spot checks, withdrawing from `/me`, and
//! suspend/reinstate on the volunteer page. Every refused post re-renders with the field
//! named and writes nothing.

use serde_json::json;
use zhiyuan_sheets::calamine::{Data, Reader, Xlsx};

use crate::forms::{enc, location, Browser};
use crate::harness::{spawn, Resp, PASSWORD, ROOT_PASSWORD};
use crate::recruitment::{admit, application, apply, tree};

/// The error shown beside `field`.
fn field_error(r: &Resp, field: &str) -> bool {
    r.text
        .contains(&format!("class=\"field-error\" data-field=\"{field}\""))
}

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

/// The file name of an RFC 5987 `filename*=UTF-8''…` parameter, decoded.
fn utf8_file_name(disposition: &str) -> String {
    let at = disposition
        .find("filename*=UTF-8''")
        .expect("an RFC 5987 file name")
        + "filename*=UTF-8''".len();
    let raw = disposition[at..].split(';').next().unwrap_or_default();
    let mut bytes = Vec::new();
    let mut it = raw.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: String = [it.next().unwrap(), it.next().unwrap()]
                .iter()
                .map(|&c| c as char)
                .collect();
            bytes.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn talent_page_searches_shows_errors_beside_fields_and_exports_xlsx() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let mut a = application(&tr.team, 41);
    a["skills"] = json!(["无人机驾驶", "急救"]);
    let (id, _) = apply(&t, a).await;
    admit(&t, &tr, &id).await.expect(200);
    let mut b = application(&tr.team, 42);
    b["name"] = json!("张海军");
    b["branch"] = json!("海军");
    b["skills"] = json!(["炊事"]);
    let (id, _) = apply(&t, b).await;
    admit(&t, &tr, &id).await.expect(200);
    let br = Browser::login(&t, "county_a", PASSWORD, "/recruitment").await;

    let queue = br.get(&t, "/recruitment").await;
    assert!(queue.text.contains("href=\"/recruitment/talent\""));
    assert!(queue.text.contains("href=\"/recruitment/spot-checks\""));

    let r = br
        .get(
            &t,
            &format!("/recruitment/talent?specialty={}", enc("无人机")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert!(r.text.contains("共 1 人"), "{}", r.text);
    assert!(r.text.contains("李卫国") && !r.text.contains("张海军"));
    let r = br
        .get(&t, &format!("/recruitment/talent?branch={}", enc("海军")))
        .await;
    assert!(r.text.contains("张海军") && !r.text.contains("李卫国"));
    // Bad numbers and a reversed range are shown beside their fields.
    let r = br.get(&t, "/recruitment/talent?min_age=abc").await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "min_age"), "{}", r.text);
    let r = br
        .get(&t, "/recruitment/talent?min_age=60&max_age=50")
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "max_age"), "{}", r.text);

    // The export link carries the search; the file comes back with a Chinese name.
    let r = br
        .get(&t, &format!("/recruitment/talent?skill={}", enc("急救")))
        .await;
    let link = format!("/recruitment/talent/export.xlsx?skill={}", enc("急救"));
    assert!(r.text.contains(&link), "{}", r.text);
    let (s, disposition, bytes) = br.download(&t, &link).await;
    assert_eq!(s, 200);
    assert!(disposition.starts_with("attachment"));
    assert!(utf8_file_name(&disposition).starts_with("人力资源库-"));
    let rows = sheet(&bytes);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][1], "姓名");
    assert_eq!(rows[1][1], "李卫国");
    assert!(rows[1][2].contains("****"));
    // A volunteer may not search the pool.
    let vid = t.volunteer(&t.root, "赵得胜", &tr.village, 81).await;
    t.account(&t.root, "vol_t", "volunteer", &vid).await;
    let vb = Browser::login(&t, "vol_t", PASSWORD, "/me").await;
    assert_eq!(vb.get(&t, "/recruitment/talent").await.status.as_u16(), 403);
    let (s, _, _) = vb.download(&t, "/recruitment/talent/export.xlsx").await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn roster_and_ledger_download_from_the_team_and_org_pages() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (id, _) = apply(&t, application(&tr.team, 51)).await;
    admit(&t, &tr, &id).await.expect(200);
    let br = Browser::login(&t, "village_a", PASSWORD, "/recruitment").await;

    let team = br.get(&t, &format!("/teams/{}", tr.team)).await;
    let roster = format!("/teams/{}/roster.xlsx", tr.team);
    assert!(
        team.text.contains(&format!("href=\"{roster}\"")),
        "{}",
        team.text
    );
    assert!(team.text.contains("导出花名册"));
    let (s, disposition, bytes) = br.download(&t, &roster).await;
    assert_eq!(s, 200);
    assert!(utf8_file_name(&disposition).starts_with("花名册-白音昌村志愿服务队-"));
    let rows = sheet(&bytes);
    assert_eq!(rows[0].last().unwrap(), "职务");
    assert_eq!(rows[1][1], "李卫国");
    assert_eq!(rows[1][11], "NM001");

    let org = br.get(&t, &format!("/orgs/{}", tr.village)).await;
    let ledger = format!("/orgs/{}/ledger.xlsx", tr.village);
    assert!(
        org.text.contains(&format!("href=\"{ledger}\"")),
        "{}",
        org.text
    );
    assert!(org.text.contains("导出志愿者台账"));
    let (s, disposition, bytes) = br.download(&t, &ledger).await;
    assert_eq!(s, 200);
    assert!(utf8_file_name(&disposition).starts_with("志愿者台账-白音昌村-"));
    let rows = sheet(&bytes);
    assert_eq!(rows.len(), 2);
    assert!(rows[1][2].contains("****"));
    // Whole ID numbers stay refused for a village admin, as an error page.
    let (s, _, body) = br.download(&t, &format!("{ledger}?full_ids=true")).await;
    assert_eq!(s, 403);
    assert!(String::from_utf8_lossy(&body).contains("无权导出完整身份证号码"));
    // An org outside the admin's area is not found.
    let (s, _, _) = br
        .download(&t, &format!("/orgs/{}/ledger.xlsx", tr.county))
        .await;
    assert_eq!(s, 404);
    let audit = t.get("/api/v1/audit", &t.root).await.expect(200);
    assert!(audit.text.contains("team_roster") && audit.text.contains("org_ledger"));
}

#[tokio::test]
async fn spot_check_pages_draw_record_results_and_show_flags() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    for seq in 0..5 {
        t.volunteer(&t.root, "王建军", &tr.village, 60 + seq).await;
    }
    let br = Browser::login(&t, "county_a", PASSWORD, "/recruitment").await;
    let list = br.get(&t, "/recruitment/spot-checks").await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.text);
    assert!(list.text.contains("还没有抽查记录"));

    // Bad sizes are shown beside the field and draw nothing.
    for bad in ["", "0", "五", "501"] {
        let r = br
            .post(
                &t,
                "/recruitment/spot-checks",
                &[("org_id", &tr.county), ("size", bad)],
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "size {bad:?}: {}", r.text);
        assert!(field_error(&r, "size"), "size {bad:?}: {}", r.text);
    }
    let none = t
        .get("/api/v1/spot-checks", &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(none.body.as_array().map(Vec::len), Some(0), "{}", none.text);

    let r = br
        .post(
            &t,
            "/recruitment/spot-checks",
            &[("org_id", &tr.county), ("size", "3")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let at = location(&r);
    let check = at
        .strip_prefix("/recruitment/spot-checks/")
        .expect("the check's page")
        .to_owned();
    let page = br.get(&t, &at).await;
    assert_eq!(page.text.matches("class=\"spot-item\"").count(), 3);
    assert!(
        page.text.contains("href=\"tel:138"),
        "phones are shown whole"
    );
    let api = t
        .get(&format!("/api/v1/spot-checks/{check}"), &tr.county_admin)
        .await
        .expect(200);
    let vid = api.body["items"][0]["volunteer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post_to = format!("/recruitment/spot-checks/{check}/results/{vid}");

    // A missing result and an over-long note: errors beside the fields, nothing recorded.
    let r = br.post(&t, &post_to, &[("result", ""), ("note", "")]).await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "result"), "{}", r.text);
    let long = "很".repeat(501);
    let r = br
        .post(&t, &post_to, &[("result", "mismatch"), ("note", &long)])
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "note"), "{}", r.text);
    assert!(r.text.contains(&long), "the typed note is kept");
    let api = t
        .get(&format!("/api/v1/spot-checks/{check}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(api.body["checked"], 0);

    // Unreachable: recorded, flagged, listed as 待核实.
    let r = br
        .post(
            &t,
            &post_to,
            &[("result", "unreachable"), ("note", "电话停机")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert!(location(&r).contains(&format!("#v-{vid}")));
    let page = br.get(&t, &at).await;
    assert!(page.text.contains("id=\"flagged\""), "{}", page.text);
    assert!(page.text.contains("电话停机"));
    assert!(page
        .text
        .contains("<strong id=\"flagged-count\">1</strong>"));
    let list = br.get(&t, "/recruitment/spot-checks").await;
    assert!(list.text.contains("1 条待核实"), "{}", list.text);
    let talent = br.get(&t, "/recruitment/talent").await;
    assert!(talent.text.contains("待核实"));

    // A later successful check clears the flag.
    let r = br.post(&t, &post_to, &[("result", "verified")]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let page = br.get(&t, &at).await;
    assert!(!page.text.contains("id=\"flagged\""));
    assert!(page
        .text
        .contains("<strong id=\"flagged-count\">0</strong>"));

    // Another county's admin cannot see it; a post without the CSRF token is refused.
    let other = t.org(&t.root, "其他旗", "county", None).await;
    t.account(&t.root, "outsider", "admin", &other).await;
    let ob = Browser::login(&t, "outsider", PASSWORD, "/recruitment").await;
    assert_eq!(ob.get(&t, &at).await.status.as_u16(), 404);
    let forged = Browser {
        cookie: br.cookie.clone(),
        csrf: "forged".to_owned(),
    };
    let r = forged.post(&t, &post_to, &[("result", "mismatch")]).await;
    assert_eq!(r.status.as_u16(), 403);
    let api = t
        .get(&format!("/api/v1/spot-checks/{check}"), &tr.county_admin)
        .await
        .expect(200);
    assert_eq!(api.body["flagged"], 0);
}

#[tokio::test]
async fn volunteer_withdraws_from_me_after_confirming() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let vid = t.volunteer(&t.root, "赵得胜", &tr.village, 91).await;
    t.account(&t.root, "vol_w", "volunteer", &vid).await;
    let vb = Browser::login(&t, "vol_w", PASSWORD, "/me").await;
    let me = vb.get(&t, "/me").await;
    assert!(me.text.contains("href=\"/me/withdraw\""), "{}", me.text);
    let confirm = vb.get(&t, "/me/withdraw").await;
    assert_eq!(confirm.status.as_u16(), 200);
    assert!(confirm.text.contains("确认退出"));

    // Without a reason: the error beside it, still in service.
    let r = vb.post(&t, "/me/withdraw", &[("reason", " ")]).await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "reason"), "{}", r.text);
    let v = t.get(&format!("/api/v1/volunteers/{vid}"), &t.root).await;
    assert_eq!(v.body["status"], "active");

    let r = vb.post(&t, "/me/withdraw", &[("reason", "外出务工")]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(location(&r), "/me?done=withdrawn");
    let me = vb.get(&t, "/me?done=withdrawn").await;
    assert!(me.text.contains("已退出志愿服务"));
    assert!(!me.text.contains("href=\"/me/withdraw\""));
    // The record stays, with the change in its history.
    let h = t
        .get(&format!("/api/v1/volunteers/{vid}/status-history"), &t.root)
        .await
        .expect(200);
    assert!(h.text.contains("withdrawn") && h.text.contains("外出务工"));
    // Twice is a clear conflict, not a second change.
    let r = vb.post(&t, "/me/withdraw", &[("reason", "再次")]).await;
    assert_eq!(r.status.as_u16(), 409);
    // An admin has no own record to withdraw.
    let ab = Browser::login(&t, "root", ROOT_PASSWORD, "/recruitment").await;
    let r = ab.post(&t, "/me/withdraw", &[("reason", "试一试")]).await;
    assert_eq!(r.status.as_u16(), 403);
}

#[tokio::test]
async fn admin_suspends_and_reinstates_on_the_volunteer_page() {
    let t = spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let vid = t.volunteer(&t.root, "赵得胜", &tr.village, 92).await;
    let page = format!("/volunteers/{vid}");
    let br = Browser::login(&t, "township_a", PASSWORD, "/recruitment").await;
    let show = br.get(&t, &page).await;
    assert!(
        show.text.contains(&format!("action=\"{page}/suspend\"")),
        "{}",
        show.text
    );

    let r = br
        .post(&t, &format!("{page}/suspend"), &[("reason", "")])
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(field_error(&r, "reason"), "{}", r.text);
    // A stale version (someone edited meanwhile) is refused.
    let r = br
        .post(
            &t,
            &format!("{page}/suspend"),
            &[("reason", "联系不上"), ("version", "999")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 409);
    let v = t.get(&format!("/api/v1/volunteers/{vid}"), &t.root).await;
    assert_eq!(v.body["status"], "active");
    let version = v.body["version"].as_i64().unwrap().to_string();

    let r = br
        .post(
            &t,
            &format!("{page}/suspend"),
            &[("reason", "长期联系不上"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(location(&r), format!("{page}?status=suspended"));
    let show = br.get(&t, &location(&r)).await;
    assert!(show.text.contains("id=\"reinstate-button\""));
    assert!(show.text.contains("长期联系不上"));
    assert!(!show.text.contains("id=\"suspend-button\""));

    let r = br
        .post(
            &t,
            &format!("{page}/reinstate"),
            &[("reason", "已取得联系")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let v = t.get(&format!("/api/v1/volunteers/{vid}"), &t.root).await;
    assert_eq!(v.body["status"], "active");
    let show = br.get(&t, &page).await;
    assert_eq!(show.text.matches("class=\"status-change\"").count(), 2);

    // The volunteer may not suspend themself.
    t.account(&t.root, "vol_s", "volunteer", &vid).await;
    let vb = Browser::login(&t, "vol_s", PASSWORD, "/me").await;
    let r = vb
        .post(&t, &format!("{page}/suspend"), &[("reason", "不想干了")])
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let show = vb.get(&t, &page).await;
    assert!(!show.text.contains("id=\"status-form\""));
}
