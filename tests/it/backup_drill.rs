//! The restore drill of README.md ("Restore drill"), step by step, while a writer load runs:
//! back up with `zhiyuan backup`, stop the server, put the copy in place, start it, verify.
//! The copy must be consistent (the invariants of `crash/invariants.rs` hold, SQLite's own
//! integrity check passes), hold every write acknowledged before the backup began, and open
//! with `zhiyuan serve`: log in and read.

use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::crash::invariants::Db;
use crate::crash::load::{build_site, create_activities, start_burst, Job, Ledger, Tail};
use crate::harness::database_url;
use crate::process::{create_root, free_port, http, root_token, start, BIN, KEY};

/// Step 1: `zhiyuan backup --db URL --out FILE`.
async fn backup(db: &str, out: &std::path::Path) {
    let done = Command::new(BIN)
        .args(["backup", "--db", db, "--out"])
        .arg(out)
        .env("ZHIYUAN_SECRET_KEY", KEY)
        .output()
        .await
        .expect("run zhiyuan backup");
    assert!(
        done.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// Step 3 for SQLite: the old files (database, -wal, -shm) aside, the copy in their place. A
/// stale -wal beside a restored file would be replayed into it, so it must go too.
fn restore_sqlite(live: &std::path::Path, copy: &std::path::Path) {
    let dir = live.parent().expect("a directory");
    let aside = dir.join("before-restore");
    std::fs::create_dir(&aside).expect("mkdir before-restore");
    let name = live
        .file_name()
        .and_then(|n| n.to_str())
        .expect("file name");
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if file.starts_with(name) {
            std::fs::rename(&path, aside.join(file)).expect("mv zhiyuan.db* before-restore/");
        }
    }
    std::fs::copy(copy, live).expect("cp the copy into place");
}

/// Step 3 for PostgreSQL: `createdb` a new database, `pg_restore --no-owner` into it.
async fn restore_pg(db: &str, dump: &std::path::Path) -> String {
    use sqlx::Connection;
    let admin = std::env::var("ZHIYUAN_TEST_PG").expect("PostgreSQL admin URL");
    let name = format!("restored_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = db.rsplit_once('/').map(|(b, _)| b).expect("a database URL");
    let target = format!("{base}/{name}");
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &target])
        .arg(dump)
        .output()
        .await
        .expect("run pg_restore");
    assert!(
        out.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    target
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restore_drill_gives_a_consistent_copy_taken_under_write_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir).await;
    create_root(&db).await;
    let port = free_port();
    let mut server = start(&db, port).await;
    let site = build_site(port, 30).await;
    let lead = Duration::from_secs(600);
    // Twelve activities × 30 volunteers: enough sign-ups that writers outlast pg_dump too.
    let shapes: Vec<(i64, bool)> = (0..12).map(|i| (4 + i, i % 3 != 1)).collect();
    let acts = create_activities(port, &site, lead, &shapes).await;
    let jobs: Vec<Job> = acts
        .iter()
        .flat_map(|a| {
            site.volunteers.iter().map(|v| Job::Signup {
                activity: a.id.clone(),
                volunteer: v.clone(),
            })
        })
        .collect();
    let total = jobs.len();
    let t0 = Instant::now();
    // The writers go on until the backup is known to be done: the last quarter of the
    // sign-ups waits for it, however fast or slow the machine and pg_dump are.
    let (backup_done, gate) = tokio::sync::watch::channel(false);
    let tail = Tail {
        held: total / 4,
        gate,
    };
    let (progress, burst) = start_burst(port, &site, jobs, 8, 7, Some(tail));
    progress.answered_at_least(total / 3).await;
    // 1. Back up while the writers go on.
    let backup_began = t0.elapsed();
    let copy = dir.path().join(if db.starts_with("sqlite:") {
        "zhiyuan-copy.db"
    } else {
        "zhiyuan.dump"
    });
    backup(&db, &copy).await;
    let backup_ended = t0.elapsed();
    backup_done.send(true).unwrap();
    let outcomes = burst.await.unwrap();
    let after = outcomes.iter().filter(|o| o.sent > backup_ended).count();
    assert!(after > 0, "the writers stopped before the backup ended");
    let mut before = Ledger::default();
    let acked_before: Vec<_> = outcomes
        .into_iter()
        .filter(|o| o.answered < backup_began)
        .collect();
    before.file(&acked_before, &[409]);
    assert!(
        before.signups.len() >= 10,
        "too few writes before the backup"
    );

    // 2. Stop the server.
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    // 3. Put the copy in place.
    let restored = if let Some(path) = db.strip_prefix("sqlite://") {
        restore_sqlite(std::path::Path::new(path), &copy);
        db.clone()
    } else {
        restore_pg(&db, &copy).await
    };
    // 4. Start on it.
    let port = free_port();
    let _server = start(&restored, port).await;
    // 5. Verify: consistent, whole, and it serves: health, log in, read.
    let mut copy_db = Db::open(&restored).await;
    if let Db::Sqlite(c) = &mut copy_db {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(c)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    copy_db.close().await;
    let token = root_token(port).await;
    let site = crate::crash::load::Site {
        root: token.clone(),
        ..site
    };
    before.verify(&restored, port, &site).await;
    let (s, _) = http(port, "GET", "/healthz", None, None).await;
    assert_eq!(s, 200);
    let (s, list) = http(port, "GET", "/api/v1/volunteers", Some(&token), None).await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(30)), "{list}");
    let (s, list) = http(port, "GET", "/api/v1/activities", Some(&token), None).await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(12)), "{list}");
}
