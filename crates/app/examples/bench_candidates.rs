//! Candidate search at a million volunteers: builds the in-memory index straight from
//! generated data (no database) and times searches like the API's.
//!
//! ```sh
//! cargo run --release -p zhiyuan-app --example bench_candidates [VOLUNTEERS] [QUERIES]
//! ```
//!
//! The data: a province of 12 cities, 96 counties, 960 townships and 19,200 villages laid
//! over Inner Mongolia; volunteers live around their village (a third exactly at its
//! centre, so there are many exact ties), each with 0–4 skill tags drawn from 40 with
//! skewed frequencies. Searches: an incident in a random county, commanded by that county
//! (the usual case) or by the province, with no skill, the most common skill, two skills, or
//! a rare one, leaving out 2,000 "committed" volunteers; limit 20 or 100. A sample of the
//! answers is checked against the brute-force computation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use zhiyuan_app::emergency::index::{IndexedVolunteer, Search, SpatialIndex};
use zhiyuan_domain::GeoPoint;

/// Counts live heap bytes, to tell the index's own size from what the allocator keeps.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most live heap seen (reset before the build), for the build's transient peak.
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_mib() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

/// A small deterministic generator (xorshift64*), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SKILLS: usize = 40;

fn skill_name(i: usize) -> String {
    format!("技能{i:02}")
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct Village {
    path: String,
    county: String,
    lat: f64,
    lon: f64,
}

fn villages() -> Vec<Village> {
    let mut out = Vec::new();
    for city in 0..12 {
        for county in 0..8 {
            // Counties on a grid over 38–50 N, 100–124 E; townships and villages around them.
            let (clat, clon) = (
                38.5 + (city / 4) as f64 * 4.0 + (county / 4) as f64 * 1.8,
                100.5 + (city % 4) as f64 * 6.0 + (county % 4) as f64 * 1.4,
            );
            let county_path = format!("/p/c{city}/k{county}/");
            for town in 0..10 {
                for v in 0..20 {
                    out.push(Village {
                        path: format!("{county_path}t{town}/v{v}/"),
                        county: county_path.clone(),
                        lat: clat + (town / 5) as f64 * 0.35 + (v / 5) as f64 * 0.07,
                        lon: clon + (town % 5) as f64 * 0.25 + (v % 5) as f64 * 0.05,
                    });
                }
            }
        }
    }
    out
}

fn people(n: usize, vs: &[Village], rng: &mut Rng) -> Vec<IndexedVolunteer> {
    (0..n)
        .map(|i| {
            let v = &vs[i % vs.len()];
            let (lat, lon) = if i % 3 == 0 {
                (v.lat, v.lon)
            } else {
                (
                    v.lat + (rng.unit() - 0.5) * 0.02,
                    v.lon + (rng.unit() - 0.5) * 0.03,
                )
            };
            // Skewed: skill k held with probability about 0.6 / (k + 1).
            let skills = (0..SKILLS)
                .filter(|k| rng.unit() < 0.6 / (*k as f64 + 1.0))
                .take(4)
                .map(skill_name)
                .collect();
            IndexedVolunteer {
                id: format!(
                    "{:032x}",
                    0x0190_0000_0000_0000_0000_0000_0000_0000u128 + i as u128
                ),
                org_path: v.path.clone(),
                home: GeoPoint { lat, lon },
                skills,
                version: 1,
            }
        })
        .collect()
}

/// This thread's CPU time in ms (`CLOCK_THREAD_CPUTIME_ID`): what a search costs on a core of
/// its own, whatever else the machine runs meanwhile.
fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let queries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let mut rng = Rng(0x5eed_2026);
    let vs = villages();
    let rss0 = rss_mib();
    let live0 = live_mib();
    let data = people(n, &vs, &mut rng);
    let input = live_mib() - live0;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let started = Instant::now();
    // As the server loads it: record by record (the input is dropped as it goes), then packed.
    let mut ix = SpatialIndex::default();
    for v in data {
        ix.push(&v);
    }
    ix.finish_load();
    let build = started.elapsed();
    let rss1 = rss_mib();
    let live = live_mib() - live0;
    let peak = PEAK.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0) - live0;
    println!(
        "index of {} volunteers built in {:.2} s; heap held by the index {:.0} MiB ({:.0} bytes a volunteer; its own count {:.0} MiB); \
         heap peak during the build {:.0} MiB with the {:.0} MiB input; resident memory +{:.0} MiB",
        ix.len(),
        build.as_secs_f64(),
        live,
        live * 1024.0 * 1024.0 / ix.len().max(1) as f64,
        ix.heap_bytes() as f64 / (1024.0 * 1024.0),
        peak,
        input,
        rss1 - rss0,
    );
    let committed: HashSet<String> = (0..2_000)
        .map(|_| {
            format!(
                "{:032x}",
                0x0190_0000_0000_0000_0000_0000_0000_0000u128 + rng.below(n as u64) as u128
            )
        })
        .collect();
    let kinds: [(&str, Vec<String>); 4] = [
        ("no skill", vec![]),
        ("common skill", vec![skill_name(0)]),
        ("two skills", vec![skill_name(0), skill_name(1)]),
        ("rare skill", vec![skill_name(SKILLS - 1)]),
    ];
    println!(
        "| scope | skills | limit | p50 ms | p90 ms | p99 ms | max ms | on-CPU p50 | on-CPU p99 | found (avg) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut checked = 0;
    for scope in ["county", "province"] {
        for (label, skills) in &kinds {
            for limit in [20usize, 100] {
                let mut times = Vec::with_capacity(queries);
                let mut cpu = Vec::with_capacity(queries);
                let mut found = 0usize;
                for q in 0..queries {
                    let v = &vs[rng.below(vs.len() as u64) as usize];
                    let at = GeoPoint {
                        lat: v.lat + (rng.unit() - 0.5) * 0.2,
                        lon: v.lon + (rng.unit() - 0.5) * 0.2,
                    };
                    let scope_path = if scope == "county" {
                        v.county.as_str()
                    } else {
                        "/p/"
                    };
                    let s = Search {
                        at,
                        scope_path,
                        skills,
                        exclude: &committed,
                        limit,
                    };
                    let c = thread_cpu_ms();
                    let t = Instant::now();
                    let hits = ix.search(&s);
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    cpu.push(thread_cpu_ms() - c);

                    found += hits.len().min(limit);
                    if q < 3 {
                        assert_eq!(hits, ix.brute_force(&s), "index and brute force disagree");
                        checked += 1;
                    }
                }
                times.sort_by(f64::total_cmp);
                cpu.sort_by(f64::total_cmp);
                println!(
                    "| {scope} | {label} | {limit} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} |",
                    percentile(&times, 0.5),
                    percentile(&times, 0.9),
                    percentile(&times, 0.99),
                    times.last().copied().unwrap_or(0.0),
                    percentile(&cpu, 0.5),
                    percentile(&cpu, 0.99),
                    found as f64 / queries as f64
                );
            }
        }
    }
    println!("{checked} answers checked against brute force: all equal");
    moves(&mut ix, n, &vs, &mut rng, &committed);
}

/// Incremental upkeep: 100,000 volunteers move (upserts into the recent tree), searches on the
/// mixed index, then the rebuild that folds them back into the packed tree.
fn moves(
    ix: &mut SpatialIndex,
    n: usize,
    vs: &[Village],
    rng: &mut Rng,
    committed: &HashSet<String>,
) {
    let moved = 100_000.min(n);
    let mut movers = people(moved, vs, rng);
    for (k, v) in movers.iter_mut().enumerate() {
        let i = rng.below(n as u64) as u128;
        v.id = format!("{:032x}", 0x0190_0000_0000_0000_0000_0000_0000_0000u128 + i);
        v.version = 2 + k as i64;
    }
    let t = Instant::now();
    for v in &movers {
        ix.upsert(v);
    }
    let upserts = t.elapsed();
    let mut times = Vec::new();
    let skills = vec![skill_name(SKILLS - 1)];
    for q in 0..200 {
        let v = &vs[rng.below(vs.len() as u64) as usize];
        let s = Search {
            at: GeoPoint {
                lat: v.lat,
                lon: v.lon,
            },
            scope_path: if q % 2 == 0 { v.county.as_str() } else { "/p/" },
            skills: if q % 4 < 2 { &[] } else { &skills },
            exclude: committed,
            limit: 100,
        };
        let t = Instant::now();
        let hits = ix.search(&s);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        if q < 8 {
            assert_eq!(
                hits,
                ix.brute_force(&s),
                "after moves: index and brute force disagree"
            );
        }
    }
    times.sort_by(f64::total_cmp);
    let t = Instant::now();
    let rebuilt = ix.tidy();
    println!(
        "{moved} moves applied in {:.2} s ({:.1} µs each); searches meanwhile (limit 100, mixed): p50 {:.3} ms, p99 {:.3} ms; \
         rebuild (tidy: {rebuilt}) {:.2} s; heap held {:.0} MiB",
        upserts.as_secs_f64(),
        upserts.as_secs_f64() * 1e6 / moved as f64,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        t.elapsed().as_secs_f64(),
        live_mib(),
    );
}
