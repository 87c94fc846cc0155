//! The volunteers' open activities (可报名的活动) from memory: every server process keeps the
//! published, not-yet-ended activities, indexed by the exact org path and unit path they
//! belong to, so a volunteer's page is a handful of map lookups (their localities and units
//! with the levels above) instead of SQL. What stays per request, exactly as fresh as a direct
//! read but shared by every request waiting at the same moment (`coalesce.rs`): the
//! volunteer's locality and units (the sign-up path's subject reads) and their own live
//! sign-ups. A rendered page is never cached.
//!
//! Keeping in step (the candidate index's way, `emergency/sync.rs`):
//! - Start: loaded on first use from the published rows ending in the future.
//! - This process's writes show at once: a created activity is put in from its row; a status
//!   change, sign-up or cancellation re-reads the row after its commit (coalesced) and puts it
//!   in or takes it out.
//! - Other processes' writes: every `TICK` the rows whose `updated_at` moved since the last
//!   look (minus `OVERLAP_MS`, since a write's stamp precedes its commit) are re-read through
//!   the `activities_updated_at` index. Every write to an activity row moves `updated_at`
//!   strictly (`max(old + 1, now)` in the SQL, counters included), so a row's `updated_at`
//!   orders its states: a read older than what the view holds is ignored, and a row that left
//!   the view keeps a tombstone for a minute so an older read cannot bring it back.
//! - Every `RECONCILE_EVERY` the whole open set is read again and anything the looks missed
//!   (a write committed more than `OVERLAP_MS` after its stamp, a renamed unit) is put right.
//! - An activity that ends drops out of the lists at once by time (checked on every read).
//!   Published rows stay in memory for `KEEP_ENDED_MS` after they end, so a volunteer's live
//!   sign-up in an ended activity not yet closed is still named on their page without
//!   reading its row; older ones are swept each tick (closed or long past: history, on /me).
//!
//! So another process's write shows here within `TICK` plus one look (≈ 1 s) when it commits
//! within `OVERLAP_MS` of its stamp, and within `RECONCILE_EVERY` in any case.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use zhiyuan_domain::ancestor_paths;
use zhiyuan_store::activities::{ActivityRow, SignupRow};
use zhiyuan_store::Store;

use super::views::SignupView;
use super::ActivityView;
use crate::clock::{Clock, SystemClock};
use crate::coalesce::{Coalescer, Loaded};
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

/// How far back each delta look reaches (a write's stamp may precede its commit).
pub const OVERLAP_MS: i64 = 10_000;
/// The background loop's period: the bound on how late another process's write shows.
pub const TICK: Duration = Duration::from_secs(1);
/// How often the whole open set is read again.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// How long a tombstone of a row that left the view is kept.
const TOMBSTONE_MS: i64 = 60_000;
/// Rows per page of a load or a delta look.
const PAGE: i64 = 5_000;
/// Most activities on one volunteer's page (as the SQL list had).
pub const MAX_ITEMS: usize = 200;
/// How long a published activity is kept after it ends (for the page's "other sign-ups").
pub const KEEP_ENDED_MS: i64 = 7 * 24 * 3_600_000;

/// One open activity as pages and the API show it, with what the index needs.
pub struct OpenEntry {
    pub view: Arc<ActivityView>,
    org_path: String,
    team_path: String,
    starts_at: i64,
    ends_at: i64,
    updated_at: i64,
}

type ByPath = HashMap<String, BTreeMap<(i64, String), Arc<OpenEntry>>>;

#[derive(Default)]
struct ViewState {
    by_id: HashMap<String, Arc<OpenEntry>>,
    /// Keyed by the activity's own org path, then (starts_at, id).
    by_org: ByPath,
    /// Keyed by the activity's own unit path, then (starts_at, id).
    by_team: ByPath,
    /// `updated_at` of rows that left the view, and when they left.
    gone: HashMap<String, (i64, i64)>,
    /// Wall-clock start of the last delta look (or of the load).
    last_look: i64,
}

impl ViewState {
    /// Puts a row in (or takes it out) unless the view already holds a newer state of it.
    fn apply(&mut self, row: &ActivityRow, now: i64) {
        let known = match self.by_id.get(&row.id) {
            Some(e) => Some(e.updated_at),
            None => self.gone.get(&row.id).map(|(u, _)| *u),
        };
        if known.is_some_and(|k| row.updated_at < k) {
            return;
        }
        self.remove(&row.id);
        if row.status == "published" && row.ends_at > now - KEEP_ENDED_MS {
            self.gone.remove(&row.id);
            let e = Arc::new(OpenEntry {
                view: Arc::new(ActivityView::from(row)),
                org_path: row.org_path.clone(),
                team_path: row.team_path.clone(),
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                updated_at: row.updated_at,
            });
            let key = (e.starts_at, row.id.clone());
            self.by_org
                .entry(e.org_path.clone())
                .or_default()
                .insert(key.clone(), e.clone());
            self.by_team
                .entry(e.team_path.clone())
                .or_default()
                .insert(key, e.clone());
            self.by_id.insert(row.id.clone(), e);
        } else {
            self.gone.insert(row.id.clone(), (row.updated_at, now));
        }
    }

    fn remove(&mut self, id: &str) -> Option<Arc<OpenEntry>> {
        let e = self.by_id.remove(id)?;
        let key = (e.starts_at, id.to_owned());
        for (map, path) in [
            (&mut self.by_org, &e.org_path),
            (&mut self.by_team, &e.team_path),
        ] {
            if let Some(set) = map.get_mut(path) {
                set.remove(&key);
                if set.is_empty() {
                    map.remove(path);
                }
            }
        }
        Some(e)
    }

    /// Drops entries ended more than `KEEP_ENDED_MS` ago, and old tombstones.
    fn sweep(&mut self, now: i64) {
        let ended: Vec<String> = self
            .by_id
            .values()
            .filter(|e| e.ends_at <= now - KEEP_ENDED_MS)
            .map(|e| e.view.id.clone())
            .collect();
        for id in ended {
            self.remove(&id);
        }
        self.gone.retain(|_, (_, left)| *left > now - TOMBSTONE_MS);
    }

    /// The open activities at these exact org and unit paths, by start time.
    fn at(&self, org_paths: &[String], team_paths: &[String], now: i64) -> Vec<Arc<OpenEntry>> {
        let mut seen = HashSet::new();
        let mut out: Vec<Arc<OpenEntry>> = Vec::new();
        let sets = org_paths
            .iter()
            .filter_map(|p| self.by_org.get(p))
            .chain(team_paths.iter().filter_map(|p| self.by_team.get(p)));
        for set in sets {
            for e in set.values() {
                if e.ends_at > now && seen.insert(e.view.id.as_str()) {
                    out.push(e.clone());
                }
            }
        }
        out.sort_by(|a, b| (a.starts_at, &a.view.id).cmp(&(b.starts_at, &b.view.id)));
        out.truncate(MAX_ITEMS);
        out
    }
}

/// The view and what keeps it fresh; one per server process (per `App`).
pub struct OpenView {
    state: RwLock<ViewState>,
    loaded: tokio::sync::OnceCell<()>,
    /// One delta look or reconciliation at a time.
    sync_lock: tokio::sync::Mutex<()>,
    /// Rows re-read after this process's writes, together with concurrent ones.
    rows: Coalescer<String, ActivityRow>,
    /// Volunteers' live sign-ups, read together for concurrent page requests.
    own: Coalescer<String, Vec<SignupRow>>,
    /// The time the lists are read at, for dropping what has ended: the wall clock, or a
    /// hand-set one in tests (an activity ends without the test waiting for it).
    read_clock: RwLock<Arc<dyn Clock>>,
    /// How many rounds the background loop has finished, for tests to wait on.
    background_rounds: tokio::sync::watch::Sender<u64>,
}

impl Default for OpenView {
    fn default() -> Self {
        OpenView {
            state: RwLock::default(),
            loaded: tokio::sync::OnceCell::new(),
            sync_lock: tokio::sync::Mutex::new(()),
            rows: Coalescer::new(read_rows),
            own: Coalescer::new(read_own),
            read_clock: RwLock::new(Arc::new(SystemClock)),
            background_rounds: tokio::sync::watch::Sender::new(0),
        }
    }
}

fn read_rows(store: Arc<dyn Store>, ids: Vec<String>) -> Loaded<String, ActivityRow> {
    Box::pin(async move {
        let rows = store.get_activities(&ids).await?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
    })
}

fn read_own(store: Arc<dyn Store>, ids: Vec<String>) -> Loaded<String, Vec<SignupRow>> {
    Box::pin(async move {
        let mut by: HashMap<String, Vec<SignupRow>> = HashMap::new();
        for r in store.own_signups_of(&ids).await? {
            by.entry(r.volunteer_id.clone()).or_default().push(r);
        }
        Ok(by)
    })
}

impl OpenView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, ViewState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, ViewState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_clock(&self) -> Arc<dyn Clock> {
        self.read_clock
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn apply_all(&self, rows: &[ActivityRow]) {
        let now = clock::now_ms();
        let mut st = self.write();
        for r in rows {
            st.apply(r, now);
        }
    }

    /// How many open activities the view holds (tests, logs).
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every published row not ended `KEEP_ENDED_MS` ago, in pages.
async fn read_open_set(store: &dyn Store, now: i64) -> AppResult<Vec<ActivityRow>> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let rows = store
            .open_activities_page(now - KEEP_ENDED_MS, &after, PAGE)
            .await?;
        let n = rows.len();
        if let Some(last) = rows.last() {
            after = last.id.clone();
        }
        all.extend(rows);
        if n < PAGE as usize {
            return Ok(all);
        }
    }
}

/// Applies the rows changed since the last look (minus the overlap). Returns how many rows.
async fn delta_look(store: &dyn Store, view: &OpenView) -> AppResult<usize> {
    let started = clock::now_ms();
    let mut since = view.read().last_look - OVERLAP_MS;
    let mut after = String::new();
    let mut seen = 0;
    loop {
        let rows = store.activities_changed(since, &after, PAGE).await?;
        let n = rows.len();
        if let Some(last) = rows.last() {
            since = last.updated_at;
            after = last.id.clone();
        }
        view.apply_all(&rows);
        seen += n;
        if n < PAGE as usize {
            break;
        }
    }
    let mut st = view.write();
    st.last_look = st.last_look.max(started);
    st.sweep(clock::now_ms());
    Ok(seen)
}

/// Reads the whole open set again: applies every row, and takes out what the database no
/// longer has open unless the view learnt of it after the read began (minus the overlap).
/// Returns how many entries it took out.
async fn reconcile(store: &dyn Store, view: &OpenView) -> AppResult<usize> {
    let started = clock::now_ms();
    let rows = read_open_set(store, started).await?;
    let open: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let now = clock::now_ms();
    let mut st = view.write();
    for r in &rows {
        st.apply(r, now);
    }
    let stale: Vec<(String, i64)> = st
        .by_id
        .values()
        .filter(|e| !open.contains(e.view.id.as_str()) && e.updated_at < started - OVERLAP_MS)
        .map(|e| (e.view.id.clone(), e.updated_at))
        .collect();
    for (id, updated_at) in &stale {
        st.remove(id);
        st.gone.insert(id.clone(), (*updated_at, now));
    }
    Ok(stale.len())
}

/// Every `TICK` a delta look, every `RECONCILE_EVERY` a reconciliation; ends with the app.
async fn background(view: Weak<OpenView>, store: Weak<dyn Store>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_reconcile = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        let (Some(view), Some(store)) = (view.upgrade(), store.upgrade()) else {
            return;
        };
        let _one = view.sync_lock.lock().await;
        if let Err(e) = delta_look(store.as_ref(), &view).await {
            tracing::warn!(error = %e, "open activities: delta look failed");
        }
        if last_reconcile.elapsed() >= RECONCILE_EVERY {
            last_reconcile = tokio::time::Instant::now();
            match reconcile(store.as_ref(), &view).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(n, "open activities: reconciliation took rows out"),
                Err(e) => tracing::warn!(error = %e, "open activities: reconciliation failed"),
            }
        }
        view.background_rounds.send_modify(|n| *n += 1);
    }
}

/// A live sign-up of the volunteer in an activity still published but not on their list
/// (ended in the last `KEEP_ENDED_MS` and not yet closed, or out of their reach now).
pub struct OtherSignup {
    pub title: String,
    /// "2026-05-01 09:00 至 2026-05-01 12:00"
    pub when: String,
    pub starts_at: i64,
    pub signup: SignupView,
}

/// Everything the volunteer's page shows: the open activities with their own place in each,
/// and their other live sign-ups by start time.
pub struct OpenPageData {
    pub items: Vec<(Arc<ActivityView>, Option<SignupView>)>,
    pub others: Vec<OtherSignup>,
}

impl App {
    /// The view, loaded (and its background loop started) on first use.
    pub(crate) async fn open_view(&self) -> AppResult<&Arc<OpenView>> {
        let view = &self.signup_batcher.open;
        view.loaded
            .get_or_try_init(|| async {
                let started = clock::now_ms();
                let rows = read_open_set(self.store.as_ref(), started).await?;
                view.apply_all(&rows);
                view.write().last_look = started;
                tracing::info!(
                    activities = view.len(),
                    ms = clock::now_ms() - started,
                    "open activities loaded"
                );
                tokio::spawn(background(
                    Arc::downgrade(view),
                    Arc::downgrade(&self.store),
                ));
                Ok::<_, AppError>(())
            })
            .await?;
        Ok(view)
    }

    /// This process's new activities, straight into the view.
    pub(crate) fn open_view_insert(&self, rows: &[ActivityRow]) {
        self.signup_batcher.open.apply_all(rows);
    }

    /// Re-reads an activity this process just wrote (status, counters) into the view. Skipped
    /// for a sign-up or cancellation of an activity the view does not hold (`only_if_held`):
    /// then it is not open, and its counters change nothing on any page.
    pub(crate) async fn open_view_refresh(&self, id: &str, only_if_held: bool) {
        let view = &self.signup_batcher.open;
        if only_if_held && !view.holds(id) {
            return;
        }
        match view.rows.get(&self.store, id.to_owned()).await {
            Ok(Some(row)) => view.apply_all(std::slice::from_ref(&row)),
            Ok(None) => {
                view.write().remove(id);
            }
            // The next delta look (≤ TICK) brings it; the write itself has succeeded.
            Err(e) => tracing::warn!(error = %e, "open activities: re-read failed"),
        }
    }

    /// The background loop's delta look, now (tests; an operator's tool).
    pub async fn catch_up_open_activities(&self) -> AppResult<usize> {
        let view = self.open_view().await?;
        let _one = view.sync_lock.lock().await;
        delta_look(self.store.as_ref(), view).await
    }

    /// Reads the open lists at `clock`'s time instead of the wall clock's (tests: an activity
    /// ends and drops out by itself, without the test waiting for it).
    #[doc(hidden)]
    pub fn set_open_view_clock(&self, clock: Arc<dyn Clock>) {
        *self
            .signup_batcher
            .open
            .read_clock
            .write()
            .unwrap_or_else(|e| e.into_inner()) = clock;
    }

    /// Counts the rounds (a delta look, and a reconciliation when due) the background loop
    /// has finished. Tests wait on it instead of a fixed time: another process's write that
    /// committed (within `OVERLAP_MS` of its stamp) before round `n` began shows once round
    /// `n` is over.
    #[doc(hidden)]
    pub fn open_view_background_rounds(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signup_batcher.open.background_rounds.subscribe()
    }

    /// The background loop's reconciliation, now (tests; an operator's tool).
    pub async fn reconcile_open_activities(&self) -> AppResult<usize> {
        let view = self.open_view().await?;
        let _one = view.sync_lock.lock().await;
        reconcile(self.store.as_ref(), view).await
    }

    /// The open activities the volunteer may join (their locality and the orgs above it,
    /// their units and the units above them), by start time; empty for other accounts.
    pub(crate) async fn open_entries(&self, actor: &Actor) -> AppResult<Vec<Arc<OpenEntry>>> {
        let Some(vid) = actor.volunteer_id.as_deref() else {
            return Ok(Vec::new());
        };
        let (view, me) = tokio::join!(
            self.open_view(),
            self.signup_batcher
                .subjects
                .get(&self.store, vid.to_owned())
        );
        let view = view?;
        let me = me?.ok_or_else(|| AppError::not_found("志愿者"))?;
        let orgs = ancestor_paths(&me.volunteer.row.org_path);
        let teams: Vec<String> = me
            .team_paths
            .iter()
            .flat_map(|p| ancestor_paths(p))
            .collect();
        let now = view.read_clock().now_ms();
        Ok(view.read().at(&orgs, &teams, now))
    }

    /// The volunteer's page: the open activities with their own place in each (read exactly,
    /// with whatever other pages are asked for meanwhile), and their other live sign-ups.
    pub async fn open_page(&self, actor: &Actor) -> AppResult<OpenPageData> {
        let Some(vid) = actor.volunteer_id.as_deref() else {
            return Ok(OpenPageData {
                items: Vec::new(),
                others: Vec::new(),
            });
        };
        let view = &self.signup_batcher.open;
        let (open, mine) = tokio::join!(
            self.open_entries(actor),
            view.own.get(&self.store, vid.to_owned())
        );
        let mut mine: HashMap<String, SignupRow> = mine?
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.activity_id.clone(), r))
            .collect();
        let items = open?
            .into_iter()
            .map(|e| {
                let s = mine.remove(&e.view.id).map(|r| SignupView::from(&r));
                (e.view.clone(), s)
            })
            .collect();
        // The rest: those whose activity the view holds (published, not closed, not long
        // ended); sign-ups of closed, cancelled or long-past activities are history (/me).
        let mut others: Vec<OtherSignup> = {
            let st = view.read();
            mine.into_values()
                .filter_map(|r| {
                    let e = st.by_id.get(&r.activity_id)?;
                    Some(OtherSignup {
                        title: e.view.title.clone(),
                        when: e.view.when.clone(),
                        starts_at: e.starts_at,
                        signup: SignupView::from(&r),
                    })
                })
                .collect()
        };
        others.sort_by(|x, y| {
            (x.starts_at, &x.signup.activity_id).cmp(&(y.starts_at, &y.signup.activity_id))
        });
        Ok(OpenPageData { items, others })
    }
}

impl OpenView {
    /// True when the view is loaded and holds `id`. (Before the load nothing needs
    /// refreshing: the load reads every row, and a write that commits while it reads is
    /// caught by the first delta look, which reaches back before the load began.)
    fn holds(&self, id: &str) -> bool {
        self.loaded.initialized() && self.read().by_id.contains_key(id)
    }
}

#[cfg(test)]
mod tests {
    use super::ViewState;
    use zhiyuan_store::activities::ActivityRow;

    fn row(id: &str, org: &str, team: &str, status: &str, updated_at: i64) -> ActivityRow {
        ActivityRow {
            id: id.into(),
            title: "巡河".into(),
            project_id: None,
            team_id: "t".into(),
            team_path: team.into(),
            org_path: org.into(),
            kind: "community".into(),
            status: status.into(),
            description: String::new(),
            starts_at: 2_000,
            ends_at: 10_000,
            place_name: None,
            lat: None,
            lon: None,
            capacity: 5,
            waitlist: false,
            required_skills: "[]".into(),
            signup_opens_at: 0,
            signup_closes_at: 2_000,
            contact_name: None,
            contact_phone: None,
            backfill_reason: None,
            series_id: None,
            recurrence: None,
            confirmed: 0,
            walk_ins: 0,
            wait_seq: 0,
            created_at: 0,
            updated_at,
            version: 1,
            team_name: "队".into(),
        }
    }

    fn ids(st: &ViewState, orgs: &[&str], teams: &[&str], now: i64) -> Vec<String> {
        let o: Vec<String> = orgs.iter().map(|s| s.to_string()).collect();
        let t: Vec<String> = teams.iter().map(|s| s.to_string()).collect();
        st.at(&o, &t, now)
            .iter()
            .map(|e| e.view.id.clone())
            .collect()
    }

    #[test]
    fn an_older_read_never_replaces_a_newer_state() {
        let mut st = ViewState::default();
        st.apply(&row("a", "/c/", "/t/", "published", 5), 1_000);
        st.apply(&row("a", "/c/", "/t/", "cancelled", 7), 1_000);
        // A delta look that read the row before the cancellation answers late.
        st.apply(&row("a", "/c/", "/t/", "published", 5), 1_000);
        assert!(ids(&st, &["/c/"], &[], 1_000).is_empty());
        let mut c = row("a", "/c/", "/t/", "published", 9);
        c.confirmed = 3;
        st.apply(&c, 1_000);
        st.apply(&row("a", "/c/", "/t/", "published", 8), 1_000);
        assert_eq!(st.by_id["a"].view.confirmed, 3);
    }

    #[test]
    fn paths_match_exactly_and_ended_entries_drop_out_by_time() {
        let mut st = ViewState::default();
        st.apply(&row("a", "/c/", "/c/t/", "published", 1), 1_000);
        st.apply(&row("b", "/c/x/", "/c/x/u/", "published", 1), 1_000);
        assert_eq!(ids(&st, &["/c/"], &[], 1_000), ["a"]);
        assert_eq!(ids(&st, &[], &["/c/x/u/"], 1_000), ["b"]);
        // Matched by org and by unit: once.
        assert_eq!(ids(&st, &["/c/"], &["/c/t/"], 1_000), ["a"]);
        assert!(ids(&st, &["/c/"], &[], 10_000).is_empty());
        // Kept a while for the page's other sign-ups, then swept.
        st.sweep(10_000);
        assert_eq!(st.by_id.len(), 2);
        st.sweep(10_000 + super::KEEP_ENDED_MS);
        assert!(st.by_id.is_empty() && st.by_org.is_empty() && st.by_team.is_empty());
    }
}
