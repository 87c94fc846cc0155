//! Logging in and out, sessions, and the first super-administrator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::{username, Role, Scope};
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
/// Anonymous submissions (applications, and later residents' requests) per client address
/// within the window: a recruitment day at a station shares one address, so this is high
/// enough for a queue of applicants and low enough to make walking through ID numbers slow.
const MAX_PUBLIC_SUBMISSIONS_PER_ADDRESS: u32 = 30;
const WINDOW_MS: i64 = 15 * 60 * 1000;

/// Counts events per key (failed logins per account or address, anonymous submissions per
/// address) within a window. In memory: a restart forgives, which is fine for throttling.
#[derive(Default)]
pub struct Throttle {
    counts: Mutex<HashMap<String, (u32, i64)>>,
}

impl Throttle {
    fn blocked(&self, key: &str, limit: u32, now: i64) -> bool {
        let map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        matches!(map.get(key), Some((n, since)) if *n >= limit && now - since < WINDOW_MS)
    }

    fn count(&self, key: &str, now: i64) {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
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
        self.counts
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

/// A new login name in its one spelling (NFKC), refused when it mixes scripts or looks like
/// an existing account's name (`rооt` beside `root`).
pub(crate) async fn check_new_username(store: &dyn Store, raw: &str) -> AppResult<String> {
    let username = username::parse_username(raw)?;
    if let Some(existing) = store
        .username_lookalike(&username::username_key(&username))
        .await?
    {
        // The other name is not shown: it may belong to an account outside the actor's area.
        let message = if existing == username {
            "用户名已被使用"
        } else {
            "用户名与已有的用户名字形相近（看起来相同），请换一个"
        };
        return Err(AppError::conflict("duplicate_username", message).with_field("username"));
    }
    Ok(username)
}

/// How many accounts one login box entry may try (people sharing a phone number).
const MAX_LOGIN_CANDIDATES: i64 = 5;

impl App {
    pub async fn login(&self, input: &LoginInput, client_addr: &str) -> AppResult<LoginOutput> {
        let now = clock::now_ms();
        let login = username::normalize_login(&input.username);
        let account_key = format!("u:{login}");
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
        let candidates: Vec<UserRow> = self
            .store
            .users_for_login(&login, MAX_LOGIN_CANDIDATES)
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .collect();
        let user = self.first_matching(candidates, &input.password).await;
        let Some(user) = user else {
            self.throttle.count(&account_key, now);
            self.throttle.count(&address_key, now);
            return Err(AppError::new(
                ErrorKind::Unauthorized,
                "bad_credentials",
                "用户名或密码错误",
            ));
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

    /// Counts one anonymous submission from `client_addr`, or refuses it when the address
    /// has sent too many in the window.
    pub(crate) fn throttle_public_submission(&self, client_addr: &str) -> AppResult<()> {
        let key = format!("p:{client_addr}");
        let now = clock::now_ms();
        if self
            .throttle
            .blocked(&key, MAX_PUBLIC_SUBMISSIONS_PER_ADDRESS, now)
        {
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_submissions",
                "提交过于频繁，请 15 分钟后再试，或到服务站现场办理",
            ));
        }
        self.throttle.count(&key, now);
        Ok(())
    }

    /// The first account whose password matches; with none, one dummy verification so an
    /// unknown name costs the same time as a wrong password.
    async fn first_matching(&self, candidates: Vec<UserRow>, password: &str) -> Option<UserRow> {
        if candidates.is_empty() {
            let password = password.to_owned();
            let _ = tokio::task::spawn_blocking(move || {
                verify_password(&password, dummy_password_hash())
            })
            .await;
            return None;
        }
        for user in candidates {
            let password = password.to_owned();
            let stored = user.password_hash.clone();
            // argon2 is deliberately slow: keep it off the async workers.
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
                .await
                .unwrap_or(false);
            if ok {
                return Some(user);
            }
        }
        None
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
        let username = check_new_username(self.store.as_ref(), username).await?;
        check_password_strength(password)?;
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
            person_name: None,
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
