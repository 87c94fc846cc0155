//! Notifications SQL (both backends): the inbox, contacts, outside-channel deliveries and the
//! queries that find who needs a reminder.

use async_trait::async_trait;

use super::{Backend, Conn};
use crate::notifications::*;
use crate::StoreResult;

/// Writes one notice inside the caller's transaction (or savepoint), unless a notice with the
/// same `dedupe_key` exists; true when written. Any sql module calls it the way it calls
/// `audit`: `super::notifications::insert_notification(&mut tx, &n).await?`.
pub(super) async fn insert_notification(c: &mut Conn, n: &NewNotification) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, link, dedupe_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&n.id)
    .bind(&n.user_id)
    .bind(&n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(&n.dedupe_key)
    .bind(n.created_at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A fresh notice id for a notice written inside the store (which has no random source of
/// its own): the time in hex, then a hash of the dedupe key under std's per-process random
/// keys: 32 hex digits, time-ordered like the app's uuid v7 ids, unique with the unique key.
#[allow(dead_code)]
pub(super) fn notice_id(at: i64, dedupe_key: &str) -> String {
    use std::hash::BuildHasher;
    let h = std::collections::hash_map::RandomState::new().hash_one(dedupe_key);
    format!("{:016x}{h:016x}", at.max(0))
}

/// The enabled user accounts of a volunteer (normally one), for notices to that volunteer.
pub(super) async fn users_of_volunteer(
    c: &mut Conn,
    volunteer_id: &str,
) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM users WHERE volunteer_id = $1 AND NOT disabled ORDER BY id")
            .bind(volunteer_id)
            .fetch_all(&mut *c)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The waitlist promotion notice (候补转正, issue 4): the promoted volunteer's accounts are
/// told in the cancelling transaction, so the notice exists exactly when the promotion does.
pub(super) async fn notify_promoted(
    c: &mut Conn,
    activity_id: &str,
    volunteer_id: &str,
    at: i64,
) -> StoreResult<()> {
    let title: Option<(String,)> = sqlx::query_as("SELECT title FROM activities WHERE id = $1")
        .bind(activity_id)
        .fetch_optional(&mut *c)
        .await?;
    let title = title.map(|(t,)| t).unwrap_or_default();
    for user_id in users_of_volunteer(c, volunteer_id).await? {
        // One promotion per activity, volunteer and moment: a later cancel-and-rejoin that is
        // promoted again is a new event and gets its own notice.
        let dedupe_key = format!("signup_promoted:{activity_id}:{volunteer_id}:{at}:{user_id}");
        let n = NewNotification {
            id: notice_id(at, &dedupe_key),
            user_id,
            kind: "signup_promoted".into(),
            title: format!("您已从候补转为正式报名：{title}"),
            body: format!("有人取消了报名，您在「{title}」的候补已转为正式报名，请按时参加。"),
            link: Some(format!("/activities/open#a-{activity_id}")),
            dedupe_key,
            created_at: at,
        };
        insert_notification(c, &n).await?;
    }
    Ok(())
}

/// The enabled admin accounts bound to one org (its station masters, bureau staff), for
/// notices addressed to an org.
#[allow(dead_code)]
pub(super) async fn admins_of_org(c: &mut Conn, org_id: &str) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM users WHERE org_id = $1 AND role = 'admin' AND NOT disabled ORDER BY id",
    )
    .bind(org_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The address column of a channel: email from the contact row; a phone from the contact row,
/// else the account's volunteer record. A disabled account gets nothing.
fn address_expr(channel: &str) -> &'static str {
    match channel {
        "email" => "CASE WHEN u.disabled THEN NULL ELSE c.email END",
        _ => "CASE WHEN u.disabled THEN NULL ELSE COALESCE(c.phone, v.phone) END",
    }
}

#[async_trait]
impl NotificationStore for Backend {
    async fn insert_notifications(&self, ns: &[NewNotification]) -> StoreResult<u64> {
        if ns.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        for n in ns {
            if insert_notification(&mut tx, n).await? {
                written += 1;
            }
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn notifications_of(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<NotificationRow>, i64)> {
        let rows = sqlx::query_as(
            "SELECT * FROM notifications WHERE user_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.reader())
                .await?;
        Ok((rows, total))
    }

    async fn unread_notifications(&self, user_id: &str) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.reader())
        .await?;
        Ok(n)
    }

    async fn get_notification(&self, id: &str) -> StoreResult<Option<NotificationRow>> {
        Ok(sqlx::query_as("SELECT * FROM notifications WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn mark_notification_read(&self, user_id: &str, id: &str, at: i64) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $3 \
             WHERE id = $1 AND user_id = $2 AND read_at IS NULL",
        )
        .bind(id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn mark_all_notifications_read(&self, user_id: &str, at: i64) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn get_contact(&self, user_id: &str) -> StoreResult<Option<ContactRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM user_contacts WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn put_contact(&self, c: &ContactRow) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO user_contacts (user_id, email, phone, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, \
             updated_at = excluded.updated_at",
        )
        .bind(&c.user_id)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(c.updated_at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn claim_deliveries(
        &self,
        channel: &str,
        claim: &str,
        since: i64,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryJob>> {
        let mut tx = self.begin_write().await?;
        // New notices: a row per notice and channel, claimed at once. Two processes racing
        // here meet on the primary key; the loser inserts nothing.
        sqlx::query(
            "INSERT INTO notification_deliveries (notification_id, channel, status, attempts, \
             next_attempt_at, claim, updated_at) \
             SELECT n.id, $1, 'sending', 0, $3, $4, $5 FROM notifications n \
             WHERE n.created_at >= $2 AND NOT EXISTS (SELECT 1 FROM notification_deliveries d \
               WHERE d.notification_id = n.id AND d.channel = $1) \
             ORDER BY n.created_at LIMIT $6 \
             ON CONFLICT (notification_id, channel) DO NOTHING",
        )
        .bind(channel)
        .bind(since)
        .bind(lease_until)
        .bind(claim)
        .bind(now)
        .bind(limit)
        .execute(&mut *tx)
        .await?;
        // Retries that are due, and claims whose lease ran out (a process died mid-send).
        // The WHERE is re-checked under PostgreSQL's row lock, so only one process wins a row.
        sqlx::query(
            "UPDATE notification_deliveries SET status = 'sending', next_attempt_at = $3, \
             claim = $4, updated_at = $2 \
             WHERE channel = $1 AND status IN ('retry', 'sending') AND next_attempt_at <= $2 \
             AND notification_id IN (SELECT notification_id FROM notification_deliveries \
               WHERE channel = $1 AND status IN ('retry', 'sending') AND next_attempt_at <= $2 \
               ORDER BY next_attempt_at LIMIT $5)",
        )
        .bind(channel)
        .bind(now)
        .bind(lease_until)
        .bind(claim)
        .bind(limit)
        .execute(&mut *tx)
        .await?;
        let jobs = sqlx::query_as(&format!(
            "SELECT d.notification_id, d.channel, {} AS address, d.attempts, n.title, n.body, \
             n.link FROM notification_deliveries d \
             JOIN notifications n ON n.id = d.notification_id \
             JOIN users u ON u.id = n.user_id \
             LEFT JOIN user_contacts c ON c.user_id = u.id \
             LEFT JOIN volunteers v ON v.id = u.volunteer_id \
             WHERE d.claim = $1 AND d.channel = $2 AND d.status = 'sending' \
             ORDER BY n.created_at, n.id",
            address_expr(channel)
        ))
        .bind(claim)
        .bind(channel)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(jobs)
    }

    async fn finish_delivery(
        &self,
        notification_id: &str,
        channel: &str,
        result: &DeliveryResult,
        at: i64,
    ) -> StoreResult<()> {
        let (status, error, next, tried) = match result {
            DeliveryResult::Sent => ("sent", None, at, 1),
            DeliveryResult::Skipped => ("skipped", None, at, 0),
            DeliveryResult::Retry {
                error,
                next_attempt_at,
            } => ("retry", Some(error.as_str()), *next_attempt_at, 1),
            DeliveryResult::Failed { error } => ("failed", Some(error.as_str()), at, 1),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE notification_deliveries SET status = $3, last_error = $4, \
             next_attempt_at = $5, attempts = attempts + $6, claim = NULL, updated_at = $7 \
             WHERE notification_id = $1 AND channel = $2 AND status = 'sending'",
        )
        .bind(notification_id)
        .bind(channel)
        .bind(status)
        .bind(error)
        .bind(next)
        .bind(tried as i64)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn deliveries_of(&self, notification_id: &str) -> StoreResult<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT notification_id, channel, status, address, attempts, last_error, \
             next_attempt_at, updated_at FROM notification_deliveries \
             WHERE notification_id = $1 ORDER BY channel",
        )
        .bind(notification_id)
        .fetch_all(self.reader())
        .await?)
    }

    async fn idle_team_leaders(&self, from: i64, to: i64) -> StoreResult<Vec<IdleTeamLeader>> {
        // The unit's subtree is [path, path-without-its-last-'/' + '0'), as `path_upper` builds.
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, t.id AS team_id, t.name AS team_name \
             FROM users u JOIN teams t ON t.id = u.team_id \
             WHERE u.role = 'team_leader' AND NOT u.disabled AND NOT EXISTS ( \
               SELECT 1 FROM activities a WHERE a.team_path >= t.path \
               AND a.team_path < substr(t.path, 1, length(t.path) - 1) || '0' \
               AND a.status IN ('published', 'done') AND a.starts_at >= $1 AND a.starts_at < $2) \
             ORDER BY t.path, u.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?)
    }

    async fn volunteers_below_hours(
        &self,
        from_day: &str,
        to_day: &str,
        below_ms: i64,
    ) -> StoreResult<Vec<VolunteerHours>> {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, v.id AS volunteer_id, \
             CAST(COALESCE(SUM(r.eff_ms), 0) AS BIGINT) AS served_ms \
             FROM users u JOIN volunteers v ON v.id = u.volunteer_id \
             LEFT JOIN service_records r ON r.volunteer_id = v.id AND r.status = 'approved' \
               AND r.day >= $1 AND r.day < $2 \
             WHERE u.role = 'volunteer' AND NOT u.disabled AND v.status = 'active' \
             GROUP BY u.id, v.id HAVING CAST(COALESCE(SUM(r.eff_ms), 0) AS BIGINT) < $3 \
             ORDER BY u.id",
        )
        .bind(from_day)
        .bind(to_day)
        .bind(below_ms)
        .fetch_all(self.reader())
        .await?)
    }

    async fn reviewers_with_pending(&self) -> StoreResult<Vec<ReviewerQueue>> {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, a.current_org_id AS org_id, COUNT(*) AS pending \
             FROM applications a JOIN users u ON u.org_id = a.current_org_id \
             WHERE a.status = 'pending' AND u.role = 'admin' AND NOT u.disabled \
             GROUP BY u.id, a.current_org_id ORDER BY u.id",
        )
        .fetch_all(self.reader())
        .await?)
    }

    async fn admins_in_subtree(&self, org_path: &str) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, org_id FROM users WHERE scope_org_path >= $1 AND scope_org_path < $2 \
             AND role = 'admin' AND org_id IS NOT NULL AND NOT disabled ORDER BY id",
        )
        .bind(org_path)
        .bind(crate::path_upper(org_path))
        .fetch_all(self.reader())
        .await?)
    }

    async fn reminder_ran(&self, rule: &str, period: &str) -> StoreResult<bool> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT done_at FROM reminder_runs WHERE rule = $1 AND period = $2")
                .bind(rule)
                .bind(period)
                .fetch_optional(self.reader())
                .await?;
        Ok(found.is_some())
    }

    async fn record_reminder_run(&self, rule: &str, period: &str, at: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO reminder_runs (rule, period, done_at) VALUES ($1, $2, $3) \
             ON CONFLICT (rule, period) DO NOTHING",
        )
        .bind(rule)
        .bind(period)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }
}
