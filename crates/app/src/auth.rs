//! Logging in and out, sessions, and the first super-administrator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::{Role, Scope};
use zhiyuan_store::{SessionRow, Store, UserRow};

use crate::coalesce::{Coalescer, Loaded};
use crate::crypto::{
    self, dummy_password_hash, hash_password, random_token, token_hash, verify_password,
};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::views::UserView;
use crate::{clock, new_id, Actor, App};

/// Failed logins allowed per account, and per client address, within the window.
const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
const MAX_FAILURES_PER_ADDRESS: u32 = 20;
const WINDOW_MS: i64 = 15 * 60 * 1000;

/// Counts failed logins per account and per address; a success clears the account's count.
/// In memory: a restart forgives, which is fine for throttling guessers.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginThrottle {
    fn blocked(&self, key: &str, limit: u32, now: i64) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        matches!(map.get(key), Some((n, since)) if *n >= limit && now - since < WINDOW_MS)
    }

    fn fail(&self, key: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since < WINDOW_MS);
        }
        let e = map.entry(key.to_owned()).or_insert((0, now));
        if now - e.1 >= WINDOW_MS {
            *e = (0, now);
        }
        e.0 += 1;
    }

    fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// How long an authenticated session is believed without asking the database again.
const SESSION_CACHE_MS: i64 = 5_000;
/// Entries kept at most; beyond it the expired go, and if that is not enough, all.
const SESSION_CACHE_MAX: usize = 200_000;

/// Recently authenticated sessions, by token hash (会话缓存): a burst of requests with one
/// token reads the session, account and scope once per few seconds instead of each time.
/// Logging out in this process takes effect at once (the entry becomes a tombstone that no
/// lookup already under way can overwrite); anything else — a logout through another server
/// process, a disabled account, a moved unit — is seen within `SESSION_CACHE_MS`.
///
/// A token not in the cache is read through `reads` (crate::coalesce): the sessions and
/// accounts of every token asked for meanwhile in two statements, so a burst of requests
/// with many different tokens (everyone signing up for one activity at once) does not pay
/// two database round trips each.
pub struct SessionCache {
    entries: Mutex<HashMap<String, CachedSession>>,
    reads: Coalescer<String, (SessionRow, UserRow)>,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            entries: Mutex::default(),
            reads: Coalescer::new(read_sessions),
        }
    }
}

/// Sessions unexpired now, with their accounts, by token hash.
fn read_sessions(
    store: Arc<dyn Store>,
    hashes: Vec<String>,
) -> Loaded<String, (SessionRow, UserRow)> {
    Box::pin(async move {
        let found = store.sessions_with_users(&hashes, clock::now_ms()).await?;
        Ok(found
            .into_iter()
            .map(|(s, u)| (s.token_hash.clone(), (s, u)))
            .collect())
    })
}

struct CachedSession {
    /// `None`: logged out here; not to be cached again until `until`.
    actor: Option<Actor>,
    until: i64,
}

impl SessionCache {
    fn get(&self, hash: &str, now: i64) -> Option<Actor> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|c| c.until > now)
            .and_then(|c| c.actor.clone())
    }

    fn put(&self, hash: String, actor: Actor, until: i64, now: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(map.get(&hash), Some(c) if c.actor.is_none() && c.until > now) {
            return;
        }
        if map.len() >= SESSION_CACHE_MAX {
            map.retain(|_, c| c.until > now);
            if map.len() >= SESSION_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(
            hash,
            CachedSession {
                actor: Some(actor),
                until,
            },
        );
    }

    /// Forgets a session and keeps it forgotten for a while: a lookup that read the session
    /// just before it was deleted must not bring it back.
    fn forget(&self, hash: &str, now: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(
            hash.to_owned(),
            CachedSession {
                actor: None,
                until: now + 2 * SESSION_CACHE_MS,
            },
        );
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LoginOutput {
    /// Bearer token for `Authorization: Bearer <token>`; also set as the session cookie.
    pub token: String,
    pub user: UserView,
    #[serde(skip)]
    pub csrf_token: String,
}

pub fn check_password_strength(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err(AppError::invalid(
            "password",
            "password_weak",
            "密码长度须为 8 到 128 个字符",
        ));
    }
    Ok(())
}

pub fn check_username(username: &str) -> AppResult<String> {
    let u = username.trim();
    let ok = (3..=40).contains(&u.chars().count())
        && u.chars().all(|c| c.is_alphanumeric() || "_-.@".contains(c));
    if !ok {
        return Err(AppError::invalid(
            "username",
            "username_invalid",
            "用户名须为 3 到 40 个字母、数字或 _ - . @",
        ));
    }
    Ok(u.to_owned())
}

impl App {
    pub async fn login(&self, input: &LoginInput, client_addr: &str) -> AppResult<LoginOutput> {
        let now = clock::now_ms();
        let account_key = format!("u:{}", input.username.trim());
        let address_key = format!("a:{client_addr}");
        if self
            .throttle
            .blocked(&account_key, MAX_FAILURES_PER_ACCOUNT, now)
            || self
                .throttle
                .blocked(&address_key, MAX_FAILURES_PER_ADDRESS, now)
        {
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                "登录失败次数过多，请 15 分钟后再试",
            ));
        }
        let user = self
            .store
            .get_user_by_username(input.username.trim())
            .await?;
        let password = input.password.clone();
        let stored = user
            .as_ref()
            .filter(|u| !u.disabled)
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_password_hash().to_owned());
        // argon2 is deliberately slow: keep it off the async workers.
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => {
                self.throttle.fail(&account_key, now);
                self.throttle.fail(&address_key, now);
                return Err(AppError::new(
                    ErrorKind::Unauthorized,
                    "bad_credentials",
                    "用户名或密码错误",
                ));
            }
        };
        self.throttle.clear(&account_key);
        let token = random_token();
        let csrf_token = random_token();
        self.store
            .insert_session(&SessionRow {
                token_hash: token_hash(&token),
                user_id: user.id.clone(),
                csrf_token: csrf_token.clone(),
                created_at: now,
                expires_at: now + self.config.session_hours * 3_600_000,
            })
            .await?;
        Ok(LoginOutput {
            token,
            user: UserView::from(&user),
            csrf_token,
        })
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.sessions.forget(&hash, clock::now_ms());
        self.store.delete_session(&hash).await?;
        // Again after the delete: a lookup may have cached it in between.
        self.sessions.forget(&hash, clock::now_ms());
        Ok(())
    }

    /// The actor behind a session or bearer token (from the session cache when it was
    /// looked up in the last few seconds).
    pub async fn authenticate(&self, token: &str) -> AppResult<Actor> {
        let hash = token_hash(token);
        let now = clock::now_ms();
        if let Some(actor) = self.sessions.get(&hash, now) {
            return Ok(actor);
        }
        let (session, user) = self
            .sessions
            .reads
            .get(&self.store, hash.clone())
            .await?
            .filter(|(_, u)| !u.disabled)
            .ok_or_else(AppError::unauthorized)?;
        let until = session.expires_at.min(now + SESSION_CACHE_MS);
        let scope = self.scope_of(&user).await?;
        let actor = Actor {
            user_id: user.id.clone(),
            username: user.username.clone(),
            role: Role::parse(&user.role).map_err(|_| AppError::internal())?,
            is_super: user.is_super,
            scope,
            volunteer_id: user.volunteer_id.clone(),
            org_id: user.org_id.clone(),
            team_id: user.team_id.clone(),
            csrf_token: session.csrf_token,
        };
        self.sessions.put(hash, actor.clone(), until, now);
        Ok(actor)
    }

    /// An account's scope, from where it is bound now (paths move with their nodes).
    pub(crate) async fn scope_of(&self, user: &UserRow) -> AppResult<Scope> {
        if user.is_super {
            return Ok(Scope::All);
        }
        let missing = || AppError::internal();
        match Role::parse(&user.role).map_err(|_| missing())? {
            Role::Admin => {
                let org = self
                    .store
                    .get_org(user.org_id.as_deref().ok_or_else(missing)?)
                    .await?;
                Ok(Scope::Org {
                    org_path: org.ok_or_else(missing)?.path,
                })
            }
            Role::TeamLeader => {
                let team = self
                    .store
                    .get_team(user.team_id.as_deref().ok_or_else(missing)?)
                    .await?;
                let team = team.ok_or_else(missing)?;
                Ok(Scope::Team {
                    team_path: team.path,
                    org_path: team.org_path,
                })
            }
            Role::Volunteer => Ok(Scope::Volunteer {
                volunteer_id: user.volunteer_id.clone().ok_or_else(missing)?,
            }),
        }
    }

    /// `zhiyuan admin create`: a super-administrator whose scope is everything.
    pub async fn create_super_admin(&self, username: &str, password: &str) -> AppResult<UserView> {
        let username = check_username(username)?;
        check_password_strength(password)?;
        if self.store.get_user_by_username(&username).await?.is_some() {
            return Err(
                AppError::conflict("duplicate_username", "用户名已被使用").with_field("username")
            );
        }
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|_| AppError::internal())?;
        let user = UserRow {
            id: new_id(),
            username,
            password_hash: hash,
            role: Role::Admin.as_str().to_owned(),
            is_super: true,
            org_id: None,
            team_id: None,
            volunteer_id: None,
            scope_org_path: "/".to_owned(),
            disabled: false,
            created_at: clock::now_ms(),
        };
        let system = Actor::system("命令行");
        let audit = self.audit_entry(
            &system,
            "user.create_super",
            "user",
            &user.id,
            "/",
            None,
            crate::snapshot(&UserView::from(&user)),
        );
        self.store.insert_user(&user, Some(&audit)).await?;
        Ok(UserView::from(&user))
    }
}

/// Hashing a password for new accounts, off the async workers.
pub(crate) async fn hash_password_blocking(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || crypto::hash_password(&password))
        .await
        .map_err(|_| AppError::internal())
}
