//! `/audit`: the audit log of the actor's area, newest first (admins).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use zhiyuan_app::users::AuditQuery;
use zhiyuan_app::views::AuditView;

use super::listing::{page_of, show_time, Pager};
use super::{error_page, render, Chrome};
use crate::extract::PageActor;
use crate::AppState;

const PER_PAGE: i64 = 50;

/// The action code in words; unknown codes are shown as they are.
pub fn action_label(code: &str) -> String {
    match code {
        "org.create" => "新增组织",
        "org.update" => "修改组织",
        "team.create" => "新建队伍",
        "team.update" => "修改队伍",
        "team.appoint" => "任命队员",
        "team.remove_member" => "移出队员",
        "volunteer.create" => "登记志愿者",
        "volunteer.update" => "修改志愿者",
        "user.create" => "创建账号",
        "user.create_super" => "创建超级管理员",
        "org.registration_authority" => "设为注册机构",
        "org.review_levels" => "设置审核层级",
        "range.allot" => "分配注册编号段",
        "team.policy" => "设置招募条件",
        "application.submit" => "提交申请",
        "application.resubmit" => "重新提交申请",
        "application.approve" => "审核通过",
        "application.approve_override" => "破格审核通过",
        "application.return" => "退回修改",
        "application.reject" => "审核不通过",
        "application.admit" => "正式录用",
        "application.admit_override" => "破格录用",
        "volunteer.admit" => "录用志愿者",
        "volunteer.import" => "导入志愿者",
        "volunteer.withdrawn" => "退出志愿服务",
        "volunteer.suspended" => "暂停服务",
        "volunteer.active" => "恢复在队",
        "import.volunteers" => "导入台账",
        "ledger.export" => "导出台账",
        "ledger.export_full_ids" => "导出完整身份证号",
        "spot_check.draw" => "抽查",
        "spot_check.result" => "记录抽查结果",
        "project.create" => "新建服务项目",
        "activity.create" => "新建活动",
        "activity.backfill" => "补录活动",
        "activity.status" => "变更活动状态",
        "activity.photo" => "上传活动照片",
        "signup.create" => "报名",
        "signup.cancel" => "取消报名",
        "signup.walk_in" => "现场加入",
        "signup.promoted" => "候补转正",
        "attendance.officer" => "登记考勤",
        "attendance.backfill" => "补录时长",
        "attendance.scan_in" => "扫码签到",
        "attendance.scan_out" => "扫码签退",
        "amendment.request" => "申请更正",
        "amendment.approve" => "批准更正",
        "amendment.reject" => "驳回更正",
        "certificate.issue" => "开具服务证明",
        "certificate.revoke" => "作废服务证明",
        other => other,
    }
    .to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    page: String,
}

pub struct Entry {
    at: String,
    actor: String,
    action: String,
    code: String,
    kind: String,
    name: String,
    link: Option<String>,
    detail: String,
    detail_link: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Option<Chrome>,
    entries: Vec<Entry>,
    pager: Pager,
}

fn text<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str)
}

fn entry(a: &AuditView) -> Entry {
    let (before, after) = (a.before.as_ref(), a.after.as_ref());
    let pick = |key: &str| text(after, key).or_else(|| text(before, key));
    let (kind, link) = match a.subject_type.as_str() {
        "org" => ("组织", Some(format!("/orgs/{}", a.subject_id))),
        "team" => ("队伍", Some(format!("/teams/{}", a.subject_id))),
        "volunteer" => ("志愿者", Some(format!("/volunteers/{}", a.subject_id))),
        "user" => ("账号", None),
        other => (other, None),
    };
    let name = match a.action.as_str() {
        "team.appoint" => pick("team_name"),
        _ => pick("name").or_else(|| pick("username")),
    };
    let detail = match a.action.as_str() {
        "team.appoint" => {
            let position = pick("position")
                .and_then(|p| zhiyuan_domain::Position::parse(p).ok())
                .map(|p| p.label_zh())
                .unwrap_or_default();
            format!("{} {}", pick("name").unwrap_or_default(), position)
        }
        "team.remove_member" => "被移出的志愿者".to_owned(),
        _ => String::new(),
    };
    Entry {
        at: show_time(&a.at),
        actor: a.actor_label(),
        action: action_label(&a.action),
        code: a.action.clone(),
        kind: kind.to_owned(),
        name: name.unwrap_or_default().to_owned(),
        link,
        detail_link: pick("volunteer_id")
            .filter(|_| !detail.is_empty())
            .map(|v| format!("/volunteers/{v}")),
        detail,
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<AuditParams>,
) -> Response {
    let page = page_of(&q.page);
    let query = AuditQuery {
        subject_id: None,
        page: Some(page),
        per_page: Some(PER_PAGE),
    };
    match state.app.audit_log(&actor, &query).await {
        Ok(p) => {
            let pager = Pager::new(p.total, page, PER_PAGE, |n| format!("/audit?page={n}"));
            let entries = p.items.iter().map(entry).collect();
            render(
                StatusCode::OK,
                &AuditPage {
                    chrome: Chrome::of(&actor),
                    entries,
                    pager,
                },
            )
        }
        Err(e) => error_page(Some(&actor), &e),
    }
}
