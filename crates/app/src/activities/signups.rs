//! Sign-up (报名), cancellation with waitlist promotion, officers' walk-ins (R-ACT, API.md).
//!
//! Group commit (成批提交), per server process on either backend: every sign-up's checks run in its own request, then the
//! write goes to one task, [`SignupBatcher`], which takes whatever sign-ups are queued, writes
//! each in its own savepoint of one transaction, commits (one fsync for all), and only then
//! answers each request. A burst pays one fsync per batch instead of one per sign-up, and an
//! answer still means the sign-up is on disk.

use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;
use zhiyuan_domain::activity::{missing_skills, ActivityStatus};
use zhiyuan_domain::Scope;
use zhiyuan_store::activities::{ActivityRow, SignupOutcome, SignupRequest, SignupSubject};
use zhiyuan_store::{Store, StoreError, StoreResult, VolunteerRecord};

use super::signup_reads::{read_subjects, ActivityCache};
use super::views::{SignupResult, SignupView};
use crate::coalesce::Coalescer;
use crate::error::{AppError, AppResult};
use crate::views::Page;
use crate::{clock, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewSignup {
    pub volunteer_id: String,
    /// An officer's explicit walk-in beyond capacity (现场加入); logged as such.
    #[serde(default)]
    pub walk_in: bool,
}

/// Most sign-ups written in one transaction; more wait for the next.
const MAX_BATCH: usize = 256;
/// Sign-ups waiting for the writer before callers wait to queue (back-pressure).
const QUEUE_DEPTH: usize = 4096;
/// Longest a small batch waits for the requesters of the last big one (see `write_batches`).
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);
/// Attempts of one sign-up when its activity keeps changing between checks and write.
pub(super) const STALE_RETRIES: usize = 3;

/// The activity changed under a sign-up on every attempt (practically never).
pub(super) fn changed_meanwhile() -> AppError {
    AppError::conflict("activity_changed", "活动信息刚刚有变动，请重试")
}

/// The single writer of sign-ups (group commit). Started on first use, in the runtime of the
/// first sign-up; it stops when the last `App` clone (and so the queue's sender) is gone.
/// Beside it, what the sign-up path reads before queueing (signup_reads.rs).
pub struct SignupBatcher {
    queue: OnceLock<mpsc::Sender<QueuedSignup>>,
    /// Activity rows, validated by the writer through their `version`.
    pub(crate) activities: ActivityCache,
    /// Volunteers' sign-up facts, read together for concurrent requests.
    pub(super) subjects: Coalescer<String, SignupSubject>,
    /// The open activities in memory (open_view.rs); sign-ups and cancellations re-read
    /// their activity into it after they commit.
    pub(crate) open: Arc<super::open_view::OpenView>,
}

impl Default for SignupBatcher {
    fn default() -> Self {
        SignupBatcher {
            queue: OnceLock::new(),
            activities: ActivityCache::default(),
            subjects: Coalescer::new(read_subjects),
            open: Arc::default(),
        }
    }
}

struct QueuedSignup {
    req: SignupRequest,
    /// The activity `version` the request's rules were checked against.
    checked_version: i64,
    reply: oneshot::Sender<StoreResult<SignupOutcome>>,
}

impl SignupBatcher {
    /// Writes one sign-up with whatever others are queued; answers after their commit.
    /// `None`: the activity changed since `checked_version` (nothing written; check again).
    pub(super) async fn submit(
        &self,
        store: &Arc<dyn Store>,
        req: SignupRequest,
        checked_version: i64,
    ) -> AppResult<Option<SignupOutcome>> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
            tokio::spawn(write_batches(store.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let queued = QueuedSignup {
            req,
            checked_version,
            reply,
        };
        let result = match queue.send(queued).await {
            // The writer is gone (its runtime ended): nothing was queued, write it directly.
            Err(refused) => write_one(store, refused.0.req, checked_version).await,
            Ok(()) => match answer.await {
                Ok(result) => result,
                // The writer stopped mid-batch: whether this one was written is unknown.
                Err(_) => return Err(AppError::internal()),
            },
        };
        match result {
            Ok(outcome) => Ok(Some(outcome)),
            Err(StoreError::Stale) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// One sign-up alone, still checked against its activity's version.
async fn write_one(
    store: &Arc<dyn Store>,
    req: SignupRequest,
    checked_version: i64,
) -> StoreResult<SignupOutcome> {
    store
        .signup_batch_checked(std::slice::from_ref(&req), &[checked_version])
        .await?
        .pop()
        .unwrap_or(Err(StoreError::Stale))
}

/// The writer task: takes every queued sign-up (up to `MAX_BATCH`), writes them in one
/// transaction, and answers each with its own outcome, in queue order.
async fn write_batches(store: Arc<dyn Store>, mut rx: mpsc::Receiver<QueuedSignup>) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    let mut last = 0;
    while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
        // Commit delay (as PostgreSQL's `commit_delay`): the requesters of a big batch come
        // back about one round trip after their answers. A batch far smaller than the last
        // one (the one or two that slipped in meanwhile) waits a moment for them, instead of
        // spending a whole fsync on itself and making the others wait for a second one.
        // A lone sign-up on a quiet server never waits (its last batch was small too).
        if queued.len() * 4 < last {
            let deadline = tokio::time::Instant::now() + GATHER;
            while queued.len() < last.min(MAX_BATCH) {
                let room = MAX_BATCH - queued.len();
                match tokio::time::timeout_at(deadline, rx.recv_many(&mut queued, room)).await {
                    Ok(n) if n > 0 => {}
                    _ => break,
                }
            }
        }
        last = queued.len();
        let mut reqs = Vec::with_capacity(queued.len());
        let mut versions = Vec::with_capacity(queued.len());
        let mut replies = Vec::with_capacity(queued.len());
        for q in queued.drain(..) {
            reqs.push(q.req);
            versions.push(q.checked_version);
            replies.push(q.reply);
        }
        let started = std::time::Instant::now();
        let written = store.signup_batch_checked(&reqs, &versions).await;
        tracing::debug!(
            n = reqs.len(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "sign-up batch"
        );
        match written {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    // A caller that gave up (client gone) no longer needs its answer.
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                // Nothing of the batch was committed (BEGIN, a savepoint or COMMIT failed).
                // Each request is tried alone, so only one that fails by itself fails; a
                // retry of one that did land somehow answers "already signed up", never twice.
                tracing::warn!(error = %e, n = reqs.len(), "sign-up batch failed; writing one by one");
                for ((r, v), reply) in reqs.into_iter().zip(versions).zip(replies) {
                    let _ = reply.send(write_one(&store, r, v).await);
                }
            }
        }
    }
}

impl App {
    /// The activity (as `visible_activity` finds it) and the volunteer a sign-up is for (as
    /// `signup_subject` does), reading the acting volunteer's record once for both, with
    /// `may_join` when it was already decided on the way.
    async fn signup_parties(
        &self,
        actor: &Actor,
        activity_id: &str,
        volunteer_id: &str,
    ) -> AppResult<(ActivityRow, VolunteerRecord, Option<bool>)> {
        let Scope::Volunteer {
            volunteer_id: own_id,
        } = &actor.scope
        else {
            let a = self.visible_activity(actor, activity_id).await?;
            let v = self.signup_subject(actor, volunteer_id).await?;
            return Ok((a, v, None));
        };
        let not_found = || AppError::not_found("活动");
        let a = self
            .store
            .get_activity(activity_id)
            .await?
            .ok_or_else(not_found)?;
        let me = self
            .store
            .get_volunteer(own_id)
            .await?
            .ok_or_else(not_found)?;
        let joins = self.may_join(&me, &a).await?;
        if !joins && self.store.get_signup(activity_id, own_id).await?.is_none() {
            return Err(not_found());
        }
        if me.row.id == volunteer_id.trim() {
            return Ok((a, me, Some(joins)));
        }
        let v = self.signup_subject(actor, volunteer_id).await?;
        Ok((a, v, None))
    }

    /// The volunteer a sign-up is for: oneself, or someone an officer covers.
    async fn signup_subject(
        &self,
        actor: &Actor,
        volunteer_id: &str,
    ) -> AppResult<VolunteerRecord> {
        let v = self
            .store
            .get_volunteer(volunteer_id.trim())
            .await?
            .ok_or_else(|| AppError::not_found("志愿者").with_field("volunteer_id"))?;
        if self.covers_volunteer(actor, &v).await? {
            Ok(v)
        } else {
            Err(AppError::forbidden().with_field("volunteer_id"))
        }
    }

    /// The checks before a place is taken: published, window open, may join, skills held.
    /// `joins` is `may_join` when already decided.
    pub(crate) async fn check_signup_rules(
        &self,
        v: &VolunteerRecord,
        a: &ActivityRow,
        now: i64,
        joins: Option<bool>,
    ) -> AppResult<()> {
        if a.status != ActivityStatus::Published.as_str() {
            return Err(AppError::conflict(
                "activity_not_open",
                "活动未发布或已结束，不能报名",
            ));
        }
        if now < a.signup_opens_at {
            return Err(AppError::conflict("signup_not_open", "报名尚未开始"));
        }
        if now > a.signup_closes_at {
            return Err(AppError::conflict("signup_closed", "报名已截止"));
        }
        if v.row.status != "active" {
            return Err(AppError::invalid(
                "volunteer_id",
                "volunteer_inactive",
                "该志愿者当前不在册，不能报名",
            ));
        }
        let joins = match joins {
            Some(j) => j,
            None => self.may_join(v, a).await?,
        };
        if !joins {
            return Err(AppError::invalid(
                "volunteer_id",
                "not_in_team",
                "只能报名本人所在队伍或属地的活动",
            ));
        }
        let required: Vec<String> = serde_json::from_str(&a.required_skills).unwrap_or_default();
        let missing = missing_skills(&required, &v.skills);
        if !missing.is_empty() {
            return Err(AppError::invalid(
                "volunteer_id",
                "missing_skill",
                format!(
                    "本活动要求具备以下技能：{}；该志愿者尚未登记",
                    missing.join("、")
                ),
            ));
        }
        Ok(())
    }

    pub async fn sign_up(
        &self,
        actor: &Actor,
        activity_id: &str,
        input: &NewSignup,
    ) -> AppResult<SignupResult> {
        let result = self.sign_up_counted(actor, activity_id, input).await?;
        // Places left on every volunteer's page move at once.
        self.open_view_refresh(&result.activity_id, true).await;
        Ok(result)
    }

    async fn sign_up_counted(
        &self,
        actor: &Actor,
        activity_id: &str,
        input: &NewSignup,
    ) -> AppResult<SignupResult> {
        if let Scope::Volunteer { volunteer_id: own } = &actor.scope {
            if !input.walk_in && own.as_str() == input.volunteer_id.trim() {
                return self.sign_up_self(actor, activity_id, own).await;
            }
        }
        // The writer answers "changed" when the activity moved after the checks: again.
        for _ in 0..STALE_RETRIES {
            if let Some(result) = self.sign_up_once(actor, activity_id, input).await? {
                return Ok(result);
            }
        }
        Err(changed_meanwhile())
    }

    /// One attempt of `sign_up`; `None` when the activity changed between checks and write.
    async fn sign_up_once(
        &self,
        actor: &Actor,
        activity_id: &str,
        input: &NewSignup,
    ) -> AppResult<Option<SignupResult>> {
        let (a, v, joins) = self
            .signup_parties(actor, activity_id, &input.volunteer_id)
            .await?;
        let now = clock::now_ms();
        let walk_in = input.walk_in;
        if walk_in {
            // Only an officer over the activity's unit, and only while it is not closed.
            if !actor.scope.covers_team(&a.team_path, &a.org_path)
                || matches!(actor.scope, Scope::Volunteer { .. })
            {
                return Err(AppError::role_forbidden().with_field("walk_in"));
            }
            if a.status != ActivityStatus::Published.as_str() {
                return Err(AppError::conflict(
                    "activity_not_open",
                    "活动未发布或已结束",
                ));
            }
        } else {
            self.check_signup_rules(&v, &a, now, joins).await?;
        }
        let action = if walk_in {
            "signup.walk_in"
        } else {
            "signup.create"
        };
        let audit = self.audit_entry(
            actor,
            action,
            "activity",
            &a.id,
            &a.org_path,
            None,
            Some(serde_json::json!({"volunteer_id": v.row.id, "walk_in": walk_in})),
        );
        let outcome = if !walk_in && self.store.batches_signups() {
            let req = SignupRequest {
                activity_id: a.id.clone(),
                volunteer_id: v.row.id.clone(),
                at: now,
                audit,
            };
            match self
                .signup_batcher
                .submit(&self.store, req, a.version)
                .await?
            {
                Some(outcome) => outcome,
                None => return Ok(None),
            }
        } else {
            self.store
                .signup(&a.id, &v.row.id, now, walk_in, &audit)
                .await?
        };
        outcome_to_result(&a.id, &v.row.id, walk_in, outcome).map(Some)
    }

    pub async fn cancel_signup(
        &self,
        actor: &Actor,
        activity_id: &str,
        volunteer_id: &str,
    ) -> AppResult<SignupView> {
        let a = self.visible_activity(actor, activity_id).await?;
        let v = self.signup_subject(actor, volunteer_id).await?;
        if a.status == ActivityStatus::Done.as_str()
            || a.status == ActivityStatus::Cancelled.as_str()
        {
            return Err(AppError::conflict("activity_closed", "活动已结束或已取消"));
        }
        let before = self.store.get_signup(&a.id, &v.row.id).await?;
        let audit = self.audit_entry(
            actor,
            "signup.cancel",
            "activity",
            &a.id,
            &a.org_path,
            before
                .as_ref()
                .map(|s| serde_json::json!({"volunteer_id": s.volunteer_id, "status": s.status})),
            Some(serde_json::json!({"volunteer_id": v.row.id, "status": "cancelled"})),
        );
        self.store
            .cancel_signup(&a.id, &v.row.id, clock::now_ms(), &audit)
            .await
            .map_err(|e| match e {
                zhiyuan_store::StoreError::NotFound => AppError::not_found("报名"),
                other => other.into(),
            })?;
        self.open_view_refresh(&a.id, true).await;
        let row = self
            .store
            .get_signup(&a.id, &v.row.id)
            .await?
            .ok_or_else(|| AppError::not_found("报名"))?;
        Ok(SignupView::from(&row))
    }

    /// Live sign-ups: officers see all; a volunteer sees only their own line.
    pub async fn list_signups(
        &self,
        actor: &Actor,
        activity_id: &str,
    ) -> AppResult<Page<SignupView>> {
        let a = self.visible_activity(actor, activity_id).await?;
        let rows = self.store.signups_of(&a.id).await?;
        let items: Vec<SignupView> = rows
            .iter()
            .filter(|s| match &actor.scope {
                Scope::Volunteer { volunteer_id } => s.volunteer_id == *volunteer_id,
                _ => true,
            })
            .map(SignupView::from)
            .collect();
        Ok(Page {
            total: items.len() as i64,
            items,
        })
    }

    /// The actor's own live sign-ups with their activities (the volunteer's phone list).
    pub async fn my_signups(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(super::ActivityView, SignupView)>> {
        let Some(vid) = actor.volunteer_id.as_deref() else {
            return Ok(Vec::new());
        };
        let signups = self.store.signups_of_volunteer(vid, 50).await?;
        let ids: Vec<String> = signups.iter().map(|s| s.activity_id.clone()).collect();
        // One read for all the activities (this is the volunteer's daily page).
        let activities: std::collections::HashMap<String, _> = (self.store.get_activities(&ids))
            .await?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        Ok(signups
            .iter()
            .filter_map(|s| {
                let a = activities.get(&s.activity_id)?;
                Some((super::ActivityView::from(a), SignupView::from(s)))
            })
            .collect())
    }
}

pub(crate) fn outcome_to_result(
    activity_id: &str,
    volunteer_id: &str,
    walk_in: bool,
    o: SignupOutcome,
) -> AppResult<SignupResult> {
    let (status, position) = match o {
        SignupOutcome::Confirmed => ("confirmed", None),
        SignupOutcome::Waitlisted { position } => ("waitlisted", Some(position)),
        SignupOutcome::Full => {
            return Err(AppError::conflict(
                "activity_full",
                "名额已满，且本活动不设候补",
            ));
        }
        SignupOutcome::Already(s) => {
            return Err(AppError::conflict(
                "already_signed_up",
                format!("已经报名（{}）", super::views::status_label(&s)),
            )
            .with_field("volunteer_id"));
        }
    };
    Ok(SignupResult {
        activity_id: activity_id.to_owned(),
        volunteer_id: volunteer_id.to_owned(),
        status: status.to_owned(),
        position,
        walk_in,
    })
}
