//! `switchboard-cli search QUERY`: the app's search (same grammar, see
//! `switchboard_api::search`) for scripts and terminals.
//!
//! `--json` prints one JSON array of hits, newest first; each hit has `message_id`,
//! `thread_id`, `subject`, `from`, `date` (ms since the epoch), `date_rfc3339` (UTC),
//! `folder`, `snippet` (plain text) and `snippet_html` (escaped, matches in `<mark>`).
//! A query that cannot be understood (a malformed date) exits 1 with a message naming
//! the token.

use serde::Serialize;
use std::io::{IsTerminal, Write};
use switchboard_api::dto::SearchHit;
use switchboard_api::Api;
use switchboard_core::ErrorCode;

/// A hit as `--json` prints it: the app's fields plus ones that spare scripts work.
#[derive(Serialize)]
struct JsonHit {
    #[serde(flatten)]
    hit: SearchHit,
    date_rfc3339: String,
    snippet: String,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The snippet as one line of text, with `open`/`close` around each match.
fn snippet_text(html: &str, open: &str, close: &str) -> String {
    let text = html
        .replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) async fn run(
    api: &Api,
    query: &str,
    limit: i64,
    offset: i64,
    json: bool,
    explain: bool,
) -> Result<(), (ErrorCode, String)> {
    let api_err = |e: switchboard_api::dto::ApiError| (e.code, e.message);
    if explain {
        let parsed =
            switchboard_api::search::parse_search(query, chrono::Utc::now(), &chrono::Local)
                .map_err(|e| (ErrorCode::InvalidInput, format!("cannot search for {e}")))?;
        let plan = api
            .store()
            .explain_search(&parsed, &Default::default())
            .await
            .map_err(|e| (e.code(), e.to_string()))?;
        let mut out = std::io::stdout().lock();
        for line in plan {
            let _ = writeln!(out, "{line}");
        }
        return Ok(());
    }
    let hits = api
        .search_page(query, limit, offset)
        .await
        .map_err(api_err)?;
    if json {
        let hits: Vec<JsonHit> = hits
            .into_iter()
            .map(|hit| JsonHit {
                date_rfc3339: rfc3339(hit.date),
                snippet: snippet_text(&hit.snippet_html, "", ""),
                hit,
            })
            .collect();
        return crate::print_json(&hits).map_err(|e| (ErrorCode::Internal, e));
    }
    let (open, close) = if std::io::stdout().is_terminal() {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut out = std::io::stdout().lock();
    for h in hits {
        let date = chrono::DateTime::from_timestamp_millis(h.date)
            .unwrap_or_default()
            .with_timezone(&chrono::Local);
        let _ = writeln!(
            out,
            "{}  {:<28}  [{}] {}\n                  {}",
            date.format("%Y-%m-%d %H:%M"),
            h.from,
            h.folder.as_deref().unwrap_or(""),
            h.subject,
            snippet_text(&h.snippet_html, open, close)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_text_again() {
        assert_eq!(
            snippet_text(
                "&lt;b&gt; <mark>deal</mark>\n &amp;amp; &quot;x&#39;\n",
                "[",
                "]"
            ),
            "<b> [deal] &amp; \"x'"
        );
        assert_eq!(rfc3339(1_773_156_600_000), "2026-03-10T15:30:00Z");
    }
}
