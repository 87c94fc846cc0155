//! The certificate PDF (`pdf_url`): read back, it shows the volunteer's name, the hours and
//! the certificate number; nobody outside the volunteer's scope gets it; forged codes fail.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use super::{at, world};

const H: i64 = 3600;

/// GET with a bearer token, answering the status, content type and raw bytes.
async fn get_bytes(
    t: &crate::harness::TestApp,
    path: &str,
    token: &str,
) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::HOST, "zhiyuan.test")
        .body(Body::empty())
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, ct, bytes)
}

fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn the_certificate_pdf_reads_back_with_name_hours_and_number() {
    let w = world().await;
    let t = &w.t;
    let a = t
        .post("/api/v1/activities", &t.root, json!({"title": "敬老院义诊", "team_id": w.team, "starts_at": at(-6 * H), "ends_at": at(-H), "capacity": 5, "backfill_reason": "补录"}))
        .await
        .expect(201);
    let v = t.volunteer(&t.root, "白云飞", &w.county, 41).await;
    t.post(
        &format!("/api/v1/activities/{}/attendance", a.id()),
        &t.root,
        json!({"volunteer_id": v, "checked_in_at": at(-5 * H), "checked_out_at": at(-5 * H / 2)}),
    )
    .await
    .expect(201);
    let c = t
        .post(
            &format!("/api/v1/volunteers/{v}/certificates"),
            &t.root,
            json!({}),
        )
        .await
        .expect(201);
    let pdf_url = c.body["pdf_url"].as_str().unwrap().to_owned();
    let number = c.body["certificate_no"].as_str().unwrap().to_owned();
    let code = c.body["code"].as_str().unwrap().to_owned();

    let (status, ct, pdf) = get_bytes(t, &pdf_url, &t.root).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ct, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.len() < 1024 * 1024,
        "the font is subset: {} bytes",
        pdf.len()
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("白云飞"), "name in {text}");
    assert!(text.contains("2.5"), "hours in {text}");
    assert!(text.contains(&number), "number {number} in {text}");
    assert!(text.contains("敬老院义诊"), "the service in {text}");

    // Someone outside the volunteer's scope: 404, no PDF.
    let other = t.org(&t.root, "库伦旗", "county", None).await;
    let outsider = t.account(&t.root, "kulun", "admin", &other).await;
    let (status, ct, _) = get_bytes(t, &pdf_url, &outsider).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(ct, "application/pdf");

    // An altered code fails before anything is looked up.
    let mut forged = code.clone();
    let last = if forged.ends_with('0') { "1" } else { "0" };
    forged.replace_range(39.., last);
    let (status, _, body) =
        get_bytes(t, &format!("/api/v1/certificates/{forged}/pdf"), &t.root).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("certificate_invalid"));
}
