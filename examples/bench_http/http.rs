//! A lean HTTP/1.1 keep-alive client and the figures every scenario reports: latency
//! percentiles, on-CPU time (server process from `/proc/<pid>/stat`, the client's own threads
//! from `/proc/self/task/*/schedstat`) and the load average, so runs on a busy machine can be
//! read apart from the machine's other work.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive connection: sends a request, reads exactly one response (Content-Length).
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// Status and body of one response.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends raw request bytes and reads one response.
    pub async fn raw(&mut self, req: &[u8]) -> std::io::Result<Answer> {
        self.stream.write_all(req).await?;
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + len {
                    let n = self.stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return Ok(Answer {
                    status,
                    body: self.buf[end + 4..end + 4 + len].to_vec(),
                });
            }
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// GET with a bearer token (API) or a session cookie (pages): `auth` is the whole header
    /// line without its CRLF, or empty.
    pub async fn get(&mut self, path: &str, auth: &str) -> std::io::Result<Answer> {
        self.raw(get_request(path, auth).as_bytes()).await
    }

    /// POST a JSON body.
    pub async fn post_json(
        &mut self,
        path: &str,
        auth: &str,
        body: &serde_json::Value,
    ) -> std::io::Result<Answer> {
        let body = body.to_string();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}Content-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            auth_line(auth),
            body.len()
        );
        self.raw(req.as_bytes()).await
    }
}

pub fn get_request(path: &str, auth: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n",
        auth_line(auth)
    )
}

fn auth_line(auth: &str) -> String {
    if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}\r\n")
    }
}

pub fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

pub fn cookie(token: &str) -> String {
    format!("Cookie: zy_session={token}")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Percentile of sorted durations, in milliseconds.
pub fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// "p50 … p90 … p99 … max …" of a latency sample (sorts it).
pub fn latency_line(lat: &mut [Duration]) -> String {
    lat.sort();
    format!(
        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(lat, 0.5),
        pct(lat, 0.9),
        pct(lat, 0.99),
        pct(lat, 1.0)
    )
}

/// The 1-minute load average.
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`.
pub fn process_cpu(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at field 3.
    let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| f.get(i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux this runs on; getconf would need libc.
    100.0
}

/// CPU seconds of every thread of this process (`/proc/self/task/*/schedstat`, ns).
pub fn own_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .sum::<f64>()
        / 1e9
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Wall time, server CPU, client CPU and load around a measured stretch.
pub struct Meter {
    start: Instant,
    server_pids: Vec<u32>,
    server_cpu: f64,
    client_cpu: f64,
    load_before: f64,
}

pub struct Metered {
    pub wall: f64,
    pub server_cpu: f64,
    pub client_cpu: f64,
    pub load_before: f64,
    pub load_after: f64,
}

impl Meter {
    pub fn start(server_pids: &[u32]) -> Meter {
        Meter {
            start: Instant::now(),
            server_pids: server_pids.to_vec(),
            server_cpu: server_pids.iter().map(|&p| process_cpu(p)).sum(),
            client_cpu: own_cpu(),
            load_before: loadavg(),
        }
    }

    pub fn stop(self) -> Metered {
        Metered {
            wall: self.start.elapsed().as_secs_f64(),
            server_cpu: self
                .server_pids
                .iter()
                .map(|&p| process_cpu(p))
                .sum::<f64>()
                - self.server_cpu,
            client_cpu: own_cpu() - self.client_cpu,
            load_before: self.load_before,
            load_after: loadavg(),
        }
    }
}

impl std::fmt::Display for Metered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wall {:.2} s, server on-CPU {:.2} s, client on-CPU {:.2} s, load {:.2} → {:.2}",
            self.wall, self.server_cpu, self.client_cpu, self.load_before, self.load_after
        )
    }
}
