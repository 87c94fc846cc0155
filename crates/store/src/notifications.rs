//! Storage for notifications (通知) and reminders (提醒), issue 5 item 4, and the notices
//! other features send (the waitlist promotion of issue 4).
//!
//! A notice is one row in one user's inbox (the bell). Its `dedupe_key` is unique across the
//! table: the writer names the event ("no_activity:{team}:{YYYY-MM}:{user}"), and a second
//! insert of the same event — after a restart, from a second server process, on a retry —
//! does nothing. Other sql modules write notices inside their own write transaction with
//! `sql::notifications::insert_notification(&mut tx, &n)`, exactly as they write `audit`.
//!
//! Notices are not audited: they are the system's messages, not changes to records, and
//! reading one changes nothing but its `read_at`.
//!
//! Outside channels (email, SMS webhook) are tracked per notice and channel in
//! `notification_deliveries`: a row is claimed with a lease before sending, then marked sent,
//! retry or failed, so a failed send is retried and a sent one is never sent again.

use async_trait::async_trait;
use serde::Serialize;

use crate::StoreResult;

/// A notice to write. `dedupe_key` names the event; inserting it twice writes it once.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNotification {
    pub id: String,
    pub user_id: String,
    /// What it is about, snake_case (`signup_promoted`, `no_activity`, `under_20h`, …).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A page of this site (a path like `/activities/{id}`), never an outside address.
    pub link: Option<String>,
    pub dedupe_key: String,
    pub created_at: i64,
}

/// A notice in a user's inbox.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub dedupe_key: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Where a user receives notices outside the app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct ContactRow {
    pub user_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub updated_at: i64,
}

/// A notice due for sending on one outside channel, with the address to send it to.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct DeliveryJob {
    pub notification_id: String,
    pub channel: String,
    /// The address the channel sends to (an email address, a phone number); `None` when the
    /// user has none, and the job is then recorded as skipped.
    pub address: Option<String>,
    /// Attempts made before this one.
    pub attempts: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// One delivery's record (for tests and the admin's view of a notice).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct DeliveryRow {
    pub notification_id: String,
    pub channel: String,
    pub status: String,
    pub address: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub updated_at: i64,
}

/// How a delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryResult {
    Sent,
    /// No address for this channel: nothing was attempted and nothing will be.
    Skipped,
    /// Failed; tried again from `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: i64,
    },
    /// Failed for good (too many attempts).
    Failed {
        error: String,
    },
}

/// A team leader account whose unit (with its sub-units) has no activity in a month
/// (R-ACT-1), for the reminder on or after the 20th.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct IdleTeamLeader {
    pub user_id: String,
    pub team_id: String,
    pub team_name: String,
}

/// A volunteer account with its effective service time in a period (R-HRS-1).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct VolunteerHours {
    pub user_id: String,
    pub volunteer_id: String,
    pub served_ms: i64,
}

/// An admin account with recruitment applications waiting at its org's review step.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReviewerQueue {
    pub user_id: String,
    pub org_id: String,
    pub pending: i64,
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Writes each notice unless its `dedupe_key` is taken; returns how many were written.
    async fn insert_notifications(&self, ns: &[NewNotification]) -> StoreResult<u64>;
    /// A user's notices, newest first, and how many there are.
    async fn notifications_of(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<NotificationRow>, i64)>;
    async fn unread_notifications(&self, user_id: &str) -> StoreResult<i64>;
    async fn get_notification(&self, id: &str) -> StoreResult<Option<NotificationRow>>;
    /// Marks the notice read if it is the user's and unread; false when there was none such.
    async fn mark_notification_read(&self, user_id: &str, id: &str, at: i64) -> StoreResult<bool>;
    /// Marks all the user's unread notices read; returns how many.
    async fn mark_all_notifications_read(&self, user_id: &str, at: i64) -> StoreResult<u64>;

    // contacts
    async fn get_contact(&self, user_id: &str) -> StoreResult<Option<ContactRow>>;
    async fn put_contact(&self, c: &ContactRow) -> StoreResult<()>;

    // outside channels
    /// Claims up to `limit` notices for `channel`: those created at or after `since` with no
    /// delivery row yet, and those whose row is `retry` (or a `sending` whose lease ran out)
    /// with `next_attempt_at <= now`. A claimed row becomes `sending` until `lease_until`, so
    /// another process skips it; `claim` (unique per call) marks this caller's rows. `channel` is `email` (the contact's email) or `sms` (the
    /// contact's phone, else the phone of the account's volunteer record).
    async fn claim_deliveries(
        &self,
        channel: &str,
        claim: &str,
        since: i64,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryJob>>;
    async fn finish_delivery(
        &self,
        notification_id: &str,
        channel: &str,
        result: &DeliveryResult,
        at: i64,
    ) -> StoreResult<()>;
    async fn deliveries_of(&self, notification_id: &str) -> StoreResult<Vec<DeliveryRow>>;

    // who needs a reminder
    /// Team-leader accounts whose unit subtree has no published or done activity starting in
    /// `[from, to)`.
    async fn idle_team_leaders(&self, from: i64, to: i64) -> StoreResult<Vec<IdleTeamLeader>>;
    /// Active volunteers with an account whose approved service on China days
    /// `[from_day, to_day)` ("YYYY-MM-DD") is below `below_ms`.
    async fn volunteers_below_hours(
        &self,
        from_day: &str,
        to_day: &str,
        below_ms: i64,
    ) -> StoreResult<Vec<VolunteerHours>>;
    /// Admin accounts bound to an org at which recruitment applications wait for review.
    async fn reviewers_with_pending(&self) -> StoreResult<Vec<ReviewerQueue>>;
    /// Enabled admin accounts bound to an org in the subtree `org_path`: (user id, org id).
    async fn admins_in_subtree(&self, org_path: &str) -> StoreResult<Vec<(String, String)>>;
    /// Whether the reminder rule `rule` already ran for `period`.
    async fn reminder_ran(&self, rule: &str, period: &str) -> StoreResult<bool>;
    /// Records that `rule` ran for `period` (again is harmless).
    async fn record_reminder_run(&self, rule: &str, period: &str, at: i64) -> StoreResult<()>;
}
