//! Establishment templates (编制) per tree, kept on the tree's root like the review levels:
//! the minimum members of a village, township or county team and the veterans of a small
//! squad. Kinds a tree doesn't set use the seeds' defaults (000/001).

use zhiyuan_domain::oversight::{TemplateKind, Templates};

use super::views::*;
use crate::error::{AppError, AppResult};
use crate::{snapshot, Actor, App};

fn view(root_org_id: &str, t: &Templates) -> TemplatesView {
    TemplatesView {
        root_org_id: root_org_id.to_owned(),
        village: t.village,
        township: t.township,
        county: t.county,
        small_squad: t.small_squad,
    }
}

impl App {
    /// `GET /api/v1/orgs/{id}/establishment`: the templates of the tree `id` belongs to.
    pub async fn establishment(&self, actor: &Actor, org_id: &str) -> AppResult<TemplatesView> {
        let org = self.overseen_org(actor, org_id).await?;
        let root = super::root_of(&org.path)?;
        Ok(view(&root, &self.tree_templates(&root).await?))
    }

    /// `PUT /api/v1/orgs/{id}/establishment` on a tree's root: replaces its templates.
    pub async fn set_establishment(
        &self,
        actor: &Actor,
        org_id: &str,
        input: &TemplatesInput,
    ) -> AppResult<TemplatesView> {
        actor.require_admin()?;
        let root = self.writable_org(actor, org_id.trim(), "org_id").await?;
        if root.parent_id.is_some() {
            return Err(AppError::invalid(
                "org_id",
                "not_tree_root",
                "编制模板按整棵组织树设置，请在最上级组织上设置",
            ));
        }
        let mut t = Templates::default();
        let mut stored = Vec::new();
        for (kind, value) in [
            (TemplateKind::Village, input.village),
            (TemplateKind::Township, input.township),
            (TemplateKind::County, input.county),
            (TemplateKind::SmallSquad, input.small_squad),
        ] {
            if let Some(v) = value {
                t.set(kind, v);
                stored.push((kind.as_str().to_owned(), v.map(i64::from)));
            }
        }
        t.check()?;
        let before = self.tree_templates(&root.id).await?;
        let audit = self.audit_entry(
            actor,
            "org.establishment",
            "org",
            &root.id,
            &root.path,
            snapshot(&before),
            snapshot(&t),
        );
        self.store
            .ov_set_templates(&root.id, &stored, &audit)
            .await?;
        Ok(view(&root.id, &t))
    }
}
