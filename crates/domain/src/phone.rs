//! Mainland China mobile phone number (手机号码).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;

/// A mainland China mobile number: 11 digits matching `1[3-9]\d{9}`.
///
/// `Debug` prints the masked form to keep numbers out of logs; `Display`
/// and [`Phone::as_str`] give the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Parses a mobile number. Spaces (any whitespace) and `-` are removed;
    /// a leading `+86` or `86` country code is dropped when 11 digits follow.
    /// Field `"phone"`, code `phone_invalid`.
    pub fn parse(s: &str) -> Result<Phone, DomainError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("86").filter(|r| r.len() == 11))
            .unwrap_or(&compact);
        let b = national.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Phone(national.to_owned()))
        } else {
            Err(DomainError::new(
                "phone",
                "phone_invalid",
                "手机号码格式不正确，应为 11 位中国大陆手机号",
            ))
        }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked form, e.g. `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }

    /// The last `n` digits (all 11 if `n > 11`), e.g. for phone spot checks.
    pub fn tail(&self, n: usize) -> &str {
        &self.0[11 - n.min(11)..]
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_forms() {
        for s in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "8613812345678",
            "86-138-1234-5678",
        ] {
            assert_eq!(Phone::parse(s).unwrap().as_str(), "13812345678", "{s}");
        }
    }

    #[test]
    fn rejects_bad_numbers() {
        for s in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "1381234567a",
            "+8513812345678",
            "+86138123456",
            "861381234567",
            "１３８１２３４５６７８",
            "010-12345678",
        ] {
            let e = Phone::parse(s).unwrap_err();
            assert_eq!(e.code(), "phone_invalid", "{s}");
            assert_eq!(e.field(), "phone");
        }
    }

    #[test]
    fn eighty_six_prefix_only_when_thirteen_digits() {
        // 11 digits starting with 86 are not a valid mobile anyway,
        // but the prefix must not be stripped from an 11-digit input.
        assert!(Phone::parse("86123456789").is_err());
    }

    #[test]
    fn masking_and_tail() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(p.tail(4), "5678");
        assert_eq!(p.tail(0), "");
        assert_eq!(p.tail(20), "13812345678");
        assert_eq!(format!("{p:?}"), "Phone(\"138****5678\")");
        assert_eq!(p.to_string(), "13812345678");
        assert_eq!("13812345678".parse::<Phone>(), Ok(p));
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(second in 3u8..=9, rest in "[0-9]{9}") {
            let s = format!("1{second}{rest}");
            let p = Phone::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
            let spaced = format!("+86 {} {} {}", &s[..3], &s[3..7], &s[7..]);
            prop_assert_eq!(Phone::parse(&spaced).unwrap(), p.clone());
            prop_assert_eq!(Phone::parse(&p.to_string()).unwrap(), p);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            if let Ok(p) = Phone::parse(&s) {
                prop_assert_eq!(p.as_str().len(), 11);
            }
        }
    }
}
