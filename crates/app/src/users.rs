//! Accounts for lower levels, and the audit log.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::{PersonName, Role, Scope};
use zhiyuan_store::{StoreError, UserRow};

use crate::auth::{check_new_username, check_password_strength, hash_password_blocking};
use crate::error::{AppError, AppResult};
use crate::views::{AuditView, Page, UserView};
use crate::{clock, new_id, page_window, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    /// admin (the org subtree of `org_id`), team_leader (the unit `team_id` and its
    /// sub-units) or volunteer (own record `volunteer_id` only)
    pub role: String,
    pub org_id: Option<String>,
    pub team_id: Option<String>,
    pub volunteer_id: Option<String>,
    /// The person who will use an admin or officer account (姓名), shown beside the login
    /// name in the audit log; a volunteer's account shows the volunteer's name.
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this subject (org, team, volunteer or user id).
    pub subject_id: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn required<'a>(v: &'a Option<String>, field: &str, what: &str) -> AppResult<&'a str> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::invalid(field, "required", format!("请选择{what}")))
}

impl App {
    /// Creates an account whose scope lies within the creator's.
    pub async fn create_user(&self, actor: &Actor, input: &NewUser) -> AppResult<UserView> {
        actor.require_admin()?;
        let username = check_new_username(self.store.as_ref(), &input.username).await?;
        check_password_strength(&input.password)?;
        let role = Role::parse(input.role.trim())?;
        let person_name = match input.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => Some(PersonName::parse(n)?.as_str().to_owned()),
            _ => None,
        };
        let mut user = UserRow {
            id: new_id(),
            username,
            password_hash: String::new(),
            role: role.as_str().to_owned(),
            is_super: false,
            org_id: None,
            team_id: None,
            volunteer_id: None,
            scope_org_path: String::new(),
            disabled: false,
            created_at: clock::now_ms(),
            person_name,
        };
        match role {
            Role::Admin => {
                let org = self
                    .writable_org(
                        actor,
                        required(&input.org_id, "org_id", "管辖组织")?,
                        "org_id",
                    )
                    .await?;
                user.scope_org_path = org.path.clone();
                user.org_id = Some(org.id);
            }
            Role::TeamLeader => {
                let team = self
                    .writable_team(
                        actor,
                        required(&input.team_id, "team_id", "所带队伍")?,
                        "team_id",
                    )
                    .await?;
                let wanted = Scope::Team {
                    team_path: team.path.clone(),
                    org_path: team.org_path.clone(),
                };
                if !actor.scope.covers_scope(&wanted) {
                    return Err(AppError::forbidden().with_field("team_id"));
                }
                user.scope_org_path = team.org_path.clone();
                user.team_id = Some(team.id);
            }
            Role::Volunteer => {
                let vid = required(&input.volunteer_id, "volunteer_id", "志愿者")?;
                let v = self
                    .visible_volunteer(actor, vid)
                    .await
                    .map_err(|e| e.with_field("volunteer_id"))?;
                user.scope_org_path = v.row.org_path.clone();
                user.volunteer_id = Some(v.row.id);
            }
        }
        user.password_hash = hash_password_blocking(&input.password).await?;
        let view = UserView::from(&user);
        let audit = self.audit_entry(
            actor,
            "user.create",
            "user",
            &user.id,
            &user.scope_org_path,
            None,
            snapshot(&view),
        );
        match self.store.insert_user(&user, Some(&audit)).await {
            Ok(()) => Ok(view),
            Err(StoreError::Conflict(_)) => {
                Err(AppError::conflict("duplicate_username", "用户名已被使用")
                    .with_field("username"))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_users(&self, actor: &Actor) -> AppResult<Page<UserView>> {
        actor.require_admin()?;
        let path = actor.admin_org_path().unwrap_or("/");
        let rows = self.store.users_in_org_subtree(path, 1000).await?;
        let items: Vec<UserView> = rows
            .iter()
            .filter(|u| !u.is_super || actor.is_super)
            .map(UserView::from)
            .collect();
        Ok(Page {
            total: items.len() as i64,
            items,
        })
    }

    /// The audit log of the actor's subtree, newest first.
    pub async fn audit_log(&self, actor: &Actor, q: &AuditQuery) -> AppResult<Page<AuditView>> {
        actor.require_admin()?;
        let (limit, offset) = page_window(q.page, q.per_page);
        let within = match &actor.scope {
            Scope::All => None,
            _ => actor.admin_org_path(),
        };
        let subject = q.subject_id.as_deref().filter(|s| !s.is_empty());
        let (rows, total) = self
            .store
            .list_audit(within, subject, limit, offset)
            .await?;
        Ok(Page {
            items: rows.iter().map(AuditView::from).collect(),
            total,
        })
    }
}
