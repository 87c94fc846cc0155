//! The demo's incident: a rainstorm flood-control drill (防汛应急演练) commanded by the banner,
//! at the banner seat, calling the best candidates with first-aid rescue skills; some accept
//! (two already on site), one declines, the rest (the demo volunteer among them) are still
//! to answer, so the board and the volunteer's phone both show something.

use zhiyuan_domain::{Role, Scope};

use super::callups::{CallupAnswer, NewCallups};
use super::site::PresenceMark;
use super::{NewIncident, NewLocation};
use crate::{Actor, App, AppResult};

/// The demo volunteer's account (see `demo.rs`).
const DEMO_VOLUNTEER: &str = "volunteer";

fn as_volunteer(volunteer_id: &str) -> Actor {
    Actor {
        user_id: String::new(),
        username: "演示数据".into(),
        role: Role::Volunteer,
        is_super: false,
        scope: Scope::Volunteer {
            volunteer_id: volunteer_id.to_owned(),
        },
        volunteer_id: Some(volunteer_id.to_owned()),
        org_id: None,
        team_id: None,
        csrf_token: String::new(),
    }
}

/// Loads the drill into a freshly loaded demo county.
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
    let sys = Actor::system("演示数据");
    let incident = app
        .create_incident(
            &sys,
            &NewIncident {
                title: "防汛应急演练（暴雨内涝）".into(),
                kind: "drill".into(),
                location: NewLocation {
                    lat: 42.847,
                    lon: 120.661,
                    address: "大沁他拉镇兴仁社区 教来河桥头".into(),
                },
                skills: vec!["应急救援".into()],
                needed: 8,
                org_id: Some(banner.id.clone()),
                response_minutes: Some(120),
                description: Some("模拟短时强降雨致低洼地带积水，转移群众、疏通排水".into()),
                ..Default::default()
            },
        )
        .await?;
    let called = app
        .call_up(
            &sys,
            &incident.id,
            &NewCallups {
                best: Some(6),
                ..Default::default()
            },
        )
        .await?;
    // The demo volunteer is called too, and left to answer on the phone.
    let demo_volunteer = store
        .get_user_by_username(DEMO_VOLUNTEER)
        .await?
        .and_then(|u| u.volunteer_id);
    if let Some(vid) = demo_volunteer.clone() {
        if !called.items.iter().any(|c| c.volunteer_id == vid) {
            let _ = app
                .call_up(
                    &sys,
                    &incident.id,
                    &NewCallups {
                        volunteer_ids: vec![vid],
                        ..Default::default()
                    },
                )
                .await;
        }
    }
    let others = called
        .items
        .iter()
        .filter(|c| Some(&c.volunteer_id) != demo_volunteer.as_ref());
    for (n, c) in others.enumerate() {
        let me = as_volunteer(&c.volunteer_id);
        match n {
            0..=2 => {
                app.answer_callup(&me, &c.id, &CallupAnswer { accept: true })
                    .await?;
                if n < 2 {
                    app.mark_presence(
                        &sys,
                        &incident.id,
                        &PresenceMark {
                            volunteer_id: c.volunteer_id.clone(),
                            action: "arrive".into(),
                        },
                    )
                    .await?;
                }
            }
            3 => {
                app.answer_callup(&me, &c.id, &CallupAnswer { accept: false })
                    .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
