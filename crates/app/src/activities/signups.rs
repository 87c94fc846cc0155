//! Sign-up (报名), cancellation with waitlist promotion, officers' walk-ins (R-ACT, API.md).
//!
//! Group commit (成批提交) on SQLite: every sign-up's checks run in its own request, then the
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
use zhiyuan_store::activities::{ActivityRow, SignupOutcome, SignupRequest};
use zhiyuan_store::{Store, StoreResult, VolunteerRecord};

use super::views::{SignupResult, SignupView};
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

/// The single writer of sign-ups (group commit). Started on first use, in the runtime of the
/// first sign-up; it stops when the last `App` clone (and so the queue's sender) is gone.
#[derive(Default)]
pub struct SignupBatcher {
    queue: OnceLock<mpsc::Sender<QueuedSignup>>,
}

struct QueuedSignup {
    req: SignupRequest,
    reply: oneshot::Sender<StoreResult<SignupOutcome>>,
}

impl SignupBatcher {
    /// Writes one sign-up with whatever others are queued; answers after their commit.
    async fn submit(&self, store: &Arc<dyn Store>, req: SignupRequest) -> AppResult<SignupOutcome> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
            tokio::spawn(write_batches(store.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        if let Err(refused) = queue.send(QueuedSignup { req, reply }).await {
            // The writer is gone (its runtime ended): nothing was queued, write it directly.
            let r = refused.0.req;
            return Ok(store
                .signup(&r.activity_id, &r.volunteer_id, r.at, false, &r.audit)
                .await?);
        }
        match answer.await {
            Ok(result) => Ok(result?),
            // The writer stopped mid-batch: whether this one was written is unknown.
            Err(_) => Err(AppError::internal()),
        }
    }
}

/// The writer task: takes every queued sign-up (up to `MAX_BATCH`), writes them in one
/// transaction, and answers each with its own outcome, in queue order.
async fn write_batches(store: Arc<dyn Store>, mut rx: mpsc::Receiver<QueuedSignup>) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let (reqs, replies): (Vec<_>, Vec<_>) = queued.drain(..).map(|q| (q.req, q.reply)).unzip();
        let started = std::time::Instant::now();
        let written = store.signup_batch(&reqs).await;
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
                for (r, reply) in reqs.into_iter().zip(replies) {
                    let result = store
                        .signup(&r.activity_id, &r.volunteer_id, r.at, false, &r.audit)
                        .await;
                    let _ = reply.send(result);
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
            self.signup_batcher.submit(&self.store, req).await?
        } else {
            self.store
                .signup(&a.id, &v.row.id, now, walk_in, &audit)
                .await?
        };
        outcome_to_result(&a.id, &v.row.id, walk_in, outcome)
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
        let mut out = Vec::new();
        for s in self.store.signups_of_volunteer(vid, 50).await? {
            if let Some(a) = self.store.get_activity(&s.activity_id).await? {
                out.push((super::ActivityView::from(&a), SignupView::from(&s)));
            }
        }
        Ok(out)
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
