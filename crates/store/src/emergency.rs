//! Storage for emergency response (issue 6): incidents (突发事件), call-ups (召集) and time on
//! site (到场/离场), and the reads the in-memory candidate index is built and kept in step from.
//!
//! Board events: every write that changes what an incident's live board shows carries its
//! event payloads. On PostgreSQL they go out with `pg_notify` inside the write transaction,
//! so they are delivered (to every server process listening, this one included) exactly when
//! the write commits and never for a write that rolled back. SQLite has no cross-process
//! channel: there the app hands the events to its in-process bus after the commit
//! ([`EmergencyStore::notifies_events`] tells which).

use async_trait::async_trait;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::activities::{ActivityRow, DayRule, RecordRow};
use crate::{NewAudit, StoreResult};

/// The PostgreSQL channel board events travel on.
pub const EVENT_CHANNEL: &str = "zhiyuan_emergency";

/// An incident (突发事件) and its response.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    /// open, standing_down, closed
    pub status: String,
    /// The commanding org (指挥机构): candidates come from its subtree.
    pub org_id: String,
    pub org_path: String,
    /// The leading unit (牵头队伍), if named; the service records of the incident are kept
    /// under it (or under the org's own team when none is named).
    pub team_id: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
    /// JSON array of skill tags.
    pub required_skills: String,
    pub needed: i64,
    /// The default response time of a call-up.
    pub response_minutes: i64,
    pub description: String,
    pub started_at: i64,
    pub stood_down_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The activity that holds the service records, made at close.
    pub activity_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(default)]
    pub org_name: String,
}

/// One call-up, with the volunteer's name and home (only when they consented to it being
/// used, R-LAW-5) and whether they are on site now.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct CallupRow {
    pub id: String,
    pub incident_id: String,
    pub volunteer_id: String,
    /// called, accepted, declined, expired, cancelled (as stored; see `CallupStatus::effective`)
    pub status: String,
    /// Order of calling within the incident (1, 2, …).
    pub seq: i64,
    pub distance_km: Option<f64>,
    pub called_by: String,
    pub called_at: i64,
    pub deadline_at: i64,
    pub responded_at: Option<i64>,
    pub updated_at: i64,
    #[sqlx(default)]
    pub volunteer_name: String,
    #[sqlx(default)]
    pub volunteer_no: String,
    #[sqlx(default)]
    pub home_lat: Option<f64>,
    #[sqlx(default)]
    pub home_lon: Option<f64>,
    /// When the current stretch on site began (None: not on site).
    #[sqlx(default)]
    pub on_site_since: Option<i64>,
    /// Whether they were on site at all.
    #[sqlx(default)]
    pub ever_arrived: bool,
    #[sqlx(default)]
    pub incident_title: String,
    /// The incident's commanding org path (for audit lines written by the sweep).
    #[sqlx(default)]
    pub org_path: String,
}

/// One stretch on site.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct PresenceRow {
    pub id: String,
    pub incident_id: String,
    pub callup_id: String,
    pub volunteer_id: String,
    pub arrived_at: i64,
    /// scan (QR at the scene) or officer
    pub arrived_how: String,
    pub left_at: Option<i64>,
    /// scan, officer, or close (the incident closed while they were on site)
    pub left_how: Option<String>,
    /// What became of it at close (e.g. the day's cycle limit reached).
    pub record_note: Option<String>,
    #[sqlx(default)]
    pub volunteer_name: String,
}

/// A notice to the accounts of a called-up volunteer (the store finds the accounts).
#[derive(Clone, Debug, PartialEq)]
pub struct CallupNotice {
    pub volunteer_id: String,
    pub title: String,
    pub body: String,
    pub link: String,
    /// Names the event; the store appends the user id.
    pub dedupe_key: String,
}

/// What a volunteer row means to the candidate index.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct IndexRow {
    pub id: String,
    pub org_path: String,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
    pub consent_location: bool,
    pub status: String,
    pub version: i64,
    pub updated_at: i64,
    #[sqlx(skip)]
    pub skills: Vec<String>,
}

/// A candidate's name card.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CardRow {
    pub id: String,
    pub name: String,
    pub volunteer_no: String,
    #[sqlx(skip)]
    pub skills: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArriveOutcome {
    Arrived,
    /// Already on site: nothing written.
    AlreadyOnSite,
    /// The day already holds the most stretches allowed.
    TooManyCycles,
    /// No accepted call-up for this incident, or the incident is closed.
    NotCalled,
}

/// What closing wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloseOutcome {
    pub records: Vec<String>,
    /// Stretches (by presence id) that became no record, with why.
    pub skipped: Vec<(String, String)>,
}

/// Makes the service records of a closed incident from its stretches on site (all closed by
/// then): the app's rule (day split, capture method), applied inside the close transaction.
pub type RecordsOf<'a> =
    &'a (dyn for<'r> Fn(&'r [PresenceRow]) -> Vec<(String, RecordRow)> + Send + Sync);

#[async_trait]
pub trait EmergencyStore: Send + Sync {
    /// True where board events go out with the write (PostgreSQL `NOTIFY`); false where the
    /// app must publish them itself after the commit (SQLite, one process).
    fn notifies_events(&self) -> bool;
    /// A stream of event payloads from every server process (PostgreSQL `LISTEN`), already
    /// listening when this returns; `None` items mean the connection dropped and events may
    /// have been missed. `Ok(None)` on SQLite.
    async fn listen_events(&self) -> StoreResult<Option<mpsc::Receiver<Option<String>>>>;

    async fn insert_incident(&self, i: &IncidentRow, audit: &NewAudit) -> StoreResult<()>;
    async fn get_incident(&self, id: &str) -> StoreResult<Option<IncidentRow>>;
    /// Incidents whose commanding org lies in the subtree, newest first.
    async fn list_incidents(
        &self,
        org_path: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<IncidentRow>, i64)>;
    /// Whether any volunteer holds this skill tag.
    async fn skill_known(&self, skill: &str) -> StoreResult<bool>;

    /// Writes the call-ups of one incident (numbered after the existing ones) with a notice to
    /// each volunteer's accounts, all in one transaction, only while the incident is open
    /// (else `Stale`). A volunteer already called for it fails the whole write (`Conflict`).
    async fn insert_callups(
        &self,
        incident_id: &str,
        callups: &[CallupRow],
        notices: &[CallupNotice],
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<()>;
    async fn get_callup(&self, id: &str) -> StoreResult<Option<CallupRow>>;
    /// Every call-up of an incident in calling order, with names, homes and presence.
    async fn callups_of(&self, incident_id: &str) -> StoreResult<Vec<CallupRow>>;
    /// A volunteer's call-ups, newest first, with the incident titles.
    async fn callups_of_volunteer(
        &self,
        volunteer_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<CallupRow>>;
    /// Moves a call-up from one of `from` to `to` when it still is there; accepting also needs
    /// the deadline not passed (`not_after`) and the incident open. Else `Stale`.
    // One argument per part of the guarded update.
    #[allow(clippy::too_many_arguments)]
    async fn respond_callup(
        &self,
        id: &str,
        from: &[&str],
        to: &str,
        at: i64,
        not_after: Option<i64>,
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Writes `expired` on call-ups still waiting past their deadline; returns them.
    async fn expire_due_callups(
        &self,
        now: i64,
        audit: &(dyn for<'r> Fn(&'r CallupRow) -> NewAudit + Send + Sync),
        event: &(dyn for<'r> Fn(&'r CallupRow) -> String + Send + Sync),
    ) -> StoreResult<Vec<CallupRow>>;
    /// Whether any call-up is waiting past its deadline (a cheap read before the write).
    async fn has_due_callups(&self, now: i64) -> StoreResult<bool>;

    /// Starts a stretch on site for an accepted call-up (at most `max_per_day` a China day,
    /// `day_start` being the start of the arrival's day).
    async fn arrive(
        &self,
        p: &PresenceRow,
        day_start: i64,
        max_per_day: i64,
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<ArriveOutcome>;
    /// Ends the open stretch of a volunteer; `Stale` when none is open.
    async fn leave(
        &self,
        incident_id: &str,
        volunteer_id: &str,
        at: i64,
        how: &str,
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<PresenceRow>;
    async fn presence_of(&self, incident_id: &str) -> StoreResult<Vec<PresenceRow>>;

    /// Open → standing down: pending call-ups are withdrawn (`cancelled`).
    async fn stand_down_incident(
        &self,
        id: &str,
        at: i64,
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<()>;
    /// Closes the incident (from open or standing down): pending call-ups are withdrawn, open
    /// stretches end at `at`, the incident's activity is written and `records` makes the
    /// service records from the stretches, each through the activities' guarded insert
    /// (cycle limit, day rule). One transaction.
    // The close is one transaction over all of these.
    #[allow(clippy::too_many_arguments)]
    async fn close_incident(
        &self,
        id: &str,
        from: &str,
        at: i64,
        activity: Option<&ActivityRow>,
        records: RecordsOf<'_>,
        max_cycles: i64,
        rule: DayRule,
        events: &[String],
        audit: &NewAudit,
    ) -> StoreResult<CloseOutcome>;

    /// Volunteers holding an accepted call-up of an open incident (committed elsewhere).
    async fn committed_volunteers(&self) -> StoreResult<Vec<(String, String)>>;
    /// Volunteers with a confirmed sign-up for a published activity under way at `now`.
    async fn busy_in_activities(&self, now: i64) -> StoreResult<Vec<String>>;
    /// Which of `ids` belong to a unit marked as an emergency detachment (or a unit below one).
    async fn detachment_members(&self, ids: &[String]) -> StoreResult<Vec<String>>;
    /// Call-ups of each of `ids` since `since`.
    async fn callup_counts(&self, ids: &[String], since: i64) -> StoreResult<Vec<(String, i64)>>;
    /// Name, number and skills of each of `ids`, for the candidate list.
    async fn volunteer_cards(&self, ids: &[String]) -> StoreResult<Vec<CardRow>>;
    /// Volunteers with a home location, id order after `after`, `limit` at most, with skills.
    async fn index_rows_after(&self, after: &str, limit: i64) -> StoreResult<Vec<IndexRow>>;
    /// Volunteers changed after (`since`, `after_id`) in (updated_at, id) order (any home, any
    /// status), with skills.
    async fn index_rows_changed(
        &self,
        since: i64,
        after_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<IndexRow>>;
}

/// LISTEN on the event channel, per backend: the shared SQL calls this on its pool's type.
pub(crate) trait ListenPool {
    fn listen(
        &self,
    ) -> impl std::future::Future<Output = StoreResult<Option<mpsc::Receiver<Option<String>>>>> + Send;
}

impl ListenPool for sqlx::Pool<sqlx::Sqlite> {
    async fn listen(&self) -> StoreResult<Option<mpsc::Receiver<Option<String>>>> {
        Ok(None)
    }
}

impl ListenPool for sqlx::Pool<sqlx::Postgres> {
    async fn listen(&self) -> StoreResult<Option<mpsc::Receiver<Option<String>>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(self).await?;
        listener.listen(EVENT_CHANNEL).await?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                // `try_recv` answers Ok(None) when the connection dropped (it reconnects on
                // the next call): the receiver learns that events may have been missed.
                let item = match listener.try_recv().await {
                    Ok(Some(n)) => Some(n.payload().to_owned()),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::warn!(error = %e, "emergency event listener");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        None
                    }
                };
                if tx.send(item).await.is_err() {
                    return;
                }
            }
        });
        Ok(Some(rx))
    }
}
