//! `/orgs/{id}/dashboard`: the statistics of a subtree as tiles, charts (inline SVG, each with
//! its table) and a row per child node that drills down to the child's own dashboard.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use zhiyuan_app::oversight::reports::REPORTS;
use zhiyuan_app::oversight::views::{StatsQuery, StatsView};
use zhiyuan_app::views::OrgView;

use super::charts::{bars, hbars, line, show, Chart, Datum};
use crate::extract::PageActor;
use crate::pages::{error_page, render, Chrome};
use crate::AppState;

/// A headline figure.
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "oversight_dashboard.html")]
struct DashboardPage {
    chrome: Option<Chrome>,
    stats: StatsView,
    trail: Vec<OrgView>,
    tiles: Vec<Tile>,
    charts: Vec<Chart>,
    reports: Vec<(&'static str, &'static str)>,
    to: String,
    months: u32,
}

fn share(s: Option<f64>, target: Option<u32>) -> (String, String) {
    match (s, target) {
        (Some(s), Some(t)) => (format!("{}%", show(s)), format!("目标 {t}%")),
        (Some(s), None) => (format!("{}%", show(s)), String::new()),
        (None, _) => ("—".to_owned(), "未填写人口".to_owned()),
    }
}

fn tiles(s: &StatsView) -> Vec<Tile> {
    let levels = |code: &str| s.orgs_by_level.get(code).copied().unwrap_or(0);
    let (ratio, target) = share(s.registered_share, s.registration_target);
    vec![
        Tile {
            label: "组织节点",
            value: s.orgs.to_string(),
            note: format!(
                "乡镇 {} · 村（社区） {}",
                levels("township"),
                levels("village")
            ),
        },
        Tile {
            label: "服务站",
            value: s.stations.to_string(),
            note: format!("服务中心 {}", s.centres),
        },
        Tile {
            label: "队伍",
            value: s.root_teams.to_string(),
            note: format!("含下设单位共 {} 个", s.teams),
        },
        Tile {
            label: "注册志愿者",
            value: s.volunteers.to_string(),
            note: format!("退役军人 {} · 党员 {}", s.veterans, s.party_members),
        },
        Tile {
            label: "开展活动",
            value: s.activities.to_string(),
            note: format!("服务记录 {} 条", s.service_records),
        },
        Tile {
            label: "服务时长",
            value: show(s.service_hours),
            note: "小时（已审核）".to_owned(),
        },
        Tile {
            label: "注册比例",
            value: ratio,
            note: target,
        },
    ]
}

fn charts(s: &StatsView) -> Vec<Chart> {
    let short = |m: &str| {
        m.get(5..7)
            .map(|mm| format!("{}月", mm.trim_start_matches('0')))
    };
    let month_label = |m: &str| short(m).unwrap_or_else(|| m.to_owned());
    let hours: Vec<Datum> = (s.months.iter())
        .map(|m| Datum::new(month_label(&m.month), m.service_hours))
        .collect();
    let acts: Vec<Datum> = (s.months.iter())
        .map(|m| Datum::new(month_label(&m.month), m.activities as f64))
        .collect();
    let ages: Vec<Datum> = (s.age_bands.iter())
        .map(|b| Datum::new(b.label.clone(), b.count as f64))
        .collect();
    let children: Vec<Datum> = (s.children.iter())
        .map(|c| Datum {
            label: c.name.clone(),
            value: c.volunteers as f64,
            link: Some(format!("/orgs/{}/dashboard", c.id)),
        })
        .collect();
    let projects: Vec<Datum> = (s.projects.iter())
        .map(|p| Datum::new(p.name.clone(), p.service_hours))
        .collect();
    let kinds: Vec<Datum> = (s.activities_by_kind.iter())
        .map(|k| Datum::new(k.label.clone(), k.count as f64))
        .collect();
    let sex = |code: &str| s.by_sex.get(code).copied().unwrap_or(0) as f64;
    let make_up = vec![
        Datum::new("退役军人", s.veterans as f64),
        Datum::new("中共党员", s.party_members as f64),
        Datum::new("男", sex("male")),
        Datum::new("女", sex("female")),
    ];
    let mut out = vec![
        bars(
            "chart-hours",
            "每月服务时长（小时）",
            "小时",
            ("月份", "服务时长"),
            &hours,
        ),
        line(
            "chart-activities",
            "每月开展活动（次）",
            "次",
            ("月份", "活动"),
            &acts,
        ),
        bars(
            "chart-ages",
            "志愿者年龄结构（人）",
            "人",
            ("年龄段", "人数"),
            &ages,
        ),
        hbars(
            "chart-makeup",
            "志愿者构成（人）",
            "人",
            ("类别", "人数"),
            &make_up,
        ),
        hbars(
            "chart-kinds",
            "活动方式（次）",
            "次",
            ("方式", "活动"),
            &kinds,
        ),
        hbars(
            "chart-projects",
            "服务项目时长（小时）",
            "小时",
            ("项目", "服务时长"),
            &projects,
        ),
    ];
    if !children.is_empty() {
        out.insert(
            0,
            hbars(
                "chart-children",
                "下级组织注册志愿者（人）",
                "人",
                ("下级组织", "注册志愿者"),
                &children,
            ),
        );
    }
    out
}

pub async fn show_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Response {
    let app = &state.app;
    let stats = match app.org_stats(&actor, &id, &q).await {
        Ok(s) => s,
        Err(e) => return error_page(Some(&actor), &e),
    };
    let trail = match app.org_trail(&actor, &id).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(&actor), &e),
    };
    let page = DashboardPage {
        chrome: Chrome::of(&actor),
        tiles: tiles(&stats),
        charts: charts(&stats),
        reports: REPORTS.to_vec(),
        to: stats
            .months
            .last()
            .map(|m| m.month.clone())
            .unwrap_or_default(),
        months: stats.months.len() as u32,
        trail,
        stats,
    };
    render(StatusCode::OK, &page)
}
