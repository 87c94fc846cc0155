//! Closed-loop load: N keep-alive connections each send the same request again as soon as the
//! answer is in, for a fixed time, from one client thread (single-threaded runtime) so the client
//! takes as little of the two cores as it can.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::{latency_line, Client, Meter, Metered};

pub struct LoadResult {
    pub answers: usize,
    pub errors: Vec<String>,
    pub failed: usize,
    pub latencies: Vec<Duration>,
    pub meter: Metered,
}

impl LoadResult {
    pub fn rate(&self) -> f64 {
        self.answers as f64 / self.meter.wall
    }

    pub fn print(&mut self, what: &str, connections: usize) {
        println!(
            "  {what}: {} answers in {:.1} s over {connections} connections = {:.0} req/s",
            self.answers,
            self.meter.wall,
            self.rate()
        );
        println!("    latency {}", latency_line(&mut self.latencies));
        println!(
            "    {}; server on-CPU per request {:.3} ms",
            self.meter,
            self.meter.server_cpu * 1000.0 / self.answers.max(1) as f64
        );
        println!(
            "    unexpected answers: {}{}",
            self.failed,
            self.errors
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
    }
}

/// `expect` must occur in every 200 body (a marker that the page really rendered its data).
pub fn run(
    addr: SocketAddr,
    request: String,
    expect: String,
    connections: usize,
    warm: Duration,
    measure: Duration,
    server_pids: &[u32],
) -> LoadResult {
    let pids = server_pids.to_vec();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime")
            .block_on(async move {
                let request = Arc::new(request.into_bytes());
                let expect = Arc::new(expect);
                let mut clients = Vec::new();
                for _ in 0..connections {
                    clients.push(Client::connect(addr).await.expect("connect"));
                }
                // Warm-up: the same traffic, not counted.
                let clients = phase(clients, &request, &expect, warm).await.0;
                let meter = Meter::start(&pids);
                let (_, mut tallies) = phase(clients, &request, &expect, measure).await;
                let meter = meter.stop();
                let mut out = LoadResult {
                    answers: 0,
                    errors: Vec::new(),
                    failed: 0,
                    latencies: Vec::new(),
                    meter,
                };
                for t in tallies.iter_mut() {
                    out.answers += t.0.len();
                    out.latencies.append(&mut t.0);
                    out.errors.append(&mut t.1);
                    out.failed += t.2;
                }
                out
            })
    })
    .join()
    .expect("client thread")
}

/// Latencies, the first few unexpected answers, and how many there were.
type Tally = (Vec<Duration>, Vec<String>, usize);

async fn phase(
    clients: Vec<Client>,
    request: &Arc<Vec<u8>>,
    expect: &Arc<String>,
    length: Duration,
) -> (Vec<Client>, Vec<Tally>) {
    let deadline = Instant::now() + length;
    let mut tasks = Vec::new();
    for mut c in clients {
        let (request, expect) = (request.clone(), expect.clone());
        tasks.push(tokio::spawn(async move {
            let mut t: Tally = (Vec::new(), Vec::new(), 0);
            while Instant::now() < deadline {
                let sent = Instant::now();
                match c.raw(&request).await {
                    Ok(a) => {
                        t.0.push(sent.elapsed());
                        let ok = a.status == 200
                            && (expect.is_empty() || memchr_find(&a.body, expect.as_bytes()));
                        if !ok {
                            t.2 += 1;
                        }
                        if !ok && t.1.len() < 3 {
                            t.1.push(format!(
                                "{} {}",
                                a.status,
                                a.text().chars().take(200).collect::<String>()
                            ));
                        }
                    }
                    Err(e) => panic!("connection failed: {e}"),
                }
            }
            (c, t)
        }));
    }
    let mut clients = Vec::new();
    let mut tallies = Vec::new();
    for task in tasks {
        let (c, t) = task.await.expect("client task");
        clients.push(c);
        tallies.push(t);
    }
    (clients, tallies)
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
