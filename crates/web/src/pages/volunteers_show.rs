//! `/volunteers/{id}`: one volunteer's record, units and edit history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use zhiyuan_app::views::{AuditView, VolunteerView};

use super::audit::action_label;
use super::listing::show_time;
use super::{error_page, render, Chrome};
use crate::extract::PageActor;
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    created: String,
    /// Set after a suspend/reinstate post (suspended, reinstated).
    status: String,
}

/// One changed field of an edit.
pub struct Change {
    field: String,
    old: String,
    new: String,
}

pub struct HistoryRow {
    at: String,
    actor: String,
    action: String,
    changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "volunteer_show.html")]
struct ShowPage {
    chrome: Option<Chrome>,
    v: VolunteerView,
    created_at: String,
    history: Vec<HistoryRow>,
    // Service certificates (issue 4): those issued, and the form to issue one.
    certificates: Vec<zhiyuan_app::activities::certificates::IssuedCertificate>,
    volunteer_id: String,
    cert_form: super::activities::CertificateForm,
    cert_errors: super::FieldErrors,
    // Leaving (issue 3): status changes with reasons; admins get suspend/reinstate.
    status_history: Vec<zhiyuan_app::recruitment::views::StatusChangeView>,
}

/// Keys that change with every edit or repeat another key.
const SKIP: [&str; 7] = [
    "version",
    "updated_at",
    "created_at",
    "org_id",
    "health",
    "gender",
    "id",
];

fn field_label(key: &str) -> &str {
    match key {
        "name" => "姓名",
        "phone" => "手机",
        "org_name" => "所属组织",
        "veteran" => "退役军人",
        "branch" => "军种",
        "enlisted_year" => "入伍年份",
        "discharged_year" => "退役年份",
        "military_rank" => "军衔",
        "party_member" => "党员",
        "health_label" => "健康状况",
        "skills" => "特长",
        "home" => "住址位置",
        "consent_data" => "同意使用登记信息",
        "consent_location" => "同意使用位置",
        "guardian_consent" => "监护人同意",
        "status" => "状态",
        "teams" => "所在单位",
        "gender_label" => "性别",
        "reason" => "原因",
        "registration_no" => "注册编号",
        other => other,
    }
}

/// A JSON value as people read it.
fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "是".to_owned(),
        Value::Bool(false) => "否".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join("、"),
        Value::Object(o) => match (o.get("lat"), o.get("lon"), o.get("team_name")) {
            (Some(lat), Some(lon), _) => format!("{lat}, {lon}"),
            (_, _, Some(Value::String(t))) => match o.get("position_label") {
                Some(Value::String(p)) => format!("{t}（{p}）"),
                _ => t.clone(),
            },
            _ => v.to_string(),
        },
    }
}

/// The keys whose values differ between `before` and `after`, with old → new.
fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let obj = |v: Option<&Value>| v.and_then(Value::as_object).unwrap_or(&empty).clone();
    let (b, a) = (obj(before), obj(after));
    if b.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<&String> = b
        .keys()
        .chain(a.keys().filter(|k| !b.contains_key(*k)))
        .collect();
    keys.retain(|k| !SKIP.contains(&k.as_str()));
    keys.into_iter()
        .filter_map(|k| {
            let (old, new) = (
                b.get(k).unwrap_or(&Value::Null),
                a.get(k).unwrap_or(&Value::Null),
            );
            // Status codes read as words ("在队 → 已暂停", not "active → suspended").
            let show = |v: &Value| match (k.as_str(), v) {
                ("status", Value::String(code)) => {
                    zhiyuan_app::recruitment::views::status_label(code).to_owned()
                }
                _ => show_value(v),
            };
            (old != new).then(|| Change {
                field: field_label(k).to_owned(),
                old: show(old),
                new: show(new),
            })
        })
        .collect()
}

fn history_row(a: &AuditView) -> HistoryRow {
    HistoryRow {
        at: show_time(&a.at),
        actor: a.actor_label(),
        action: action_label(&a.action),
        changes: changes(a.before.as_ref(), a.after.as_ref()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let loaded = async {
        let v = state.app.get_volunteer(&actor, &id).await?;
        let history = state.app.volunteer_history(&actor, &id).await?;
        let certificates = state.app.certificates_of(&actor, &id).await?;
        let mut status_history = state.app.volunteer_status_history(&actor, &id).await?;
        for h in &mut status_history {
            h.at = show_time(&h.at);
        }
        Ok::<_, zhiyuan_app::AppError>((v, history, certificates, status_history))
    }
    .await;
    match loaded {
        Ok((v, history, certificates, status_history)) => {
            let flash = match (q.created.as_str(), q.status.as_str()) {
                ("1", _) => Some("已登记".to_owned()),
                (_, "suspended") => Some("已暂停".to_owned()),
                (_, "reinstated") => Some("已恢复在队".to_owned()),
                _ => None,
            };
            let page = ShowPage {
                chrome: Chrome::with_flash(&actor, flash),
                created_at: show_time(&v.created_at),
                v,
                history: history.items.iter().map(history_row).collect(),
                certificates,
                volunteer_id: id,
                cert_form: Default::default(),
                cert_errors: Default::default(),
                status_history,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_keys_are_listed() {
        let before = serde_json::json!({"name": "张三", "phone": "13800000000", "version": 1, "skills": ["驾驶"]});
        let after = serde_json::json!({"name": "张三", "phone": "13900000000", "version": 2, "skills": ["驾驶", "急救"]});
        let c = changes(Some(&before), Some(&after));
        let got: Vec<(&str, &str, &str)> = c
            .iter()
            .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("手机", "13800000000", "13900000000"),
                ("特长", "驾驶", "驾驶、急救")
            ]
        );
        assert!(changes(None, Some(&after)).is_empty());
    }
}
