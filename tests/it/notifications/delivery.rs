//! Outside channels against real servers started in the test: the SMS webhook (a tiny axum
//! server) and email (a minimal SMTP listener speaking the protocol over TCP). A notice is sent
//! once per channel; a failure is retried with back-off and never re-sent once sent.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zhiyuan_app::notifications::channels::{Channels, DeliveryConfig, SmtpConfig, SmtpSecurity};

use super::{notice, user_id};
use crate::activities::world;
use crate::harness::TestApp;

/// What the fake SMS gateway received, and how many of the next calls it fails (and how).
#[derive(Default)]
struct Gateway {
    got: Vec<Value>,
    fail_next: usize,
    fail_status: u16,
}

async fn sms_gateway() -> (String, Arc<Mutex<Gateway>>) {
    let state = Arc::new(Mutex::new(Gateway::default()));
    let s = state.clone();
    let app = Router::new().route(
        "/sms",
        post(move |Json(body): Json<Value>| {
            let s = s.clone();
            async move {
                let mut g = s.lock().unwrap();
                if g.fail_next > 0 {
                    g.fail_next -= 1;
                    return StatusCode::from_u16(g.fail_status).unwrap();
                }
                g.got.push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/sms"), state)
}

fn now() -> i64 {
    zhiyuan_app::clock::now_ms()
}

fn sms_only(url: &str) -> Channels {
    Channels::new(&DeliveryConfig {
        smtp: None,
        sms_webhook_url: Some(url.to_owned()),
    })
    .unwrap()
}

async fn status_of(t: &TestApp, id: &str, channel: &str) -> Option<(String, i64)> {
    t.app
        .store()
        .deliveries_of(id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.channel == channel)
        .map(|d| (d.status, d.attempts))
}

#[tokio::test]
async fn sms_goes_to_the_webhook_once_and_email_is_not_attempted_unconfigured() {
    let w = world().await;
    let t = &w.t;
    let (url, gw) = sms_gateway().await;
    let v = t.volunteer(&t.root, "王志强", &w.county, 501).await;
    let tv = t.account(&t.root, "vol", "volunteer", &v).await;
    let uv = user_id(t, &tv).await;
    let root = user_id(t, &t.root).await;
    let at = now();
    let n1 = notice(&uv, "sms-1", at);
    // The super-administrator has no phone anywhere: skipped, nothing sent.
    let n2 = notice(&root, "sms-2", at);
    // Older than a day when the channel first sees it: never sent.
    let n3 = notice(&uv, "sms-old", at - 25 * 3600 * 1000);
    t.app
        .store()
        .insert_notifications(&[n1.clone(), n2.clone(), n3.clone()])
        .await
        .unwrap();

    let run = t.app.deliver_pending(&sms_only(&url), at).await.unwrap();
    assert_eq!((run.sent, run.skipped, run.retry, run.failed), (1, 1, 0, 0));
    {
        let g = gw.lock().unwrap();
        assert_eq!(g.got.len(), 1);
        // The volunteer record's phone (no contact row): 138 + the harness's sequence.
        assert_eq!(g.got[0]["phone"], "13800000501");
        let text = g.got[0]["text"].as_str().unwrap();
        assert!(
            text.contains("通知 sms-1") && text.contains("/me"),
            "{text}"
        );
    }
    assert_eq!(status_of(t, &n1.id, "sms").await, Some(("sent".into(), 1)));
    assert_eq!(
        status_of(t, &n2.id, "sms").await,
        Some(("skipped".into(), 0))
    );
    assert_eq!(status_of(t, &n3.id, "sms").await, None);
    // Email isn't configured: no email row for anything.
    assert_eq!(status_of(t, &n1.id, "email").await, None);

    // Later runs, from this process or a restarted one, send nothing again.
    for later in [at, at + 60_000, at + 3_600_000] {
        let run = t.app.deliver_pending(&sms_only(&url), later).await.unwrap();
        assert_eq!(run.sent + run.skipped + run.retry + run.failed, 0);
    }
    assert_eq!(gw.lock().unwrap().got.len(), 1);

    // A contact phone wins over the volunteer record's.
    t.call(
        axum::http::Method::PUT,
        "/api/v1/notifications/contact",
        Some(&tv),
        Some(json!({"phone": "13912345678"})),
    )
    .await
    .expect(200);
    t.app
        .store()
        .insert_notifications(&[notice(&uv, "sms-4", at + 1)])
        .await
        .unwrap();
    t.app
        .deliver_pending(&sms_only(&url), at + 2)
        .await
        .unwrap();
    assert_eq!(gw.lock().unwrap().got[1]["phone"], "13912345678");
}

#[tokio::test]
async fn a_failed_sms_is_retried_with_back_off_and_sent_once() {
    let w = world().await;
    let t = &w.t;
    let (url, gw) = sms_gateway().await;
    let v = t.volunteer(&t.root, "王志强", &w.county, 502).await;
    let tv = t.account(&t.root, "vol", "volunteer", &v).await;
    let uv = user_id(t, &tv).await;
    let at = now();
    let n = notice(&uv, "retry-1", at);
    t.app
        .store()
        .insert_notifications(std::slice::from_ref(&n))
        .await
        .unwrap();
    {
        let mut g = gw.lock().unwrap();
        g.fail_next = 2;
        g.fail_status = 503;
    }
    let ch = sms_only(&url);
    let run = t.app.deliver_pending(&ch, at).await.unwrap();
    assert_eq!(run.retry, 1);
    assert_eq!(status_of(t, &n.id, "sms").await, Some(("retry".into(), 1)));
    // Not due yet (1 minute back-off): no call.
    assert_eq!(
        t.app.deliver_pending(&ch, at + 30_000).await.unwrap().retry,
        0
    );
    // Due: fails again, now backs off 2 minutes.
    assert_eq!(
        t.app.deliver_pending(&ch, at + 61_000).await.unwrap().retry,
        1
    );
    assert_eq!(
        t.app.deliver_pending(&ch, at + 120_000).await.unwrap().sent,
        0
    );
    let run = t.app.deliver_pending(&ch, at + 182_000).await.unwrap();
    assert_eq!(run.sent, 1);
    assert_eq!(status_of(t, &n.id, "sms").await, Some(("sent".into(), 3)));
    for later in [at + 600_000, at + 86_400_000] {
        t.app.deliver_pending(&ch, later).await.unwrap();
    }
    assert_eq!(gw.lock().unwrap().got.len(), 1);

    // A gateway that refuses the request as such (4xx) is not hammered: failed at once.
    let n2 = notice(&uv, "refused", at);
    t.app
        .store()
        .insert_notifications(std::slice::from_ref(&n2))
        .await
        .unwrap();
    {
        let mut g = gw.lock().unwrap();
        g.fail_next = 1;
        g.fail_status = 400;
    }
    assert_eq!(
        t.app
            .deliver_pending(&ch, at + 200_000)
            .await
            .unwrap()
            .failed,
        1
    );
    t.app.deliver_pending(&ch, at + 900_000).await.unwrap();
    assert_eq!(
        status_of(t, &n2.id, "sms").await,
        Some(("failed".into(), 1))
    );
    assert_eq!(gw.lock().unwrap().got.len(), 1);
}

#[tokio::test]
async fn an_unreachable_gateway_is_given_up_after_five_attempts() {
    let w = world().await;
    let t = &w.t;
    let v = t.volunteer(&t.root, "王志强", &w.county, 503).await;
    let tv = t.account(&t.root, "vol", "volunteer", &v).await;
    let uv = user_id(t, &tv).await;
    // A port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let ch = sms_only(&format!("http://{dead}/sms"));
    let at = now();
    let n = notice(&uv, "dead", at);
    t.app
        .store()
        .insert_notifications(std::slice::from_ref(&n))
        .await
        .unwrap();
    let mut when = at;
    for attempt in 1..=5 {
        let run = t.app.deliver_pending(&ch, when).await.unwrap();
        assert_eq!(run.retry + run.failed, 1, "attempt {attempt}");
        when += 3_600_000;
    }
    assert_eq!(status_of(t, &n.id, "sms").await, Some(("failed".into(), 5)));
    assert_eq!(t.app.deliver_pending(&ch, when).await.unwrap().failed, 0);
}

/// What the fake SMTP server saw: the envelope recipients and each message's DATA.
#[derive(Default)]
struct Mailbox {
    rcpt: Vec<String>,
    data: Vec<String>,
}

/// A minimal SMTP server (RFC 5321's happy path): enough for a real client conversation.
/// `refuse` is a recipient it answers 550 to.
async fn smtp_server(refuse: &'static str) -> (u16, Arc<Mutex<Mailbox>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Mailbox::default()));
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let s = s.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        if line.contains(refuse) {
                            b"550 no such mailbox\r\n"
                        } else {
                            s.lock().unwrap().rcpt.push(line.clone());
                            b"250 OK\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        s.lock().unwrap().data.push(data);
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

/// Decodes the base64 or quoted-printable body lettre chose, enough to read the text back.
fn decoded_body(data: &str) -> String {
    let (head, body) = data.split_once("\n\n").unwrap_or((data, ""));
    if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in body.bytes() {
            let Some(v) = ABC.iter().position(|&a| a == c) else {
                continue;
            };
            bits = (bits << 6) | v as u32;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.to_owned()
    }
}

#[tokio::test]
async fn email_goes_through_a_real_smtp_conversation_once() {
    let w = world().await;
    let t = &w.t;
    let (port, seen) = smtp_server("nobody@example.cn").await;
    let ch = Channels::new(&DeliveryConfig {
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            user: None,
            password: None,
            from: "志愿服务 <noreply@example.cn>".into(),
            security: SmtpSecurity::None,
        }),
        sms_webhook_url: None,
    })
    .unwrap();
    assert!(ch.has_email() && !ch.has_sms());
    let root = user_id(t, &t.root).await;
    t.call(
        axum::http::Method::PUT,
        "/api/v1/notifications/contact",
        Some(&t.root),
        Some(json!({"email": "county@example.cn"})),
    )
    .await
    .expect(200);
    let other = t.account(&t.root, "other", "admin", &w.county).await;
    let uo = user_id(t, &other).await;
    t.call(
        axum::http::Method::PUT,
        "/api/v1/notifications/contact",
        Some(&other),
        Some(json!({"email": "nobody@example.cn"})),
    )
    .await
    .expect(200);
    let at = now();
    let n = notice(&root, "mail-1", at);
    let refused = notice(&uo, "mail-2", at);
    t.app
        .store()
        .insert_notifications(&[n.clone(), refused.clone()])
        .await
        .unwrap();
    let run = t.app.deliver_pending(&ch, at).await.unwrap();
    assert_eq!((run.sent, run.failed), (1, 1), "{run:?}");
    {
        let m = seen.lock().unwrap();
        assert_eq!(m.rcpt, ["RCPT TO:<county@example.cn>"]);
        assert_eq!(m.data.len(), 1);
        let data = &m.data[0];
        assert!(data.contains("From: "), "{data}");
        assert!(data.contains("To: county@example.cn") || data.contains("<county@example.cn>"));
        assert!(data.contains("Subject: "));
        let body = decoded_body(data);
        assert!(
            body.contains("【志愿服务】通知 mail-1") && body.contains("/me"),
            "{body}"
        );
    }
    assert_eq!(status_of(t, &n.id, "email").await, Some(("sent".into(), 1)));
    // 550 is permanent: failed, not retried.
    assert_eq!(
        status_of(t, &refused.id, "email").await,
        Some(("failed".into(), 1))
    );
    t.app.deliver_pending(&ch, at + 3_600_000).await.unwrap();
    assert_eq!(seen.lock().unwrap().data.len(), 1);
}
