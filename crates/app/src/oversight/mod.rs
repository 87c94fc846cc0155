//! Oversight use cases (issue 5, 督导): statistics of any subtree in scope (`stats`), the
//! compliance list of the seeds' rules (`compliance`), establishment templates per tree
//! (`templates`), the station standard checklist 六个有 (`station`), and the report tables
//! as .xlsx (`reports`). All of it is for admins over the node's subtree.
//!
//! The figures come from aggregates the store keeps exact in the same transaction as every
//! write (see `store/sql/oversight_agg.rs`), so a province's statistics are a few primary-key
//! reads whatever its size.

pub mod compliance;
pub mod demo;
pub mod reports;
pub mod station;
pub mod stats;
pub mod templates;
pub mod views;

use zhiyuan_domain::Level;
use zhiyuan_store::OrgRow;

use crate::error::{AppError, AppResult};
use crate::{Actor, App};
use views::OrgBrief;

impl From<&OrgRow> for OrgBrief {
    fn from(o: &OrgRow) -> Self {
        OrgBrief {
            id: o.id.clone(),
            name: o.name.clone(),
            level: o.level.clone(),
            level_label: Level::parse(&o.level)
                .map(|l| l.label_zh().to_owned())
                .unwrap_or_default(),
        }
    }
}

impl App {
    /// The node whose subtree an admin oversees: 404 when the actor can't see it, 403 when
    /// they see it but don't cover its subtree (a team leader looking at their unit's org).
    pub(crate) async fn overseen_org(&self, actor: &Actor, id: &str) -> AppResult<OrgRow> {
        let org = self.visible_org(actor, id.trim()).await?;
        if !actor.is_admin() || !actor.covers_org(&org) {
            return Err(AppError::role_forbidden());
        }
        Ok(org)
    }
}

/// The id of the tree's root (the first id of a path).
pub(crate) fn root_of(path: &str) -> AppResult<String> {
    crate::recruitment::path_ids(path)
        .into_iter()
        .next()
        .ok_or_else(AppError::internal)
}
