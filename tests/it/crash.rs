//! Crash safety (issue 7, part 3): the real binary under a burst of sign-ups and attendance
//! records from many clients, killed with SIGKILL in the middle, restarted on the same
//! database, round after round; and, on PostgreSQL, the database itself stopped as by a crash
//! under load. After each: every acknowledged (2xx) write is there, every refused one is not,
//! and the invariants in `crash/invariants.rs` hold (nothing half-written, no capacity
//! exceeded).

mod client;
pub mod invariants;
pub mod load;
mod pg_server;

use std::time::{Duration, Instant};

use load::{create_activities, now_ms, start_burst, Activity, Job, Ledger, Outcome, Site, Tail};

use crate::harness::database_url;
use crate::process::{create_root, free_port, start};

/// Activities of each round: (capacity, waitlist). Small, so 40 volunteers overfill them.
const SHAPES: &[(i64, bool)] = &[(6, true), (4, true), (5, false)];
const VOLUNTEERS: u32 = 40;
const CLIENTS: usize = 24;
/// Sign-up closes when an activity starts; the burst ends well before.
const LEAD: Duration = Duration::from_secs(5);

/// Every volunteer signs up for each of this round's activities; the officer enters two
/// check-in/check-out cycles for each confirmed volunteer of the last round's (started) ones.
async fn round_jobs(
    port: u16,
    site: &Site,
    ledger: &Ledger,
    current: &[Activity],
    previous: &[Activity],
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for a in current {
        for v in &site.volunteers {
            jobs.push(Job::Signup {
                activity: a.id.clone(),
                volunteer: v.clone(),
            });
        }
    }
    for a in previous {
        for v in ledger.confirmed_of(port, site, &a.id).await {
            for (from, to) in [(100, 400), (500, 900)] {
                jobs.push(Job::Attend {
                    activity: a.id.clone(),
                    volunteer: v.clone(),
                    checked_in_at: a.starts_at + from,
                    checked_out_at: a.starts_at + to,
                });
            }
        }
    }
    jobs
}

/// Waits until the previous round's activities have started and their cycles lie in the past.
async fn wait_for_start(previous: &[Activity]) {
    if let Some(a) = previous.first() {
        let wait = a.starts_at + 1_000 - now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
}

/// What was answered never exceeds an activity's places, nor waits where no waitlist is kept.
fn check_answers_fit(ledger: &Ledger, current: &[Activity]) {
    for a in current {
        let answered = |status: &str| {
            ledger
                .signups
                .iter()
                .filter(|((id, _), (s, _))| *id == a.id && s == status)
                .count() as i64
        };
        assert!(answered("confirmed") <= a.capacity, "{a:?} overbooked");
        assert!(
            a.waitlist || answered("waitlisted") == 0,
            "{a:?} waitlisted"
        );
    }
}

fn unanswered(outcomes: &[Outcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| o.answer == client::Answer::Cut)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_mid_burst_round_after_round() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    create_root(&db).await;
    let mut port = free_port();
    let mut server = start(&db, port).await;
    let site = load::build_site(port, VOLUNTEERS).await;
    let mut ledger = Ledger::default();
    let mut previous = Vec::new();
    for round in 0..4u64 {
        wait_for_start(&previous).await;
        let current = create_activities(port, &site, LEAD, SHAPES).await;
        let jobs = round_jobs(port, &site, &ledger, &current, &previous).await;
        // Strike at 30 %, 45 %, 60 %, 75 % of the answers: mid-burst, many requests in flight.
        let kill_at = jobs.len() * (30 + 15 * round as usize) / 100;
        // The last tenth of the burst is held until the kill: there are always requests
        // after it, however fast this machine answers the rest.
        let (killed, gate) = tokio::sync::watch::channel(false);
        let held = jobs.len() / 10;
        let (progress, burst) = start_burst(
            port,
            &site,
            jobs,
            CLIENTS,
            round + 1,
            Some(Tail { held, gate }),
        );
        progress.answered_at_least(kill_at).await;
        server.start_kill().unwrap(); // SIGKILL: no shutdown, no flush
        server.wait().await.unwrap();
        killed.send(true).unwrap();
        let outcomes = burst.await.unwrap();
        assert!(
            unanswered(&outcomes) > 0,
            "round {round}: the kill came after the burst"
        );
        ledger.file(&outcomes, &[409]);
        check_answers_fit(&ledger, &current);
        eprintln!(
            "round {round}: {} requests, killed after {kill_at} answers, {} unanswered; \
             acknowledged so far: {} sign-ups, {} records",
            outcomes.len(),
            unanswered(&outcomes),
            ledger.signups.len(),
            ledger.records.len()
        );

        port = free_port();
        server = start(&db, port).await;
        ledger.verify(&db, port, &site).await;
        previous = current;
    }
    assert!(
        ledger.records.len() >= 10,
        "too few attendance records acknowledged"
    );
    assert!(ledger.signups.len() >= 100, "too few sign-ups acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_recovers_when_postgresql_restarts_under_load() {
    if std::env::var("ZHIYUAN_TEST_PG").map_or(true, |v| v.is_empty()) {
        return; // PostgreSQL only: SQLite lives inside the server process
    }
    let pg = pg_server::ThrowawayPg::init().await;
    let db = {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&pg.admin_url()).await.unwrap();
        sqlx::query("CREATE DATABASE zhiyuan")
            .execute(&mut admin)
            .await
            .unwrap();
        format!("postgres://postgres@127.0.0.1:{}/zhiyuan", pg.port)
    };
    create_root(&db).await;
    let port = free_port();
    let mut server = start(&db, port).await;
    let site = load::build_site(port, VOLUNTEERS).await;
    let mut ledger = Ledger::default();
    let mut previous = Vec::new();
    // Round 0 fills activities; round 1 has the outage; round 2 shows the server recovered.
    for round in 0..3u64 {
        wait_for_start(&previous).await;
        let current = create_activities(port, &site, LEAD, SHAPES).await;
        let jobs = round_jobs(port, &site, &ledger, &current, &previous).await;
        let strike_at = jobs.len() / 3;
        let t0 = Instant::now();
        // In the outage round the last tenth waits for PostgreSQL to be down, and the
        // server comes back only once those requests are on their way: some requests
        // always meet the outage.
        let (went_down, gate) = tokio::sync::watch::channel(false);
        let held = jobs.len() / 10;
        let tail = (round == 1).then_some(Tail { held, gate });
        let (progress, burst) = start_burst(port, &site, jobs, CLIENTS, round + 11, tail);
        if round != 1 {
            let outcomes = burst.await.unwrap();
            ledger.file(&outcomes, &[409]);
            assert_eq!(ledger.unanswered, 0, "round {round}");
        } else {
            progress.answered_at_least(strike_at).await;
            let down = t0.elapsed();
            let sent_before = progress.sent();
            pg.stop_immediate().await;
            went_down.send(true).unwrap();
            // One more request on its way before the server comes back: it meets the outage
            // (the held tail makes sure one is left to send).
            progress.sent_at_least(sent_before + 1).await;
            pg.start().await;
            let up = t0.elapsed();
            let outcomes = burst.await.unwrap();
            let during: Vec<_> = outcomes
                .iter()
                .filter(|o| o.sent < up && o.answered > down)
                .collect();
            assert!(!during.is_empty(), "no request met the outage");
            let failed = outcomes
                .iter()
                .filter(|o| o.answer.status().is_some_and(|s| s >= 500))
                .count();
            eprintln!(
                "outage {:?}: {} requests met it, {failed} answered 5xx, the rest waited and succeeded",
                up - down,
                during.len()
            );
            // Every request was answered (a status, within the bound): 2xx, 409 or 5xx.
            ledger.file(&outcomes, &[409, 500, 503]);
            assert_eq!(ledger.unanswered, 0, "the server dropped requests");
            assert!(server.try_wait().unwrap().is_none(), "the server died");
        }
        ledger.verify(&db, port, &site).await;
        previous = current;
    }
    assert!(
        ledger.records.len() >= 10,
        "too few attendance records acknowledged"
    );
    server.start_kill().unwrap();
    server.wait().await.unwrap();
}
