//! The shape of the generated province, planned in memory before anything is written: the org
//! tree (province › cities › counties › townships › villages, with the county service centre
//! and the township and village service stations as units), one team per station with its
//! establishment (R-ORG-3), who is a member in which position, and which range of volunteer
//! numbers lives in each org. Volunteers themselves are made later, one at a time, from their
//! number alone (`people.rs`), so nothing here holds a million rows.
//!
//! Volunteers are numbered county by county, and inside a county the county team's members
//! first, then each township's team and its villages: every subtree is one contiguous range,
//! which is what activities draw their participants from.

use std::ops::Range;

use zhiyuan_store::activities::ProjectRow;
use zhiyuan_store::{OrgRow, TeamRow};

use super::names::{Namer, Rng};
use super::Shape;

/// Volunteer flags: what the plan asks of a volunteer beyond chance.
pub(crate) const VETERAN: u8 = 1;
pub(crate) const EMERGENCY: u8 = 2;
pub(crate) const LEGAL: u8 = 4;
pub(crate) const RAIN: u8 = 8;
pub(crate) const MEMBER: u8 = 16;

/// Members of a county centre's team: leader and 2 deputies, an emergency detachment (its
/// leader and three squads of 10, each with a deputy), legal and cloud-seeding detachments of 10.
pub(crate) const COUNTY_TEAM: usize = 3 + 31 + 10 + 10;
/// A township station's team: a platoon of 30 with 3 deputies and squads of 10 (seed 000).
pub(crate) const TOWNSHIP_TEAM: usize = 30;

pub(crate) struct OrgNode {
    pub row: OrgRow,
    pub parent: Option<usize>,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Village,
    Township,
    County,
}

/// A root unit that holds activities.
pub(crate) struct Host {
    pub team: usize,
    pub level: Level,
    /// The village or town where its activities take place.
    pub place_org: usize,
    /// Volunteers its activities draw from (its locality's subtree).
    pub pool: Range<u32>,
    pub leader: u32,
    pub recorder: u32,
    pub county: usize,
}

pub(crate) struct County {
    pub org: usize,
    /// The first six digits of its people's ID numbers.
    pub region: String,
    pub volunteers: Range<u32>,
    /// Index into `Plan::projects` of its one-county-one-brand project (一县一品).
    pub brand_project: usize,
}

pub(crate) struct Plan {
    pub orgs: Vec<OrgNode>,
    pub teams: Vec<TeamRow>,
    pub hosts: Vec<Host>,
    /// (team index, volunteer number, position)
    pub members: Vec<(usize, u32, &'static str)>,
    pub projects: Vec<ProjectRow>,
    pub counties: Vec<County>,
    /// Per volunteer: the org of their locality.
    pub vol_org: Vec<u32>,
    pub vol_flags: Vec<u8>,
    /// When orgs and teams were set up (before any volunteer registered).
    pub founded_ms: i64,
}

pub(crate) fn id(kind: u8, n: usize) -> String {
    format!("{kind:x}{n:031x}")
}

/// The seed 001 programme: the nine province-wide service projects and their categories.
pub(crate) const PROVINCE_PROJECTS: [(&str, &str); 9] = [
    ("最美逆行", "emergency"),
    ("星火燎原", "talks"),
    ("手拉手帮战友", "veteran_help"),
    ("先锋示范岗", "pioneer_post"),
    ("习语金句", "writing"),
    ("石榴籽心贴心", "pairing"),
    ("牵手夕阳", "elder_care"),
    ("老兵不老", "mentoring"),
    ("乡村振兴", "rural"),
];

/// Splits `total` into `n` parts in proportion to `weights` (every part at least `min`).
fn split(total: usize, weights: &[f64], min: usize) -> Vec<usize> {
    let n = weights.len();
    let spare = total.saturating_sub(min * n);
    let sum: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(n);
    let mut acc = 0.0;
    let mut given = 0usize;
    for w in weights {
        acc += w;
        let upto = ((acc / sum) * spare as f64).round() as usize;
        out.push(min + upto.saturating_sub(given));
        given = given.max(upto);
    }
    out
}

fn jitter(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| 0.6 + 0.8 * rng.unit()).collect()
}

struct Builder<'a> {
    plan: Plan,
    namer: Namer,
    rng: Rng,
    shape: &'a Shape,
    next_vol: u32,
}

impl Builder<'_> {
    fn org(
        &mut self,
        name: String,
        level: &str,
        parent: Option<usize>,
        unit_type: Option<&str>,
        population: Option<i64>,
        (lat, lon): (f64, f64),
    ) -> usize {
        let n = self.plan.orgs.len();
        let oid = id(1, n + 1);
        let (path, depth) = match parent {
            Some(p) => {
                let p = &self.plan.orgs[p].row;
                (format!("{}{oid}/", p.path), p.depth + 1)
            }
            None => (format!("/{oid}/"), 0),
        };
        let at = self.plan.founded_ms + n as i64;
        self.plan.orgs.push(OrgNode {
            row: OrgRow {
                id: oid,
                name,
                level: level.to_owned(),
                parent_id: parent.map(|p| self.plan.orgs[p].row.id.clone()),
                depth,
                path,
                population,
                unit_type: unit_type.map(str::to_owned),
                created_at: at,
                updated_at: at,
                version: 1,
            },
            parent,
            lat,
            lon,
        });
        n
    }

    fn team(
        &mut self,
        name: String,
        org: usize,
        parent: Option<usize>,
        echelon: &str,
        specialty: Option<&str>,
    ) -> usize {
        let n = self.plan.teams.len();
        let tid = id(2, n + 1);
        let path = match parent {
            Some(p) => format!("{}{tid}/", self.plan.teams[p].path),
            None => format!("/{tid}/"),
        };
        let at = self.plan.founded_ms + 86_400_000 + n as i64 * 1000;
        let o = &self.plan.orgs[org].row;
        self.plan.teams.push(TeamRow {
            id: tid,
            name,
            org_id: o.id.clone(),
            parent_team_id: parent.map(|p| self.plan.teams[p].id.clone()),
            path,
            echelon: echelon.to_owned(),
            specialty: specialty.map(str::to_owned),
            created_at: at,
            updated_at: at,
            version: 1,
            org_path: o.path.clone(),
            org_name: o.name.clone(),
        });
        n
    }

    /// The next `n` volunteer numbers, registered at `org`.
    fn volunteers(&mut self, org: usize, n: usize) -> Range<u32> {
        let start = self.next_vol;
        self.next_vol += n as u32;
        self.plan.vol_org.extend(std::iter::repeat_n(org as u32, n));
        self.plan.vol_flags.extend(std::iter::repeat_n(0u8, n));
        start..self.next_vol
    }

    fn member(&mut self, team: usize, vol: u32, position: &'static str, flags: u8) {
        self.plan.members.push((team, vol, position));
        self.plan.vol_flags[vol as usize] |= flags | MEMBER;
    }

    /// Members for `team` from `vols` (taken from the front): the positions in order, then
    /// `members` plain members.
    fn staff(
        &mut self,
        team: usize,
        vols: &mut Range<u32>,
        officers: &[&'static str],
        members: usize,
        flags: u8,
    ) -> Vec<u32> {
        let mut taken = Vec::new();
        for position in officers
            .iter()
            .copied()
            .chain(std::iter::repeat_n("member", members))
        {
            let Some(v) = vols.next() else { break };
            self.member(team, v, position, flags);
            taken.push(v);
        }
        taken
    }
}

/// Plans the whole tree for `shape` from `seed`.
pub(crate) fn plan(shape: &Shape, seed: u64, founded_ms: i64) -> Plan {
    let mut b = Builder {
        plan: Plan {
            orgs: Vec::new(),
            teams: Vec::new(),
            hosts: Vec::new(),
            members: Vec::new(),
            projects: Vec::new(),
            counties: Vec::new(),
            vol_org: Vec::with_capacity(shape.volunteers),
            vol_flags: Vec::with_capacity(shape.volunteers),
            founded_ms,
        },
        namer: Namer::new(),
        rng: Rng::fork(seed, 1),
        shape,
        next_vol: 0,
    };
    let rng = &mut b.rng.clone();
    let province_name = b.namer.place(rng, usize::MAX, "省");
    let province = b.org(province_name, "province", None, None, None, (44.0, 115.0));
    for (i, (name, category)) in PROVINCE_PROJECTS.iter().enumerate() {
        let p = &b.plan.orgs[province].row;
        b.plan.projects.push(ProjectRow {
            id: id(4, i + 1),
            name: (*name).to_owned(),
            category: (*category).to_owned(),
            description: format!("全省退役军人志愿服务项目“{name}”"),
            org_id: p.id.clone(),
            team_id: None,
            org_path: p.path.clone(),
            brand: false,
            created_at: founded_ms,
        });
    }
    let counties_of_city = split(shape.counties, &jitter(rng, shape.cities), 1);
    let townships_of_county = split(shape.townships, &jitter(rng, shape.counties), 1);
    let village_weights = jitter(rng, shape.townships);
    let villages_of_township = split(shape.villages, &village_weights, 0);
    // Each village's population, then volunteers in proportion to it.
    let village_pops: Vec<i64> = (0..shape.villages).map(|_| rng.range(400, 3_000)).collect();
    let fixed = shape.counties * COUNTY_TEAM + shape.townships * TOWNSHIP_TEAM;
    let village_vols = split(
        shape.volunteers.saturating_sub(fixed),
        &village_pops.iter().map(|p| *p as f64).collect::<Vec<_>>(),
        4,
    );
    let (mut county_no, mut township_no, mut village_no) = (0usize, 0usize, 0usize);
    for (c, &n_counties) in counties_of_city.iter().enumerate() {
        let city_pos = (
            rng.range(3_900, 4_800) as f64 / 100.0,
            rng.range(10_800, 12_300) as f64 / 100.0,
        );
        let city_name = b.namer.place(rng, province, "市");
        let city = b.org(city_name, "city", Some(province), None, None, city_pos);
        let mut city_pop = rng.range(200_000, 600_000);
        for k in 0..n_counties {
            let pos = (city_pos.0 + rng.gauss(0.6), city_pos.1 + rng.gauss(0.8));
            let suffix = *rng.pick(&["县", "县", "旗", "区"]);
            let county_name = b.namer.place(rng, city, suffix);
            let county = b.org(county_name.clone(), "county", Some(city), None, None, pos);
            let county_first_vol = b.next_vol;
            // 15 (this province's code), the city's two digits, the county's two digits.
            let region = format!("15{:02}{:02}", c % 99 + 1, k % 99 + 1);
            let mut county_pop = rng.range(30_000, 100_000);
            let centre = b.org(
                format!("{county_name}退役军人服务中心"),
                "unit",
                Some(county),
                Some("service_centre"),
                None,
                pos,
            );
            let mut cvols = b.volunteers(county, COUNTY_TEAM);
            let root = b.team(
                format!("{county_name}退役军人志愿服务队"),
                centre,
                None,
                "team",
                None,
            );
            let officers = b.staff(
                root,
                &mut cvols,
                &["leader", "deputy", "deputy"],
                0,
                VETERAN,
            );
            let emergency = b.team(
                "应急救援分队".into(),
                centre,
                Some(root),
                "detachment",
                Some("应急救援"),
            );
            b.staff(emergency, &mut cvols, &["leader"], 0, VETERAN | EMERGENCY);
            for (k, squad_name) in ["一班", "二班", "三班"].iter().enumerate() {
                let s = b.team(
                    format!("应急{squad_name}"),
                    centre,
                    Some(emergency),
                    "squad",
                    Some("应急救援"),
                );
                let _ = k;
                b.staff(
                    s,
                    &mut cvols,
                    &["squad_leader", "deputy"],
                    8,
                    VETERAN | EMERGENCY,
                );
            }
            let legal = b.team(
                "法律服务分队".into(),
                centre,
                Some(root),
                "detachment",
                Some("法律服务"),
            );
            b.staff(legal, &mut cvols, &["leader"], 9, LEGAL);
            let rain = b.team(
                "人工增雨分队".into(),
                centre,
                Some(root),
                "detachment",
                Some("人工增雨"),
            );
            b.staff(rain, &mut cvols, &["leader"], 9, VETERAN | RAIN);
            let county_team = root;
            let brand_project = b.plan.projects.len();
            let c_row = &b.plan.orgs[county].row;
            b.plan.projects.push(ProjectRow {
                id: id(4, brand_project + 1),
                name: format!("{county_name}老兵先锋"),
                category: "civility".into(),
                description: format!("{county_name}一县一品志愿服务项目"),
                org_id: c_row.id.clone(),
                team_id: Some(b.plan.teams[county_team].id.clone()),
                org_path: c_row.path.clone(),
                brand: true,
                created_at: founded_ms,
            });
            let county_host = b.plan.hosts.len();
            b.plan.hosts.push(Host {
                team: county_team,
                level: Level::County,
                place_org: county,
                pool: 0..0,
                leader: officers[0],
                recorder: officers[1],
                county: b.plan.counties.len(),
            });
            for _ in 0..townships_of_county[county_no] {
                let tpos = (pos.0 + rng.gauss(0.15), pos.1 + rng.gauss(0.2));
                let tsuffix = *rng.pick(&["镇", "镇", "乡", "苏木", "街道"]);
                let town_name = b.namer.place(rng, county, tsuffix);
                let town = b.org(
                    town_name.clone(),
                    "township",
                    Some(county),
                    None,
                    None,
                    tpos,
                );
                let town_first_vol = b.next_vol;
                let station = b.org(
                    format!("{town_name}退役军人服务站"),
                    "unit",
                    Some(town),
                    Some("service_station"),
                    None,
                    tpos,
                );
                let mut tvols = b.volunteers(town, TOWNSHIP_TEAM);
                let troot = b.team(
                    format!("{town_name}退役军人志愿服务队"),
                    station,
                    None,
                    "team",
                    None,
                );
                let tofficers = b.staff(
                    troot,
                    &mut tvols,
                    &["leader", "deputy", "deputy", "deputy"],
                    2,
                    VETERAN,
                );
                for squad_name in ["一班", "二班", "三班"] {
                    let s = b.team(squad_name.into(), station, Some(troot), "squad", None);
                    b.staff(s, &mut tvols, &["squad_leader"], 7, 0);
                }
                let mut town_pop = rng.range(3_000, 15_000);
                let town_host = b.plan.hosts.len();
                b.plan.hosts.push(Host {
                    team: troot,
                    level: Level::Township,
                    place_org: town,
                    pool: 0..0,
                    leader: tofficers[0],
                    recorder: tofficers[1],
                    county: b.plan.counties.len(),
                });
                for _ in 0..villages_of_township[township_no] {
                    let vpos = (tpos.0 + rng.gauss(0.04), tpos.1 + rng.gauss(0.05));
                    let vsuffix = *rng.pick(&["村", "村", "村", "嘎查", "社区"]);
                    let village_name = b.namer.place(rng, town, vsuffix);
                    let pop = village_pops[village_no];
                    town_pop += pop;
                    let village = b.org(
                        village_name.clone(),
                        "village",
                        Some(town),
                        None,
                        Some(pop),
                        vpos,
                    );
                    let mut vvols = b.volunteers(village, village_vols[village_no]);
                    let pool = vvols.clone();
                    let has_station = rng.chance(0.7) && vvols.len() >= 10;
                    let (team, officers) = if has_station {
                        let st = b.org(
                            format!("{village_name}退役军人服务站"),
                            "unit",
                            Some(village),
                            Some("service_station"),
                            None,
                            vpos,
                        );
                        let size = (rng.range(10, 12) as usize).min(vvols.len());
                        let t = b.team(
                            format!("{village_name}退役军人志愿服务队"),
                            st,
                            None,
                            "team",
                            None,
                        );
                        let (root_members, squad) = if size >= 12 {
                            (5, true)
                        } else {
                            (size - 2, false)
                        };
                        let o =
                            b.staff(t, &mut vvols, &["leader", "deputy"], root_members, VETERAN);
                        if squad {
                            let s = b.team("一班".into(), st, Some(t), "squad", None);
                            b.staff(s, &mut vvols, &["squad_leader"], size - 8, 0);
                        }
                        (t, o)
                    } else {
                        let size = (rng.range(3, 5) as usize).min(vvols.len());
                        let t = b.team(
                            format!("{village_name}退役军人志愿服务小分队"),
                            village,
                            None,
                            "small_squad",
                            None,
                        );
                        let o =
                            b.staff(t, &mut vvols, &["leader"], size.saturating_sub(1), VETERAN);
                        (t, o)
                    };
                    if let Some(&leader) = officers.first() {
                        b.plan.hosts.push(Host {
                            team,
                            level: Level::Village,
                            place_org: village,
                            pool,
                            leader,
                            recorder: officers.get(1).copied().unwrap_or(leader),
                            county: b.plan.counties.len(),
                        });
                    }
                    village_no += 1;
                }
                b.plan.hosts[town_host].pool = town_first_vol..b.next_vol;
                b.plan.orgs[town].row.population = Some(town_pop);
                county_pop += town_pop;
                township_no += 1;
            }
            b.plan.hosts[county_host].pool = county_first_vol..b.next_vol;
            b.plan.orgs[county].row.population = Some(county_pop);
            city_pop += county_pop;
            b.plan.counties.push(County {
                org: county,
                region,
                volunteers: county_first_vol..b.next_vol,
                brand_project,
            });
            county_no += 1;
        }
        b.plan.orgs[city].row.population = Some(city_pop);
    }
    let total: i64 = b
        .plan
        .orgs
        .iter()
        .filter(|o| o.row.level == "city")
        .filter_map(|o| o.row.population)
        .sum();
    b.plan.orgs[province].row.population = Some(total);
    let _ = b.shape;
    b.plan
}
