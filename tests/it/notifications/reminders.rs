//! The reminder rules at their boundaries, written once whatever the number of runs, restarts
//! or processes: team leaders from the 20th, volunteers under 20 h in the fourth quarter,
//! reviewers at most daily. (Reporting-deadline reminders are in `report_tasks.rs`.)

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use serde_json::json;
use zhiyuan_app::notifications::channels::{Channels, DeliveryConfig};
use zhiyuan_app::notifications::job::Clock;
use zhiyuan_app::{App, AppConfig};

use super::inbox;
use crate::activities::world;
use crate::harness::TestApp;
use crate::recruitment::{application, apply, approve, tree};

const H: i64 = 3600;

/// Unix ms of a China wall-clock time.
pub fn china(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp_millis()
}

fn rfc(ms: i64) -> String {
    zhiyuan_app::clock::rfc3339(ms)
}

/// A second `App` on the same database: another server process, or this one after a restart.
fn another_process(t: &TestApp) -> App {
    App::new(
        Arc::clone(t.app.store()),
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .unwrap()
}

/// A back-filled (held, done) activity of `team` from `start` for `hours`.
async fn held(t: &TestApp, team: &str, start: i64, hours: i64) -> String {
    t.post(
        "/api/v1/activities",
        &t.root,
        json!({"title": "补录活动", "team_id": team, "starts_at": rfc(start),
               "ends_at": rfc(start + hours * H * 1000), "capacity": 20, "backfill_reason": "补录"}),
    )
    .await
    .expect(201)
    .id()
}

#[tokio::test]
async fn a_team_leader_is_reminded_from_the_20th_once_a_month() {
    let w = world().await;
    let t = &w.t;
    let squad = t
        .team(&t.root, "一班", &w.county, Some(&w.team), "squad")
        .await;
    let leader = t.account(&t.root, "leader", "team_leader", &w.team).await;
    let squad_leader = t.account(&t.root, "squad", "team_leader", &squad).await;

    // The 19th, late evening: not yet.
    let r = t
        .app
        .run_reminders(china(2025, 5, 19, 23, 59))
        .await
        .unwrap();
    assert_eq!(r.no_activity, 0);
    // The 20th, at midnight China time: both leaders, once.
    let r = t.app.run_reminders(china(2025, 5, 20, 0, 0)).await.unwrap();
    assert_eq!(r.no_activity, 2);
    let n = &inbox(t, &leader).await["items"][0];
    assert_eq!(n["kind"], "no_activity");
    assert_eq!(n["title"], "本月尚未开展活动：奈曼旗退役军人志愿服务队");
    assert_eq!(n["link"], "/activities/new");
    // Every later tick that month, in this process or another, writes nothing more.
    for day in [20, 25, 31] {
        let r = t
            .app
            .run_reminders(china(2025, 5, day, 12, 0))
            .await
            .unwrap();
        assert_eq!(r.no_activity, 0);
    }
    let other = another_process(t);
    assert_eq!(
        other
            .run_reminders(china(2025, 5, 21, 9, 0))
            .await
            .unwrap()
            .no_activity,
        0
    );
    assert_eq!(inbox(t, &leader).await["total"], 1);

    // June: the team held an activity, so its leader is not reminded; the squad held none
    // of its own, so its leader is (an activity counts for the unit that ran it and the
    // units above it).
    held(t, &w.team, china(2025, 6, 10, 9, 0), 2).await;
    let r = t.app.run_reminders(china(2025, 6, 20, 8, 0)).await.unwrap();
    assert_eq!(r.no_activity, 1);
    assert_eq!(inbox(t, &leader).await["total"], 1);
    assert_eq!(inbox(t, &squad_leader).await["total"], 2);

    // The last day of a month: an activity starting 31 July 23:00 counts for July, not August.
    held(t, &squad, china(2025, 7, 31, 23, 0), 2).await;
    let r = t.app.run_reminders(china(2025, 7, 20, 8, 0)).await.unwrap();
    assert_eq!(
        r.no_activity, 0,
        "the squad's activity counts for the team too"
    );
    let r = t.app.run_reminders(china(2025, 8, 20, 8, 0)).await.unwrap();
    assert_eq!(r.no_activity, 2);
}

#[tokio::test]
async fn volunteers_under_20_hours_are_reminded_monthly_in_the_fourth_quarter() {
    let w = world().await;
    let t = &w.t;
    let short = t.volunteer(&t.root, "王志强", &w.county, 401).await;
    let full = t.volunteer(&t.root, "李建国", &w.county, 402).await;
    let t_short = t.account(&t.root, "short", "volunteer", &short).await;
    let t_full = t.account(&t.root, "full", "volunteer", &full).await;
    // Three days of 8-hour activities in March 2025: 19.5 h and exactly 20 h.
    for (day, a, b) in [(1, 8.0, 8.0), (2, 8.0, 8.0), (3, 3.5, 4.0)] {
        let start = china(2025, 3, day, 8, 0);
        let id = held(t, &w.team, start, 8).await;
        for (v, hours) in [(&short, a), (&full, b)] {
            let out = start + (hours * 3_600_000.0) as i64;
            let r = t
                .post(
                    &format!("/api/v1/activities/{id}/attendance"),
                    &t.root,
                    json!({"volunteer_id": v, "checked_in_at": rfc(start), "checked_out_at": rfc(out)}),
                )
                .await
                .expect(201);
            assert_eq!(r.body["status"], "approved", "{}", r.text);
        }
    }
    // 30 September: the third quarter, nobody.
    let r = t
        .app
        .run_reminders(china(2025, 9, 30, 23, 59))
        .await
        .unwrap();
    assert_eq!(r.under_20h, 0);
    // 1 October: 19.5 h is under, 20 h is not.
    let r = t.app.run_reminders(china(2025, 10, 1, 0, 0)).await.unwrap();
    assert_eq!(r.under_20h, 1);
    let n = &inbox(t, &t_short).await["items"][0];
    assert_eq!(n["kind"], "under_20h");
    assert!(
        n["body"].as_str().unwrap().contains("已服务 19.5 小时")
            && n["body"].as_str().unwrap().contains("还差 0.5 小时"),
        "{n}"
    );
    assert_eq!(inbox(t, &t_full).await["total"], 0);
    // The hours scan runs once a day: someone registered later that day is reminded the
    // next day (once for the month, like everyone).
    let late = t.volunteer(&t.root, "赵红军", &w.county, 403).await;
    let t_late = t.account(&t.root, "late", "volunteer", &late).await;
    let r = t
        .app
        .run_reminders(china(2025, 10, 1, 12, 0))
        .await
        .unwrap();
    assert_eq!(r.under_20h, 0);
    let r = another_process(t)
        .run_reminders(china(2025, 10, 2, 8, 0))
        .await
        .unwrap();
    assert_eq!(r.under_20h, 1);
    assert_eq!(inbox(t, &t_late).await["total"], 1);
    // Again in October: nothing; November: once more, for both under 20 h.
    assert_eq!(
        t.app
            .run_reminders(china(2025, 10, 31, 23, 0))
            .await
            .unwrap()
            .under_20h,
        0
    );
    assert_eq!(
        t.app
            .run_reminders(china(2025, 11, 1, 9, 0))
            .await
            .unwrap()
            .under_20h,
        2
    );
    // Hours of another year don't count for this one: in 2026 all three are at 0 h.
    assert_eq!(
        t.app
            .run_reminders(china(2026, 10, 1, 9, 0))
            .await
            .unwrap()
            .under_20h,
        3
    );
}

#[tokio::test]
async fn reviewers_with_pending_applications_are_reminded_at_most_daily() {
    let t = crate::harness::spawn().await;
    let tr = tree(&t, (1, 100)).await;
    let (a1, _) = apply(&t, application(&tr.team, 11)).await;
    let (a2, _) = apply(&t, application(&tr.team, 12)).await;
    // Both wait at the village: its admin is reminded, once that day.
    let r = t.app.run_reminders(china(2025, 4, 1, 8, 0)).await.unwrap();
    assert_eq!(r.review_pending, 1);
    let n = &inbox(&t, &tr.village_admin).await["items"][0];
    assert_eq!(n["title"], "有 2 份报名申请等待您审核");
    assert_eq!(n["link"], "/recruitment");
    assert_eq!(
        t.app
            .run_reminders(china(2025, 4, 1, 23, 59))
            .await
            .unwrap()
            .review_pending,
        0
    );
    assert_eq!(inbox(&t, &tr.township_admin).await["total"], 0);
    // The next day, again.
    assert_eq!(
        t.app
            .run_reminders(china(2025, 4, 2, 0, 0))
            .await
            .unwrap()
            .review_pending,
        1
    );
    // Once the village has decided, the queue is the township's.
    approve(&t, &tr.village_admin, &a1).await.expect(200);
    approve(&t, &tr.village_admin, &a2).await.expect(200);
    let r = t.app.run_reminders(china(2025, 4, 3, 8, 0)).await.unwrap();
    assert_eq!(r.review_pending, 1);
    assert_eq!(inbox(&t, &tr.township_admin).await["total"], 1);
    assert_eq!(inbox(&t, &tr.village_admin).await["total"], 2);
}

#[tokio::test]
async fn concurrent_runs_in_two_processes_write_each_reminder_once() {
    let w = world().await;
    let t = &w.t;
    for i in 0..5 {
        let team = t
            .team(
                &t.root,
                &format!("{i}班"),
                &w.county,
                Some(&w.team),
                "squad",
            )
            .await;
        t.account(&t.root, &format!("leader{i}"), "team_leader", &team)
            .await;
    }
    let other = another_process(t);
    let now = china(2025, 5, 25, 10, 0);
    let (a, b) = tokio::join!(t.app.run_reminders(now), other.run_reminders(now));
    assert_eq!(a.unwrap().no_activity + b.unwrap().no_activity, 5);
    assert_eq!(t.app.run_reminders(now).await.unwrap().no_activity, 0);
}

/// The job's clock in the test below: set by hand, and counting how often it is read. The job
/// reads it once at the start of each tick and starts a tick only when the last one is over,
/// so once it has been read `n + 1` times, tick `n` has run to its end.
struct CountingClock {
    ms: std::sync::atomic::AtomicI64,
    reads: tokio::sync::watch::Sender<u64>,
}

impl CountingClock {
    fn new(ms: i64) -> CountingClock {
        CountingClock {
            ms: ms.into(),
            reads: tokio::sync::watch::Sender::new(0),
        }
    }

    fn set(&self, ms: i64) {
        self.ms.store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    fn reads(&self) -> u64 {
        *self.reads.borrow()
    }

    /// Waits until the job has read the clock `n` times in all.
    async fn read_times(&self, n: u64) {
        let mut reads = self.reads.subscribe();
        reads
            .wait_for(|r| *r >= n)
            .await
            .expect("the clock is alive");
    }
}

impl Clock for CountingClock {
    fn now_ms(&self) -> i64 {
        self.reads.send_modify(|r| *r += 1);
        self.ms.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn the_background_job_ticks_on_its_clock() {
    let w = world().await;
    let t = &w.t;
    let leader = t.account(&t.root, "leader", "team_leader", &w.team).await;
    let clock = Arc::new(CountingClock::new(china(2025, 5, 10, 9, 0)));
    let channels = Channels::new(&DeliveryConfig::default()).unwrap();
    let job = t
        .app
        .spawn_notification_job(channels, clock.clone(), Duration::from_millis(20));
    // A tick has run to its end on the 10th.
    clock.read_times(2).await;
    assert_eq!(inbox(t, &leader).await["total"], 0, "the 10th: nothing due");
    clock.set(china(2025, 5, 20, 9, 0));
    // The next read is the 20th's; its tick is over once the clock is read again.
    clock.read_times(clock.reads() + 2).await;
    assert_eq!(inbox(t, &leader).await["total"], 1);
    // Many more ticks: still one.
    clock.read_times(clock.reads() + 6).await;
    assert_eq!(inbox(t, &leader).await["total"], 1);
    job.abort();
}
