//! HTTP benchmarks against the real binary (issue 7): each scenario execs
//! `target/release/zhiyuan serve` (or `ZHIYUAN_BIN`) on the database URL it is given, SQLite or
//! PostgreSQL, and reports wall time, the server's on-CPU time (`/proc/<pid>/stat`), the
//! client's own (`/proc/self/task/*/schedstat`) and the load average, because the benchmarks
//! run on a shared 2-core machine. `scripts/bench` runs them all.
//!
//! ```text
//! bench_http open    DB_URL [--demo] [--activities N] [--connections C] [--seconds S]
//! bench_http startup DB_URL [--runs R]
//! bench_http memory  DB_URL
//! bench_http search  DB_URL [--queries Q]
//! bench_http gen     DB_URL [--volunteers N]   (a province-sized database to measure on)
//! bench_http signup2 DB_URL [--volunteers N] [--connections C]   (a fresh database; two servers)
//! ```

mod generate;
mod http;
mod load;
mod open;
mod province;
mod server;
mod signup2;

fn usage() -> ! {
    eprintln!(
        "usage: bench_http (open|startup|memory|search|signup2|gen) DB_URL [options]\n\
         see the doc comment of examples/bench_http/main.rs"
    );
    std::process::exit(2)
}

/// The value after `--name`, parsed, or the default.
fn opt<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(db_url)) = (args.first(), args.get(1)) else {
        usage()
    };
    let db_url = db_url.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "bench_http {cmd} on {} (load average {:.2})",
        redact(&db_url),
        http::loadavg()
    );
    match cmd.as_str() {
        "open" => rt.block_on(open::run(open::OpenArgs {
            db_url,
            demo: args.iter().any(|a| a == "--demo"),
            target: opt(&args, "--activities", 40),
            connections: opt(&args, "--connections", 64),
            seconds: opt(&args, "--seconds", 10),
        })),
        "startup" => rt.block_on(province::startup(&db_url, opt(&args, "--runs", 5))),
        "memory" => rt.block_on(province::memory(&db_url)),
        "search" => rt.block_on(province::search(&db_url, opt(&args, "--queries", 40))),
        "gen" => rt.block_on(generate::run(
            &db_url,
            opt(&args, "--volunteers", 1_000_000),
        )),
        "signup2" => rt.block_on(signup2::run(
            &db_url,
            opt(&args, "--volunteers", 10_000),
            opt(&args, "--connections", 64),
        )),
        _ => usage(),
    }
}

/// A database URL without its password, for output.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}
