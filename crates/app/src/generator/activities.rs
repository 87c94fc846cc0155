//! Done activities with their sign-ups and approved service records (R-LAW-3 fields filled).
//!
//! Every root unit holds activities in proportion to its size (a county team more than a
//! township team, a township team more than a village team or small squad), each on its own
//! day: village units use days 1–10 of a month, township teams 11–20 and county teams 21–28,
//! and a unit holds at most one activity a day. A volunteer only joins activities of their own
//! village, township and county, so nobody ever has two activities on one day, and no day
//! total comes near the 8-hour approval line: every record is approved as it stands.
//! Participants are drawn from the unit's locality (its subtree's contiguous volunteer range);
//! sizes are scaled so the records add up to the shape's target.

use std::collections::HashSet;

use zhiyuan_domain::oversight::Month;
use zhiyuan_store::activities::ActivityRow;
use zhiyuan_store::generator::{LoadActivity, Participant, RecordCommon};

use super::aggregates::Aggregates;
use super::names::{self, Rng};
use super::people::{volunteer_id, People};
use super::plan::{id, Level, Plan};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// One activity before its rows exist.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Planned {
    pub month: u16,
    pub day: u8,
    pub host: u32,
    pub size: u32,
}

const KINDS: [(&str, u64); 4] = [
    ("concentrated", 35),
    ("community", 40),
    ("individual", 15),
    ("joint", 10),
];
const THEMES: [&str; 12] = [
    "走访慰问",
    "政策宣讲",
    "环境整治",
    "义诊服务",
    "应急演练",
    "关爱帮扶",
    "便民服务",
    "文明劝导",
    "红色教育",
    "防汛巡查",
    "助老陪伴",
    "助学帮困",
];

fn days_of(level: Level) -> (u8, u8) {
    match level {
        Level::Village => (1, 10),
        Level::Township => (11, 20),
        Level::County => (21, 28),
    }
}

/// Chooses host, month, day and size of every activity: `count` of them over `months`
/// months, sized to add up to about `records` records. Sorted by time.
pub(crate) fn plan_activities(
    plan: &Plan,
    seed: u64,
    months: usize,
    count: usize,
    records: usize,
) -> Vec<Planned> {
    let mut rng = Rng::fork(seed, 2);
    let weights: Vec<f64> = plan
        .hosts
        .iter()
        .map(|h| match h.level {
            Level::County => 12.0,
            Level::Township => 4.0,
            Level::Village if plan.teams[h.team].echelon == "team" => 1.0,
            Level::Village => 0.6,
        })
        .collect();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    let mut used: Vec<u32> = vec![0; plan.hosts.len() * months.max(1)];
    let mut out = Vec::with_capacity(count);
    let mut base_sum = 0.0;
    let mut bases = Vec::with_capacity(count);
    'next: for _ in 0..count {
        for _attempt in 0..20 {
            let x = rng.unit() * acc;
            let host = cumulative
                .partition_point(|c| *c <= x)
                .min(plan.hosts.len() - 1);
            let month = rng.below(months as u64) as usize;
            let h = &plan.hosts[host];
            let (lo, hi) = days_of(h.level);
            let day = rng.range(lo as i64, hi as i64) as u8;
            let slot = &mut used[host * months + month];
            if *slot & (1 << day) != 0 {
                continue;
            }
            *slot |= 1 << day;
            let pool = h.pool.len() as f64;
            let base = match h.level {
                Level::Village => pool * (0.5 + 0.5 * rng.unit()),
                Level::Township => rng.range(100, 230) as f64,
                Level::County => rng.range(250, 550) as f64,
            };
            base_sum += base;
            bases.push(base);
            out.push(Planned {
                month: month as u16,
                day,
                host: host as u32,
                size: 0,
            });
            continue 'next;
        }
    }
    let factor = if base_sum > 0.0 {
        records as f64 / base_sum
    } else {
        1.0
    };
    for (p, base) in out.iter_mut().zip(bases) {
        let pool = plan.hosts[p.host as usize].pool.len() as u32;
        let size = (base * factor).round() as u32;
        p.size = size.clamp(pool.min(3), pool);
    }
    out.sort_by_key(|p| (p.month, p.day, p.host));
    out
}

/// Makes the rows of activity number `n` (its place in time order) and counts it in `agg`;
/// records are numbered on from `records_made`.
pub(crate) fn make(
    people: &People<'_>,
    months: &[Month],
    n: usize,
    p: &Planned,
    agg: &mut Aggregates,
    picked: &mut HashSet<u32>,
    records_made: &mut usize,
) -> LoadActivity {
    let plan = people.plan;
    let mut rng = Rng::fork(people.seed, 5_000_000_000 + n as u64);
    let host = &plan.hosts[p.host as usize];
    let team = &plan.teams[host.team];
    let team_org = plan
        .orgs
        .partition_point(|o| o.row.id < team.org_id)
        .min(plan.orgs.len() - 1);
    let place_org = &plan.orgs[host.place_org];
    let month = months[p.month as usize];
    let hour = rng.range(8, 15);
    let starts = month.start_ms()
        + (p.day as i64 - 1) * DAY_MS
        + hour * HOUR_MS
        + rng.range(0, 1) * 30 * MINUTE_MS;
    let ends = starts + rng.range(4, 8) * 30 * MINUTE_MS;
    let county = &plan.counties[host.county];
    let roll = rng.below(100);
    let project = if roll < 80 {
        rng.below(9) as usize + 1
    } else if roll < 92 {
        county.brand_project + 1
    } else {
        0
    };
    let theme = match project {
        1 => *rng.pick(&["应急演练", "防汛巡查"]),
        _ => *rng.pick(&THEMES),
    };
    let title = match project {
        0 => theme.to_owned(),
        p => format!("{}·{theme}", plan.projects[p - 1].name),
    };
    let mut pick = rng.below(100);
    let kind = KINDS
        .iter()
        .find(|(_, w)| {
            if pick < *w {
                true
            } else {
                pick -= w;
                false
            }
        })
        .map(|(k, _)| *k)
        .unwrap_or("community");
    let leader = people.person(host.leader);
    let recorder = people.person(host.recorder);
    let backfilled = rng.chance(0.05);
    // Participants: distinct volunteers of the unit's locality (Floyd's sampling).
    let pool = host.pool.clone();
    let size = (p.size as usize).min(pool.len());
    picked.clear();
    let mut chosen = Vec::with_capacity(size);
    let len = pool.len() as u64;
    for j in (len - size as u64)..len {
        let t = rng.below(j + 1) as u32;
        let v = if picked.insert(pool.start + t) {
            pool.start + t
        } else {
            picked.insert(pool.start + j as u32);
            pool.start + j as u32
        };
        chosen.push(v);
    }
    let year = month.year;
    let mut total_ms = 0;
    let participants: Vec<Participant> = chosen
        .into_iter()
        .map(|v| {
            let checked_in = starts + rng.range(0, 15) * MINUTE_MS;
            let checked_out = ends - rng.range(0, 15) * MINUTE_MS;
            let ms = checked_out - checked_in;
            total_ms += ms;
            agg.served(v, year, ms);
            Participant {
                record_id: {
                    *records_made += 1;
                    id(6, *records_made)
                },
                volunteer_id: volunteer_id(v),
                signed_up_at: starts - rng.range(1, 6) * DAY_MS - rng.range(0, 10) * HOUR_MS,
                checked_in_at: checked_in,
                checked_out_at: checked_out,
            }
        })
        .collect();
    let kind_key = agg.key(&format!("act.kind.{kind}"));
    agg.activity(
        team_org,
        host.team,
        p.month,
        kind_key,
        project as u32,
        participants.len() as i64,
        total_ms,
    );
    let place = format!("{}{}", place_org.row.name, rng.pick(&names::PLACES));
    let recipients = format!("{} {} 人", rng.pick(&names::RECIPIENTS), rng.range(3, 40));
    let capacity = (participants.len() as i64 + rng.range(0, 10)).max(1);
    let captured = if backfilled {
        "backfill"
    } else if rng.chance(0.7) {
        "scan"
    } else {
        "officer"
    };
    let description = format!("{}组织队员开展{theme}志愿服务", team.name);
    LoadActivity {
        row: ActivityRow {
            id: id(5, n + 1),
            title: title.clone(),
            project_id: (project > 0).then(|| plan.projects[project - 1].id.clone()),
            team_id: team.id.clone(),
            team_path: team.path.clone(),
            org_path: team.org_path.clone(),
            kind: kind.to_owned(),
            status: "done".to_owned(),
            description: description.clone(),
            starts_at: starts,
            ends_at: ends,
            place_name: Some(place.clone()),
            lat: Some((place_org.lat * 1e6).round() / 1e6),
            lon: Some((place_org.lon * 1e6).round() / 1e6),
            capacity,
            waitlist: false,
            required_skills: "[]".to_owned(),
            signup_opens_at: starts - 10 * DAY_MS,
            signup_closes_at: starts - HOUR_MS,
            contact_name: Some(leader.name.clone()),
            contact_phone: Some(leader.phone.clone()),
            backfill_reason: backfilled.then(|| "活动当天未及时录入，事后补录".to_owned()),
            series_id: None,
            recurrence: None,
            confirmed: if backfilled {
                0
            } else {
                participants.len() as i64
            },
            walk_ins: 0,
            wait_seq: 0,
            created_at: starts - 10 * DAY_MS,
            updated_at: ends,
            version: 2,
            team_name: String::new(),
        },
        record: RecordCommon {
            day: format!("{:04}-{:02}-{:02}", month.year, month.month, p.day),
            captured: captured.to_owned(),
            place,
            content: description,
            recipients,
            evaluation: (*rng.pick(&names::EVALUATIONS)).to_owned(),
            person_in_charge: leader.name,
            recorder: recorder.name,
            approved_by: None,
            approved_at: None,
        },
        participants,
    }
}
