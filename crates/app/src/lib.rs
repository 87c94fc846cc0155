//! `zhiyuan-app`: the use cases. Each public method of [`App`] takes the acting user, checks
//! their scope, applies the domain rules and writes in one transaction with an audit entry.
//! The web layer calls only these; it never touches the store.

pub mod activities;
pub mod actor;
pub mod auth;
pub mod clock;
mod coalesce;
pub mod crypto;
pub mod demo;
mod demo_data;
pub mod emergency;
pub mod error;
pub mod generator;
pub mod notifications;
pub mod orgs;
pub mod oversight;
pub mod recruitment;
pub mod teams;
pub mod users;
pub mod views;
pub mod volunteers;

use std::sync::Arc;

pub use actor::Actor;
pub use error::{AppError, AppResult, ErrorKind};
pub use zhiyuan_store::Store;

use zhiyuan_store::NewAudit;

/// Settings the use cases need.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// 64 hex digits: the master key for ID-number encryption and hashing.
    pub secret_key_hex: String,
    /// How long a login lasts.
    pub session_hours: i64,
}

#[derive(Clone)]
pub struct App {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) secrets: crypto::Secrets,
    pub(crate) config: AppConfig,
    pub(crate) throttle: Arc<auth::Throttle>,
    /// Recently authenticated sessions (a few seconds; logout forgets at once).
    pub(crate) sessions: Arc<auth::SessionCache>,
    /// The single writer of sign-ups on SQLite (group commit).
    pub(crate) signup_batcher: Arc<activities::signups::SignupBatcher>,
    /// The candidate index and the live boards' event bus (issue 6).
    pub(crate) emergency: Arc<emergency::Runtime>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, config: AppConfig) -> Result<App, String> {
        let secrets = crypto::Secrets::from_hex(&config.secret_key_hex)?;
        Ok(App {
            store,
            secrets,
            config,
            throttle: Arc::new(auth::Throttle::default()),
            sessions: Arc::default(),
            signup_batcher: Arc::default(),
            emergency: Arc::default(),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub async fn healthy(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    // Each argument is one column of the audit line; a builder would only hide that.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit_entry(
        &self,
        actor: &Actor,
        action: &str,
        subject_type: &str,
        subject_id: &str,
        org_path: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> NewAudit {
        NewAudit {
            at: clock::now_ms(),
            actor_id: actor.actor_id(),
            actor_name: actor.username.clone(),
            action: action.to_owned(),
            subject_type: subject_type.to_owned(),
            subject_id: subject_id.to_owned(),
            org_path: org_path.to_owned(),
            before,
            after,
        }
    }
}

/// A new opaque id: time-ordered (good for B-tree inserts), hex only (safe inside paths).
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Pagination as API.md has it: `page` from 1, `per_page` up to 200.
pub fn page_window(page: Option<i64>, per_page: Option<i64>) -> (i64, i64) {
    let per_page = per_page.unwrap_or(50).clamp(1, 200);
    let page = page.unwrap_or(1).max(1);
    (per_page, (page - 1).saturating_mul(per_page))
}

/// Serialises a view for the audit log.
pub(crate) fn snapshot<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}
