//! Certificates per second, for BENCHMARKS.md:
//! `cargo run --release -p zhiyuan-certificate --example bench [seconds-per-case]`.
//!
//! Renders a typical one-page certificate (8 service lines) and a long one (200 lines), on one
//! thread and then on every core; also times the inline SVG QR code used by check-in pages.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhiyuan_certificate::{qr_png, qr_svg, render_pdf, CertificateData};

fn data(lines: usize) -> CertificateData {
    CertificateData {
        title: "志愿服务证明".into(),
        volunteer_name: "张建国".into(),
        id_type: "居民身份证".into(),
        id_number_masked: "1505**********123X".into(),
        volunteer_no: "NM150502-000123".into(),
        period: "2026年1月1日至2026年11月23日".into(),
        total_hours: "36.5".into(),
        content_lines: (1..=lines)
            .map(|i| {
                format!(
                    "第{i}次 牵手夕阳·探望空巢老人，2026年{}月{}日，2.5小时",
                    i % 12 + 1,
                    i % 28 + 1
                )
            })
            .collect(),
        issuer: "科尔沁区退役军人服务中心志愿服务队".into(),
        person_in_charge: "李卫东".into(),
        handler: "王晓梅".into(),
        contact: "0475-8212345".into(),
        certificate_no: "ZYZM-2026-150502-000042".into(),
        issue_date: "2026年11月23日".into(),
        notes: "时长为实际服务时间，不含往返路程。".into(),
        verify_url: "https://zhiyuan.example.cn/verify/Q2VydC0wMDA0Mi5zaWduYXR1cmU".into(),
    }
}

/// Runs `f` repeatedly on `threads` threads for `budget`; returns (calls per second, calls).
fn rate(threads: usize, budget: Duration, f: impl Fn() + Sync) -> (f64, usize) {
    let start = Instant::now();
    let total: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0;
                    while start.elapsed() < budget {
                        f();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    (total as f64 / start.elapsed().as_secs_f64(), total)
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`): unlike wall time, it does
/// not grow when other processes share the two cores.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// On-CPU milliseconds per call of `f`, over `n` calls on this thread.
fn cpu_ms_per_call(n: usize, f: impl Fn()) -> Option<f64> {
    let before = thread_cpu_ns()?;
    for _ in 0..n {
        f();
    }
    Some((thread_cpu_ns()? - before) as f64 / 1e6 / n as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let budget = Duration::from_secs_f64(secs);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let first = Instant::now();
    let typical = data(8);
    let pdf = render_pdf(&typical)?;
    println!(
        "first render (font parse included): {:.1} ms",
        first.elapsed().as_secs_f64() * 1e3
    );
    let long = data(200);
    let long_pdf = render_pdf(&long)?;
    println!(
        "typical: {} bytes; 200 lines: {} bytes",
        pdf.len(),
        long_pdf.len()
    );

    for (name, d) in [
        ("typical (8 lines, 1 page)", &typical),
        ("long (200 lines)", &long),
    ] {
        for threads in [1, cores] {
            let (r, n) = rate(threads, budget, || {
                black_box(render_pdf(black_box(d)).ok());
            });
            println!("{name}, {threads} thread(s): {r:.1} certificates/s ({n} in {secs} s)");
        }
        if let Some(ms) = cpu_ms_per_call(100, || {
            black_box(render_pdf(black_box(d)).ok());
        }) {
            println!(
                "{name}: {ms:.2} ms on-CPU per certificate (= {:.0}/s per free core)",
                1e3 / ms
            );
        }
    }
    let url = "https://zhiyuan.example.cn/checkin/act-0193a1b2?t=1732350000&s=3q2-7w_Xk9aA";
    let (r, _) = rate(1, budget / 2, || {
        black_box(qr_svg(black_box(url), 240).ok());
    });
    println!("qr_svg 240 px, 1 thread: {r:.0}/s");
    let (r, _) = rate(1, budget / 2, || {
        black_box(qr_png(black_box(url), 240).ok());
    });
    println!("qr_png 240 px, 1 thread: {r:.0}/s");
    if let Some(ms) = cpu_ms_per_call(500, || {
        black_box(qr_svg(black_box(url), 240).ok());
    }) {
        println!("qr_svg: {ms:.2} ms on-CPU per code");
    }
    Ok(())
}
