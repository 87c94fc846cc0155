//! The write load of the crash and backup tests: a county with one team, an officer (队长,
//! a team-leader account) and volunteers, and bursts of sign-ups and attendance records sent
//! by many client tasks at once, each answer kept so the test can hold the server to it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::client::{send, Answer};
use crate::harness::{volunteer_body, PASSWORD};
use crate::process::{http, root_token};

/// No single request may take longer than this: past PostgreSQL's pool acquire timeout (30 s),
/// so a request that waits out an outage is told apart from one that hangs.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(40);

pub struct Site {
    pub root: String,
    pub officer: String,
    pub team: String,
    pub volunteers: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Activity {
    pub id: String,
    pub capacity: i64,
    pub waitlist: bool,
    pub starts_at: i64,
}

#[derive(Clone, Debug)]
pub enum Job {
    Signup {
        activity: String,
        volunteer: String,
    },
    /// An officer enters one check-in/check-out cycle (签到签退) of a confirmed volunteer.
    Attend {
        activity: String,
        volunteer: String,
        checked_in_at: i64,
        checked_out_at: i64,
    },
}

pub struct Outcome {
    pub job: Job,
    pub answer: Answer,
    /// When the request was sent and answered, from the burst's start.
    pub sent: Duration,
    pub answered: Duration,
}

/// Times as the API takes them: RFC 3339 at +08:00, to the millisecond.
pub fn rfc3339(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms).expect("a valid time");
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn created_id(port: u16, token: &str, path: &str, body: Value) -> String {
    let (s, b) = http(port, "POST", path, Some(token), Some(body)).await;
    assert_eq!(s, 201, "POST {path}: {b}");
    b["id"].as_str().expect("an id").to_owned()
}

/// A county, its team, the team's officer and `volunteers` volunteers (made 8 at a time).
pub async fn build_site(port: u16, volunteers: u32) -> Site {
    let root = root_token(port).await;
    let org = created_id(
        port,
        &root,
        "/api/v1/orgs",
        json!({"name": "奈曼旗", "level": "county"}),
    )
    .await;
    let team = created_id(
        port,
        &root,
        "/api/v1/teams",
        json!({"name": "奈曼旗退役军人志愿服务队", "org_id": org, "echelon": "team"}),
    )
    .await;
    let user = json!({"username": "duizhang", "password": PASSWORD, "role": "team_leader", "team_id": team});
    let (s, b) = http(port, "POST", "/api/v1/users", Some(&root), Some(user)).await;
    assert_eq!(s, 201, "{b}");
    let login = json!({"username": "duizhang", "password": PASSWORD});
    let (s, b) = http(port, "POST", "/api/v1/auth/login", None, Some(login)).await;
    assert_eq!(s, 200, "{b}");
    let officer = b["token"].as_str().expect("token").to_owned();
    let mut ids = Vec::new();
    for chunk in (0..volunteers).collect::<Vec<_>>().chunks(8) {
        let made = chunk.iter().map(|&i| {
            let (root, org) = (root.clone(), org.clone());
            tokio::spawn(async move {
                let body = volunteer_body("王建军", &org, 100 + i);
                created_id(port, &root, "/api/v1/volunteers", body).await
            })
        });
        for h in made.collect::<Vec<_>>() {
            ids.push(h.await.expect("volunteer made"));
        }
    }
    Site {
        root,
        officer,
        team,
        volunteers: ids,
    }
}

/// Activities of the team that start `lead` from now (sign-up closes then), with the given
/// (capacity, waitlist) each.
pub async fn create_activities(
    port: u16,
    site: &Site,
    lead: Duration,
    shapes: &[(i64, bool)],
) -> Vec<Activity> {
    let starts_at = now_ms() + lead.as_millis() as i64;
    let mut out = Vec::new();
    for (n, &(capacity, waitlist)) in shapes.iter().enumerate() {
        let body = json!({"title": format!("巡河护林 {n}"), "team_id": site.team,
            "starts_at": rfc3339(starts_at), "ends_at": rfc3339(starts_at + 2 * 3_600_000),
            "capacity": capacity, "waitlist": waitlist});
        let id = created_id(port, &site.root, "/api/v1/activities", body).await;
        out.push(Activity {
            id,
            capacity,
            waitlist,
            starts_at,
        });
    }
    out
}

/// How far a burst has got: requests sent and answered, with a way to wait for a count
/// without polling (`reached`), so a test strikes exactly when it means to.
#[derive(Default)]
pub struct Progress {
    sent: AtomicUsize,
    answered: AtomicUsize,
    ended: std::sync::atomic::AtomicBool,
    changed: tokio::sync::Notify,
}

impl Progress {
    /// Requests sent so far.
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst)
    }

    /// Returns once at least `n` requests have been answered (or the burst has ended).
    pub async fn answered_at_least(&self, n: usize) {
        self.wait(|p| p.answered.load(Ordering::SeqCst) >= n).await
    }

    /// Returns once at least `n` requests have been sent.
    pub async fn sent_at_least(&self, n: usize) {
        self.wait(|p| p.sent.load(Ordering::SeqCst) >= n).await
    }

    async fn wait(&self, done: impl Fn(&Self) -> bool) {
        loop {
            let notified = self.changed.notified();
            if done(self) || self.ended.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }

    fn bump(&self, counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

/// The last `held` jobs of a burst wait until the test opens the gate: writes that are
/// certain to come after some event (a backup ended, a server was killed), whatever the
/// machine's speed.
pub struct Tail {
    pub held: usize,
    pub gate: tokio::sync::watch::Receiver<bool>,
}

/// Sends every job from `clients` concurrent tasks, in a fixed shuffled order. The
/// `Progress` counts sends and answers as they come, so the caller can strike in the middle.
pub fn start_burst(
    port: u16,
    site: &Site,
    mut jobs: Vec<Job>,
    clients: usize,
    seed: u64,
    tail: Option<Tail>,
) -> (Arc<Progress>, tokio::task::JoinHandle<Vec<Outcome>>) {
    shuffle(&mut jobs, seed);
    let queue = Arc::new(std::sync::Mutex::new(
        jobs.into_iter().rev().collect::<Vec<_>>(),
    ));
    let progress = Arc::new(Progress::default());
    let (root, officer) = (site.root.clone(), site.officer.clone());
    let count = progress.clone();
    let all = tokio::spawn(async move {
        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (queue, count) = (queue.clone(), count.clone());
                let (root, officer) = (root.clone(), officer.clone());
                let mut tail = tail.as_ref().map(|t| (t.held, t.gate.clone()));
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    loop {
                        let job = {
                            let mut q = queue.lock().expect("queue");
                            match &tail {
                                Some((held, gate)) if q.len() <= *held && !*gate.borrow() => None,
                                _ => Some(q.pop()),
                            }
                        };
                        let job = match job {
                            Some(Some(job)) => job,
                            Some(None) => return done,
                            None => {
                                if let Some((_, gate)) = tail.as_mut() {
                                    // A closed channel counts as open: never hang a test.
                                    let _ = gate.wait_for(|open| *open).await;
                                }
                                tail = None;
                                continue;
                            }
                        };
                        let sent = started.elapsed();
                        count.bump(&count.sent);
                        let answer = send_job(port, &root, &officer, &job).await;
                        count.bump(&count.answered);
                        done.push(Outcome {
                            job,
                            answer,
                            sent,
                            answered: started.elapsed(),
                        });
                    }
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.extend(t.await.expect("client task"));
        }
        count.ended.store(true, Ordering::SeqCst);
        count.changed.notify_waiters();
        outcomes
    });
    (progress, all)
}

async fn send_job(port: u16, root: &str, officer: &str, job: &Job) -> Answer {
    match job {
        Job::Signup {
            activity,
            volunteer,
        } => {
            let path = format!("/api/v1/activities/{activity}/signups");
            let body = json!({"volunteer_id": volunteer});
            send(port, "POST", &path, Some(root), Some(&body), REQUEST_LIMIT).await
        }
        Job::Attend {
            activity,
            volunteer,
            checked_in_at,
            checked_out_at,
        } => {
            let path = format!("/api/v1/activities/{activity}/attendance");
            let body = json!({"volunteer_id": volunteer, "checked_in_at": rfc3339(*checked_in_at),
                "checked_out_at": rfc3339(*checked_out_at), "content": "巡河"});
            send(
                port,
                "POST",
                &path,
                Some(officer),
                Some(&body),
                REQUEST_LIMIT,
            )
            .await
        }
    }
}

/// Fisher–Yates with a small fixed-seed generator: the same order on every run.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        items.swap(i, (seed >> 33) as usize % (i + 1));
    }
}

/// Every write the server acknowledged (and every sign-up it refused) over all rounds so far.
#[derive(Default)]
pub struct Ledger {
    /// (activity, volunteer) → status and waitlist position as answered.
    pub signups: BTreeMap<(String, String), (String, Option<i64>)>,
    /// Refused with a 4xx: must not exist.
    pub refused: BTreeSet<(String, String)>,
    /// Record id → (activity, volunteer, checked in, checked out) as sent.
    pub records: BTreeMap<String, (String, String, i64, Option<i64>)>,
    pub unanswered: usize,
}

impl Ledger {
    /// Files each answer; panics on an answer the burst should never get (`allowed` lists the
    /// statuses that may come besides 201).
    pub fn file(&mut self, outcomes: &[Outcome], allowed: &[u16]) {
        for o in outcomes {
            let status = match &o.answer {
                Answer::Status(s, _) => *s,
                Answer::Cut => {
                    self.unanswered += 1;
                    continue;
                }
                Answer::TimedOut => panic!("{:?} hung past {REQUEST_LIMIT:?}", o.job),
            };
            let body = o.answer.body();
            assert!(
                status == 201 || allowed.contains(&status),
                "{:?}: unexpected {status} {body}",
                o.job
            );
            match (&o.job, status) {
                (
                    Job::Signup {
                        activity,
                        volunteer,
                    },
                    201,
                ) => {
                    let st = body["status"].as_str().expect("status").to_owned();
                    let key = (activity.clone(), volunteer.clone());
                    self.signups.insert(key, (st, body["position"].as_i64()));
                }
                (
                    Job::Signup {
                        activity,
                        volunteer,
                    },
                    400..=499,
                ) => {
                    self.refused.insert((activity.clone(), volunteer.clone()));
                }
                (
                    Job::Attend {
                        activity,
                        volunteer,
                        checked_in_at,
                        checked_out_at,
                    },
                    201,
                ) => {
                    let id = body["id"].as_str().expect("record id").to_owned();
                    let rec = (
                        activity.clone(),
                        volunteer.clone(),
                        *checked_in_at,
                        Some(*checked_out_at),
                    );
                    self.records.insert(id, rec);
                }
                _ => {}
            }
        }
    }

    /// Holds the database at `db_url` and the server at `port` to every answer so far.
    pub async fn verify(&self, db_url: &str, port: u16, site: &Site) {
        let mut db = super::invariants::Db::open(db_url).await;
        let broken = db.broken_invariants().await;
        assert!(broken.is_empty(), "half-written state: {broken:#?}");
        for ((a, v), (status, _)) in &self.signups {
            let got = db.signup_status(a, v).await;
            assert_eq!(
                got.as_deref(),
                Some(status.as_str()),
                "acknowledged sign-up {a}/{v}"
            );
        }
        for (a, v) in &self.refused {
            assert_eq!(
                db.signup_status(a, v).await,
                None,
                "refused sign-up {a}/{v} written"
            );
        }
        for (id, rec) in &self.records {
            assert_eq!(
                db.record(id).await.as_ref(),
                Some(rec),
                "acknowledged record {id}"
            );
        }
        db.close().await;
        // The restarted server answers with what was acknowledged, waitlist positions too.
        let mut lists: BTreeMap<&String, Vec<Value>> = BTreeMap::new();
        for (a, _) in self.signups.keys() {
            if !lists.contains_key(a) {
                lists.insert(a, self.signup_list(port, site, a).await);
            }
        }
        for ((a, v), (status, position)) in &self.signups {
            let row = lists[a]
                .iter()
                .find(|i| i["volunteer_id"] == *v)
                .unwrap_or_else(|| panic!("the server lost the sign-up {a}/{v}"));
            assert_eq!(row["status"], *status, "{a}/{v}");
            assert_eq!(row["position"].as_i64(), *position, "{a}/{v}");
        }
    }

    async fn signup_list(&self, port: u16, site: &Site, activity: &str) -> Vec<Value> {
        let path = format!("/api/v1/activities/{activity}/signups?per_page=200");
        let (s, list) = http(port, "GET", &path, Some(&site.root), None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().expect("items").clone()
    }

    /// Confirmed sign-ups of `activity` as the (restarted) server lists them.
    pub async fn confirmed_of(&self, port: u16, site: &Site, activity: &str) -> Vec<String> {
        self.signup_list(port, site, activity)
            .await
            .iter()
            .filter(|i| i["status"] == "confirmed")
            .filter_map(|i| i["volunteer_id"].as_str().map(str::to_owned))
            .collect()
    }
}
