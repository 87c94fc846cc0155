//! Demo oversight data, through the public use cases: the 六个有 of the banner's stations (most
//! complete, a few with items missing), and six months of back-filled monthly activities with
//! hours for some of the root teams, so the dashboard's charts and the compliance list have
//! something to show. Some teams skip last month on purpose (R-ACT-1 findings).

use chrono::Duration;
use zhiyuan_domain::oversight::{Month, StandardItem};

use super::views::{StandardItemInput, StationStandardInput};
use crate::activities::records::NewAttendance;
use crate::activities::NewActivity;
use crate::error::AppResult;
use crate::{clock, Actor, App};

/// Evidence notes for items recorded as present.
fn evidence(item: StandardItem, station: &str) -> String {
    match item {
        StandardItem::Rules => "《退役军人志愿服务队管理制度》上墙".to_owned(),
        StandardItem::Venue => format!("{station}一楼志愿服务活动室"),
        StandardItem::Team => "已组建退役军人志愿服务队".to_owned(),
        StandardItem::Ledgers => "志愿者、活动、服务对象台账各一册".to_owned(),
        StandardItem::Projects => "“牵手夕阳”“石榴籽心贴心”".to_owned(),
        StandardItem::Signage => "门牌、队旗、公示栏".to_owned(),
    }
}

/// Loads the demo's oversight data into the first county of a freshly loaded demo.
pub async fn load_into_demo(app: &App) -> AppResult<()> {
    let sys = Actor::system("演示数据");
    let store = app.store();
    let Some(banner) = store
        .org_subtree("/", 10_000)
        .await?
        .into_iter()
        .find(|o| o.level == "county")
    else {
        return Ok(());
    };
    let orgs = store.org_subtree(&banner.path, 10_000).await?;
    let stations: Vec<_> = orgs
        .iter()
        .filter(|o| o.unit_type.as_deref() == Some("service_station"))
        .collect();
    for (i, s) in stations.iter().enumerate() {
        // Every fifth station still lacks its signage and rule book (so the list shows some).
        let lacking = i % 5 == 4;
        let items = StandardItem::all()
            .iter()
            .map(|item| {
                let present =
                    !(lacking && matches!(item, StandardItem::Signage | StandardItem::Rules));
                StandardItemInput {
                    item: item.as_str().to_owned(),
                    present,
                    evidence: if present {
                        evidence(*item, &s.name)
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        app.record_station_standard(&sys, &s.id, &StationStandardInput { items })
            .await?;
    }

    // Six months of monthly activities for every third root team; every second of those
    // skips last month.
    let teams = store.teams_in_org_subtree(&banner.path, 10_000).await?;
    let roots: Vec<_> = teams
        .iter()
        .filter(|t| t.parent_team_id.is_none())
        .collect();
    let projects = store.projects_in_org_subtree(&banner.path, 100).await?;
    let hour = 3_600_000;
    let this_month = Month::of_date(clock::today());
    for (n, team) in roots.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
        let members = app.team_members(&sys, &team.id).await?;
        for (k, month) in this_month.prev().window(6).iter().enumerate() {
            if k == 5 && n % 2 == 0 {
                continue;
            }
            // The 8th (+ a day per team) at 09:00 China time.
            let starts = month.start_ms()
                + Duration::days(7 + (n % 10) as i64).num_milliseconds()
                + 9 * hour;
            let project = projects.get((n + k) % projects.len().max(1));
            let created = app
                .create_activity(
                    &sys,
                    &NewActivity {
                        title: format!("{}月度志愿服务", month.label_zh()),
                        team_id: team.id.clone(),
                        project_id: project.map(|p| p.id.clone()),
                        starts_at: clock::rfc3339(starts),
                        ends_at: clock::rfc3339(starts + 3 * hour),
                        capacity: 50,
                        kind: Some(["community", "concentrated", "individual"][k % 3].into()),
                        backfill_reason: Some("演示：月度活动补录".into()),
                        ..Default::default()
                    },
                )
                .await?;
            let Some(activity) = created.first() else {
                continue;
            };
            let mut people: Vec<&str> = Vec::new();
            for m in &members.items {
                if !people.contains(&m.volunteer_id.as_str()) {
                    people.push(&m.volunteer_id);
                }
            }
            for vid in people.iter().take(4 + (n + k) % 5) {
                let input = NewAttendance {
                    volunteer_id: (*vid).to_owned(),
                    checked_in_at: clock::rfc3339(starts),
                    checked_out_at: clock::rfc3339(starts + (2 + (k as i64 % 2)) * hour),
                    recipients: Some("辖区群众".into()),
                    content: None,
                    evaluation: Some("好".into()),
                };
                app.record_attendance(&sys, &activity.id, &input).await?;
            }
        }
    }
    Ok(())
}
