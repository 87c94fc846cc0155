//! Materialised tree paths and access scopes (权限范围).
//!
//! Org nodes and team units carry a materialised path: `"/"` followed by
//! the ids from the root down, each followed by `"/"`. The root `a` has path
//! `"/a/"`, its child `b` has `"/a/b/"`. Because every id is closed by a
//! slash, `"/a/"` is a prefix of `"/a/b/"` but not of `"/ab/"`.

use serde::{Deserialize, Serialize};

/// Path of node `id` under `parent_path` (`None` for a root).
///
/// `child_path(None, "a") == "/a/"`, `child_path(Some("/a/"), "b") == "/a/b/"`.
pub fn child_path(parent_path: Option<&str>, id: &str) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The ids along a materialised path, root first (`"/a/b/"` → `a`, `b`).
pub fn path_ids(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Every prefix path of `path`, root first (`"/a/b/"` → `"/a/"`, `"/a/b/"`): the node and
/// the nodes above it, as paths.
pub fn ancestor_paths(path: &str) -> Vec<String> {
    let mut acc = String::from("/");
    path_ids(path)
        .map(|id| {
            acc.push_str(id);
            acc.push('/');
            acc.clone()
        })
        .collect()
}

/// Whether a string looks like a node path: starts and ends with `/` and
/// names at least one node.
fn is_node_path(p: &str) -> bool {
    p.len() > 2 && p.starts_with('/') && p.ends_with('/') && !p.contains("//")
}

/// Whether the node at `path` is `ancestor_path` itself or lies below it.
///
/// Fails closed: malformed paths (empty, bare `"/"`, missing slashes) are
/// never within anything and contain nothing.
pub fn is_within(path: &str, ancestor_path: &str) -> bool {
    is_node_path(path) && is_node_path(ancestor_path) && path.starts_with(ancestor_path)
}

code_enum! {
    /// Account role (角色).
    pub enum Role {
        field = "role", code = "role_invalid", what = "角色";
        /// 管理员: manages an org subtree (or everything).
        Admin => ("admin", "管理员"),
        /// 队长/带队人: manages a team unit and its sub-units.
        TeamLeader => ("team_leader", "队长/带队人"),
        /// 志愿者: sees and edits only their own record.
        Volunteer => ("volunteer", "志愿者"),
    }
}

/// What an account may see and manage (数据权限范围).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Super-administrator (超级管理员): everything.
    All,
    /// Administrator of an org subtree, e.g. a county centre.
    Org {
        /// Path of the org node at the top of the subtree.
        org_path: String,
    },
    /// Team leader (队长/带队人): a team unit and its sub-units.
    Team {
        /// Path of the team unit at the top of the subtree.
        team_path: String,
        /// Path of the org node the unit belongs to.
        org_path: String,
    },
    /// A volunteer: their own record only.
    Volunteer {
        /// The volunteer's id.
        volunteer_id: String,
    },
}

impl Scope {
    /// Whether the org node at `org_path` is visible: always for
    /// [`Scope::All`], within the subtree for [`Scope::Org`], never for the
    /// others (team leaders and volunteers do not manage org nodes).
    pub fn covers_org(&self, org_path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Org { org_path: top } => is_within(org_path, top),
            Scope::Team { .. } | Scope::Volunteer { .. } => false,
        }
    }

    /// Whether the team unit at `team_path`, belonging to the org node at
    /// `team_org_path`, is visible: always for [`Scope::All`]; for
    /// [`Scope::Org`] when the unit's org lies in the subtree; for
    /// [`Scope::Team`] when the unit is the scope's unit or a sub-unit;
    /// never for [`Scope::Volunteer`].
    pub fn covers_team(&self, team_path: &str, team_org_path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Org { org_path } => is_within(team_org_path, org_path),
            Scope::Team { team_path: top, .. } => is_within(team_path, top),
            Scope::Volunteer { .. } => false,
        }
    }

    /// May an actor holding `self` create (or grant) an account with scope
    /// `other`? No one can grant more than they hold:
    ///
    /// | actor \ other | All | Org q | Team (t, q) | Volunteer |
    /// |---|---|---|---|---|
    /// | All | yes | yes | yes | yes |
    /// | Org p | no | q within p | q within p | **no** (see below) |
    /// | Team t₀ | no | no | t within t₀ | no |
    /// | Volunteer | no | no | no | no |
    ///
    /// A volunteer account is tied to a volunteer record, not to a path, so
    /// whether an org admin may create one cannot be decided from the scopes
    /// alone: this returns `false` and the application must check the
    /// volunteer's locality (属地) itself.
    pub fn covers_scope(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All, _) => true,
            (Scope::Org { org_path: p }, Scope::Org { org_path: q })
            | (Scope::Org { org_path: p }, Scope::Team { org_path: q, .. }) => is_within(q, p),
            (Scope::Team { team_path: t0, .. }, Scope::Team { team_path: t, .. }) => {
                is_within(t, t0)
            }
            _ => false,
        }
    }

    /// May the node at `node_path` be moved under `new_parent_path`? Not
    /// under itself or one of its descendants (that would make a cycle).
    /// Fails closed on malformed paths.
    pub fn can_move_under(node_path: &str, new_parent_path: &str) -> bool {
        is_node_path(node_path)
            && is_node_path(new_parent_path)
            && !is_within(new_parent_path, node_path)
    }
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
