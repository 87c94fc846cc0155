//! Settings of recruitment: a team's eligibility policy (R-VOL-2), which org levels review in
//! a tree (R-VOL-3), registration authorities and their allotted number ranges (R-VOL-5).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::recruitment::{parse_range_prefix, EligibilityPolicy, NumberRange};
use zhiyuan_domain::Level;
use zhiyuan_store::recruitment::{NumberRangeRow, PolicyRow, RANGE_OVERLAP};
use zhiyuan_store::StoreError;

use super::views::RangeView;
use crate::error::{AppError, AppResult};
use crate::{clock, new_id, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PolicyInput {
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    #[serde(default)]
    pub require_party_member: bool,
    #[serde(default)]
    pub require_veteran: bool,
    #[serde(default)]
    pub require_healthy: bool,
    #[serde(default)]
    pub require_no_record: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyView {
    pub team_id: String,
    /// The unit whose policy applies (this one or the nearest above it); null: none.
    pub from_team_id: Option<String>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub require_party_member: bool,
    pub require_veteran: bool,
    pub require_healthy: bool,
    pub require_no_record: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ReviewLevelsInput {
    /// Levels that review, e.g. ["village","township","county"].
    pub levels: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct AuthorityInput {
    pub registration_authority: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NewRange {
    /// 0–12 letters, digits or '-', e.g. "NM".
    #[serde(default)]
    pub prefix: String,
    pub first_no: i64,
    pub last_no: i64,
}

impl App {
    pub async fn set_policy(
        &self,
        actor: &Actor,
        team_id: &str,
        input: &PolicyInput,
    ) -> AppResult<PolicyView> {
        actor.require_admin()?;
        let team = self.writable_team(actor, team_id, "team_id").await?;
        let policy = EligibilityPolicy {
            min_age: input.min_age,
            max_age: input.max_age,
            require_party_member: input.require_party_member,
            require_veteran: input.require_veteran,
            require_healthy: input.require_healthy,
            require_no_record: input.require_no_record,
        };
        policy.validate()?;
        let before = self.get_policy(actor, team_id).await?;
        let row = PolicyRow {
            team_id: team.id.clone(),
            min_age: policy.min_age.map(i64::from),
            max_age: policy.max_age.map(i64::from),
            require_party_member: policy.require_party_member,
            require_veteran: policy.require_veteran,
            require_healthy: policy.require_healthy,
            require_no_record: policy.require_no_record,
            updated_at: clock::now_ms(),
            version: 1,
        };
        let view = PolicyView {
            team_id: team.id.clone(),
            from_team_id: Some(team.id.clone()),
            min_age: policy.min_age,
            max_age: policy.max_age,
            require_party_member: policy.require_party_member,
            require_veteran: policy.require_veteran,
            require_healthy: policy.require_healthy,
            require_no_record: policy.require_no_record,
        };
        let audit = self.audit_entry(
            actor,
            "team.policy",
            "team",
            &team.id,
            &team.org_path,
            snapshot(&before),
            snapshot(&view),
        );
        self.store.upsert_policy(&row, &audit).await?;
        Ok(view)
    }

    /// The policy that applies to applications to this unit. Public: the phone page shows it.
    pub async fn get_policy(&self, _actor: &Actor, team_id: &str) -> AppResult<PolicyView> {
        self.public_policy(team_id).await
    }

    /// The unit's name with its org, for the public application page.
    pub async fn public_team_name(&self, team_id: &str) -> AppResult<String> {
        let team = self
            .store
            .get_team(team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        Ok(format!("{}（{}）", team.name, team.org_name))
    }

    pub async fn public_policy(&self, team_id: &str) -> AppResult<PolicyView> {
        let team = self
            .store
            .get_team(team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        let p = self.effective_policy(&team).await?;
        let ids = super::path_ids(&team.path);
        let rows = self.store.policies_of(&ids).await?;
        let from = ids
            .iter()
            .rev()
            .find(|id| rows.iter().any(|p| &p.team_id == *id))
            .cloned();
        Ok(PolicyView {
            team_id: team.id,
            from_team_id: from,
            min_age: p.min_age,
            max_age: p.max_age,
            require_party_member: p.require_party_member,
            require_veteran: p.require_veteran,
            require_healthy: p.require_healthy,
            require_no_record: p.require_no_record,
        })
    }

    /// Sets the reviewing levels of a whole tree; only on its root, by an admin of the root.
    pub async fn set_review_levels(
        &self,
        actor: &Actor,
        root_org_id: &str,
        input: &ReviewLevelsInput,
    ) -> AppResult<Vec<String>> {
        actor.require_admin()?;
        let root = self.writable_org(actor, root_org_id, "org_id").await?;
        if root.parent_id.is_some() {
            return Err(AppError::invalid(
                "org_id",
                "not_tree_root",
                "审核层级按整棵组织树设置，请在最上级组织上设置",
            ));
        }
        let mut levels: Vec<String> = Vec::new();
        for l in &input.levels {
            let l = Level::parse(l.trim()).map_err(|e| AppError::from(e).with_field("levels"))?;
            if !levels.iter().any(|x| x == l.as_str()) {
                levels.push(l.as_str().to_owned());
            }
        }
        if levels.is_empty() {
            return Err(AppError::invalid(
                "levels",
                "levels_required",
                "至少选择一个审核层级",
            ));
        }
        let before = self.store.review_levels(&root.id).await?;
        let audit = self.audit_entry(
            actor,
            "org.review_levels",
            "org",
            &root.id,
            &root.path,
            snapshot(&before),
            snapshot(&levels),
        );
        self.store
            .set_review_levels(&root.id, &levels, &audit)
            .await?;
        Ok(levels)
    }

    pub async fn review_levels_of(&self, actor: &Actor, org_id: &str) -> AppResult<Vec<String>> {
        let org = self.visible_org(actor, org_id).await?;
        let root = super::path_ids(&org.path)
            .into_iter()
            .next()
            .ok_or_else(AppError::internal)?;
        Ok(self
            .reviewing_levels(&root)
            .await?
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect())
    }

    /// Marks an org as a registration authority (注册机构), or unmarks it.
    pub async fn set_registration_authority(
        &self,
        actor: &Actor,
        org_id: &str,
        on: bool,
    ) -> AppResult<()> {
        actor.require_admin()?;
        let org = self.writable_org(actor, org_id, "org_id").await?;
        let audit = self.audit_entry(
            actor,
            "org.registration_authority",
            "org",
            &org.id,
            &org.path,
            None,
            Some(serde_json::json!({ "registration_authority": on })),
        );
        Ok(self
            .store
            .set_registration_authority(&org.id, on, &audit)
            .await?)
    }

    /// Allots a number range to a registration authority (注册编号分配).
    pub async fn allot_range(
        &self,
        actor: &Actor,
        org_id: &str,
        input: &NewRange,
    ) -> AppResult<RangeView> {
        actor.require_admin()?;
        let org = self.writable_org(actor, org_id, "org_id").await?;
        if self
            .store
            .registration_authorities(std::slice::from_ref(&org.id))
            .await?
            .is_empty()
        {
            return Err(AppError::invalid(
                "org_id",
                "not_registration_authority",
                "该组织不是注册机构",
            ));
        }
        let prefix = parse_range_prefix(&input.prefix)?;
        let range = NumberRange::new(input.first_no, input.last_no)?;
        let row = NumberRangeRow {
            id: new_id(),
            authority_org_id: org.id.clone(),
            prefix,
            first_no: range.first,
            last_no: range.last,
            next_no: range.next,
            created_at: clock::now_ms(),
        };
        let view = RangeView::from(&row);
        let audit = self.audit_entry(
            actor,
            "range.allot",
            "number_range",
            &row.id,
            &org.path,
            None,
            snapshot(&view),
        );
        match self.store.insert_range(&row, &audit).await {
            Ok(()) => Ok(view),
            Err(StoreError::Conflict(what)) if what == RANGE_OVERLAP => Err(AppError::conflict(
                "range_overlap",
                "该号段与已分配的同前缀号段重叠",
            )
            .with_field("first_no")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn ranges(&self, actor: &Actor, org_id: &str) -> AppResult<Vec<RangeView>> {
        actor.require_admin()?;
        let org = self.visible_org(actor, org_id).await?;
        Ok(self
            .store
            .ranges_of(&org.id)
            .await?
            .iter()
            .map(RangeView::from)
            .collect())
    }
}
