//! Recruitment use cases (issue 3): applications from a phone page and their bottom-up review
//! (`applications`, `review`), eligibility policies, review levels, registration authorities
//! and number ranges (`registry`), ledger imports (`imports`), the talent pool and ledger
//! exports (`ledgers`), leaving (`leaving`) and spot checks (`spot_checks`).

pub mod applications;
pub mod imports;
pub mod leaving;
pub mod ledgers;
pub mod registry;
pub mod review;
pub mod spot_checks;
pub mod views;

use zhiyuan_domain::Level;
use zhiyuan_store::OrgRow;

use crate::error::{AppError, AppResult};
use crate::App;

/// The ids along a materialised path, root first ("/a/b/" → a, b).
pub(crate) fn path_ids(path: &str) -> Vec<String> {
    zhiyuan_domain::path_ids(path).map(str::to_owned).collect()
}

/// Whether `path` lies in the admin's area (everything for a super-administrator).
pub(crate) fn in_admin_area(actor: &crate::Actor, path: &str) -> bool {
    match &actor.scope {
        zhiyuan_domain::Scope::All => true,
        zhiyuan_domain::Scope::Org { org_path } => zhiyuan_domain::is_within(path, org_path),
        _ => false,
    }
}

impl App {
    /// The org and its ancestors, root first.
    pub(crate) async fn org_ancestry(&self, org_path: &str) -> AppResult<Vec<OrgRow>> {
        let mut out = Vec::new();
        for id in path_ids(org_path) {
            let org = self
                .store
                .get_org(&id)
                .await?
                .ok_or_else(|| AppError::not_found("组织"))?;
            out.push(org);
        }
        Ok(out)
    }

    /// The levels that review in the tree rooted at `root_id` (default: village, township,
    /// county).
    pub(crate) async fn reviewing_levels(&self, root_id: &str) -> AppResult<Vec<Level>> {
        let stored = self.store.review_levels(root_id).await?;
        if stored.is_empty() {
            return Ok(zhiyuan_domain::recruitment::DEFAULT_REVIEW_LEVELS.to_vec());
        }
        Ok(stored.iter().filter_map(|l| Level::parse(l).ok()).collect())
    }
}
