//! `/skills/suggest?q=`: the `<option>`s that fill the skills `<datalist>` of the
//! registration form while typing (htmx).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::listing::escape_html;
use crate::error::status_of;
use crate::extract::PageActor;
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuggestQuery {
    q: String,
    /// htmx sends the input's own name.
    skills: String,
}

/// `<option>`s for the skills datalist. The input holds several tags, so each option's value
/// is the text typed so far with its last tag completed.
pub async fn suggest(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<SuggestQuery>,
) -> Response {
    let text = if q.q.is_empty() { q.skills } else { q.q };
    let cut = text
        .rfind(['、', ',', '，', ';', '；'])
        .map(|i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let (prefix, fragment) = text.split_at(cut.unwrap_or(0));
    let have: Vec<&str> = prefix
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .collect();
    let tags = match state.app.skill_suggestions(&actor, fragment.trim()).await {
        Ok(t) => t,
        Err(e) => return (status_of(e.kind), String::new()).into_response(),
    };
    let body: String = tags
        .iter()
        .filter(|t| !have.contains(&t.as_str()))
        .map(|t| {
            format!(
                "<option value=\"{}\">{}</option>\n",
                escape_html(&format!("{prefix}{t}")),
                escape_html(t)
            )
        })
        .collect();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}
