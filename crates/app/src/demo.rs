//! The demo county (`zhiyuan serve --demo`): 奈曼旗 of seed 001 with the establishment of seed
//! 000 (county centre team, township platoon, village squads, small squads) and the 先锋连 of
//! seed 004. Everything goes through the public use cases as `Actor::system("演示数据")`, so the
//! demo obeys the same rules and leaves the same audit trail as real input.
//!
//! The people are made up (deterministic generator, valid check digits, region 150525). Each
//! write is its own transaction: should loading fail half-way, start again on an empty database.

use chrono::Datelike;

use crate::demo_data::{
    posts, Loader, PersonGen, Place, Profile, Unit, COMPANY_SQUADS, EMERGENCY, LEGAL, LOCAL,
    NUMERALS, OFFICER, RAIN, STAFF, STATION, TOWNSHIPS, VILLAGE_TEAMS,
};
use crate::orgs::NewOrg;
use crate::users::NewUser;
use crate::{clock, Actor, App, AppResult};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Demo-2026";
/// The date of seed 001, as the generator's seed.
const SEED: u64 = 20_220_328;
/// Localities of the banner seat (大沁他拉): where the county centre recruits.
const SEAT_AREA: [&str; 5] = ["昂乃村", "太和村", "兴仁社区", "和平社区", "奈林社区"];

/// One demo account, to print at start.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    pub role_label: String,
    pub username: String,
    pub password: String,
    /// What the account sees, in Chinese.
    pub scope: String,
}

/// Loads the demo county into an empty database (no orgs yet); returns the logins to print.
/// Does nothing and returns Ok(None) when the database already has orgs (a restart with --demo).
pub async fn load_demo(app: &App) -> AppResult<Option<Vec<DemoLogin>>> {
    if !app.store().org_children(None).await?.is_empty() {
        return Ok(None);
    }
    let mut l = Loader {
        app,
        sys: Actor::system("演示数据"),
        people: PersonGen::new(SEED, clock::today().year()),
    };
    let logins = l.load().await?;
    crate::activities::demo::load_into_demo(app).await?;
    crate::emergency::demo::load_into_demo(app).await?;
    crate::oversight::demo::load_into_demo(app).await?;
    crate::notifications::demo::load_into_demo(app).await?;
    Ok(Some(logins))
}

/// A township or village as loaded: its node, its station (if any) and where its people live.
struct Locality {
    name: &'static str,
    org_id: String,
    /// The org a station team hangs on: the station, or the place itself without one.
    station_id: Option<String>,
    place: Place,
    /// Index of the township (a township's own index).
    township: usize,
}

impl Locality {
    fn home_org(&self) -> &str {
        self.station_id.as_deref().unwrap_or(&self.org_id)
    }
}

impl Loader<'_> {
    async fn load(&mut self) -> AppResult<Vec<DemoLogin>> {
        let region = self
            .area(None, "内蒙古自治区", "province", 24_050_000)
            .await?;
        let city = self
            .area(Some(&region), "通辽市", "city", 2_870_000)
            .await?;
        let banner = self.area(Some(&city), "奈曼旗", "county", 440_000).await?;
        let centre = self
            .unit_org(&banner, "奈曼旗退役军人服务中心", "service_centre")
            .await?;
        // Seed 004's 行政服务中心 (of 永城市) in the banner: a government office, so an agency.
        let admin_centre = self
            .unit_org(&banner, "奈曼旗行政服务中心", "agency")
            .await?;

        let (townships, villages) = self.localities(&banner).await?;
        let seat: Vec<Place> = (townships[..2].iter())
            .chain(villages.iter().filter(|v| SEAT_AREA.contains(&v.name)))
            .map(|l| l.place.clone())
            .collect();
        let everywhere: Vec<Place> = (townships.iter().chain(&villages))
            .map(|l| l.place.clone())
            .collect();

        // The county centre team (seed 000): the centre director leads it (R-ORG-4).
        let county = self
            .root(&centre, "奈曼旗退役军人志愿服务队", "team")
            .await?;
        self.staff(&county, &seat, &OFFICER, &["leader"]).await?;
        let emergency = self
            .sub(&county, "应急分队", "detachment", Some("应急"))
            .await?;
        let mut emergency_people = Vec::new();
        for n in &NUMERALS[..3] {
            let squad = self
                .sub(&emergency, &format!("{n}班"), "squad", Some("应急"))
                .await?;
            let posts = posts(&[("squad_leader", 1), ("deputy", 1), ("member", 8)]);
            emergency_people.extend(self.staff(&squad, &seat, &EMERGENCY, &posts).await?);
        }
        let ten = posts(&[("deputy", 1), ("member", 9)]);
        let legal = self
            .sub(&county, "法律服务分队", "detachment", Some("法律服务"))
            .await?;
        self.staff(&legal, &seat, &LEGAL, &ten).await?;
        let rain = self
            .sub(&county, "人工降雨分队", "detachment", Some("人工降雨"))
            .await?;
        self.staff(&rain, &everywhere, &RAIN, &ten).await?;

        // Township station teams: a full platoon in the seat town, a core elsewhere (000, 001).
        for (i, t) in townships.iter().enumerate() {
            let name = format!("{}退役军人志愿服务队", t.name);
            let team = self.root(t.home_org(), &name, "team").await?;
            let homes: Vec<Place> = std::iter::once(&t.place)
                .chain(
                    villages
                        .iter()
                        .filter(|v| v.township == i)
                        .map(|v| &v.place),
                )
                .cloned()
                .collect();
            self.staff(&team, &homes, &STATION, &["leader"]).await?;
            if i > 0 {
                self.staff(&team, &homes, &STATION, &["deputy"]).await?;
                continue;
            }
            let platoon = self.sub(&team, "一排", "platoon", None).await?;
            for n in &NUMERALS[..3] {
                let squad = self.sub(&platoon, &format!("{n}班"), "squad", None).await?;
                let posts = posts(&[("squad_leader", 1), ("deputy", 1), ("member", 8)]);
                self.staff(&squad, &homes, &STATION, &posts).await?;
            }
        }

        // Village station teams the size of a squad: leader, one deputy, eight members (000).
        for v in villages.iter().filter(|v| VILLAGE_TEAMS.contains(&v.name)) {
            let name = format!("{}退役军人志愿服务队", v.name);
            let team = self.root(v.home_org(), &name, "team").await?;
            let posts = posts(&[("leader", 1), ("deputy", 1), ("member", 8)]);
            let homes = std::slice::from_ref(&v.place);
            self.staff(&team, homes, &STATION, &posts).await?;
        }

        // Villages without a station: a small squad of at least three veterans (001).
        for (name, size) in [("敖包嘎查", 3), ("杨木林村", 4)] {
            let Some(v) = villages.iter().find(|v| v.name == name) else {
                continue;
            };
            let squad_name = format!("{name}退役军人志愿服务小分队");
            let squad = self.root(&v.org_id, &squad_name, "small_squad").await?;
            let posts = posts(&[("leader", 1), ("member", size - 1)]);
            let homes = std::slice::from_ref(&v.place);
            self.staff(&squad, homes, &STATION, &posts).await?;
        }

        // Seed 004: the 先锋连 of the administrative service centre, nine named squads.
        let staff_home = [self.people.place(&admin_centre, true, 5)];
        let admin_team = self
            .root(&admin_centre, "奈曼旗行政服务中心志愿服务队", "team")
            .await?;
        self.staff(&admin_team, &staff_home, &STAFF, &["leader"])
            .await?;
        let company = self
            .sub(&admin_team, "志愿者先锋连", "company", None)
            .await?;
        let mut squad_leaders = Vec::new();
        for (name, skills) in COMPANY_SQUADS {
            let squad = self.sub(&company, name, "squad", None).await?;
            let profile = Profile {
                core_skills: skills,
                ..STAFF
            };
            let posts = posts(&[("squad_leader", 1), ("member", 4)]);
            let ids = self.staff(&squad, &staff_home, &profile, &posts).await?;
            squad_leaders.extend(ids.into_iter().next());
        }
        // The commander rotates among the squad leaders (R-GOV-1); this quarter 一班's leads.
        self.appoint(&company, &squad_leaders[0], "commander")
            .await?;
        let committee = ["instructor", "quartermaster"];
        self.staff(&company, &staff_home, &STAFF, &committee)
            .await?;

        // The talent pool (R-VOL-4): veterans on record who have not joined a team yet.
        for i in 0..20 {
            let place = &everywhere[(i * 7) % everywhere.len()];
            let input = self.people.person(place, &LOCAL);
            self.app.register_volunteer(&self.sys, &input).await?;
        }

        let volunteer = &emergency_people[2];
        self.logins(&banner, &townships[0], &county, volunteer)
            .await
    }

    /// The 16 townships and their villages, each with a station where seed 001 has one.
    async fn localities(&mut self, banner: &str) -> AppResult<(Vec<Locality>, Vec<Locality>)> {
        let (mut townships, mut villages) = (Vec::new(), Vec::new());
        for (i, t) in TOWNSHIPS.iter().enumerate() {
            let org_id = self
                .area(Some(banner), t.name, "township", t.population)
                .await?;
            let station = self.station(t.name, &org_id).await?;
            let mongol = if t.name.ends_with("苏木") { 40 } else { 8 };
            let place = self.people.place(&org_id, i < 2, mongol);
            for s in t.villages {
                let input = NewOrg {
                    name: s.name.to_owned(),
                    level: "village".to_owned(),
                    parent_id: Some(org_id.clone()),
                    population: Some(s.population),
                    unit_type: s.unit_type.map(str::to_owned),
                };
                let vid = self.app.create_org(&self.sys, &input).await?.id;
                let station_id = match s.station {
                    true => Some(self.station(s.name, &vid).await?),
                    false => None,
                };
                let rng = &mut self.people.rng;
                let vplace = Place {
                    org_id: vid.clone(),
                    lat: place.lat + rng.jitter(0.05),
                    lon: place.lon + rng.jitter(0.05),
                    mongol_pct: if s.name.ends_with("嘎查") {
                        45
                    } else {
                        mongol
                    },
                };
                let (name, place, township) = (s.name, vplace, i);
                villages.push(Locality {
                    name,
                    org_id: vid,
                    station_id,
                    place,
                    township,
                });
            }
            let station_id = Some(station);
            let (name, township) = (t.name, i);
            townships.push(Locality {
                name,
                org_id,
                station_id,
                place,
                township,
            });
        }
        Ok((townships, villages))
    }

    async fn logins(
        &self,
        banner: &str,
        seat_town: &Locality,
        county: &Unit,
        volunteer_id: &str,
    ) -> AppResult<Vec<DemoLogin>> {
        let volunteer = self.app.get_volunteer(&self.sys, volunteer_id).await?;
        let account = |username: &str, role: &str| NewUser {
            username: username.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role: role.to_owned(),
            ..Default::default()
        };
        let accounts = [
            (
                "县级管理员",
                NewUser {
                    org_id: Some(banner.to_owned()),
                    name: Some("包志刚".to_owned()),
                    ..account("county", "admin")
                },
                "奈曼旗全旗（县级管理员）".to_owned(),
            ),
            (
                "乡镇管理员",
                NewUser {
                    org_id: Some(seat_town.org_id.clone()),
                    name: Some("白玉兰".to_owned()),
                    ..account("township", "admin")
                },
                format!("{}及所辖村、社区（乡镇管理员）", seat_town.name),
            ),
            (
                "队长",
                NewUser {
                    team_id: Some(county.id.clone()),
                    name: Some("乌力吉".to_owned()),
                    ..account("leader", "team_leader")
                },
                "奈曼旗退役军人志愿服务队及其三个分队（队长）".to_owned(),
            ),
            (
                "志愿者",
                NewUser {
                    volunteer_id: Some(volunteer_id.to_owned()),
                    ..account("volunteer", "volunteer")
                },
                format!("应急分队一班队员{}本人（志愿者）", volunteer.name),
            ),
        ];
        let mut logins = Vec::with_capacity(accounts.len());
        for (label, input, scope) in accounts {
            self.app.create_user(&self.sys, &input).await?;
            logins.push(DemoLogin {
                role_label: label.to_owned(),
                username: input.username,
                password: input.password,
                scope,
            });
        }
        Ok(logins)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::auth::LoginInput;
    use crate::AppConfig;

    #[tokio::test]
    async fn loads_the_demo_county_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let store = zhiyuan_store::connect(&url).await.unwrap();
        let config = AppConfig {
            secret_key_hex: "00".repeat(32),
            session_hours: 8,
        };
        let app = App::new(store, config).unwrap();
        let sys = Actor::system("测试");

        let started = std::time::Instant::now();
        let logins = load_demo(&app)
            .await
            .unwrap()
            .expect("an empty database gets the demo");
        eprintln!("demo loaded in {:?}", started.elapsed());

        let roots = app.my_orgs(&sys).await.unwrap();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].name, "内蒙古自治区");
        let tree = app.org_subtree(&sys, &roots[0].id, 10_000).await.unwrap();
        let count = |level: &str| tree.iter().filter(|o| o.level == level).count();
        assert_eq!(count("township"), 16);
        assert_eq!(count("village"), 27);
        let banner = tree.iter().find(|o| o.name == "奈曼旗").unwrap();
        assert_eq!(banner.level, "county");
        assert!(tree
            .iter()
            .filter(|o| o.level == "village")
            .all(|o| (800..=5000).contains(&o.population.unwrap_or(0))));

        let centre = tree
            .iter()
            .find(|o| o.name == "奈曼旗退役军人服务中心")
            .unwrap();
        assert_eq!(centre.unit_type.as_deref(), Some("service_centre"));
        let teams = app.teams_of_org(&sys, &centre.id).await.unwrap();
        let emergency = teams.iter().find(|t| t.name == "应急分队").unwrap();
        assert_eq!(emergency.specialty.as_deref(), Some("应急"));
        let members = app.team_members(&sys, &emergency.id).await.unwrap();
        assert_eq!(members.total, 30);
        let mut squads: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for m in &members.items {
            squads
                .entry(m.team_id.as_str())
                .or_default()
                .push(m.position.as_str());
        }
        assert_eq!(squads.len(), 3);
        for positions in squads.values() {
            assert_eq!(positions.len(), 10);
            assert_eq!(
                positions.iter().filter(|p| **p == "squad_leader").count(),
                1
            );
            assert_eq!(positions.iter().filter(|p| **p == "deputy").count(), 1);
        }
        for name in ["法律服务分队", "人工降雨分队"] {
            let t = teams.iter().find(|t| t.name == name).unwrap();
            assert_eq!(
                app.team_members(&sys, &t.id).await.unwrap().total,
                10,
                "{name}"
            );
        }

        // Seed 004: a company of nine squads, each with its squad leader.
        let admin_centre = tree
            .iter()
            .find(|o| o.name == "奈曼旗行政服务中心")
            .unwrap();
        let units = app.teams_of_org(&sys, &admin_centre.id).await.unwrap();
        let company = units.iter().find(|t| t.echelon == "company").unwrap();
        let company = app.get_team(&sys, &company.id).await.unwrap();
        assert_eq!(company.sub_units.len(), 9);
        let roster = app.team_members(&sys, &company.id).await.unwrap();
        for squad in &company.sub_units {
            let leaders = roster
                .items
                .iter()
                .filter(|m| m.team_id == squad.id && m.position == "squad_leader");
            assert_eq!(leaders.count(), 1, "{}", squad.name);
        }
        for post in ["commander", "instructor", "quartermaster"] {
            assert!(
                roster
                    .items
                    .iter()
                    .any(|m| m.team_id == company.id && m.position == post),
                "{post}"
            );
        }

        // Every org has a few teams; the whole county is in the hundreds of volunteers.
        let all = app
            .search_volunteers(&sys, &Default::default())
            .await
            .unwrap();
        assert!((200..=320).contains(&all.total), "{} volunteers", all.total);

        assert_eq!(logins.len(), 4);
        for l in &logins {
            let input = LoginInput {
                username: l.username.clone(),
                password: l.password.clone(),
            };
            let out = app
                .login(&input, "127.0.0.1")
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", l.username));
            let actor = app.authenticate(&out.token).await.unwrap();
            assert!(!actor.is_super, "{}", l.username);
        }

        assert!(
            load_demo(&app).await.unwrap().is_none(),
            "a second load does nothing"
        );
        assert_eq!(app.my_orgs(&sys).await.unwrap().len(), 1);
    }
}
