//! Volunteer data (志愿者信息): names, skills (R-VOL-4), health, home
//! location, veteran service details and the age rule (R-LAW-6).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;
use crate::id_number::IdNumber;

/// A person's name (姓名): 2..=30 characters of CJK ideographs, Latin
/// letters, spaces and the middle dots `·` `•` (as in 阿沛·阿旺晋美).
///
/// Runs of whitespace are collapsed to one space; the name may not start or
/// end with a middle dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3007}'                      // 〇
        | '\u{3400}'..='\u{4DBF}'       // Extension A
        | '\u{4E00}'..='\u{9FFF}'       // Unified Ideographs
        | '\u{F900}'..='\u{FAFF}'       // Compatibility Ideographs
        | '\u{20000}'..='\u{2FA1F}'     // Extensions B–F, compatibility supplement
        | '\u{30000}'..='\u{323AF}'     // Extensions G–H
    )
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}') && c != '\u{00D7}' && c != '\u{00F7}')
}

fn is_middle_dot(c: char) -> bool {
    c == '·' || c == '•'
}

impl PersonName {
    /// Parses a name. Field `"name"`, code `name_invalid`.
    pub fn parse(s: &str) -> Result<PersonName, DomainError> {
        let err = |msg: &str| DomainError::new("name", "name_invalid", msg);
        if s.chars().any(char::is_control) {
            return Err(err("姓名不能含有换行、制表符等控制字符"));
        }
        let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = name.chars().count();
        if n < 2 {
            return Err(err("姓名至少 2 个字"));
        }
        if n > 30 {
            return Err(err("姓名最多 30 个字"));
        }
        if name.chars().any(|c| c.is_numeric()) {
            return Err(err("姓名不能含有数字"));
        }
        if !name
            .chars()
            .all(|c| is_cjk(c) || is_latin_letter(c) || is_middle_dot(c) || c == ' ')
        {
            return Err(err("姓名只能包含汉字、字母、空格和间隔号“·”"));
        }
        if name.starts_with(is_middle_dot) || name.ends_with(is_middle_dot) {
            return Err(err("姓名不能以间隔号开头或结尾"));
        }
        Ok(PersonName(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked form: first character then one `*` per remaining character,
    /// e.g. 张三 → 张*, 欧阳娜 → 欧**.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().unwrap_or('*');
        std::iter::once(first).chain(chars.map(|_| '*')).collect()
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PersonName {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PersonName::parse(s)
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PersonName::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Separators accepted between skill tags.
const SKILL_SEPARATORS: [char; 7] = ['、', ',', '，', ';', '；', '\n', '\r'];
/// Most tags a volunteer may list.
pub const MAX_SKILLS: usize = 30;
/// Longest tag, in characters.
pub const MAX_SKILL_CHARS: usize = 20;

/// Specialties and abilities (特长/技能), the talent pool of R-VOL-4: an
/// ordered list of distinct tags such as “驾驶”, “急救”, “无人机”.
///
/// Each tag is trimmed with inner whitespace collapsed, 1..=20 characters
/// without control characters; duplicates are dropped keeping the first
/// occurrence; at most 30 tags. May be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Skills(Vec<String>);

impl Skills {
    /// Parses a list of tags. Each item may itself hold several tags split
    /// by the same separators as [`Skills::parse_text`]; empty items are
    /// skipped. Field `"skills"`, code `skills_invalid`.
    pub fn parse_list(items: &[String]) -> Result<Skills, DomainError> {
        Skills::from_pieces(items.iter().map(String::as_str))
    }

    /// Parses free text, splitting on `、` `,` `，` `;` `；` and newlines;
    /// empty pieces are skipped. Field `"skills"`, code `skills_invalid`.
    pub fn parse_text(s: &str) -> Result<Skills, DomainError> {
        Skills::from_pieces(std::iter::once(s))
    }

    fn from_pieces<'a>(pieces: impl Iterator<Item = &'a str>) -> Result<Skills, DomainError> {
        let err = |msg: String| DomainError::new("skills", "skills_invalid", msg);
        let mut tags: Vec<String> = Vec::new();
        for raw in pieces.flat_map(|p| p.split(SKILL_SEPARATORS)) {
            if raw.chars().any(|c| c.is_control() && !c.is_whitespace()) {
                return Err(err("特长不能含有控制字符".to_owned()));
            }
            let tag = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            if tag.is_empty() {
                continue;
            }
            if tag.chars().count() > MAX_SKILL_CHARS {
                return Err(err(format!(
                    "每项特长最多 {MAX_SKILL_CHARS} 个字：“{}”",
                    crate::error::echo(&tag)
                )));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_SKILLS {
            return Err(err(format!("特长最多填写 {MAX_SKILLS} 项")));
        }
        Ok(Skills(tags))
    }

    /// The tags, in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The tags, in order.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no tag.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `tag` is listed (exact match after normalisation).
    pub fn contains(&self, tag: &str) -> bool {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        self.0.contains(&tag)
    }

    /// The tags joined with `、`, which [`Skills::parse_text`] reads back.
    pub fn to_text(&self) -> String {
        self.0.join("、")
    }
}

impl<'de> Deserialize<'de> for Skills {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Skills::parse_list(&Vec::<String>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

code_enum! {
    /// Self-reported state of health (健康状况).
    pub enum Health {
        field = "health", code = "health_invalid", what = "健康状况";
        /// 健康
        Good => ("good", "健康"),
        /// 一般
        Fair => ("fair", "一般"),
        /// 较差
        Poor => ("poor", "较差"),
    }
}

/// A WGS-84 point (经纬度), e.g. a volunteer's home for nearest-team
/// matching. Build it with [`GeoPoint::new`], which checks the ranges;
/// deserialisation checks them too.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GeoPoint {
    /// Latitude in degrees, −90..=90.
    pub lat: f64,
    /// Longitude in degrees, −180..=180.
    pub lon: f64,
}

/// Mean Earth radius in km (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

impl GeoPoint {
    /// Checks and builds a point. Code `coordinate_out_of_range`, field
    /// `"home.lat"` or `"home.lon"`; NaN and infinities are rejected.
    pub fn new(lat: f64, lon: f64) -> Result<GeoPoint, DomainError> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(DomainError::new(
                "home.lat",
                "coordinate_out_of_range",
                "纬度应在 -90 到 90 之间",
            ));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(DomainError::new(
                "home.lon",
                "coordinate_out_of_range",
                "经度应在 -180 到 180 之间",
            ));
        }
        Ok(GeoPoint { lat, lon })
    }

    /// Great-circle distance in km (haversine, R = 6371.0088 km).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

impl<'de> Deserialize<'de> for GeoPoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            lat: f64,
            lon: f64,
        }
        let r = Raw::deserialize(d)?;
        GeoPoint::new(r.lat, r.lon).map_err(serde::de::Error::custom)
    }
}

/// Service history of a veteran (服役信息): branch (军种), years of
/// enlistment (入伍) and discharge (退役), and rank (军衔). All optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VeteranDetails {
    /// 军种/兵种, e.g. 陆军.
    pub branch: Option<String>,
    /// 入伍年份.
    pub enlisted_year: Option<i32>,
    /// 退役年份.
    pub discharged_year: Option<i32>,
    /// 军衔, e.g. 上士.
    pub rank: Option<String>,
}

/// Earliest enlistment or discharge year accepted.
pub const MIN_SERVICE_YEAR: i32 = 1940;

impl VeteranDetails {
    /// Checks service details. Strings are trimmed, empty becomes `None`,
    /// at most 30 characters (field `"branch"`/`"rank"`, code
    /// `text_too_long`); years lie in `1940..=today_year` (field
    /// `"enlisted_year"`/`"discharged_year"`, code `year_invalid`); discharge
    /// is not before enlistment (field `"discharged_year"`, code
    /// `years_out_of_order`).
    pub fn parse(
        branch: Option<&str>,
        enlisted_year: Option<i32>,
        discharged_year: Option<i32>,
        rank: Option<&str>,
        today_year: i32,
    ) -> Result<VeteranDetails, DomainError> {
        let branch = short_text("branch", "军种", branch)?;
        let rank = short_text("rank", "军衔", rank)?;
        let year = |field: &'static str, what: &str, y: Option<i32>| match y {
            Some(y) if !(MIN_SERVICE_YEAR..=today_year).contains(&y) => Err(DomainError::new(
                field,
                "year_invalid",
                format!("{what}应在 {MIN_SERVICE_YEAR} 年到 {today_year} 年之间"),
            )),
            _ => Ok(y),
        };
        let enlisted_year = year("enlisted_year", "入伍年份", enlisted_year)?;
        let discharged_year = year("discharged_year", "退役年份", discharged_year)?;
        if let (Some(e), Some(d)) = (enlisted_year, discharged_year) {
            if d < e {
                return Err(DomainError::new(
                    "discharged_year",
                    "years_out_of_order",
                    "退役年份不能早于入伍年份",
                ));
            }
        }
        Ok(VeteranDetails {
            branch,
            enlisted_year,
            discharged_year,
            rank,
        })
    }
}

fn short_text(
    field: &'static str,
    what: &str,
    s: Option<&str>,
) -> Result<Option<String>, DomainError> {
    let Some(t) = s.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > 30 || t.chars().any(char::is_control) {
        return Err(DomainError::new(
            field,
            "text_too_long",
            format!("{what}最多 30 个字，且不能含有控制字符"),
        ));
    }
    Ok(Some(t.to_owned()))
}

/// Minimum age to register at all (R-LAW-6).
pub const MIN_AGE: u32 = 14;
/// Age from which no guardian consent is needed (R-LAW-6).
pub const ADULT_AGE: u32 = 18;

/// Applies R-LAW-6 and returns the age in full years on `today`:
/// under 14 is refused (field `"id_number"`, code `age_under_14`); 14–17
/// need guardian consent (field `"guardian_consent"`, code
/// `guardian_consent_required`).
pub fn check_age(
    id: &IdNumber,
    today: NaiveDate,
    guardian_consent: bool,
) -> Result<u32, DomainError> {
    let age = id.age_on(today);
    if age < MIN_AGE {
        return Err(DomainError::new(
            "id_number",
            "age_under_14",
            "未满 14 周岁不能注册为志愿者",
        ));
    }
    if age < ADULT_AGE && !guardian_consent {
        return Err(DomainError::new(
            "guardian_consent",
            "guardian_consent_required",
            "未满 18 周岁须经监护人同意方可注册",
        ));
    }
    Ok(age)
}

#[cfg(test)]
#[path = "volunteer_tests.rs"]
mod tests;
