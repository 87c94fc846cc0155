//! Resident identity card number (公民身份号码, GB 11643-1999).
//!
//! R-VOL-1: the ID number is a volunteer's identity; birth date, age and sex
//! derive from it. R-LAW-5: it is never shown in public, so [`IdNumber`]'s
//! `Debug` prints only the masked form and there is no `Display`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;

const FIELD: &str = "id_number";
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Province-level codes (first two digits) accepted in an ID number.
pub const PROVINCE_CODES: [&str; 36] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83", "91",
];

/// Sex as recorded in the ID number (性别): the 17th digit is odd for men.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// 男
    Male,
    /// 女
    Female,
}

impl Gender {
    /// `"male"` / `"female"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// 男 / 女.
    pub fn label_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    /// Parses `"male"` / `"female"` (field "gender", code `gender_invalid`).
    pub fn parse(s: &str) -> Result<Gender, DomainError> {
        match s.trim() {
            "male" => Ok(Gender::Male),
            "female" => Ok(Gender::Female),
            _ => Err(DomainError::new("gender", "gender_invalid", "无效的性别")),
        }
    }
}

/// Computes the GB 11643 check character (校验码) of the first 17 digits:
/// weighted sum (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) mod 11,
/// mapped through `"10X98765432"`.
///
/// # Panics
/// If `first17` is not exactly 17 ASCII digits.
pub fn check_char(first17: &str) -> char {
    try_check_char(first17).expect("check_char needs exactly 17 ASCII digits")
}

/// Like [`check_char`] but returns `None` instead of panicking.
pub fn try_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

/// A valid 18-character resident identity number (公民身份号码).
///
/// Always 17 ASCII digits followed by a digit or upper-case `X`, with a
/// known province code, a real birth date not before 1900 and not in the
/// future (at parse time), and a correct check character.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber {
    value: String,
    birth: NaiveDate,
}

fn err(code: &'static str, message: &str) -> DomainError {
    DomainError::new(FIELD, code, message)
}

impl IdNumber {
    /// Parses an ID number, judging "future birth date" against the local
    /// date today. See [`IdNumber::parse_on`].
    pub fn parse(s: &str) -> Result<IdNumber, DomainError> {
        IdNumber::parse_on(s, chrono::Local::now().date_naive())
    }

    /// Parses an ID number as of `today`. Surrounding whitespace is trimmed
    /// and a lower-case `x` check character is normalised to `X`.
    ///
    /// Error codes (field `"id_number"`), checked in this order:
    /// `id_number_length`, `id_number_chars`, `id_number_region`,
    /// `id_number_birth_date`, `id_number_future`, `id_number_check_digit`.
    pub fn parse_on(s: &str, today: NaiveDate) -> Result<IdNumber, DomainError> {
        let t = s.trim();
        if t.chars().count() != 18 {
            return Err(err("id_number_length", "身份证号码应为 18 位"));
        }
        let b = t.as_bytes();
        // 18 chars and all ASCII is checked just below, so byte indexing is safe.
        let last = b[17].to_ascii_uppercase();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(last.is_ascii_digit() || last == b'X')
        {
            return Err(err(
                "id_number_chars",
                "身份证号码前 17 位应为数字，最后一位应为数字或 X",
            ));
        }
        if !PROVINCE_CODES.contains(&&t[..2]) {
            return Err(err("id_number_region", "身份证号码的地区码不正确"));
        }
        let num = |r: std::ops::Range<usize>| t[r].parse::<u32>().unwrap_or(0);
        let birth = NaiveDate::from_ymd_opt(num(6..10) as i32, num(10..12), num(12..14))
            .filter(|d| d.year() >= 1900)
            .ok_or_else(|| err("id_number_birth_date", "身份证号码中的出生日期不正确"))?;
        if birth > today {
            return Err(err("id_number_future", "身份证号码中的出生日期晚于今天"));
        }
        if try_check_char(&t[..17]) != Some(char::from(last)) {
            return Err(err(
                "id_number_check_digit",
                "身份证号码校验位不正确，请核对是否输错",
            ));
        }
        let mut value = t[..17].to_owned();
        value.push(char::from(last));
        Ok(IdNumber { value, birth })
    }

    /// The normalised 18-character number. Handle with care (R-LAW-5).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Birth date (出生日期), digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// Sex (性别): the 17th digit is odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.value.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Age in full years (周岁) on `day`; 0 if `day` is before the birth
    /// date. Someone born on 29 February comes of age on 1 March in common
    /// years.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        let b = self.birth;
        let mut years = day.year() - b.year();
        if (day.month(), day.day()) < (b.month(), b.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }

    /// Masked form for display and logs: first 4 + 10 `*` + last 4,
    /// e.g. `1505**********123X`.
    pub fn masked(&self) -> String {
        format!(
            "{}{}{}",
            &self.value[..4],
            "*".repeat(10),
            &self.value[14..]
        )
    }

    /// Administrative division code (行政区划代码), the first 6 digits.
    pub fn region_code(&self) -> &str {
        &self.value[..6]
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl FromStr for IdNumber {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

impl TryFrom<&str> for IdNumber {
    type Error = DomainError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        IdNumber::parse(s)
    }
}

/// Serialises as the full number: only for storage and trusted channels.
impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.value)
    }
}

/// Deserialises through [`IdNumber::parse`].
impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "id_number_tests.rs"]
mod tests;
