//! Demo activities: seed 001's nine service projects on the banner, a few activities of the
//! banner team (one open for sign-up with a waitlist, one next month, one back-filled with
//! hours), all through the public use cases as the demo loader's system actor.

use chrono::Duration;

use super::{NewActivity, NewProject};
use crate::activities::records::NewAttendance;
use crate::error::AppResult;
use crate::{clock, Actor, App};

/// 001 四、服务项目: name, category, description.
const PROJECTS: [(&str, &str, &str); 9] = [
    (
        "最美逆行",
        "emergency",
        "暴雨、大风、暴雪等突发事件应急救援，开展演练和培训",
    ),
    (
        "星火燎原",
        "talks",
        "进学校、进社区宣讲红色故事和党的创新理论",
    ),
    (
        "手拉手帮战友",
        "veteran_help",
        "帮扶困难退役军人，解决急难愁盼",
    ),
    (
        "先锋示范岗",
        "pioneer_post",
        "在车站、公园、窗口单位设立退役军人先锋岗",
    ),
    ("习语金句", "writing", "书写、宣传习语金句，营造学习氛围"),
    (
        "石榴籽心贴心",
        "pairing",
        "与孤寡、空巢老人结对帮扶，一帮一",
    ),
    ("牵手夕阳", "elder_care", "走进敬老院，关爱老人生活"),
    ("老兵不老", "mentoring", "老兵传帮带，带动青年志愿者"),
    ("乡村振兴", "rural", "参与网格化管理，助力乡村振兴"),
];

fn rfc(ms: i64) -> String {
    clock::rfc3339(ms)
}

/// Loads the demo's projects and activities into the banner `banner_org_id`, run by `team_id`.
pub async fn load(app: &App, banner_org_id: &str, team_id: &str) -> AppResult<()> {
    let sys = Actor::system("演示数据");
    let mut first_project = None;
    for (name, category, description) in PROJECTS {
        let p = app
            .create_project(
                &sys,
                &NewProject {
                    name: name.into(),
                    category: category.into(),
                    description: description.into(),
                    org_id: banner_org_id.into(),
                    team_id: None,
                    brand: name == "最美逆行",
                },
            )
            .await?;
        first_project.get_or_insert(p.id);
    }
    let now = clock::now_ms();
    let day = Duration::days(1).num_milliseconds();
    let hour = 3_600_000;
    let activity = |title: &str, starts: i64, hours: i64, capacity: i64| NewActivity {
        title: title.into(),
        team_id: team_id.into(),
        project_id: first_project.clone(),
        starts_at: rfc(starts),
        ends_at: rfc(starts + hours * hour),
        capacity,
        waitlist: Some(true),
        location: Some(super::Location {
            name: "大沁他拉镇兴仁社区".into(),
            lat: Some(42.845),
            lon: Some(120.656),
        }),
        kind: Some("concentrated".into()),
        contact_name: Some("张建国".into()),
        ..Default::default()
    };
    app.create_activity(&sys, &activity("防汛应急演练", now + 3 * day, 3, 20))
        .await?;
    app.create_activity(
        &sys,
        &NewActivity {
            recurrence: Some("monthly".into()),
            occurrences: Some(3),
            ..activity("每月主题党日志愿服务", now + 10 * day, 2, 30)
        },
    )
    .await?;
    let past = app
        .create_activity(
            &sys,
            &NewActivity {
                backfill_reason: Some("演示：上月活动补录".into()),
                ..activity("牵手夕阳·敬老院慰问", now - 20 * day, 4, 15)
            },
        )
        .await?;
    let members = app.team_members(&sys, team_id).await?;
    for m in members.items.iter().take(5) {
        let input = NewAttendance {
            volunteer_id: m.volunteer_id.clone(),
            checked_in_at: rfc(now - 20 * day),
            checked_out_at: rfc(now - 20 * day + 3 * hour),
            recipients: Some("敬老院老人".into()),
            content: Some("打扫卫生、陪老人聊天".into()),
            evaluation: Some("好".into()),
        };
        app.record_attendance(&sys, &past[0].id, &input).await?;
    }
    Ok(())
}

/// Finds the banner (奈曼旗) and its county team in a freshly loaded demo and loads into them.
pub async fn load_into_demo(app: &App) -> AppResult<()> {
    let store = app.store();
    let Some(banner) = store
        .org_subtree("/", 10_000)
        .await?
        .into_iter()
        .find(|o| o.level == "county")
    else {
        return Ok(());
    };
    let teams = store.teams_in_org_subtree(&banner.path, 10_000).await?;
    let Some(team) = teams
        .iter()
        .find(|t| t.parent_team_id.is_none() && t.name.starts_with(&banner.name))
    else {
        return Ok(());
    };
    load(app, &banner.id, &team.id).await
}
