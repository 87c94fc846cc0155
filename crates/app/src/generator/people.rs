//! One generated volunteer from their number alone: the same seed and number always give the
//! same person, so any part of the generator (a team's leader named on an activity, the
//! volunteer batch itself) can make them independently and they agree.
//!
//! ID numbers are valid GB 11643 numbers (checked with the domain's parser) and unique by
//! construction: within a county (one region code) a volunteer's local number k gives the
//! sequence digits (k mod 499, odd for men, even for women) and the birth date's day number
//! modulo the county's group count (k div 499), so two people of one county never share
//! birth date and sequence. Stored as the registration use case stores them: encrypted
//! (here with a nonce drawn from the seed), keyed hash, masked.

use chrono::{Datelike, Days, NaiveDate};
use zhiyuan_domain::id_number::{check_char, IdNumber};
use zhiyuan_store::VolunteerRow;

use super::names::{self, Namer, Rng};
use super::plan::{Plan, EMERGENCY, LEGAL, MEMBER, RAIN, VETERAN};
use crate::crypto::Secrets;

const DAY_MS: i64 = 86_400_000;
/// Sequence classes per region: 499 × 2 sequence numbers (001–998) cover both sexes.
const CLASSES: u32 = 499;

pub(crate) struct Person {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub birth: NaiveDate,
    pub veteran: bool,
}

pub(crate) struct People<'a> {
    pub plan: &'a Plan,
    pub seed: u64,
    pub secrets: &'a Secrets,
    /// 00:00 China time on the first day of the first generated month.
    pub window_start_ms: i64,
    /// The year of the last generated month: ages are judged against it.
    pub ref_year: i32,
    /// More than the largest `k div 499` of any county.
    pub groups: u32,
    namer: Namer,
}

impl<'a> People<'a> {
    pub fn new(
        plan: &'a Plan,
        seed: u64,
        secrets: &'a Secrets,
        window_start_ms: i64,
        ref_year: i32,
    ) -> People<'a> {
        let largest = plan
            .counties
            .iter()
            .map(|c| c.volunteers.len() as u32)
            .max()
            .unwrap_or(0);
        People {
            plan,
            seed,
            secrets,
            window_start_ms,
            ref_year,
            groups: largest / CLASSES + 1,
            namer: Namer::new(),
        }
    }

    fn rng(&self, v: u32) -> Rng {
        Rng::fork(self.seed, 1_000_000 + v as u64)
    }

    /// Name, phone, ID number, sex, birth date and veteran status of volunteer `v`.
    pub fn person(&self, v: u32) -> Person {
        let mut rng = self.rng(v);
        let flags = self.plan.vol_flags.get(v as usize).copied().unwrap_or(0);
        let veteran =
            flags & VETERAN != 0 || rng.chance(if flags & MEMBER != 0 { 0.7 } else { 0.62 });
        let female = if flags & (EMERGENCY | RAIN) != 0 {
            false
        } else if veteran {
            rng.chance(0.08)
        } else {
            rng.chance(0.48)
        };
        let county_at = self
            .plan
            .counties
            .partition_point(|c| c.volunteers.end <= v)
            .min(self.plan.counties.len().saturating_sub(1));
        let (region, k) = match self.plan.counties.get(county_at) {
            Some(c) => (c.region.as_str(), v.saturating_sub(c.volunteers.start)),
            None => ("150101", v),
        };
        let (class, group) = (k % CLASSES, k / CLASSES);
        // Born between 70 and 24 years before the reference year (so 18 or older when they
        // registered), on a day whose number modulo `groups` is `group`.
        let youngest = NaiveDate::from_ymd_opt(self.ref_year - 24, 12, 31).unwrap_or_default();
        let span = 46 * 365;
        let back = rng.below(span) + self.groups as u64;
        let mut day = youngest
            .checked_sub_days(Days::new(back))
            .unwrap_or(youngest);
        let off = (day.num_days_from_ce() as u32 % self.groups + self.groups - group % self.groups)
            % self.groups;
        day = day.checked_sub_days(Days::new(off as u64)).unwrap_or(day);
        let seq = class * 2 + if female { 2 } else { 1 };
        let first17 = format!("{region}{}{seq:03}", day.format("%Y%m%d"));
        let id_number = format!("{first17}{}", check_char(&first17));
        Person {
            name: self.namer.person(&mut rng, female),
            phone: names::phone(&mut rng),
            id_number,
            birth: day,
            veteran,
        }
    }

    /// The whole volunteer row and skills of volunteer `v`.
    pub fn volunteer(&self, v: u32) -> (VolunteerRow, Vec<&'static str>) {
        let p = self.person(v);
        let mut rng = Rng::fork(self.seed, 3_000_000_000 + v as u64);
        let flags = self.plan.vol_flags.get(v as usize).copied().unwrap_or(0);
        let org_at = self.plan.vol_org.get(v as usize).copied().unwrap_or(0) as usize;
        let org = &self.plan.orgs[org_at];
        // A valid number by construction; parsing keeps the stored fields exactly as the
        // registration use case derives them (masked form, birth date, sex).
        let parsed = IdNumber::parse_on(&p.id_number, NaiveDate::MAX).ok();
        let (masked, birth, gender) = match &parsed {
            Some(id) => (
                id.masked(),
                id.birth_date().format("%Y-%m-%d").to_string(),
                id.gender().as_str().to_owned(),
            ),
            None => (String::new(), p.birth.to_string(), "male".to_owned()),
        };
        let mut skills: Vec<&'static str> = Vec::new();
        if flags & EMERGENCY != 0 {
            skills.push("应急救援");
        }
        if flags & LEGAL != 0 {
            skills.push("法律咨询");
        }
        if flags & RAIN != 0 {
            skills.push("人工增雨作业");
        }
        let extra = match rng.below(10) {
            0..=2 => 0,
            3..=6 => 1,
            7..=8 => 2,
            _ => 3,
        };
        for _ in 0..extra {
            let s = *rng.pick(&names::SKILLS);
            if !skills.contains(&s) {
                skills.push(s);
            }
        }
        let (branch, enlisted, discharged, rank) = if p.veteran {
            let enlisted = p.birth.year() + rng.range(18, 20) as i32;
            let discharged = (enlisted + rng.range(2, 12) as i32).min(self.ref_year - 3);
            (
                Some((*rng.pick(&names::BRANCHES)).to_owned()),
                Some(enlisted.min(discharged) as i64),
                Some(discharged as i64),
                Some((*rng.pick(&names::RANKS)).to_owned()),
            )
        } else {
            (None, None, None, None)
        };
        let party = rng.chance(if p.veteran { 0.55 } else { 0.3 });
        let health = match rng.below(50) {
            0 => "poor",
            1..=5 => "fair",
            _ => "good",
        };
        let consent_location = rng.chance(0.85);
        let (home_lat, home_lon) = if consent_location {
            (
                Some(round6(org.lat + rng.gauss(0.015))),
                Some(round6(org.lon + rng.gauss(0.02))),
            )
        } else {
            (None, None)
        };
        let suspended = flags & MEMBER == 0 && rng.chance(0.01);
        let created = self.window_start_ms - rng.range(30, 1_000) * DAY_MS - rng.range(0, DAY_MS);
        let nonce: [u8; 24] = rng.bytes();
        let row = VolunteerRow {
            id: volunteer_id(v),
            volunteer_no: format!("V{}", 10_000_000_000u64 + v as u64),
            name: p.name,
            id_cipher: self.secrets.encrypt_id_with_nonce(&p.id_number, nonce),
            id_hash: self.secrets.hash_id(&p.id_number),
            id_masked: masked,
            birth_date: birth,
            gender,
            phone: p.phone,
            org_id: org.row.id.clone(),
            veteran: p.veteran,
            branch,
            enlisted_year: enlisted,
            discharged_year: discharged,
            military_rank: rank,
            party_member: party,
            health: health.to_owned(),
            home_lat,
            home_lon,
            consent_data: true,
            consent_location,
            guardian_consent: false,
            status: if suspended { "suspended" } else { "active" }.to_owned(),
            created_at: created,
            updated_at: created,
            version: 1,
            org_path: org.row.path.clone(),
            org_name: String::new(),
        };
        (row, skills)
    }
}

pub(crate) fn volunteer_id(v: u32) -> String {
    super::plan::id(3, v as usize + 1)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
