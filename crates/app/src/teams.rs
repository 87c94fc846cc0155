//! Teams, sub-units and officers (R-ORG-2, R-ORG-4).

use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::team::{check_nesting, parse_team_name};
use zhiyuan_domain::{child_path, is_within, Echelon, Position, Scope};
use zhiyuan_store::TeamRow;

use crate::error::{AppError, AppResult};
use crate::views::{MemberView, Page, TeamView};
use crate::{clock, new_id, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewTeam {
    pub name: String,
    pub org_id: String,
    pub parent_team_id: Option<String>,
    /// team, detachment, company, platoon, squad, small_squad
    pub echelon: String,
    /// e.g. 应急, 法律服务, 人工降雨
    pub specialty: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TeamPatch {
    pub name: Option<String>,
    pub specialty: Option<String>,
    /// Move the unit under another; `""` makes it a root unit. Never under itself or a descendant.
    pub parent_team_id: Option<String>,
    pub version: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewMember {
    pub volunteer_id: String,
    /// leader, deputy, commander, instructor, quartermaster, platoon_leader, squad_leader, member
    pub position: String,
}

fn parse_specialty(s: Option<&str>) -> AppResult<Option<String>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() <= 30 && !s.chars().any(char::is_control) => {
            Ok(Some(s.to_owned()))
        }
        Some(_) => Err(AppError::invalid(
            "specialty",
            "specialty_invalid",
            "专业方向不超过 30 个字",
        )),
    }
}

impl App {
    pub async fn create_team(&self, actor: &Actor, input: &NewTeam) -> AppResult<TeamView> {
        if matches!(actor.scope, Scope::Volunteer { .. }) {
            return Err(AppError::role_forbidden());
        }
        let name = parse_team_name(&input.name)?;
        let echelon = Echelon::parse(input.echelon.trim())?;
        let specialty = parse_specialty(input.specialty.as_deref())?;
        let org = self
            .store
            .get_org(input.org_id.trim())
            .await?
            .ok_or_else(|| AppError::not_found("组织").with_field("org_id"))?;
        let parent = match input.parent_team_id.as_deref().filter(|p| !p.is_empty()) {
            Some(pid) => Some(self.writable_team(actor, pid, "parent_team_id").await?),
            None => {
                // A root unit is an org's business: only an admin of that org creates it.
                if !actor.covers_org(&org) {
                    return Err(AppError::forbidden().with_field("org_id"));
                }
                None
            }
        };
        let parent_echelon = match &parent {
            Some(p) => Some(Echelon::parse(&p.echelon)?),
            None => None,
        };
        check_nesting(echelon, parent_echelon)?;
        if let Some(p) = &parent {
            // A village squad may sit in a township platoon, not the other way round.
            if !is_within(&org.path, &p.org_path) {
                return Err(AppError::invalid(
                    "org_id",
                    "team_org_outside_parent",
                    "下级单位所属组织必须在上级单位所属组织的辖区内",
                ));
            }
        }
        let id = new_id();
        let now = clock::now_ms();
        let team = TeamRow {
            path: child_path(parent.as_ref().map(|p| p.path.as_str()), &id),
            id,
            name,
            org_id: org.id.clone(),
            parent_team_id: parent.as_ref().map(|p| p.id.clone()),
            echelon: echelon.as_str().to_owned(),
            specialty,
            created_at: now,
            updated_at: now,
            version: 1,
            org_path: org.path.clone(),
            org_name: org.name.clone(),
        };
        let view = TeamView::from(&team);
        let audit = self.audit_entry(
            actor,
            "team.create",
            "team",
            &team.id,
            &org.path,
            None,
            snapshot(&view),
        );
        self.store.insert_team(&team, &audit).await?;
        Ok(view)
    }

    /// The unit with its sub-units, nested.
    pub async fn get_team(&self, actor: &Actor, id: &str) -> AppResult<TeamView> {
        let team = self.visible_team(actor, id).await?;
        let rows = self.store.team_subtree(&team.path).await?;
        TeamView::tree(&rows).ok_or_else(|| AppError::not_found("队伍"))
    }

    /// Units in an org's subtree that the actor may see (root units and sub-units alike).
    pub async fn teams_of_org(&self, actor: &Actor, org_id: &str) -> AppResult<Vec<TeamView>> {
        let org = self.visible_org(actor, org_id).await?;
        let rows = self.store.teams_in_org_subtree(&org.path, 2000).await?;
        Ok(rows
            .iter()
            .filter(|t| actor.covers_team(t))
            .map(TeamView::from)
            .collect())
    }

    /// The actor's own units: a team leader's unit; for admins the root units in their scope.
    pub async fn my_teams(&self, actor: &Actor) -> AppResult<Vec<TeamView>> {
        match &actor.scope {
            Scope::Team { .. } => {
                let id = actor.team_id.as_deref().unwrap_or_default();
                Ok(vec![self.get_team(actor, id).await?])
            }
            Scope::All | Scope::Org { .. } => {
                let path = actor.admin_org_path().unwrap_or("/").to_owned();
                let rows = self.store.teams_in_org_subtree(&path, 500).await?;
                Ok(rows
                    .iter()
                    .filter(|t| t.parent_team_id.is_none())
                    .map(TeamView::from)
                    .collect())
            }
            Scope::Volunteer { .. } => Ok(Vec::new()),
        }
    }

    /// Members of the unit and its sub-units, each with the unit they hold a position in,
    /// officers first within each unit.
    pub async fn team_members(&self, actor: &Actor, id: &str) -> AppResult<Page<MemberView>> {
        let team = self.visible_team(actor, id).await?;
        let mut rows = self.store.members_in_team_subtree(&team.path).await?;
        let rank = |p: &str| Position::parse(p).map(|p| p.sort_key()).unwrap_or(u8::MAX);
        // Stable: keeps the store's path order between units.
        rows.sort_by_key(|m| rank(&m.position));
        let subtree = self.store.team_subtree(&team.path).await?;
        let order = |team_id: &str| {
            subtree
                .iter()
                .position(|t| t.id == team_id)
                .unwrap_or(usize::MAX)
        };
        rows.sort_by_key(|m| order(&m.team_id));
        let items: Vec<MemberView> = rows.iter().map(MemberView::from).collect();
        Ok(Page {
            total: items.len() as i64,
            items,
        })
    }

    /// Appoints a volunteer to a position in a unit (one position per person per unit; a
    /// person may belong to several units). Returns the member and whether they are new.
    pub async fn appoint_member(
        &self,
        actor: &Actor,
        team_id: &str,
        input: &NewMember,
    ) -> AppResult<(MemberView, bool)> {
        let team = self.writable_team(actor, team_id, "team_id").await?;
        let position = Position::parse(input.position.trim())?;
        let volunteer = self
            .store
            .get_volunteer(input.volunteer_id.trim())
            .await?
            .ok_or_else(|| AppError::not_found("志愿者").with_field("volunteer_id"))?;
        if !self.covers_volunteer(actor, &volunteer).await? {
            return Err(AppError::forbidden().with_field("volunteer_id"));
        }
        if volunteer.row.status != "active" {
            return Err(AppError::invalid(
                "volunteer_id",
                "volunteer_inactive",
                "该志愿者当前不在服务状态",
            ));
        }
        let before = self
            .store
            .memberships_of(&volunteer.row.id)
            .await?
            .into_iter()
            .find(|m| m.team_id == team.id);
        let now = clock::now_ms();
        let after = serde_json::json!({
            "team_id": team.id, "team_name": team.name,
            "volunteer_id": volunteer.row.id, "name": volunteer.row.name,
            "position": position.as_str(),
        });
        let audit = self.audit_entry(
            actor,
            "team.appoint",
            "team",
            &team.id,
            &team.org_path,
            before
                .as_ref()
                .map(|m| serde_json::json!({"position": m.position})),
            Some(after),
        );
        let created = self
            .store
            .upsert_member(&team.id, &volunteer.row.id, position.as_str(), now, &audit)
            .await?;
        let view = self
            .store
            .members_in_team_subtree(&team.path)
            .await?
            .iter()
            .find(|m| m.team_id == team.id && m.volunteer_id == volunteer.row.id)
            .map(MemberView::from)
            .ok_or_else(AppError::internal)?;
        Ok((view, created))
    }

    pub async fn remove_member(
        &self,
        actor: &Actor,
        team_id: &str,
        volunteer_id: &str,
    ) -> AppResult<()> {
        let team = self.writable_team(actor, team_id, "team_id").await?;
        let audit = self.audit_entry(
            actor,
            "team.remove_member",
            "team",
            &team.id,
            &team.org_path,
            Some(serde_json::json!({"volunteer_id": volunteer_id})),
            None,
        );
        self.store
            .remove_member(&team.id, volunteer_id, &audit)
            .await
            .map_err(|e| match e {
                zhiyuan_store::StoreError::NotFound => {
                    AppError::not_found("队员").with_field("volunteer_id")
                }
                other => other.into(),
            })
    }

    /// Renames or moves a unit. A move keeps the nesting rules and may never put a unit under
    /// itself or one of its descendants.
    pub async fn update_team(
        &self,
        actor: &Actor,
        id: &str,
        patch: &TeamPatch,
    ) -> AppResult<TeamView> {
        let before = self.writable_team(actor, id, "id").await?;
        if let Some(v) = patch.version {
            if v != before.version {
                return Err(AppError::stale());
            }
        }
        let mut after = before.clone();
        if let Some(name) = &patch.name {
            after.name = parse_team_name(name)?;
        }
        if patch.specialty.is_some() {
            after.specialty = parse_specialty(patch.specialty.as_deref())?;
        }
        if let Some(pid) = &patch.parent_team_id {
            let pid = pid.trim();
            let echelon = Echelon::parse(&before.echelon)?;
            if pid.is_empty() {
                // Becoming a root unit is the org's business, as on creation.
                if !actor.scope.covers_org(&before.org_path) {
                    return Err(AppError::forbidden().with_field("parent_team_id"));
                }
                check_nesting(echelon, None)?;
                after.parent_team_id = None;
            } else {
                let parent = self.writable_team(actor, pid, "parent_team_id").await?;
                if !Scope::can_move_under(&before.path, &parent.path) {
                    return Err(zhiyuan_store::StoreError::Cycle.into());
                }
                check_nesting(echelon, Some(Echelon::parse(&parent.echelon)?))?;
                if !is_within(&before.org_path, &parent.org_path) {
                    return Err(AppError::invalid(
                        "parent_team_id",
                        "team_org_outside_parent",
                        "下级单位所属组织必须在上级单位所属组织的辖区内",
                    ));
                }
                after.parent_team_id = Some(parent.id);
            }
        }
        after.updated_at = clock::now_ms();
        after.version = before.version + 1;
        let audit = self.audit_entry(
            actor,
            "team.update",
            "team",
            &after.id,
            &after.org_path,
            snapshot(&TeamView::from(&before)),
            snapshot(&TeamView::from(&after)),
        );
        self.store.update_team(&after, &audit).await?;
        self.get_team(actor, id).await
    }
}
