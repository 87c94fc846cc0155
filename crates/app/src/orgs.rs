//! The administrative tree (R-ORG-1).

use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::org::{check_parent, check_population, parse_org_name};
use zhiyuan_domain::{child_path, Level, Scope, UnitType};
use zhiyuan_store::OrgRow;

use crate::error::{AppError, AppResult};
use crate::views::OrgView;
use crate::{clock, new_id, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewOrg {
    pub name: String,
    /// province, city, county, township, village, unit
    pub level: String,
    pub parent_id: Option<String>,
    pub population: Option<i64>,
    pub unit_type: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct OrgPatch {
    pub name: Option<String>,
    pub population: Option<i64>,
    pub unit_type: Option<String>,
    /// The version read; a stale one answers 409.
    pub version: Option<i64>,
}

fn parse_unit_type(s: Option<&str>) -> AppResult<Option<String>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Ok(Some(UnitType::parse(s)?.as_str().to_owned())),
    }
}

impl App {
    pub async fn create_org(&self, actor: &Actor, input: &NewOrg) -> AppResult<OrgView> {
        actor.require_admin()?;
        let name = parse_org_name(&input.name)?;
        let level = Level::parse(input.level.trim())?;
        let population = input.population.map(check_population).transpose()?;
        let unit_type = parse_unit_type(input.unit_type.as_deref())?;
        let parent = match input.parent_id.as_deref().filter(|p| !p.is_empty()) {
            Some(pid) => Some(self.writable_org(actor, pid, "parent_id").await?),
            None if actor.scope == Scope::All => None,
            None => {
                return Err(AppError::invalid(
                    "parent_id",
                    "parent_required",
                    "请选择上级组织",
                ));
            }
        };
        let parent_level = match &parent {
            Some(p) => Some(Level::parse(&p.level)?),
            None => None,
        };
        check_parent(level, parent_level)?;
        let id = new_id();
        let now = clock::now_ms();
        let org = OrgRow {
            path: child_path(parent.as_ref().map(|p| p.path.as_str()), &id),
            depth: parent.as_ref().map(|p| p.depth + 1).unwrap_or(0),
            id,
            name,
            level: level.as_str().to_owned(),
            parent_id: parent.as_ref().map(|p| p.id.clone()),
            population,
            unit_type,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let view = OrgView::from(&org);
        let audit = self.audit_entry(
            actor,
            "org.create",
            "org",
            &org.id,
            &org.path,
            None,
            snapshot(&view),
        );
        self.store.insert_org(&org, &audit).await?;
        Ok(view)
    }

    pub async fn get_org(&self, actor: &Actor, id: &str) -> AppResult<OrgView> {
        Ok(OrgView::from(&self.visible_org(actor, id).await?))
    }

    /// The node itself as a row, for pages that need its path.
    pub async fn org_children(&self, actor: &Actor, id: &str) -> AppResult<Vec<OrgView>> {
        let org = self.visible_org(actor, id).await?;
        let rows = self.store.org_children(Some(&org.id)).await?;
        Ok(rows
            .iter()
            .filter(|o| actor.covers_org(o))
            .map(OrgView::from)
            .collect())
    }

    /// The nodes an actor starts from: every root for a super-administrator, their own node
    /// for an admin, the org of their unit for a team leader.
    pub async fn my_orgs(&self, actor: &Actor) -> AppResult<Vec<OrgView>> {
        let rows = match (&actor.scope, &actor.org_id, &actor.team_id) {
            (Scope::All, _, _) => self.store.org_children(None).await?,
            (Scope::Org { .. }, Some(org_id), _) => {
                self.store.get_org(org_id).await?.into_iter().collect()
            }
            (Scope::Team { .. }, _, Some(team_id)) => match self.store.get_team(team_id).await? {
                Some(t) => self.store.get_org(&t.org_id).await?.into_iter().collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        Ok(rows.iter().map(OrgView::from).collect())
    }

    /// The subtree under `id` (inclusive), breadth first, at most `limit` nodes.
    pub async fn org_subtree(
        &self,
        actor: &Actor,
        id: &str,
        limit: i64,
    ) -> AppResult<Vec<OrgView>> {
        let org = self.visible_org(actor, id).await?;
        if !actor.covers_org(&org) {
            return Ok(vec![OrgView::from(&org)]);
        }
        let rows = self
            .store
            .org_subtree(&org.path, limit.clamp(1, 10_000))
            .await?;
        Ok(rows.iter().map(OrgView::from).collect())
    }

    /// The chain of ancestors the actor may see, root first (for breadcrumbs).
    pub async fn org_trail(&self, actor: &Actor, id: &str) -> AppResult<Vec<OrgView>> {
        let org = self.visible_org(actor, id).await?;
        let mut trail = Vec::new();
        for ancestor_id in org.path.trim_matches('/').split('/') {
            if let Some(a) = self.store.get_org(ancestor_id).await? {
                if actor.covers_org(&a) || a.id == org.id {
                    trail.push(OrgView::from(&a));
                }
            }
        }
        Ok(trail)
    }

    pub async fn update_org(
        &self,
        actor: &Actor,
        id: &str,
        patch: &OrgPatch,
    ) -> AppResult<OrgView> {
        actor.require_admin()?;
        let before = self.writable_org(actor, id, "id").await?;
        if let Some(v) = patch.version {
            if v != before.version {
                return Err(AppError::stale());
            }
        }
        let mut after = before.clone();
        if let Some(name) = &patch.name {
            after.name = parse_org_name(name)?;
        }
        if let Some(p) = patch.population {
            after.population = Some(check_population(p)?);
        }
        if patch.unit_type.is_some() {
            after.unit_type = parse_unit_type(patch.unit_type.as_deref())?;
        }
        after.updated_at = clock::now_ms();
        after.version = before.version + 1;
        let view = OrgView::from(&after);
        let audit = self.audit_entry(
            actor,
            "org.update",
            "org",
            &after.id,
            &after.path,
            snapshot(&OrgView::from(&before)),
            snapshot(&view),
        );
        self.store.update_org(&after, &audit).await?;
        Ok(view)
    }
}
