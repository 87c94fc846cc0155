//! A browser's way of talking to the pages: log in through the form, keep the session
//! cookie, and post urlencoded forms with the page's CSRF token.

use axum::body::Body;
use axum::http::{header, Method, Request};

use crate::harness::{Resp, TestApp};

pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts the login form as a browser does, with no session yet.
pub async fn post_login(t: &TestApp, fields: &[(&str, &str)]) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(fields)))
        .unwrap();
    t.send(req).await
}

impl Browser {
    /// Logs in through the form; the CSRF token is read from `page` (every logged-in page
    /// carries it in the `hx-headers` of its body).
    pub async fn login(t: &TestApp, user: &str, password: &str, page: &str) -> Browser {
        let r = post_login(t, &[("username", user), ("password", password)]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text);
        let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        let mut b = Browser {
            cookie: set.split(';').next().unwrap().to_owned(),
            csrf: String::new(),
        };
        let home = b.get(t, page).await;
        let marker = "\"X-CSRF-Token\": \"";
        let at = home.text.find(marker).expect("a page with the CSRF token") + marker.len();
        b.csrf = home.text[at..].split('"').next().unwrap().to_owned();
        b
    }

    pub async fn get(&self, t: &TestApp, path: &str) -> Resp {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap();
        t.send(req).await
    }

    pub async fn post(&self, t: &TestApp, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&all)))
            .unwrap();
        t.send(req).await
    }

    /// A download: status, Content-Disposition and the raw bytes.
    pub async fn download(&self, t: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(t.router.clone(), req)
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let disposition = resp
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        (status, disposition, bytes.to_vec())
    }
}

/// Where a 303 sends the browser.
pub fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}
