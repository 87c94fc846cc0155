//! The SQL shared by both backends. This module is compiled once inside `sqlite` and once
//! inside `postgres`; `super::Db` is the backend's `sqlx::Database`, so every query here is
//! checked against that backend's types. `$N` placeholders read the same on both.

mod activities;
mod activities_tx;
mod emergency;
mod generator_bulk;
mod generator_load;
mod name_grams;
mod notifications;
mod orgs;
mod oversight;
mod oversight_agg;
mod people;
mod recruitment;
mod recruitment_io;
mod recruitment_tx;
mod report_tasks;
mod teams;

use async_trait::async_trait;
use sqlx::Transaction;

use super::{Backend, Db, FOR_UPDATE};
use crate::*;

type Tx = Transaction<'static, Db>;

/// A bare connection: a transaction or a savepoint inside one derefs to it.
pub(super) type Conn = <Db as sqlx::Database>::Connection;

/// Writes the audit entry inside the caller's transaction (or savepoint).
pub(super) async fn audit(c: &mut Conn, a: &NewAudit) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, subject_type, subject_id, \
         org_path, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(a.at)
    .bind(&a.actor_id)
    .bind(&a.actor_name)
    .bind(&a.action)
    .bind(&a.subject_type)
    .bind(&a.subject_id)
    .bind(&a.org_path)
    .bind(a.before.as_ref().map(|v| v.to_string()))
    .bind(a.after.as_ref().map(|v| v.to_string()))
    .execute(&mut *c)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        self.backend_name()
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    async fn backup(&self, out: &str) -> StoreResult<()> {
        self.backup_to(out).await
    }

    async fn insert_org(&self, org: &OrgRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        orgs::insert(&mut tx, org).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_org(&self, id: &str) -> StoreResult<Option<OrgRow>> {
        orgs::get(self.reader(), id).await
    }

    async fn org_children(&self, parent_id: Option<&str>) -> StoreResult<Vec<OrgRow>> {
        orgs::children(self.reader(), parent_id).await
    }

    async fn org_subtree(&self, path: &str, limit: i64) -> StoreResult<Vec<OrgRow>> {
        orgs::subtree(self.reader(), path, limit).await
    }

    async fn update_org(&self, org: &OrgRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        orgs::update(&mut tx, org).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_team(&self, team: &TeamRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        teams::insert(&mut tx, team).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_team(&self, id: &str) -> StoreResult<Option<TeamRow>> {
        teams::get(self.reader(), id).await
    }

    async fn team_subtree(&self, path: &str) -> StoreResult<Vec<TeamRow>> {
        teams::subtree(self.reader(), path).await
    }

    async fn teams_in_org_subtree(&self, org_path: &str, limit: i64) -> StoreResult<Vec<TeamRow>> {
        teams::in_org_subtree(self.reader(), org_path, limit).await
    }

    async fn update_team(&self, team: &TeamRow, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        teams::update(&mut tx, team).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn upsert_member(
        &self,
        team_id: &str,
        volunteer_id: &str,
        position: &str,
        at: i64,
        a: &NewAudit,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let created = teams::upsert_member(&mut tx, team_id, volunteer_id, position, at).await?;
        audit(&mut tx, a).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn remove_member(
        &self,
        team_id: &str,
        volunteer_id: &str,
        a: &NewAudit,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND volunteer_id = $2")
            .bind(team_id)
            .bind(volunteer_id)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn members_in_team_subtree(&self, team_path: &str) -> StoreResult<Vec<MemberRow>> {
        teams::members_in_subtree(self.reader(), team_path).await
    }

    async fn memberships_of(&self, volunteer_id: &str) -> StoreResult<Vec<MembershipRow>> {
        teams::memberships_of(self.reader(), volunteer_id).await
    }

    async fn insert_volunteer(&self, v: &VolunteerRecord, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        people::insert_volunteer(&mut tx, v).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn get_volunteer(&self, id: &str) -> StoreResult<Option<VolunteerRecord>> {
        people::get_volunteer(self.reader(), id).await
    }

    async fn update_volunteer(&self, v: &VolunteerRecord, a: &NewAudit) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        people::update_volunteer(&mut tx, v).await?;
        audit(&mut tx, a).await?;
        Ok(tx.commit().await?)
    }

    async fn search_volunteers(
        &self,
        q: &VolunteerQuery,
    ) -> StoreResult<(Vec<VolunteerRecord>, i64)> {
        people::search(self.reader(), q).await
    }

    async fn refill_name_grams(&self) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let rows = name_grams::refill(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn skill_suggestions(
        &self,
        fragment: &str,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        people::skill_suggestions(self.reader(), fragment, limit).await
    }

    async fn insert_user(&self, user: &UserRow, a: Option<&NewAudit>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        people::insert_user(&mut tx, user).await?;
        if let Some(a) = a {
            audit(&mut tx, a).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<UserRow>> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<UserRow>> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn users_for_login(&self, login: &str, limit: i64) -> StoreResult<Vec<UserRow>> {
        let by_name = self.get_user_by_username(login).await?;
        if let Some(u) = by_name {
            return Ok(vec![u]);
        }
        // Each arm is one index probe; a registration number is also its account's login
        // name, so it was found above unless the account was renamed.
        Ok(sqlx::query_as(
            "SELECT u.* FROM users u JOIN volunteers v ON v.id = u.volunteer_id \
             WHERE v.volunteer_no = $1 \
             UNION SELECT u.* FROM users u JOIN volunteers v ON v.id = u.volunteer_id \
             WHERE v.registration_no = $1 \
             UNION SELECT u.* FROM users u JOIN volunteers v ON v.id = u.volunteer_id \
             WHERE v.phone = $1 \
             ORDER BY created_at, id LIMIT $2",
        )
        .bind(login)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn username_lookalike(&self, login_key: &str) -> StoreResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT username FROM users WHERE login_key = $1 LIMIT 1")
                .bind(login_key)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(|(u,)| u))
    }

    async fn fill_login_keys(&self) -> StoreResult<u64> {
        let mut filled = 0;
        loop {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, username FROM users WHERE login_key IS NULL ORDER BY id LIMIT 1000",
            )
            .fetch_all(self.reader())
            .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let mut tx = self.begin_write().await?;
            for (id, username) in &rows {
                sqlx::query("UPDATE users SET login_key = $1 WHERE id = $2")
                    .bind(zhiyuan_domain::username::username_key(username))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }

    async fn users_in_org_subtree(&self, org_path: &str, limit: i64) -> StoreResult<Vec<UserRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM users WHERE scope_org_path >= $1 AND scope_org_path < $2 \
             ORDER BY scope_org_path, username LIMIT $3",
        )
        .bind(org_path)
        .bind(path_upper(org_path))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(self.reader())
            .await?;
        Ok(n)
    }

    async fn insert_session(&self, s: &SessionRow) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.token_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await?;
        // Expired sessions of this user go with the new one, so the table stays small.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2")
            .bind(&s.user_id)
            .bind(s.created_at)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    async fn get_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn sessions_with_users(
        &self,
        token_hashes: &[String],
        now: i64,
    ) -> StoreResult<Vec<(SessionRow, UserRow)>> {
        people::sessions_with_users(self.reader(), token_hashes, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    async fn list_audit(
        &self,
        within_org_path: Option<&str>,
        subject_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<AuditRow>, i64)> {
        let (lo, hi) = match within_org_path {
            Some(p) => (p.to_owned(), path_upper(p)),
            None => ("/".to_owned(), path_upper("/")),
        };
        let filter = "org_path >= $1 AND org_path < $2 AND ($3 IS NULL OR subject_id = $3)";
        // The page's actors by person name too: the login name alone is what a look-alike
        // account would imitate.
        let rows = sqlx::query_as(&format!(
            "SELECT a.*, COALESCE(u.person_name, v.name) AS actor_person \
             FROM (SELECT * FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT $4 OFFSET $5) a \
             LEFT JOIN users u ON u.id = a.actor_id \
             LEFT JOIN volunteers v ON v.id = u.volunteer_id ORDER BY a.id DESC"
        ))
        .bind(&lo)
        .bind(&hi)
        .bind(subject_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM audit_log WHERE {filter}"))
                .bind(&lo)
                .bind(&hi)
                .bind(subject_id)
                .fetch_one(self.reader())
                .await?;
        Ok((rows, total))
    }
}
