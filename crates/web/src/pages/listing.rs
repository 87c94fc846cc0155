//! Helpers for lists and plain text on pages: paging links, times, escaping.

use super::forms::ascii_digits;

/// `&`, `<`, `>`, `"` and `'` escaped, for the few fragments built without a template.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// "2026-05-01T09:00:00+08:00" as "2026-05-01 09:00".
pub fn show_time(rfc3339: &str) -> String {
    rfc3339
        .get(..16)
        .map(|s| s.replacen('T', " ", 1))
        .unwrap_or_else(|| rfc3339.to_owned())
}

/// A page number from a query string: anything unreadable is page 1.
pub fn page_of(raw: &str) -> i64 {
    ascii_digits(raw).parse::<i64>().unwrap_or(1).max(1)
}

/// Previous and next links of a paged list.
#[derive(Clone, Debug, Default)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `url(n)` builds the link to page `n`.
    pub fn new(total: i64, page: i64, per_page: i64, url: impl Fn(i64) -> String) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| url((page - 1).min(pages))),
            next: (page < pages).then(|| url(page + 1)),
        }
    }
}

/// `key=value&…` with values URL-encoded, skipping empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
