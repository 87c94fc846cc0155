//! Login names (用户名): one spelling per name, and no name that looks like another.
//!
//! The audit log and every admin page show accounts by login name, so two names that read
//! the same must not both exist: `rооt` (Cyrillic о) or `ｒｏｏｔ` (full-width) beside `root`.
//! A name is first brought to NFKC (full-width letters and digits, which Chinese input
//! methods produce, become their plain forms), must then be written in one script, and is
//! compared with existing names through its confusable skeleton (Unicode TS #39), case
//! folded.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{skeleton, MixedScript};

use crate::DomainError;

/// Characters allowed besides letters and digits.
const PUNCTUATION: &str = "_-.@";

/// A login name as typed, brought to its one spelling (NFKC, trimmed), or why it can't be one.
pub fn parse_username(raw: &str) -> Result<String, DomainError> {
    let name: String = raw.nfkc().collect::<String>().trim().to_owned();
    let count = name.chars().count();
    let invalid = |message: &str| DomainError::new("username", "username_invalid", message);
    if !(3..=40).contains(&count)
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || PUNCTUATION.contains(c))
    {
        return Err(invalid("用户名须为 3 到 40 个字母、数字或 _ - . @"));
    }
    if !name.is_single_script() {
        return Err(invalid(
            "用户名不能混用不同文字（如拉丁字母夹杂西里尔字母），以免与他人的用户名看起来相同",
        ));
    }
    Ok(name)
}

/// The key two names share when they look alike (`root`, `r00t`, `ROOT`, `rооt`): the TS #39
/// skeleton of the case-folded NFKC form. Stored beside each account so a new name is
/// checked against every existing one with one indexed read.
pub fn username_key(name: &str) -> String {
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    skeleton(&folded).collect::<String>().to_lowercase()
}

/// What a person may type in the login box: a login name, a mainland mobile number or a
/// volunteer number, in any width. NFKC and trimmed, so `１３８…` finds `138…`.
pub fn normalize_login(raw: &str) -> String {
    raw.nfkc().collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_names_become_plain() {
        assert_eq!(parse_username("ｒｏｏｔ").unwrap(), "root");
        assert_eq!(parse_username("  leader01 ").unwrap(), "leader01");
        assert_eq!(normalize_login("１３８００００１２３４"), "13800001234");
    }

    #[test]
    fn mixed_scripts_are_refused() {
        // Latin r, t with Cyrillic о.
        let e = parse_username("r\u{043e}\u{043e}t").unwrap_err();
        assert_eq!(e.code(), "username_invalid");
        assert!(parse_username("张三abc").is_err());
        assert!(parse_username("张三丰").is_ok());
        assert!(parse_username("Иван").is_ok());
    }

    #[test]
    fn look_alike_names_share_a_key() {
        let root = username_key("root");
        for twin in [
            "ROOT",
            "Root",
            "r00t",
            "ｒｏｏｔ",
            "r\u{043e}\u{043e}t",
            "rооt",
        ] {
            assert_eq!(username_key(twin), root, "{twin}");
        }
        assert_ne!(username_key("roots"), root);
        assert_eq!(username_key("admin"), username_key("adrnin"));
    }

    #[test]
    fn bad_shapes_are_refused() {
        for bad in ["ab", "a b c", "x/y", "", "名", &"a".repeat(41)] {
            assert!(parse_username(bad).is_err(), "{bad:?}");
        }
    }
}
