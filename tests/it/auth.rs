use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::json;

use crate::harness::{spawn, ROOT_PASSWORD};

#[tokio::test]
async fn login_gives_a_token_and_a_cookie() {
    let t = spawn().await;
    let r = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "root", "password": ROOT_PASSWORD})),
        )
        .await
        .expect(200);
    assert_eq!(r.body["user"]["username"], "root");
    assert!(r.body["user"].get("password_hash").is_none());
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me = t
        .get("/api/v1/auth/me", r.body["token"].as_str().unwrap())
        .await
        .expect(200);
    assert_eq!(me.body["is_super"], true);
}

#[tokio::test]
async fn bad_credentials_and_missing_tokens_are_refused() {
    let t = spawn().await;
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "root", "password": "wrong-one"})),
    )
    .await
    .expect_error(401, "bad_credentials", None);
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "nobody", "password": "wrong-one"})),
    )
    .await
    .expect_error(401, "bad_credentials", None);
    t.call(Method::GET, "/api/v1/orgs", None, None)
        .await
        .expect_error(401, "unauthorized", None);
    t.get("/api/v1/orgs", "not-a-token")
        .await
        .expect_error(401, "unauthorized", None);
}

#[tokio::test]
async fn logins_are_throttled_per_account() {
    let t = spawn().await;
    for _ in 0..5 {
        t.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "root", "password": "guess-guess"})),
        )
        .await
        .expect(401);
    }
    // Even the right password waits now.
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "root", "password": ROOT_PASSWORD})),
    )
    .await
    .expect_error(429, "too_many_attempts", None);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = spawn().await;
    let token = t.login("root", ROOT_PASSWORD).await;
    t.post("/api/v1/auth/logout", &token, json!({}))
        .await
        .expect(204);
    t.get("/api/v1/auth/me", &token).await.expect(401);
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    let t = spawn().await;
    let r = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "root", "password": ROOT_PASSWORD})),
        )
        .await
        .expect(200);
    let token = r.body["token"].as_str().unwrap().to_owned();
    let cookie = format!("zy_session={token}");
    let body = json!({"name": "奈曼旗", "level": "county"}).to_string();
    let without = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/orgs")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    t.send(without).await.expect_error(403, "csrf_failed", None);
    // Reading with the cookie needs no token.
    let read = Request::builder()
        .uri("/api/v1/orgs")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        t.send(read).await.body["total"],
        0,
        "nothing was written without the token"
    );
    // The page's token (from the session) lets it through.
    let actor = t.app.authenticate(&token).await.unwrap();
    let with = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/orgs")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", actor.csrf_token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    t.send(with).await.expect(201);
}

#[tokio::test]
async fn malformed_and_oversize_bodies_get_the_error_shape() {
    let t = spawn().await;
    let bad = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/orgs")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.root))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    t.send(bad).await.expect_error(400, "malformed_json", None);
    t.post("/api/v1/orgs", &t.root, json!({"level": "county"}))
        .await
        .expect_error(400, "invalid_field", Some("name"));
    t.post(
        "/api/v1/orgs",
        &t.root,
        json!({"name": 5, "level": "county"}),
    )
    .await
    .expect_error(400, "invalid_field", None);
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024), "level": "county"});
    let r = t.post("/api/v1/orgs", &t.root, huge).await;
    assert_eq!(r.status.as_u16(), 413, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "body_too_large");
    t.get("/api/v1/no-such-thing", &t.root)
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(
        t.get("/api/v1/orgs", &t.root).await.body["total"],
        0,
        "nothing written"
    );
}

#[tokio::test]
async fn openapi_describes_the_endpoints() {
    let t = spawn().await;
    let r = t
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(200);
    let paths = r.body["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/orgs/{id}/children",
        "/api/v1/teams",
        "/api/v1/teams/{id}",
        "/api/v1/teams/{id}/members",
        "/api/v1/volunteers",
        "/api/v1/volunteers/{id}",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(r.body["components"]["schemas"]["VolunteerView"].is_object());
}

#[tokio::test]
async fn health_answers() {
    let t = spawn().await;
    let r = t.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status.as_u16(), 200);
}
