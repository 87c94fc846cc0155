//! `zhiyuan gen` (issue 7): a reproducible, realistic dataset — a province (21 cities, about
//! 120 counties, 1,600 townships, 28,000 villages, a team per station, 1,000,000 volunteers,
//! 300,000 activities and about 20,000,000 approved service records over two years) or one
//! county of the same shape. The same seed and last month give byte-identical rows.
//!
//! How it stays fast: the tree is planned in memory (`plan.rs`); a blocking thread makes the
//! rows batch by batch (volunteers from their number alone in `people.rs`, activities in
//! `activities.rs`) and sums the maintained aggregates as it goes (`aggregates.rs`), while
//! this task writes the previous batch through the store's bulk load (multi-row inserts, one
//! transaction a batch) with the secondary indexes set aside and rebuilt at the end. The
//! logins are then made through the real use case (`create_user`, argon2id).

mod activities;
mod aggregates;
mod names;
mod people;
mod plan;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zhiyuan_domain::oversight::Month;
use zhiyuan_store::generator::LoadBatch;

use crate::users::NewUser;
use crate::{clock, Actor, App, AppError, AppResult};

use aggregates::Aggregates;
use people::People;
use plan::{Level, Plan};

/// The password of the printed logins.
pub const GEN_PASSWORD: &str = "Zhiyuan-gen-2026";

/// Activities per load batch (about 67 records each, and as many sign-ups).
const ACTIVITIES_PER_BATCH: usize = 1_500;
/// Volunteers per load batch (at least one county's at a time).
const VOLUNTEERS_PER_BATCH: usize = 25_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// One county: about 13 townships, 230 villages, 8,000 volunteers, 2,500 activities,
    /// 170,000 records.
    County,
    /// One province: 21 cities, 120 counties, 1,600 townships, 28,000 villages,
    /// 1,000,000 volunteers, 300,000 activities, 20,000,000 records.
    Province,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "county" => Some(Profile::County),
            "province" => Some(Profile::Province),
            _ => None,
        }
    }
}

/// How much to make: counts of every level, and the months of activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub cities: usize,
    pub counties: usize,
    pub townships: usize,
    pub villages: usize,
    pub volunteers: usize,
    pub activities: usize,
    pub records: usize,
    pub months: usize,
}

impl Shape {
    /// The profile's shape, with everything below the counties multiplied by `scale`
    /// (tests use a fraction of the county).
    pub fn of(profile: Profile, scale: f64) -> Shape {
        let base = match profile {
            Profile::Province => Shape {
                cities: 21,
                counties: 120,
                townships: 1_600,
                villages: 28_000,
                volunteers: 1_000_000,
                activities: 300_000,
                records: 20_000_000,
                months: 24,
            },
            Profile::County => Shape {
                cities: 1,
                counties: 1,
                townships: 13,
                villages: 230,
                volunteers: 8_000,
                activities: 2_500,
                records: 170_000,
                months: 24,
            },
        };
        let s = |n: usize, min: usize| ((n as f64 * scale).round() as usize).max(min);
        Shape {
            townships: s(base.townships, base.counties),
            villages: s(base.villages, 1),
            volunteers: s(base.volunteers, 1).max(
                base.counties * plan::COUNTY_TEAM
                    + s(base.townships, base.counties) * plan::TOWNSHIP_TEAM
                    + s(base.villages, 1) * 12,
            ),
            activities: s(base.activities, 1),
            records: s(base.records, 1),
            ..base
        }
    }
}

#[derive(Clone, Debug)]
pub struct GenOptions {
    /// How much to make: `Shape::of(profile, 1.0)` for a profile as described.
    pub shape: Shape,
    pub seed: u64,
    /// The last month with activities; `None`: the last full month before today.
    pub last_month: Option<Month>,
}

/// A report after each batch.
#[derive(Clone, Debug)]
pub struct Progress {
    pub phase: &'static str,
    pub rows_done: u64,
    /// An estimate until the end.
    pub rows_total: u64,
    pub elapsed: Duration,
    pub rows_per_sec: f64,
    pub eta: Duration,
}

/// A login made at the end, with its known password.
#[derive(Clone, Debug)]
pub struct GenLogin {
    pub username: String,
    pub password: String,
    pub role_label: String,
    pub scope: String,
}

#[derive(Clone, Debug, Default)]
pub struct GenSummary {
    pub orgs: usize,
    pub teams: usize,
    pub volunteers: usize,
    pub activities: usize,
    pub records: usize,
    pub logins: Vec<GenLogin>,
    pub province_id: String,
    pub county_id: String,
    pub township_id: String,
    pub elapsed: Duration,
}

type Batch = (&'static str, LoadBatch);

/// Generates the dataset into the (empty) database of `app`.
pub async fn generate(
    app: &App,
    options: &GenOptions,
    mut progress: impl FnMut(&Progress),
) -> AppResult<GenSummary> {
    let started = Instant::now();
    let store = Arc::clone(&app.store);
    if !store.gen_is_empty().await? {
        return Err(AppError::conflict(
            "database_not_empty",
            "数据库中已有组织、队伍或志愿者；生成数据只能写入空数据库",
        ));
    }
    let shape = options.shape.clone();
    let last = options
        .last_month
        .unwrap_or_else(|| Month::last_full(clock::today()));
    let mut months = vec![last];
    while months.len() < shape.months {
        let first = months[months.len() - 1].prev();
        months.push(first);
    }
    months.reverse();
    let window_start_ms = months[0].start_ms();
    let founded_ms = window_start_ms - 3 * 365 * 86_400_000;
    let seed = options.seed;
    let plan = Arc::new(plan::plan(&shape, seed, founded_ms));
    let estimate = (plan.orgs.len() + plan.teams.len() + plan.members.len()) as u64
        + plan.vol_org.len() as u64 * 5 / 2
        + shape.activities as u64
        + shape.records as u64 * 2
        + plan.vol_org.len() as u64 * 3;
    let indexes = store.gen_begin().await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let secrets = app.secrets.clone();
    let gen_plan = Arc::clone(&plan);
    let gen_shape = shape.clone();
    let maker = tokio::task::spawn_blocking(move || {
        make_all(
            &gen_plan,
            &gen_shape,
            seed,
            &secrets,
            &months,
            window_start_ms,
            tx,
        )
    });
    let mut done = 0u64;
    let mut total = estimate;
    let mut write_result = Ok(());
    while let Some((phase, batch)) = rx.recv().await {
        if let Err(e) = store.gen_load(&batch).await {
            write_result = Err(e);
            break;
        }
        done += batch_rows(&batch);
        total = total.max(done);
        progress(&report(phase, done, total, started));
    }
    drop(rx);
    let made = maker.await.map_err(|e| {
        tracing::error!("the generating thread failed: {e}");
        AppError::internal()
    })?;
    write_result?;
    store.refill_name_grams().await?; // name-search grams (姓名检索字表) of every volunteer
    let (activities, records) = made;
    progress(&report("索引", done, done, started));
    store.gen_finish(&indexes).await?;
    let logins = make_logins(app, &plan).await?;
    progress(&report("完成", done, done, started));
    let first_of = |level: &str| {
        plan.orgs
            .iter()
            .find(|o| o.row.level == level)
            .map(|o| o.row.id.clone())
            .unwrap_or_default()
    };
    Ok(GenSummary {
        orgs: plan.orgs.len(),
        teams: plan.teams.len(),
        volunteers: plan.vol_org.len(),
        activities,
        records,
        logins,
        province_id: first_of("province"),
        county_id: first_of("county"),
        township_id: first_of("township"),
        elapsed: started.elapsed(),
    })
}

fn batch_rows(b: &LoadBatch) -> u64 {
    let signups: usize = b
        .activities
        .iter()
        .filter(|a| a.row.backfill_reason.is_none())
        .map(|a| a.participants.len())
        .sum();
    (b.rows() + signups) as u64
}

fn report(phase: &'static str, done: u64, total: u64, started: Instant) -> Progress {
    let elapsed = started.elapsed();
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let left = total.saturating_sub(done) as f64 / rate.max(1.0);
    Progress {
        phase,
        rows_done: done,
        rows_total: total,
        elapsed,
        rows_per_sec: rate,
        eta: Duration::from_secs_f64(left.min(1e7)),
    }
}

/// The generating thread: every batch in order; returns (activities, records) made.
fn make_all(
    plan: &Plan,
    shape: &Shape,
    seed: u64,
    secrets: &crate::crypto::Secrets,
    months: &[Month],
    window_start_ms: i64,
    tx: tokio::sync::mpsc::Sender<Batch>,
) -> (usize, usize) {
    let last_year = months.last().map(|m| m.year).unwrap_or(2026);
    let people = People::new(plan, seed, secrets, window_start_ms, last_year);
    let codes: Vec<String> = months.iter().map(|m| m.code()).collect();
    let mut agg = Aggregates::new(plan.vol_org.len(), months[0].year, codes);
    let send = |phase, b: LoadBatch| tx.blocking_send((phase, b)).is_ok();
    // The tree: orgs, units, projects, and their counters.
    let tree = LoadBatch {
        orgs: plan.orgs.iter().map(|o| o.row.clone()).collect(),
        teams: plan.teams.clone(),
        projects: plan.projects.clone(),
        ..Default::default()
    };
    for (i, o) in plan.orgs.iter().enumerate() {
        agg.add_key(i, "orgs", 1);
        agg.add_key(i, &format!("level.{}", o.row.level), 1);
        if let Some(t) = &o.row.unit_type {
            agg.add_key(i, &format!("unit_type.{t}"), 1);
        }
    }
    for t in &plan.teams {
        let org = org_index(plan, &t.org_id);
        agg.add_key(org, "teams", 1);
        agg.add_key(org, &format!("echelon.{}", t.echelon), 1);
        if t.parent_team_id.is_none() {
            agg.add_key(org, "teams.root", 1);
        }
    }
    if !send("组织与队伍", tree) {
        return (0, 0);
    }
    // Volunteers with their skills and memberships, in number order.
    let members_of = {
        let mut m: Vec<Vec<(usize, &'static str)>> = vec![Vec::new(); plan.vol_org.len()];
        for (team, v, position) in &plan.members {
            m[*v as usize].push((*team, position));
        }
        m
    };
    let mut batch = LoadBatch::default();
    for v in 0..plan.vol_org.len() as u32 {
        let (row, skills) = people.volunteer(v);
        let org = plan.vol_org[v as usize] as usize;
        agg.add_key(org, &format!("vol.status.{}", row.status), 1);
        if row.status == "active" {
            if row.veteran {
                agg.add_key(org, "vol.veteran", 1);
            }
            if row.party_member {
                agg.add_key(org, "vol.party", 1);
            }
            agg.add_key(org, &format!("vol.gender.{}", row.gender), 1);
            agg.add_key(org, &format!("vol.born.{}", &row.birth_date[..4]), 1);
        }
        for s in skills {
            batch.skills.push((row.id.clone(), s.to_owned()));
        }
        for (team, position) in &members_of[v as usize] {
            let t = &plan.teams[*team];
            batch.members.push((
                t.id.clone(),
                row.id.clone(),
                (*position).to_owned(),
                t.created_at,
            ));
        }
        batch.volunteers.push(row);
        if batch.volunteers.len() >= VOLUNTEERS_PER_BATCH
            && !send("志愿者", std::mem::take(&mut batch))
        {
            return (0, 0);
        }
    }
    if !send("志愿者", batch) {
        return (0, 0);
    }
    // Activities, sign-ups and records, in time order.
    let planned =
        activities::plan_activities(plan, seed, months.len(), shape.activities, shape.records);
    let mut picked = HashSet::new();
    let mut records = 0usize;
    let mut batch = LoadBatch::default();
    for (n, p) in planned.iter().enumerate() {
        let a = activities::make(&people, months, n, p, &mut agg, &mut picked, &mut records);
        batch.activities.push(a);
        if batch.activities.len() >= ACTIVITIES_PER_BATCH
            && !send("活动与服务记录", std::mem::take(&mut batch))
        {
            return (0, 0);
        }
    }
    if !send("活动与服务记录", batch) {
        return (0, 0);
    }
    for b in agg.into_batches(plan) {
        if !send("汇总", b) {
            break;
        }
    }
    (planned.len(), records)
}

fn org_index(plan: &Plan, org_id: &str) -> usize {
    plan.orgs
        .partition_point(|o| o.row.id.as_str() < org_id)
        .min(plan.orgs.len().saturating_sub(1))
}

/// A province admin, the first county's admin, the first village station team's leader and
/// one of its members, through `create_user` like any other account.
async fn make_logins(app: &App, plan: &Plan) -> AppResult<Vec<GenLogin>> {
    let actor = Actor::system("zhiyuan gen");
    let station = plan
        .hosts
        .iter()
        .find(|h| h.level == Level::Village && plan.teams[h.team].echelon == "team");
    let province = &plan.orgs[0].row;
    let county = plan.counties.first().map(|c| &plan.orgs[c.org].row);
    let mut wanted: Vec<(&str, NewUser, String, String)> = vec![(
        "省级管理员",
        NewUser {
            username: "province".into(),
            password: GEN_PASSWORD.into(),
            role: "admin".into(),
            org_id: Some(province.id.clone()),
            team_id: None,
            volunteer_id: None,
            name: None,
        },
        province.name.clone(),
        String::new(),
    )];
    if let Some(c) = county {
        wanted.push((
            "县级管理员",
            NewUser {
                username: "county".into(),
                password: GEN_PASSWORD.into(),
                role: "admin".into(),
                org_id: Some(c.id.clone()),
                team_id: None,
                volunteer_id: None,
                name: None,
            },
            c.name.clone(),
            String::new(),
        ));
    }
    if let Some(h) = station {
        let team = &plan.teams[h.team];
        wanted.push((
            "服务站队长",
            NewUser {
                username: "station".into(),
                password: GEN_PASSWORD.into(),
                role: "team_leader".into(),
                org_id: None,
                team_id: Some(team.id.clone()),
                volunteer_id: None,
                name: None,
            },
            team.name.clone(),
            String::new(),
        ));
        let member = plan
            .members
            .iter()
            .find(|(t, _, position)| *t == h.team && *position == "member")
            .map(|(_, v, _)| *v)
            .unwrap_or(h.leader);
        wanted.push((
            "志愿者",
            NewUser {
                username: "volunteer".into(),
                password: GEN_PASSWORD.into(),
                role: "volunteer".into(),
                org_id: None,
                team_id: None,
                volunteer_id: Some(people::volunteer_id(member)),
                name: None,
            },
            format!("{}队员", team.name),
            String::new(),
        ));
    }
    let mut out = Vec::new();
    for (label, input, scope, _) in wanted {
        app.create_user(&actor, &input).await?;
        out.push(GenLogin {
            username: input.username,
            password: input.password,
            role_label: label.to_owned(),
            scope,
        });
    }
    Ok(out)
}
