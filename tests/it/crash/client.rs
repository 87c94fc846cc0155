//! A fallible HTTP/1.1 exchange for tests that kill the server (or its database) on purpose.
//! `process::http` panics when the connection fails, which is right for ordinary tests; here a
//! refused or cut connection is an expected outcome ("not acknowledged") and every exchange
//! must end within a bound, so "no request hangs forever" is something the test can assert.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How one request ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A status line arrived (the body may be `Null` when it was cut or is not JSON).
    Status(u16, Value),
    /// Refused, reset or cut before a status line: the server may or may not have written.
    Cut,
    /// Nothing within the bound.
    TimedOut,
}

impl Answer {
    pub fn status(&self) -> Option<u16> {
        match self {
            Answer::Status(s, _) => Some(*s),
            _ => None,
        }
    }

    pub fn body(&self) -> &Value {
        match self {
            Answer::Status(_, b) => b,
            _ => &Value::Null,
        }
    }
}

/// One request on a fresh connection (`Connection: close`), bounded by `limit`.
pub async fn send(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    limit: Duration,
) -> Answer {
    match tokio::time::timeout(limit, exchange(port, method, path, token, body)).await {
        Ok(Ok(Some((status, body)))) => Answer::Status(status, body),
        Ok(Ok(None)) | Ok(Err(_)) => Answer::Cut,
        Err(_) => Answer::TimedOut,
    }
}

async fn exchange(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<Option<(u16, Value)>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    // A reset after the status line still counts as answered: the server answers only after
    // its commit, so whatever arrived is kept.
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    if !text.starts_with("HTTP/1.1 ") {
        return Ok(None);
    }
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok());
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok(status.map(|s| (s, serde_json::from_str(body).unwrap_or(Value::Null))))
}
