//! The single error type of the domain crate.

use serde::Serialize;

/// A rejected input (输入错误).
///
/// * `field` names the offending input field (e.g. `"id_number"`,
///   `"home.lat"`) so that a form can highlight it;
/// * `code` is a stable snake_case identifier (e.g. `"id_number_check_digit"`)
///   that programs and tests may match on;
/// * `message` is a zh-CN sentence shown to the user; it is also the
///   [`Display`](std::fmt::Display) form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    /// The input field the error is about.
    pub field: &'static str,
    /// Stable snake_case error code.
    pub code: &'static str,
    /// Human-readable message in Chinese.
    pub message: String,
}

impl DomainError {
    /// Builds an error.
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        DomainError {
            field,
            code,
            message: message.into(),
        }
    }

    /// The stable snake_case error code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The zh-CN message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Shortens user input before echoing it back in a message.
pub(crate) fn echo(input: &str) -> String {
    const MAX: usize = 20;
    let mut out: String = input.chars().take(MAX).collect();
    if input.chars().count() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message() {
        let e = DomainError::new("phone", "phone_invalid", "手机号码格式不正确");
        assert_eq!(e.to_string(), "手机号码格式不正确");
        assert_eq!(e.code(), "phone_invalid");
        assert_eq!(e.field(), "phone");
        assert_eq!(e.message(), "手机号码格式不正确");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn echo_truncates_long_input() {
        assert_eq!(echo("abc"), "abc");
        let long = "一".repeat(25);
        assert_eq!(echo(&long), format!("{}…", "一".repeat(20)));
    }
}
