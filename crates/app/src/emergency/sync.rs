//! Keeping the candidate index in step with the database, and the board's events flowing.
//!
//! - Start-up: the index is loaded from the store in id order (pages of 10,000), each page
//!   turned into compact records at once, then sorted and packed in place (`index_build.rs`).
//! - Every write to a volunteer stamps `updated_at`. Before each candidate search, and every
//!   two seconds in the background, the rows changed since the last look are re-read
//!   (`volunteers_updated_at` index) and applied; so the index answers with every committed
//!   write of this process, and of any other process on the same database within two seconds
//!   (at once when it searches). The look goes back `OVERLAP_MS` so a write stamped just before
//!   and committed just after a look is still seen; rows already applied (same version) are
//!   skipped. No hook in other features' write paths is needed.
//! - Every `RECONCILE_EVERY` the background loop also walks every row (id order, pages) and
//!   applies whatever differs by version: a write whose commit came more than `OVERLAP_MS`
//!   after its stamp (a long import chunk on a loaded server) is then picked up within
//!   minutes instead of at the next restart; indexed volunteers without an indexable row are
//!   taken out. Pages stream through; memory stays flat.
//! - Board events: on PostgreSQL a `LISTEN` connection feeds every process's bus (the writes
//!   `NOTIFY` inside their transactions); on SQLite the writer publishes after commit.
//! - The sweep writes `expired` on call-ups nobody answered in time, so every board shows it.

use std::collections::HashSet;
use std::sync::Weak;
use std::time::Duration;

use tokio::sync::{broadcast, RwLock};
use zhiyuan_domain::GeoPoint;
use zhiyuan_store::emergency::IndexRow;
use zhiyuan_store::{NewAudit, Store};

use super::index::{IndexedVolunteer, SpatialIndex};
use super::views::BoardEvent;
use crate::error::AppResult;
use crate::{clock, App};

/// How far back each delta look reaches (a write's stamp may precede its commit).
pub const OVERLAP_MS: i64 = 10_000;
/// Rows per page of the start-up load and of a delta look.
const PAGE: i64 = 10_000;
/// The background loop's period.
const TICK: Duration = Duration::from_secs(2);
/// How often the background loop reconciles the whole index with the table.
const RECONCILE_EVERY: Duration = Duration::from_secs(300);

/// The index and how far the database has been looked at.
pub struct Indexed {
    pub ix: SpatialIndex,
    /// The newest `updated_at` applied.
    pub seen_until: i64,
}

/// The index's view of a row: Some when the volunteer belongs in it (active, home known,
/// consent to its use, R-LAW-5).
fn indexable(r: IndexRow) -> Option<IndexedVolunteer> {
    if r.status != "active" || !r.consent_location {
        return None;
    }
    let home = GeoPoint::new(r.home_lat?, r.home_lon?).ok()?;
    Some(IndexedVolunteer {
        id: r.id,
        org_path: r.org_path,
        home,
        skills: r.skills,
        version: r.version,
    })
}

/// Reads every indexable volunteer and builds the index (the start-up load). Each page of
/// rows becomes compact records and is dropped before the next is read, so the rows of the
/// whole table are never in memory beside the index.
pub async fn load_index(store: &dyn Store) -> AppResult<Indexed> {
    let started = clock::now_ms();
    let mut ix = SpatialIndex::default();
    let mut after = String::new();
    loop {
        let rows = store.index_rows_after(&after, PAGE).await?;
        let n = rows.len();
        if let Some(last) = rows.last() {
            after = last.id.clone();
        }
        for v in rows.into_iter().filter_map(indexable) {
            ix.push(&v);
        }
        if n < PAGE as usize {
            break;
        }
    }
    let read_ms = clock::now_ms() - started;
    ix.finish_load();
    tracing::info!(
        volunteers = ix.len(),
        ms = clock::now_ms() - started,
        read_ms,
        "candidate index loaded"
    );
    Ok(Indexed {
        ix,
        seen_until: started,
    })
}

/// Applies the rows changed since the last look. Returns how many changed the index.
pub async fn apply_changes(store: &dyn Store, state: &RwLock<Indexed>) -> AppResult<usize> {
    let mut since = state.read().await.seen_until - OVERLAP_MS;
    let mut after = String::new();
    let mut changed = 0;
    let mut newest = i64::MIN;
    loop {
        let rows = store.index_rows_changed(since, &after, PAGE).await?;
        let n = rows.len();
        if let Some(last) = rows.last() {
            since = last.updated_at;
            after = last.id.clone();
        }
        let mut st = state.write().await;
        for r in rows {
            newest = newest.max(r.updated_at);
            changed += apply_row(&mut st.ix, r);
        }
        st.seen_until = st.seen_until.max(newest);
        st.ix.tidy();
        if n < PAGE as usize {
            break;
        }
    }
    Ok(changed)
}

/// One row into the index by version: returns 1 when the index changed.
fn apply_row(ix: &mut SpatialIndex, r: IndexRow) -> usize {
    let id = r.id.clone();
    let version = r.version;
    match indexable(r) {
        Some(v) if ix.version_of(&id) != Some(version) => {
            ix.upsert(&v);
            1
        }
        Some(_) => 0,
        None => usize::from(ix.remove(&id)),
    }
}

/// Walks every indexable row (id order, pages) and applies what differs from the index; an
/// indexed volunteer with no indexable row any more (suspended, consent withdrawn, home
/// cleared by a write the delta looks missed) is taken out at the end. The write lock is held
/// per page only, so searches interleave; the caller holds the sync lock, so nothing else
/// moves slots meanwhile (no `tidy` until the end). Returns how many changed the index.
pub async fn reconcile(store: &dyn Store, state: &RwLock<Indexed>) -> AppResult<usize> {
    let mut after = String::new();
    let mut changed = 0;
    let mut seen = vec![false; state.read().await.ix.slot_count()];
    loop {
        let rows = store.index_rows_after(&after, PAGE).await?;
        let n = rows.len();
        if let Some(last) = rows.last() {
            after = last.id.clone();
        }
        let mut st = state.write().await;
        for r in rows {
            let id = r.id.clone();
            changed += apply_row(&mut st.ix, r);
            if let Some(slot) = st.ix.slot_of_id(&id) {
                let slot = slot as usize;
                if slot >= seen.len() {
                    seen.resize(slot + 1, false);
                }
                seen[slot] = true;
            }
        }
        drop(st);
        if n < PAGE as usize {
            break;
        }
    }
    let mut st = state.write().await;
    changed += st.ix.remove_unmarked(&seen);
    st.ix.tidy();
    Ok(changed)
}

impl App {
    /// The candidate index, loaded on first use; brought up to date with the database.
    pub(crate) async fn synced_index(&self) -> AppResult<&RwLock<Indexed>> {
        self.start_emergency().await;
        let state = self
            .emergency
            .index
            .get_or_try_init(|| async {
                Ok::<_, crate::AppError>(RwLock::new(load_index(self.store.as_ref()).await?))
            })
            .await?;
        let _one_at_a_time = self.emergency.sync_lock.lock().await;
        apply_changes(self.store.as_ref(), state).await?;
        Ok(state)
    }

    /// The background loop's full reconciliation, now (tests; an operator's tool).
    pub async fn reconcile_candidate_index(&self) -> AppResult<usize> {
        let state = self.synced_index().await?;
        let _one_at_a_time = self.emergency.sync_lock.lock().await;
        reconcile(self.store.as_ref(), state).await
    }

    /// Starts what each server process runs for emergency response: on PostgreSQL the
    /// listener (already listening when this returns), and the loop that keeps the index in
    /// step and sweeps expired call-ups. Idempotent; `zhiyuan serve` calls it at start so the
    /// index is loaded before the first search.
    pub async fn start_emergency(&self) {
        self.emergency
            .started
            .get_or_init(|| async {
                match self.store.listen_events().await {
                    Ok(Some(rx)) => {
                        tokio::spawn(forward_events(rx, self.emergency.bus.clone()));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, "emergency events: cannot listen"),
                }
                tokio::spawn(background(
                    std::sync::Arc::downgrade(&self.emergency),
                    self.clone_weakly(),
                ));
            })
            .await;
    }

    /// Loads the index now (at server start), in the background.
    pub fn warm_up_emergency(&self) {
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.synced_index().await {
                tracing::error!(error = %e, "candidate index: load failed");
            }
        });
    }

    fn clone_weakly(&self) -> Weak<dyn Store> {
        std::sync::Arc::downgrade(&self.store)
    }

    /// Board events for one incident, for a live board (SSE), after checking the actor
    /// commands it. Subscribed before this returns: nothing published later is missed.
    pub async fn incident_events(
        &self,
        actor: &crate::Actor,
        id: &str,
    ) -> AppResult<broadcast::Receiver<BoardEvent>> {
        self.commanded_incident(actor, id).await?;
        self.start_emergency().await;
        Ok(self.emergency.bus.subscribe())
    }

    /// Writes `expired` on call-ups past their deadline and tells the boards.
    pub async fn sweep_expired_callups(&self) -> AppResult<usize> {
        sweep(self.store.as_ref(), &self.emergency.bus).await
    }
}

async fn sweep(store: &dyn Store, bus: &broadcast::Sender<BoardEvent>) -> AppResult<usize> {
    let now = clock::now_ms();
    if !store.has_due_callups(now).await? {
        return Ok(0);
    }
    let audit = |c: &zhiyuan_store::emergency::CallupRow| NewAudit {
        at: now,
        actor_id: None,
        actor_name: "系统".into(),
        action: "callup.expired".into(),
        subject_type: "callup".into(),
        subject_id: c.id.clone(),
        org_path: c.org_path.clone(),
        before: Some(serde_json::json!({"status": "called"})),
        after: Some(serde_json::json!({"status": "expired", "incident_id": c.incident_id})),
    };
    let event = |c: &zhiyuan_store::emergency::CallupRow| BoardEvent {
        incident_id: c.incident_id.clone(),
        kind: "expired".into(),
        callup_id: Some(c.id.clone()),
        volunteer_id: Some(c.volunteer_id.clone()),
        at: now,
    };
    let rows = store
        .expire_due_callups(now, &audit, &|c| event(c).payload())
        .await?;
    if !store.notifies_events() {
        for r in &rows {
            let _ = bus.send(event(r));
        }
    }
    Ok(rows.len())
}

/// Listener payloads into the bus. A dropped connection may have lost events: boards are
/// told to reload (an event of kind `resync` for every incident, `incident_id` empty).
async fn forward_events(
    mut rx: tokio::sync::mpsc::Receiver<Option<String>>,
    bus: broadcast::Sender<BoardEvent>,
) {
    while let Some(item) = rx.recv().await {
        let event = match item {
            Some(payload) => match serde_json::from_str::<BoardEvent>(&payload) {
                Ok(e) => e,
                Err(_) => continue,
            },
            None => BoardEvent {
                incident_id: String::new(),
                kind: "resync".into(),
                callup_id: None,
                volunteer_id: None,
                at: clock::now_ms(),
            },
        };
        let _ = bus.send(event);
    }
}

/// Every `TICK`: the delta look (if the index is loaded) and the expiry sweep. Ends when the
/// app is gone.
async fn background(rt: Weak<super::Runtime>, store: Weak<dyn Store>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen_expired: HashSet<String> = HashSet::new();
    let mut last_reconcile = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        let (Some(rt), Some(store)) = (rt.upgrade(), store.upgrade()) else {
            return;
        };
        if let Some(state) = rt.index.get() {
            let _one = rt.sync_lock.lock().await;
            if let Err(e) = apply_changes(store.as_ref(), state).await {
                tracing::warn!(error = %e, "candidate index: delta look failed");
            }
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = tokio::time::Instant::now();
                match reconcile(store.as_ref(), state).await {
                    Ok(0) => {}
                    // Something the delta looks missed: worth knowing about.
                    Ok(n) => tracing::warn!(n, "candidate index: reconciliation applied rows"),
                    Err(e) => tracing::warn!(error = %e, "candidate index: reconciliation failed"),
                }
            }
        }
        match sweep(store.as_ref(), &rt.bus).await {
            Ok(n) if n > 0 => tracing::debug!(n, "call-ups expired"),
            Ok(_) => {}
            Err(e) => {
                if seen_expired.insert(e.code.clone()) {
                    tracing::warn!(error = %e, "call-up sweep failed");
                }
            }
        }
    }
}
