//! The emergency pages as a browser posts them: the board renders its parts, a volunteer's
//! phone page answers with one tap.

use axum::body::Body;
use axum::http::{header, Request};
use serde_json::json;

use super::world;

async fn page(w: &super::World, path: &str, cookie: &str) -> (u16, String) {
    let r =
        w.t.send(
            Request::get(path)
                .header(header::COOKIE, format!("zy_session={cookie}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    (r.status.as_u16(), r.text)
}

async fn post_form(
    w: &super::World,
    path: &str,
    cookie: &str,
    form: &str,
) -> (u16, String, String) {
    let r =
        w.t.send(
            Request::post(path)
                .header(header::COOKIE, format!("zy_session={cookie}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_owned()))
                .unwrap(),
        )
        .await;
    let loc = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (r.status.as_u16(), r.text, loc)
}

async fn csrf(w: &super::World, token: &str) -> String {
    w.t.app.authenticate(token).await.unwrap().csrf_token
}

#[tokio::test]
async fn the_board_and_the_phone_page_work_as_forms() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let at = w.login_as("jia", &a).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    let (s, html) = page(&w, &format!("/incidents/{id}/board"), &w.admin).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("id=\"board-live\"") && html.contains("<svg"),
        "live part and plot"
    );
    assert!(
        html.contains("甲") && html.contains("candidate-row"),
        "candidates listed"
    );
    let token = csrf(&w, &w.admin).await;
    let (s, _, loc) = post_form(
        &w,
        &format!("/incidents/{id}/callups"),
        &w.admin,
        &format!("_csrf={token}&best=1"),
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, format!("/incidents/{id}/board?done=called").as_str())
    );
    // A bad form answers with the board and the message, and the error's status.
    let (s, html, _) = post_form(
        &w,
        &format!("/incidents/{id}/callups"),
        &w.admin,
        &format!("_csrf={token}&volunteer_id={a}"),
    )
    .await;
    assert_eq!(s, 409);
    assert!(html.contains("已被召集过"));
    let (s, _, _) = post_form(
        &w,
        &format!("/incidents/{id}/callups"),
        &w.admin,
        "_csrf=wrong&best=1",
    )
    .await;
    assert_eq!(s, 403, "CSRF is checked");
    // The volunteer's phone page: one tap to accept.
    let mine = w.t.get("/api/v1/callups", &at).await.expect(200);
    let cid = mine.body["items"][0]["id"].as_str().unwrap().to_owned();
    let (s, html) = page(&w, &format!("/callups/{cid}"), &at).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"accept\"") && html.contains("id=\"decline\""));
    assert!(
        html.contains("不会影响"),
        "declining costs nothing, and the page says so"
    );
    let vt = csrf(&w, &at).await;
    let (s, _, loc) = post_form(
        &w,
        &format!("/callups/{cid}/answer"),
        &at,
        &format!("_csrf={vt}&answer=accept"),
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, format!("/callups/{cid}?done=accepted").as_str())
    );
    let (_, live) = page(&w, &format!("/incidents/{id}/board/live"), &w.admin).await;
    assert!(live.contains("id=\"count-accepted\">1<"), "{live}");
    // Someone else's call-up page is unknown to a volunteer.
    let b2 = w.person("丙", &w.township, 3.0, &["应急救援"]).await;
    let bt = w.login_as("bing", &b2).await;
    let (s, _) = page(&w, &format!("/callups/{cid}"), &bt).await;
    assert_eq!(s, 404);
    // The list page and the muster download.
    let (s, html) = page(&w, "/incidents", &w.admin).await;
    assert_eq!(s, 200);
    assert!(html.contains("暴雨内涝抢险"));
    let (s, _) = page(&w, &format!("/incidents/{id}/muster.xlsx"), &w.admin).await;
    assert_eq!(s, 200);
}
