//! Who is acting, and what they may touch. Every use case takes an `&Actor` and checks it
//! here before it reads or writes anything.

use zhiyuan_domain::{Role, Scope};
use zhiyuan_store::{OrgRow, TeamRow, VolunteerRecord};

use crate::error::{AppError, AppResult};
use crate::App;

#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub is_super: bool,
    pub scope: Scope,
    /// The volunteer record of a volunteer account.
    pub volunteer_id: Option<String>,
    /// The org (admin) or unit (team leader) the account is bound to.
    pub org_id: Option<String>,
    pub team_id: Option<String>,
    /// The session's CSRF token (pages embed it in forms).
    pub csrf_token: String,
}

impl Actor {
    /// The system itself (demo loader, CLI): scope is everything.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: String::new(),
            username: name.to_owned(),
            role: Role::Admin,
            is_super: true,
            scope: Scope::All,
            volunteer_id: None,
            org_id: None,
            team_id: None,
            csrf_token: String::new(),
        }
    }

    pub fn actor_id(&self) -> Option<String> {
        (!self.user_id.is_empty()).then(|| self.user_id.clone())
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.scope, Scope::All | Scope::Org { .. })
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::role_forbidden())
        }
    }

    /// The org subtree an admin manages (`/` for a super-administrator).
    pub fn admin_org_path(&self) -> Option<&str> {
        match &self.scope {
            Scope::All => Some("/"),
            Scope::Org { org_path } => Some(org_path),
            _ => None,
        }
    }

    pub fn covers_org(&self, org: &OrgRow) -> bool {
        self.scope.covers_org(&org.path)
    }

    pub fn covers_team(&self, team: &TeamRow) -> bool {
        self.scope.covers_team(&team.path, &team.org_path)
    }
}

impl App {
    /// The org, when it exists and the actor may see it; 404 otherwise (an id outside the
    /// scope is as good as unknown). Team leaders may also see the org their unit belongs to.
    pub(crate) async fn visible_org(&self, actor: &Actor, id: &str) -> AppResult<OrgRow> {
        let org = self
            .store
            .get_org(id)
            .await?
            .ok_or_else(|| AppError::not_found("组织"))?;
        let own_team_org =
            matches!(&actor.scope, Scope::Team { org_path, .. } if *org_path == org.path);
        if actor.covers_org(&org) || own_team_org {
            Ok(org)
        } else {
            Err(AppError::not_found("组织"))
        }
    }

    /// The org, when the actor may change things in it; 404 when unknown, 403 when outside.
    pub(crate) async fn writable_org(
        &self,
        actor: &Actor,
        id: &str,
        field: &str,
    ) -> AppResult<OrgRow> {
        let org = self
            .store
            .get_org(id)
            .await?
            .ok_or_else(|| AppError::not_found("组织").with_field(field))?;
        if actor.covers_org(&org) {
            Ok(org)
        } else {
            Err(AppError::forbidden().with_field(field))
        }
    }

    pub(crate) async fn visible_team(&self, actor: &Actor, id: &str) -> AppResult<TeamRow> {
        let team = self
            .store
            .get_team(id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        if actor.covers_team(&team) {
            Ok(team)
        } else {
            Err(AppError::not_found("队伍"))
        }
    }

    pub(crate) async fn writable_team(
        &self,
        actor: &Actor,
        id: &str,
        field: &str,
    ) -> AppResult<TeamRow> {
        let team = self
            .store
            .get_team(id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍").with_field(field))?;
        if actor.covers_team(&team) {
            Ok(team)
        } else {
            Err(AppError::forbidden().with_field(field))
        }
    }

    /// May the actor see this volunteer? Admins by locality, team leaders by membership of a
    /// unit they lead, a volunteer only themselves.
    pub(crate) async fn covers_volunteer(
        &self,
        actor: &Actor,
        v: &VolunteerRecord,
    ) -> AppResult<bool> {
        Ok(match &actor.scope {
            Scope::All => true,
            Scope::Org { org_path } => zhiyuan_domain::is_within(&v.row.org_path, org_path),
            Scope::Team { team_path, .. } => self
                .store
                .memberships_of(&v.row.id)
                .await?
                .iter()
                .any(|m| zhiyuan_domain::is_within(&m.team_path, team_path)),
            Scope::Volunteer { volunteer_id } => *volunteer_id == v.row.id,
        })
    }

    pub(crate) async fn visible_volunteer(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<VolunteerRecord> {
        let v = self
            .store
            .get_volunteer(id)
            .await?
            .ok_or_else(|| AppError::not_found("志愿者"))?;
        if self.covers_volunteer(actor, &v).await? {
            Ok(v)
        } else {
            Err(AppError::not_found("志愿者"))
        }
    }
}
