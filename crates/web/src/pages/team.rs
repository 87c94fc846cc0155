//! `/teams/{id}`: a unit, its sub-unit tree and its roster grouped by sub-unit; officers add
//! sub-units, appoint members and remove them here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiyuan_app::views::{MemberView, TeamView};
use zhiyuan_app::volunteers::VolunteerSearch;
use zhiyuan_app::{Actor, AppError};
use zhiyuan_domain::{Echelon, Scope};

use super::forms::{self, indent, Opt};
use super::{error_page, render, Chrome, FieldErrors};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnitForm {
    #[serde(rename = "_csrf")]
    pub(super) csrf: String,
    pub(super) name: String,
    pub(super) echelon: String,
    pub(super) specialty: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    #[serde(rename = "_csrf")]
    pub(super) csrf: String,
    pub(super) volunteer_id: String,
    pub(super) unit_id: String,
    pub(super) position: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    #[serde(rename = "_csrf")]
    pub(super) csrf: String,
    pub(super) unit_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    ok: String,
}

/// One unit of the flattened tree with the members holding a position in it.
pub struct Group {
    unit: TeamView,
    indent: usize,
    members: Vec<MemberView>,
}

#[derive(Template)]
#[template(path = "team.html")]
pub(super) struct TeamPage {
    chrome: Option<Chrome>,
    team: TeamView,
    groups: Vec<Group>,
    total: usize,
    can_write: bool,
    echelons: Vec<Opt>,
    positions: Vec<Opt>,
    volunteers: Vec<Opt>,
    units: Vec<Opt>,
    pub(super) unit: UnitForm,
    pub(super) unit_errors: FieldErrors,
    pub(super) member: MemberForm,
    pub(super) member_errors: FieldErrors,
    pub(super) remove_error: Option<String>,
}

/// The echelon a new sub-unit most likely has: the first one ranked below this unit.
fn next_echelon(echelon: &str) -> &'static str {
    let rank = Echelon::parse(echelon).map(|e| e.rank()).unwrap_or(0);
    Echelon::all()
        .iter()
        .find(|e| e.rank() > rank)
        .unwrap_or(&Echelon::SmallSquad)
        .as_str()
}

async fn load(state: &AppState, actor: &Actor, id: &str) -> Result<TeamPage, AppError> {
    let app = &state.app;
    let tree = app.get_team(actor, id).await?;
    let members = app.team_members(actor, id).await?;
    let can_write = !matches!(actor.scope, Scope::Volunteer { .. });
    let root_depth = tree.depth;
    let mut groups: Vec<Group> = tree
        .flatten()
        .into_iter()
        .map(|u| Group {
            unit: TeamView {
                sub_units: Vec::new(),
                ..u.clone()
            },
            indent: (u.depth - root_depth).clamp(0, 5) as usize,
            members: Vec::new(),
        })
        .collect();
    // People, not positions: one person may hold posts in several units.
    let mut people: Vec<&str> = members
        .items
        .iter()
        .map(|m| m.volunteer_id.as_str())
        .collect();
    people.sort_unstable();
    people.dedup();
    let total = people.len();
    for m in members.items {
        if let Some(g) = groups.iter_mut().find(|g| g.unit.id == m.team_id) {
            g.members.push(m);
        }
    }
    let units = groups
        .iter()
        .map(|g| {
            Opt::new(
                &g.unit.id,
                format!(
                    "{}{}（{}）",
                    indent(g.indent),
                    g.unit.name,
                    g.unit.echelon_label
                ),
            )
        })
        .collect();
    let volunteers = if can_write {
        let search = VolunteerSearch {
            org_id: Some(tree.org_id.clone()),
            per_page: Some(200),
            ..Default::default()
        };
        app.search_volunteers(actor, &search)
            .await?
            .items
            .into_iter()
            .map(|v| Opt::new(v.id, format!("{} · {}", v.name, v.volunteer_no)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(TeamPage {
        chrome: Chrome::of(actor),
        unit: UnitForm {
            echelon: next_echelon(&tree.echelon).to_owned(),
            ..Default::default()
        },
        member: MemberForm {
            unit_id: tree.id.clone(),
            position: "member".to_owned(),
            ..Default::default()
        },
        team: TeamView {
            sub_units: Vec::new(),
            ..tree
        },
        groups,
        total,
        can_write,
        echelons: forms::echelons()
            .into_iter()
            .filter(|o| o.value != "team")
            .collect(),
        positions: forms::positions(),
        volunteers,
        units,
        unit_errors: FieldErrors::default(),
        member_errors: FieldErrors::default(),
        remove_error: None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let flash = match done.ok.as_str() {
        "member" => Some("已任命/编入队员".to_owned()),
        "removed" => Some("已移出队员".to_owned()),
        _ => None,
    };
    match load(&state, &actor, &id).await {
        Ok(mut page) => {
            page.chrome = Chrome::with_flash(&actor, flash);
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}

pub(super) async fn rerender(
    state: &AppState,
    actor: &Actor,
    id: &str,
    status: StatusCode,
    fill: impl FnOnce(&mut TeamPage),
) -> Response {
    match load(state, actor, id).await {
        Ok(mut page) => {
            fill(&mut page);
            render(status, &page)
        }
        Err(e) => error_page(Some(actor), &e),
    }
}
