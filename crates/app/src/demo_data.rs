//! Static data and deterministic generators for the demo county (see [`crate::demo`]).
//!
//! Places follow seed 001 (奈曼旗: 16 苏木乡镇 stations, 27 嘎查村 stations); people are made
//! up from common name characters with a fixed-seed generator, so every load is identical.
//! [`Loader`] holds the building blocks, each one public use case as the system actor.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use zhiyuan_domain::id_number::check_char;

use crate::orgs::NewOrg;
use crate::teams::{NewMember, NewTeam};
use crate::views::GeoView;
use crate::volunteers::NewVolunteer;
use crate::{Actor, App, AppResult};

/// 行政区划代码 of 奈曼旗 (GB/T 2260): the first six digits of local ID numbers.
pub(crate) const REGION_CODE: &str = "150525";
/// The banner seat (大沁他拉), WGS-84.
pub(crate) const SEAT: (f64, f64) = (42.87, 120.66);

pub(crate) struct VillageSpec {
    pub name: &'static str,
    pub population: i64,
    /// `civilised_village` or `community`, when it is one.
    pub unit_type: Option<&'static str>,
    /// Has a village-level veterans' service station (服务站).
    pub station: bool,
}

pub(crate) struct TownshipSpec {
    pub name: &'static str,
    pub population: i64,
    pub villages: &'static [VillageSpec],
}

#[rustfmt::skip]
const fn v(name: &'static str, population: i64, unit_type: Option<&'static str>, station: bool) -> VillageSpec {
    VillageSpec { name, population, unit_type, station }
}

#[rustfmt::skip]
const fn t(name: &'static str, population: i64, villages: &'static [VillageSpec]) -> TownshipSpec {
    TownshipSpec { name, population, villages }
}

const CV: Option<&str> = Some("civilised_village");
const CM: Option<&str> = Some("community");

/// 16 苏木乡镇场街道 with 27 嘎查村/社区 among them.
#[rustfmt::skip]
pub(crate) const TOWNSHIPS: [TownshipSpec; 16] = [
    t("大沁他拉镇", 60_000, &[v("昂乃村", 3_200, None, true), v("白音昌村", 2_400, None, true), v("太和村", 2_900, CV, true)]),
    t("大镇街道", 52_000, &[v("兴仁社区", 4_800, CM, true), v("和平社区", 4_500, CM, true), v("奈林社区", 3_900, CM, true)]),
    t("八仙筒镇", 45_000, &[v("八仙筒村", 4_100, None, true), v("西湖村", 2_600, CV, true), v("朝古台嘎查", 1_300, None, true)]),
    t("青龙山镇", 38_000, &[v("青龙山村", 3_600, None, true), v("互助村", 2_200, CV, true), v("富贵村", 1_800, None, true)]),
    t("新镇", 30_000, &[v("保安村", 2_100, None, true), v("兴隆村", 1_900, None, true)]),
    t("治安镇", 28_000, &[v("治安村", 2_800, None, true), v("杨木林村", 1_100, None, false)]),
    t("东明镇", 27_000, &[v("东明村", 3_000, None, true), v("章古台村", 1_700, None, true)]),
    t("沙日浩来镇", 20_000, &[v("沙日浩来嘎查", 1_600, None, true), v("敖包嘎查", 900, None, false)]),
    t("义隆永镇", 26_000, &[v("义隆永村", 3_300, None, true), v("道德村", 2_000, CV, true)]),
    t("固日班花苏木", 15_000, &[v("固日班花嘎查", 1_200, None, false)]),
    t("明仁苏木", 16_000, &[v("明仁嘎查", 1_400, None, true)]),
    t("白音他拉苏木", 14_000, &[v("白音他拉嘎查", 1_500, None, true)]),
    t("土城子乡", 22_000, &[v("土城子村", 2_500, None, true)]),
    t("黄花塔拉苏木", 12_000, &[]),
    t("苇莲苏乡", 13_000, &[v("苇莲苏村", 1_800, None, true)]),
    t("兴隆沼林场", 4_000, &[]),
];

/// Villages whose station team is staffed to the full squad of 10 (seed 000).
#[rustfmt::skip]
pub(crate) const VILLAGE_TEAMS: [&str; 8] =
    ["昂乃村", "太和村", "兴仁社区", "八仙筒村", "西湖村", "青龙山村", "东明村", "义隆永村"];

/// The nine squads of the 先锋连 (seed 004), with the skills each one leans on.
pub(crate) const COMPANY_SQUADS: [(&str, &[&str]); 9] = [
    ("一班（便民班）", &["代办服务", "驾驶"]),
    ("二班（帮扶班）", &["心理疏导", "结对帮扶"]),
    ("三班（就业指导班）", &["就业指导", "宣讲"]),
    ("四班（安保班）", &["应急救援", "安全巡逻"]),
    ("五班（健保班）", &["医疗救护", "心理疏导"]),
    ("六班（环保班）", &["环境整治", "农技"]),
    ("七班（宣教班）", &["宣讲", "书法"]),
    ("八班（文工团）", &["文艺演出", "书法"]),
    ("九班（炊事班）", &["厨艺", "维修"]),
];

/// Common surnames (single characters), with a few frequent among Mongols and Manchus here.
const SURNAMES: &str =
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡\
    余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯史包鲍宝关佟那色";
const MALE_CHARS: &str =
    "伟刚勇军强磊洋杰涛明超亮海波斌鹏辉龙东建国庆志平福兴宝文武峰林振春成德胜利忠华彬";
const FEMALE_CHARS: &str = "芳娜敏静丽艳霞燕红玲梅莉琳慧颖洁婷雪晶萍";
/// Mongolian names, written without a surname as is common in the banner.
const MONGOL_NAMES: &str =
    "巴特尔 额尔敦 那顺 乌力吉 孟和 宝音 图门 朝鲁 苏和 阿拉坦仓 哈斯朝鲁 布和 额日和木 \
    特古斯 其木格 满都拉 白音仓 达来 敖日格乐 吉日嘎拉";
const MOBILE_PREFIXES: &str =
    "134 135 136 137 138 139 147 150 151 152 157 158 159 182 187 188 130 131 132 155 \
    156 185 186 133 153 180 189 177 199";
/// Skills of the talent pool (R-VOL-4), matching the seeds' service projects.
const GENERAL_SKILLS: &str =
    "应急救援 驾驶 医疗救护 电工 无人机 心理疏导 宣讲 书法 厨艺 维修 农技 理发 网格管理 \
    摄影摄像 防疫消杀 养殖";

/// One SplitMix64 step on `state`: the demo's and the generator's random sources share it.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fixed-seed SplitMix64: no new dependency, the same demo every time.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1) as u64) as i32
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// One of the whitespace-separated words of `list`.
    pub fn pick(&mut self, list: &'static str) -> &'static str {
        let n = list.split_whitespace().count() as u64;
        list.split_whitespace()
            .nth(self.below(n) as usize)
            .unwrap_or_default()
    }

    /// One of the characters of `chars`.
    pub fn pick_char(&mut self, chars: &str) -> char {
        let n = chars.chars().count() as u64;
        chars.chars().nth(self.below(n) as usize).unwrap_or('一')
    }

    /// Uniform in `-spread..spread`.
    pub fn jitter(&mut self, spread: f64) -> f64 {
        (self.below(2_000_001) as f64 / 1_000_000.0 - 1.0) * spread
    }
}

/// Who a unit recruits: the seeds ask for party members under 50 in the veteran teams of 000.
#[derive(Clone, Copy)]
pub(crate) struct Profile {
    /// Birth years, inclusive.
    pub born: (i32, i32),
    pub veteran_pct: u64,
    pub party_pct: u64,
    pub male_pct: u64,
    /// Every member has these.
    pub core_skills: &'static [&'static str],
}

const fn profile(born: (i32, i32), party_pct: u64, veteran_pct: u64, male_pct: u64) -> Profile {
    let core_skills = &[];
    Profile {
        born,
        veteran_pct,
        party_pct,
        male_pct,
        core_skills,
    }
}

/// The county centre's detachments (seed 000: 50 or younger, mostly party members).
pub(crate) const EMERGENCY: Profile = Profile {
    core_skills: &["应急救援"],
    ..profile((1978, 2000), 70, 100, 97)
};
pub(crate) const LEGAL: Profile = Profile {
    core_skills: &["法律咨询"],
    ..profile((1976, 1996), 80, 100, 80)
};
pub(crate) const RAIN: Profile = Profile {
    core_skills: &["人工增雨作业"],
    ..profile((1976, 1998), 65, 100, 100)
};
/// Centre directors and station masters.
pub(crate) const OFFICER: Profile = profile((1970, 1985), 100, 100, 95);
/// Station teams of townships and villages (seed 000: 50 or younger).
pub(crate) const STATION: Profile = profile((1977, 2000), 60, 100, 93);
/// Everyone else in the talent pool.
pub(crate) const LOCAL: Profile = profile((1960, 2000), 45, 92, 90);
/// Staff of the administrative service centre: the members of its party branches (seed 004).
pub(crate) const STAFF: Profile = profile((1970, 1998), 100, 30, 60);

/// Where a person lives: their locality (属地) and a point to scatter homes around.
#[derive(Clone)]
pub(crate) struct Place {
    pub org_id: String,
    pub lat: f64,
    pub lon: f64,
    /// Sumu and gacha: more Mongolian names.
    pub mongol_pct: u64,
}

/// Makes volunteers: valid GB 11643 numbers under 150525, never the same twice.
pub(crate) struct PersonGen {
    pub rng: Rng,
    ids: HashSet<String>,
    this_year: i32,
}

impl PersonGen {
    pub fn new(seed: u64, this_year: i32) -> PersonGen {
        PersonGen {
            rng: Rng::new(seed),
            ids: HashSet::new(),
            this_year,
        }
    }

    /// A point for a locality: the seat for the seat town, elsewhere somewhere in the banner.
    pub fn place(&mut self, org_id: &str, near_seat: bool, mongol_pct: u64) -> Place {
        let spread = if near_seat { 0.03 } else { 0.36 };
        Place {
            org_id: org_id.to_owned(),
            lat: SEAT.0 + self.rng.jitter(spread),
            lon: SEAT.1 + self.rng.jitter(spread),
            mongol_pct,
        }
    }

    fn name(&mut self, male: bool, mongol_pct: u64) -> String {
        if self.rng.chance(mongol_pct) {
            return self.rng.pick(MONGOL_NAMES).to_owned();
        }
        let pool = if male { MALE_CHARS } else { FEMALE_CHARS };
        let mut name = String::from(self.rng.pick_char(SURNAMES));
        name.push(self.rng.pick_char(pool));
        if self.rng.chance(65) {
            name.push(self.rng.pick_char(pool));
        }
        name
    }

    fn id_number(&mut self, birth: NaiveDate, male: bool) -> String {
        loop {
            let seq = self.rng.below(500) * 2 + u64::from(male);
            let first17 = format!("{REGION_CODE}{}{seq:03}", birth.format("%Y%m%d"));
            let id = format!("{first17}{}", check_char(&first17));
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn phone(&mut self) -> String {
        format!(
            "{}{:08}",
            self.rng.pick(MOBILE_PREFIXES),
            self.rng.below(100_000_000)
        )
    }

    fn branch(&mut self, discharged: i32) -> &'static str {
        loop {
            let b = match self.rng.below(100) {
                0..=59 => "陆军",
                60..=74 => "武警",
                75..=84 => "空军",
                85..=92 => "海军",
                _ => "火箭军",
            };
            // The Rocket Force exists since 2016 (before: 第二炮兵).
            if b != "火箭军" || discharged >= 2016 {
                return b;
            }
        }
    }

    /// A volunteer of the profile living at `place`: the profile's core skills and one to three more.
    pub fn person(&mut self, place: &Place, p: &Profile) -> NewVolunteer {
        let r = &mut self.rng;
        let male = r.chance(p.male_pct);
        let year = r.range(p.born.0, p.born.1);
        let birth = NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(r.below(365))))
            .unwrap_or_default();
        let veteran = r.chance(p.veteran_pct);
        let party_member = r.chance(p.party_pct);
        let name = self.name(male, place.mongol_pct);
        let id_number = self.id_number(birth, male);
        let phone = self.phone();
        let mut skills: Vec<String> = p.core_skills.iter().map(|s| (*s).to_owned()).collect();
        for _ in 0..self.rng.range(1, 3) {
            let s = self.rng.pick(GENERAL_SKILLS).to_owned();
            if !skills.contains(&s) {
                skills.push(s);
            }
        }
        let mut input = NewVolunteer {
            name,
            id_number,
            phone,
            org_id: place.org_id.clone(),
            veteran,
            party_member,
            skills,
            home: Some(GeoView {
                lat: round6(place.lat + self.rng.jitter(0.02)),
                lon: round6(place.lon + self.rng.jitter(0.02)),
            }),
            health: Some(
                if year < 1966 && self.rng.chance(40) {
                    "fair"
                } else {
                    "good"
                }
                .to_owned(),
            ),
            consent_data: Some(true),
            consent_location: Some(true),
            ..Default::default()
        };
        if veteran {
            let enlisted = (birth.year() + self.rng.range(17, 20)).min(self.this_year - 2);
            let years = match self.rng.below(10) {
                0..=5 => self.rng.range(2, 5),
                6..=8 => self.rng.range(6, 12),
                _ => self.rng.range(13, 20),
            };
            let discharged = (enlisted + years).min(self.this_year);
            input.branch = Some(self.branch(discharged).to_owned());
            input.enlisted_year = Some(enlisted);
            input.discharged_year = Some(discharged);
            input.military_rank = rank(discharged - enlisted, discharged).map(str::to_owned);
        }
        input
    }
}

/// Six decimals (about 0.1 m), as a phone's GPS would give.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A plausible rank at discharge after `years` of service (ranks were restored in 1988).
fn rank(years: i32, discharged: i32) -> Option<&'static str> {
    if discharged < 1990 {
        return None;
    }
    Some(match years {
        ..=2 => "上等兵",
        3..=5 => "下士",
        6..=8 => "中士",
        9..=12 => "上士",
        _ => "四级军士长",
    })
}

/// The posts of a unit: `posts(&[("squad_leader", 1), ("member", 9)])`.
pub(crate) fn posts(counts: &[(&'static str, usize)]) -> Vec<&'static str> {
    counts
        .iter()
        .flat_map(|(post, n)| std::iter::repeat_n(*post, *n))
        .collect()
}

/// Chinese numerals for squad and platoon names.
pub(crate) const NUMERALS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A team unit as loaded: sub-units are created in the same org.
pub(crate) struct Unit {
    pub id: String,
    pub org_id: String,
}

pub(crate) struct Loader<'a> {
    pub app: &'a App,
    pub sys: Actor,
    pub people: PersonGen,
}

/// The building blocks: each one public use case as the system actor.
impl Loader<'_> {
    pub(crate) async fn station(&self, place: &str, parent: &str) -> AppResult<String> {
        let name = format!("{place}退役军人服务站");
        self.unit_org(parent, &name, "service_station").await
    }

    /// An administrative area (province … township).
    pub(crate) async fn area(
        &self,
        parent: Option<&str>,
        name: &str,
        level: &str,
        population: i64,
    ) -> AppResult<String> {
        let input = NewOrg {
            name: name.to_owned(),
            level: level.to_owned(),
            parent_id: parent.map(str::to_owned),
            population: Some(population),
            unit_type: None,
        };
        Ok(self.app.create_org(&self.sys, &input).await?.id)
    }

    /// A unit (centre, station, agency) hung under `parent`.
    pub(crate) async fn unit_org(
        &self,
        parent: &str,
        name: &str,
        unit_type: &str,
    ) -> AppResult<String> {
        let input = NewOrg {
            name: name.to_owned(),
            level: "unit".to_owned(),
            parent_id: Some(parent.to_owned()),
            population: None,
            unit_type: Some(unit_type.to_owned()),
        };
        Ok(self.app.create_org(&self.sys, &input).await?.id)
    }

    pub(crate) async fn root(&self, org_id: &str, name: &str, echelon: &str) -> AppResult<Unit> {
        self.team(org_id, None, name, echelon, None).await
    }

    pub(crate) async fn sub(
        &self,
        parent: &Unit,
        name: &str,
        echelon: &str,
        specialty: Option<&str>,
    ) -> AppResult<Unit> {
        self.team(&parent.org_id, Some(&parent.id), name, echelon, specialty)
            .await
    }

    pub(crate) async fn team(
        &self,
        org_id: &str,
        parent: Option<&str>,
        name: &str,
        echelon: &str,
        specialty: Option<&str>,
    ) -> AppResult<Unit> {
        let input = NewTeam {
            name: name.to_owned(),
            org_id: org_id.to_owned(),
            parent_team_id: parent.map(str::to_owned),
            echelon: echelon.to_owned(),
            specialty: specialty.map(str::to_owned),
        };
        let id = self.app.create_team(&self.sys, &input).await?.id;
        Ok(Unit {
            id,
            org_id: org_id.to_owned(),
        })
    }

    pub(crate) async fn appoint(
        &self,
        unit: &Unit,
        volunteer_id: &str,
        position: &str,
    ) -> AppResult<()> {
        let input = NewMember {
            volunteer_id: volunteer_id.to_owned(),
            position: position.to_owned(),
        };
        self.app.appoint_member(&self.sys, &unit.id, &input).await?;
        Ok(())
    }

    /// Registers one new volunteer per post, living at one of `homes`, and appoints them to
    /// `unit`. Returns their ids in the order of `posts`.
    pub(crate) async fn staff(
        &mut self,
        unit: &Unit,
        homes: &[Place],
        p: &Profile,
        posts: &[&str],
    ) -> AppResult<Vec<String>> {
        let mut ids = Vec::with_capacity(posts.len());
        for post in posts {
            let place = &homes[self.people.rng.below(homes.len() as u64) as usize];
            let input = self.people.person(place, p);
            let id = self.app.register_volunteer(&self.sys, &input).await?.id;
            self.appoint(unit, &id, post).await?;
            ids.push(id);
        }
        Ok(ids)
    }
}
