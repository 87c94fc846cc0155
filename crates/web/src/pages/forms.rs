//! Helpers shared by the page forms: `<select>` options, the orgs and units of the actor's
//! area in tree order, optional text and numbers, errors beside fields.

use std::collections::HashMap;
use std::str::FromStr;

use zhiyuan_app::views::{OrgView, TeamView};
use zhiyuan_app::{Actor, App, AppError, AppResult, ErrorKind};
use zhiyuan_domain::{Echelon, Health, Level, Position, Role, UnitType};

use super::FieldErrors;

/// One `<option>` of a select.
#[derive(Clone, Debug)]
pub struct Opt {
    pub value: String,
    pub label: String,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
        }
    }

    /// Whether this option is the selected value (templates: `o.is(form.field)`).
    pub fn is(&self, selected: &str) -> bool {
        self.value == selected
    }
}

pub fn levels() -> Vec<Opt> {
    Level::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

pub fn unit_types() -> Vec<Opt> {
    UnitType::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

pub fn echelons() -> Vec<Opt> {
    Echelon::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

pub fn positions() -> Vec<Opt> {
    Position::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

pub fn healths() -> Vec<Opt> {
    Health::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

pub fn roles() -> Vec<Opt> {
    Role::all()
        .iter()
        .map(|v| Opt::new(v.as_str(), v.label_zh()))
        .collect()
}

/// `不限 / 是 / 否` for yes-no filters.
pub fn tristate() -> Vec<Opt> {
    vec![
        Opt::new("", "不限"),
        Opt::new("true", "是"),
        Opt::new("false", "否"),
    ]
}

/// Items put in depth-first order, each with its depth below the top of its tree. An item
/// whose parent is not in the list starts a tree; siblings keep their order.
pub fn tree_order<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Vec<(usize, T)> {
    let index: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(i, t)| (id(t).to_owned(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut roots = Vec::new();
    for (i, t) in items.iter().enumerate() {
        match parent(t).and_then(|p| index.get(p)) {
            Some(&p) if p != i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(items.len());
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|r| (0, r)).collect();
    while let Some((depth, i)) = stack.pop() {
        order.push((depth, i));
        stack.extend(children[i].iter().rev().map(|&c| (depth + 1, c)));
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(d, i)| slots[i].take().map(|t| (d, t)))
        .collect()
}

/// A full-width space per level, so `<option>` text shows the tree.
pub fn indent(depth: usize) -> String {
    "\u{3000}".repeat(depth.min(8))
}

/// The orgs of the actor's area (each starting node's subtree), in tree order.
pub async fn area_orgs(app: &App, actor: &Actor) -> AppResult<Vec<(usize, OrgView)>> {
    let mut all = Vec::new();
    for root in app.my_orgs(actor).await? {
        all.extend(app.org_subtree(actor, &root.id, 500).await?);
    }
    Ok(tree_order(all, |o| &o.id, |o| o.parent_id.as_deref()))
}

pub fn org_opts(orgs: &[(usize, OrgView)]) -> Vec<Opt> {
    orgs.iter()
        .map(|(d, o)| {
            Opt::new(
                &o.id,
                format!("{}{}（{}）", indent(*d), o.name, o.level_label),
            )
        })
        .collect()
}

/// The units of the actor's area (every unit under each starting org), in tree order.
pub async fn area_teams(app: &App, actor: &Actor) -> AppResult<Vec<(usize, TeamView)>> {
    let mut all = Vec::new();
    for root in app.my_orgs(actor).await? {
        all.extend(app.teams_of_org(actor, &root.id).await?);
    }
    Ok(tree_order(all, |t| &t.id, |t| t.parent_team_id.as_deref()))
}

pub fn team_opts(teams: &[(usize, TeamView)]) -> Vec<Opt> {
    teams
        .iter()
        .map(|(d, t)| {
            Opt::new(
                &t.id,
                format!(
                    "{}{}（{} · {}）",
                    indent(*d),
                    t.name,
                    t.echelon_label,
                    t.org_name
                ),
            )
        })
        .collect()
}

/// A text input: trimmed, and `None` when empty.
pub fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A checkbox: present (any value but an explicit "no") means ticked.
pub fn checked(s: &str) -> bool {
    !matches!(s.trim(), "" | "0" | "false" | "off")
}

/// A yes/no filter: `true`, `false` or anything else for "either".
pub fn tri(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Full-width digits and signs (typed with a Chinese IME) read as ASCII.
pub(super) fn ascii_digits(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '－' => '-',
            '＋' => '+',
            c => c,
        })
        .collect()
}

/// Page-side checks of a form before the use case runs (numbers, pairs of fields).
#[derive(Default)]
pub struct Checks {
    first: Option<AppError>,
    errors: FieldErrors,
}

impl Checks {
    /// An optional number: empty is `None`; anything else must parse.
    pub fn number<T: FromStr>(&mut self, field: &str, raw: &str) -> Option<T> {
        let s = ascii_digits(raw);
        if s.is_empty() {
            return None;
        }
        match s.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail(AppError::invalid(field, "not_a_number", "请输入数字"));
                None
            }
        }
    }

    pub fn fail(&mut self, e: AppError) {
        let field = e.field.clone().unwrap_or_default();
        self.errors
            .by_field
            .entry(field)
            .or_insert_with(|| e.message.clone());
        self.first.get_or_insert(e);
    }

    /// The errors found, if any, with the status the first one calls for.
    pub fn finish(self) -> Result<(), (ErrorKind, FieldErrors)> {
        match self.first {
            None => Ok(()),
            Some(e) => Err((e.kind, self.errors)),
        }
    }
}

/// A use-case error as form errors: beside its field when the form has that field (or the
/// field a rule error is really about, by `remap`), otherwise as the form's general error.
pub fn form_errors(e: &AppError, fields: &[&str], remap: &[(&str, &str)]) -> FieldErrors {
    let mut out = FieldErrors::default();
    let all: Vec<(&str, &str)> = if e.fields.is_empty() {
        vec![(e.field.as_deref().unwrap_or_default(), e.message.as_str())]
    } else {
        e.fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect()
    };
    for (field, message) in all {
        let target = if fields.contains(&field) {
            Some(field)
        } else if e.kind == ErrorKind::Unprocessable {
            remap
                .iter()
                .find(|(from, _)| *from == field)
                .map(|(_, to)| *to)
        } else {
            None
        };
        match target {
            Some(f) => {
                out.by_field
                    .entry(f.to_owned())
                    .or_insert_with(|| message.to_owned());
            }
            None if out.general.is_none() => out.general = Some(message.to_owned()),
            None => {}
        }
    }
    out
}
