//! What a volunteer's own sign-up reads before it queues, without a database round trip of
//! its own (报名前的读取):
//!
//! - the activity row from [`ActivityCache`] (the batched path). A cached row is
//!   never trusted alone: every request carries the row's `version` to the batch writer,
//!   which re-reads it under the write lock and answers `Stale` when it moved (status changed
//!   — cancelled, closed — or any other column but the counters), and a refusal decided on a
//!   cached row is decided again on a fresh one. Capacity is the writer's anyway (counters).
//! - the volunteer (row, skills, team paths) through a [`Coalescer`]: read after the request
//!   arrived, like a direct read, but together with every other volunteer asked for meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zhiyuan_store::activities::{ActivityRow, SignupRequest, SignupSubject};
use zhiyuan_store::Store;

use super::signups::{changed_meanwhile, outcome_to_result, STALE_RETRIES};
use super::views::SignupResult;
use crate::coalesce::Loaded;
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

/// How long a cached activity row is used before it is read again (the writer validates
/// every use anyway; this only bounds how long a row nobody asks about stays in memory).
const ACTIVITY_CACHE_MS: i64 = 5_000;
/// Rows kept at most; beyond it the expired go, and if that is not enough, all.
const ACTIVITY_CACHE_MAX: usize = 4_096;

/// Activity rows by id for the batched sign-up path (活动缓存).
#[derive(Default)]
pub struct ActivityCache {
    entries: Mutex<HashMap<String, (Arc<ActivityRow>, i64)>>,
}

impl ActivityCache {
    fn get(&self, id: &str, now: i64) -> Option<Arc<ActivityRow>> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|(_, until)| *until > now)
            .map(|(row, _)| row.clone())
    }

    fn put(&self, row: Arc<ActivityRow>, now: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= ACTIVITY_CACHE_MAX {
            map.retain(|_, (_, until)| *until > now);
            if map.len() >= ACTIVITY_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(row.id.clone(), (row, now + ACTIVITY_CACHE_MS));
    }

    /// Drops a row this process just changed, so the next sign-up reads it fresh.
    pub(crate) fn forget(&self, id: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

/// Loader of [`SignupSubject`]s by volunteer id, for the coalescer.
pub(crate) fn read_subjects(
    store: Arc<dyn Store>,
    ids: Vec<String>,
) -> Loaded<String, SignupSubject> {
    Box::pin(async move {
        let found = store.signup_subjects(&ids).await?;
        Ok(found
            .into_iter()
            .map(|s| (s.volunteer.row.id.clone(), s))
            .collect())
    })
}

/// `App::may_join` on facts already read: the activity's org contains the volunteer's
/// locality, or one of the volunteer's teams lies within the activity's team.
pub(crate) fn may_join_subject(s: &SignupSubject, a: &ActivityRow) -> bool {
    zhiyuan_domain::is_within(&s.volunteer.row.org_path, &a.org_path)
        || s.team_paths
            .iter()
            .any(|p| zhiyuan_domain::is_within(p, &a.team_path))
}

impl App {
    /// The activity a sign-up is checked against, and whether it came from the cache.
    /// `cached` allows the cache (the batched path, where the writer validates it under the write lock).
    pub(crate) async fn signup_activity(
        &self,
        id: &str,
        cached: bool,
    ) -> AppResult<(Arc<ActivityRow>, bool)> {
        let cache = &self.signup_batcher.activities;
        let now = clock::now_ms();
        if cached {
            if let Some(row) = cache.get(id, now) {
                return Ok((row, true));
            }
        }
        let row = Arc::new(
            self.store
                .get_activity(id)
                .await?
                .ok_or_else(|| AppError::not_found("活动"))?,
        );
        if self.store.batches_signups() {
            cache.put(row.clone(), now);
        }
        Ok((row, false))
    }
}

impl App {
    /// A volunteer signing themselves up (the burst path): the activity from the cache, their
    /// own facts read together with concurrent requests; the same rules in the
    /// same order as `signup_parties` + `check_signup_rules`, with the same answers.
    pub(super) async fn sign_up_self(
        &self,
        actor: &Actor,
        activity_id: &str,
        own_id: &str,
    ) -> AppResult<SignupResult> {
        let batched = self.store.batches_signups();
        let mut use_cache = batched;
        for _ in 0..STALE_RETRIES {
            let (activity, me) = tokio::join!(
                self.signup_activity(activity_id, use_cache),
                self.signup_batcher
                    .subjects
                    .get(&self.store, own_id.to_owned())
            );
            let (a, cached) = activity?;
            let me = me?.ok_or_else(|| AppError::not_found("活动"))?;
            let now = clock::now_ms();
            let joins = may_join_subject(&me, &a);
            let mut checked = Ok(());
            if !joins && self.store.get_signup(activity_id, own_id).await?.is_none() {
                checked = Err(AppError::not_found("活动"));
            }
            if checked.is_ok() {
                checked = self
                    .check_signup_rules(&me.volunteer, &a, now, Some(joins))
                    .await;
            }
            if let Err(refused) = checked {
                if !cached {
                    return Err(refused);
                }
                // Decided on a cached row: decide again on a fresh one.
                self.signup_batcher.activities.forget(activity_id);
                use_cache = false;
                continue;
            }
            let v = &me.volunteer.row;
            let audit = self.audit_entry(
                actor,
                "signup.create",
                "activity",
                &a.id,
                &a.org_path,
                None,
                Some(serde_json::json!({"volunteer_id": v.id, "walk_in": false})),
            );
            let outcome = if batched {
                let req = SignupRequest {
                    activity_id: a.id.clone(),
                    volunteer_id: v.id.clone(),
                    at: now,
                    audit,
                };
                match self
                    .signup_batcher
                    .submit(&self.store, req, a.version)
                    .await?
                {
                    Some(outcome) => outcome,
                    None => {
                        // The activity changed after these checks; nothing was written.
                        self.signup_batcher.activities.forget(activity_id);
                        use_cache = false;
                        continue;
                    }
                }
            } else {
                self.store.signup(&a.id, &v.id, now, false, &audit).await?
            };
            return outcome_to_result(&a.id, &v.id, false, outcome);
        }
        Err(changed_meanwhile())
    }
}
