//! Shared helpers for free-text names.

use crate::error::DomainError;

/// Maximum length of an organisation or team name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 60;

/// Parses the name of an org node or team unit: trimmed, 1..=60 characters,
/// no control characters. Code `name_invalid`.
pub(crate) fn parse_name(field: &'static str, s: &str) -> Result<String, DomainError> {
    let t = s.trim();
    let err = |msg: String| DomainError::new(field, "name_invalid", msg);
    if t.is_empty() {
        return Err(err("名称不能为空".to_owned()));
    }
    let n = t.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(err(format!(
            "名称过长：最多 {MAX_NAME_CHARS} 个字，当前 {n} 个字"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(err("名称不能含有换行、制表符等控制字符".to_owned()));
    }
    Ok(t.to_owned())
}
