//! Mail search as people type it: Gmail-style text in, newest-first hits out.
//!
//! [`parse_search`] is pure: it turns the text into a [`SearchQuery`] that the store
//! executes, resolving dates with the time zone and "now" it is given. The grammar:
//!
//! | input                               | matches                                            |
//! |-------------------------------------|----------------------------------------------------|
//! | `word`, `"a phrase"`                | subject, from/to/cc names and addresses, body, attachment names |
//! | `word*`                             | words starting with `word` (the last plain word of 3+ characters is a prefix anyway) |
//! | `from:dana`                         | sender name or address contains "dana"            |
//! | `to:dana`                           | a To or Cc name or address contains "dana"         |
//! | `cc:dana`                           | a Cc name or address contains "dana"               |
//! | `subject:renewal`, `subject:"a b"`  | words/phrase in the subject                        |
//! | `has:attachment`                    | messages with attachments                          |
//! | `is:unread`, `is:read`              | read state                                         |
//! | `is:flagged`, `is:starred`          | flagged                                            |
//! | `in:NAME`, `label:NAME`             | folder named NAME (any case) or with that role: inbox, sent, drafts, archive, trash, junk (`spam`) |
//! | `before:2026-03-10`                 | dated before that day began (the day is excluded)  |
//! | `after:2026-03-10`                  | dated after that day ended (the day is excluded)   |
//! | `newer_than:3d`, `older_than:2w`    | relative to now; units d, w, m (months), y         |
//! | `-anything`                         | negates a word, phrase or operator                 |
//!
//! Every condition must hold (AND). Dates may also be written `2026/03/10` (month and
//! day may have one digit); days are calendar days in the given zone, so `before:` and
//! `after:` are both strict, like Gmail's `before:` — `after:2026-03-09
//! before:2026-03-11` is March 10. An operator needs its value right after the colon;
//! unknown operators (`foo:bar`) and operators without a value are searched as text.
//! Known operators with an unknown value (`is:important`, `before:tomorrow`) are errors
//! that name the token. Text without any letter or digit is ignored.

use crate::dto::{SearchArgs, SearchHit};
use crate::mail::{highlight, sender};
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, Days, Months, NaiveDate, TimeZone, Utc};
use switchboard_store::{Condition, SearchFilters, SearchQuery, SearchTerm, TextField};

const DEFAULT_LIMIT: i64 = 100;

/// The last word typed matches as a prefix only from this many letters/digits on.
const MIN_PREFIX_CHARS: usize = 3;

/// Keys [`parse_search`] understands; any other `key:value` is text.
const OPERATORS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "has",
    "is",
    "in",
    "label",
    "before",
    "after",
    "newer_than",
    "older_than",
];
const MAX_LIMIT: i64 = 500;

/// Why a search could not be understood, naming the token at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{token}\": {reason}")]
pub struct SearchSyntaxError {
    pub token: String,
    pub reason: String,
}

/// One whitespace-separated piece of the input.
#[derive(Debug, PartialEq, Eq)]
struct Token<'a> {
    negated: bool,
    /// `from` in `from:dana`; None for plain text.
    key: Option<&'a str>,
    value: String,
    /// The value was written in double quotes.
    quoted: bool,
    /// The token as typed (without the leading `-`), for messages and as text.
    raw: &'a str,
}

/// Reads a double-quoted run starting at `start` (on the quote); returns the content
/// and the index after the closing quote (or the end, if unclosed).
fn quoted(input: &str, start: usize) -> (String, usize) {
    let body = &input[start + 1..];
    match body.find('"') {
        Some(end) => (body[..end].to_owned(), start + 1 + end + 1),
        None => (body.to_owned(), input.len()),
    }
}

fn end_of_word(input: &str, from: usize) -> usize {
    input[from..]
        .find(char::is_whitespace)
        .map_or(input.len(), |i| from + i)
}

fn tokens(input: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let rest = &input[i..];
        let Some(c) = rest.chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let mut start = i;
        let negated = c == '-' && rest[1..].starts_with(|n: char| !n.is_whitespace());
        if negated {
            start += 1;
        }
        let (token, next) = if input[start..].starts_with('"') {
            let (value, next) = quoted(input, start);
            let token = Token {
                negated,
                key: None,
                value,
                quoted: true,
                raw: &input[start..next],
            };
            (token, next)
        } else {
            let word_end = end_of_word(input, start);
            let word = &input[start..word_end];
            let key_len = word.find(':').filter(|&k| {
                k > 0
                    && word[..k]
                        .chars()
                        .all(|c| c.is_ascii_alphabetic() || c == '_')
            });
            match key_len {
                Some(k) if input[start + k + 1..].starts_with('"') => {
                    let (value, next) = quoted(input, start + k + 1);
                    let token = Token {
                        negated,
                        key: Some(&input[start..start + k]),
                        value,
                        quoted: true,
                        raw: &input[start..next],
                    };
                    (token, next)
                }
                Some(k) => {
                    let token = Token {
                        negated,
                        key: Some(&word[..k]),
                        value: word[k + 1..].to_owned(),
                        quoted: false,
                        raw: word,
                    };
                    (token, word_end)
                }
                None => {
                    let token = Token {
                        negated,
                        key: None,
                        value: word.to_owned(),
                        quoted: false,
                        raw: word,
                    };
                    (token, word_end)
                }
            }
        };
        out.push(token);
        i = next.max(i + 1);
    }
    out
}

fn syntax(token: &Token<'_>, reason: impl Into<String>) -> SearchSyntaxError {
    let token = if token.negated {
        format!("-{}", token.raw)
    } else {
        token.raw.to_owned()
    };
    SearchSyntaxError {
        token,
        reason: reason.into(),
    }
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, month and day with one or two digits.
fn parse_day(value: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = value.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) || !digits(d, 1..=2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// When `day` begins in `zone`. Where midnight does not exist (a DST jump at 00:00)
/// the day begins at the first hour that does; where it exists twice, the first.
fn start_of_day<Z: TimeZone>(zone: &Z, day: NaiveDate) -> Option<DateTime<Utc>> {
    (0..24).find_map(|h| {
        zone.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// `3d`, `2w`, `6m`, `1y` before `now`, counted in calendar units of `zone`.
fn ago<Z: TimeZone>(value: &str, now: DateTime<Utc>, zone: &Z) -> Option<DateTime<Utc>> {
    let unit = value.chars().last()?;
    let n: u32 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    let local = now.with_timezone(zone);
    let then = match unit.to_ascii_lowercase() {
        'd' => local.checked_sub_days(Days::new(n.into())),
        'w' => local.checked_sub_days(Days::new(u64::from(n) * 7)),
        'm' => local.checked_sub_months(Months::new(n)),
        'y' => local.checked_sub_months(Months::new(n.checked_mul(12)?)),
        _ => None,
    }?;
    Some(then.with_timezone(&Utc))
}

/// The folder role an `in:` value names, if any.
fn folder_role(value: &str) -> Option<&'static str> {
    Some(match value.to_ascii_lowercase().as_str() {
        "inbox" => "inbox",
        "sent" => "sent",
        "draft" | "drafts" => "drafts",
        "archive" | "archived" => "archive",
        "trash" | "bin" | "deleted" => "trash",
        "junk" | "spam" => "junk",
        _ => return None,
    })
}

fn text(value: String, field: TextField, prefix: bool) -> Condition {
    Condition::Text {
        text: value,
        field,
        prefix,
    }
}

/// A plain word: a trailing `*` asks for a prefix match.
fn word(value: &str) -> (String, bool) {
    let stem = value.trim_end_matches('*');
    (stem.to_owned(), stem.len() != value.len())
}

fn operator<Z: TimeZone>(
    key: &str,
    token: &Token<'_>,
    now: DateTime<Utc>,
    zone: &Z,
) -> Result<Option<(Condition, bool)>, SearchSyntaxError> {
    let value = token.value.trim();
    let date = |what: &str| {
        parse_day(value).ok_or_else(|| {
            syntax(
                token,
                format!("{value:?} is not a date; write {what}:YYYY-MM-DD or {what}:YYYY/MM/DD"),
            )
        })
    };
    let day_start = |day: NaiveDate| {
        start_of_day(zone, day)
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| syntax(token, "that day is out of range"))
    };
    let relative =
        || {
            ago(value, now, zone)
                .map(|t| t.timestamp_millis())
                .ok_or_else(|| {
                    syntax(
                token,
                format!("{value:?} is not an age; write a number and d, w, m or y, e.g. {key}:7d"),
            )
                })
        };
    // (condition, negate the condition)
    let found = match key.to_ascii_lowercase().as_str() {
        "from" => (Condition::From(value.to_owned()), false),
        "to" => (Condition::To(value.to_owned()), false),
        "cc" => (Condition::Cc(value.to_owned()), false),
        "subject" => (text(value.to_owned(), TextField::Subject, false), false),
        "has" => match value.to_ascii_lowercase().as_str() {
            "attachment" | "attachments" => (Condition::HasAttachment, false),
            _ => return Err(syntax(token, "the only has: search is has:attachment")),
        },
        "is" => match value.to_ascii_lowercase().as_str() {
            "unread" => (Condition::Unread, false),
            "read" => (Condition::Unread, true),
            "flagged" | "starred" => (Condition::Flagged, false),
            "unflagged" | "unstarred" => (Condition::Flagged, true),
            _ => {
                return Err(syntax(
                    token,
                    "use is:unread, is:read, is:flagged or is:starred",
                ))
            }
        },
        "in" | "label" => (
            Condition::Folder {
                name: value.to_owned(),
                role: folder_role(value).map(str::to_owned),
            },
            false,
        ),
        "before" => (Condition::DateBefore(day_start(date("before")?)?), false),
        "after" => {
            let day = date("after")?;
            let next = day
                .succ_opt()
                .ok_or_else(|| syntax(token, "that day is out of range"))?;
            (Condition::DateFrom(day_start(next)?), false)
        }
        "newer_than" => (Condition::DateFrom(relative()?), false),
        "older_than" => (Condition::DateBefore(relative()?), false),
        _ => return Ok(None),
    };
    Ok(Some(found))
}

/// Parses what the user typed into a store query. `now` and `zone` resolve dates:
/// `before:`/`after:` days are calendar days in `zone`, `newer_than:` counts back from
/// `now`. See the module documentation for the grammar.
pub fn parse_search<Z: TimeZone>(
    input: &str,
    now: DateTime<Utc>,
    zone: &Z,
) -> Result<SearchQuery, SearchSyntaxError> {
    let tokens = tokens(input);
    let is_operator = |t: &Token<'_>| {
        t.key
            .is_some_and(|k| OPERATORS.contains(&k.to_ascii_lowercase().as_str()))
            && !t.value.trim().is_empty()
    };
    // The last plain, positive word also matches as a prefix, as it always has.
    let last_word = tokens
        .iter()
        .rposition(|t| !is_operator(t) && !t.quoted && !t.negated);
    // ...unless its last token is short: "a"* expands to most of the index (300 ms on
    // 100k messages against 70 ms for "a").
    let worth_a_prefix = |stem: &str| {
        let end = stem.trim_end_matches(|c: char| !c.is_alphanumeric());
        end.chars()
            .rev()
            .take_while(|c| c.is_alphanumeric())
            .count()
            >= MIN_PREFIX_CHARS
    };
    let mut terms = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let op = match token.key {
            Some(key) if is_operator(token) => operator(key, token, now, zone)?,
            _ => None,
        };
        let (condition, flip) = match op {
            Some(found) => found,
            None if token.quoted && token.key.is_none() => {
                (text(token.value.clone(), TextField::Any, false), false)
            }
            None => {
                // Plain text, including unknown `foo:bar` and a bare `from:`.
                let (stem, star) = word(if token.key.is_some() {
                    token.raw
                } else {
                    &token.value
                });
                let prefix = star || (Some(i) == last_word && worth_a_prefix(&stem));
                (text(stem, TextField::Any, prefix), false)
            }
        };
        if let Condition::Text { text, .. } = &condition {
            if !text.chars().any(char::is_alphanumeric) {
                continue;
            }
        }
        terms.push(SearchTerm {
            negated: token.negated != flip,
            condition,
        });
    }
    Ok(SearchQuery { terms })
}

fn page_limit(limit: i64) -> i64 {
    if limit <= 0 {
        DEFAULT_LIMIT
    } else {
        limit.min(MAX_LIMIT)
    }
}

impl Api {
    /// Searches mail, newest first. An empty query finds nothing; a query the parser
    /// rejects (a malformed date) is `invalid_input` naming the token.
    pub async fn search(&self, args: SearchArgs) -> ApiResult<Vec<SearchHit>> {
        self.search_page(&args.query, args.limit, 0).await
    }

    /// [`Api::search`] from the `offset`-th hit on. Dates in the query are days in this
    /// computer's local time zone: the app and the CLI run where their user is.
    pub async fn search_page(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> ApiResult<Vec<SearchHit>> {
        let query = parse_search(query, self.now(), &chrono::Local)
            .map_err(|e| ApiError::invalid(format!("cannot search for {e}")))?;
        if query.terms.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .store
            .search(
                &query,
                &SearchFilters::default(),
                page_limit(limit),
                offset.max(0),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SearchHit {
                message_id: r.id,
                thread_id: r.thread_id,
                from: sender(&r.from_name, &r.from_email),
                subject: r.subject,
                date: r.date,
                folder: Some(r.folder),
                // One line: bodies bring their line breaks and indentation along.
                snippet_html: highlight(
                    &r.snippet.split_whitespace().collect::<Vec<_>>().join(" "),
                ),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use switchboard_store::SearchTerm as T;

    fn any(s: &str) -> Condition {
        text(s.into(), TextField::Any, false)
    }

    fn prefix(s: &str) -> Condition {
        text(s.into(), TextField::Any, true)
    }

    fn subject(s: &str) -> Condition {
        text(s.into(), TextField::Subject, false)
    }

    fn folder(name: &str, role: Option<&str>) -> Condition {
        Condition::Folder {
            name: name.into(),
            role: role.map(str::to_owned),
        }
    }

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
            .timestamp_millis()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 15, 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn grammar() {
        let new_york = chrono_tz::America::New_York;
        let cases: Vec<(&str, Vec<T>)> = vec![
            ("", vec![]),
            ("   ", vec![]),
            ("invoice", vec![T::is(prefix("invoice"))]),
            (
                "quarterly invoice",
                vec![T::is(any("quarterly")), T::is(prefix("invoice"))],
            ),
            ("\"two words\"", vec![T::is(any("two words"))]),
            ("\"unclosed phrase", vec![T::is(any("unclosed phrase"))]),
            (
                "renew* plan",
                vec![T::is(prefix("renew")), T::is(prefix("plan"))],
            ),
            ("from:dana", vec![T::is(Condition::From("dana".into()))]),
            ("FROM:Dana", vec![T::is(Condition::From("Dana".into()))]),
            (
                "from:\"Dana W\"",
                vec![T::is(Condition::From("Dana W".into()))],
            ),
            (
                "to:bo@y.example",
                vec![T::is(Condition::To("bo@y.example".into()))],
            ),
            ("cc:ops", vec![T::is(Condition::Cc("ops".into()))]),
            ("subject:renewal", vec![T::is(subject("renewal"))]),
            (
                "subject:\"renewal terms\"",
                vec![T::is(subject("renewal terms"))],
            ),
            ("has:attachment", vec![T::is(Condition::HasAttachment)]),
            ("has:attachments", vec![T::is(Condition::HasAttachment)]),
            ("is:unread", vec![T::is(Condition::Unread)]),
            ("is:read", vec![T::not(Condition::Unread)]),
            ("-is:read", vec![T::is(Condition::Unread)]),
            ("is:flagged", vec![T::is(Condition::Flagged)]),
            ("is:Starred", vec![T::is(Condition::Flagged)]),
            ("in:inbox", vec![T::is(folder("inbox", Some("inbox")))]),
            ("in:spam", vec![T::is(folder("spam", Some("junk")))]),
            ("in:Drafts", vec![T::is(folder("Drafts", Some("drafts")))]),
            ("in:Clients", vec![T::is(folder("Clients", None))]),
            (
                "label:\"Key accounts\"",
                vec![T::is(folder("Key accounts", None))],
            ),
            // Days are New York days: 2026-03-10 began at 04:00 UTC (EDT from the 8th).
            (
                "before:2026-03-10",
                vec![T::is(Condition::DateBefore(ms("2026-03-10T04:00:00Z")))],
            ),
            (
                "before:2026/3/1",
                vec![T::is(Condition::DateBefore(ms("2026-03-01T05:00:00Z")))],
            ),
            (
                "after:2026-03-09",
                vec![T::is(Condition::DateFrom(ms("2026-03-10T04:00:00Z")))],
            ),
            (
                "newer_than:2d",
                vec![T::is(Condition::DateFrom(ms("2026-03-08T15:30:00Z")))],
            ),
            // Calendar days in the zone: across the DST change two days are 47 hours.
            (
                "older_than:1w",
                vec![T::is(Condition::DateBefore(ms("2026-03-03T16:30:00Z")))],
            ),
            ("-dentist", vec![T::not(any("dentist"))]),
            ("-\"status report\"", vec![T::not(any("status report"))]),
            (
                "-from:noreply",
                vec![T::not(Condition::From("noreply".into()))],
            ),
            ("-subject:re", vec![T::not(subject("re"))]),
            // Unknown operators and operators without a value are text.
            ("foo:bar", vec![T::is(prefix("foo:bar"))]),
            (
                "note:x budget",
                vec![T::is(any("note:x")), T::is(prefix("budget"))],
            ),
            (
                "from: dana",
                vec![T::is(any("from:")), T::is(prefix("dana"))],
            ),
            ("http://x.example/a", vec![T::is(any("http://x.example/a"))]),
            // FTS syntax is just text; pieces without letters or digits vanish.
            (
                "NEAR(a b) OR c",
                vec![
                    T::is(any("NEAR(a")),
                    T::is(any("b)")),
                    T::is(any("OR")),
                    T::is(any("c")),
                ],
            ),
            ("a\"b", vec![T::is(any("a\"b"))]),
            // Short last words are not prefixes: "a"* would match most of the index.
            ("plan a", vec![T::is(any("plan")), T::is(any("a"))]),
            ("go to", vec![T::is(any("go")), T::is(any("to"))]),
            ("the ab*", vec![T::is(any("the")), T::is(prefix("ab"))]),
            ("* ( - : \"\" -- \"*\"", vec![]),
            ("e-mail", vec![T::is(prefix("e-mail"))]),
            (
                "from:dana is:unread in:inbox -has:attachment after:2026/1/1 renewal",
                vec![
                    T::is(Condition::From("dana".into())),
                    T::is(Condition::Unread),
                    T::is(folder("inbox", Some("inbox"))),
                    T::not(Condition::HasAttachment),
                    T::is(Condition::DateFrom(ms("2026-01-02T05:00:00Z"))),
                    T::is(prefix("renewal")),
                ],
            ),
        ];
        for (input, want) in cases {
            let got =
                parse_search(input, now(), &new_york).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(got.terms, want, "{input:?}");
        }
    }

    #[test]
    fn bad_values_are_errors_naming_the_token() {
        let cases = [
            ("before:2026-13-01", "\"before:2026-13-01\""),
            ("renewal after:yesterday", "\"after:yesterday\""),
            ("before:2026-02-30", "\"before:2026-02-30\""),
            ("after:26-03-01", "\"after:26-03-01\""),
            ("-before:march", "\"-before:march\""),
            ("newer_than:soon", "\"newer_than:soon\""),
            ("older_than:3x", "\"older_than:3x\""),
            ("is:important", "\"is:important\""),
            ("has:drive", "\"has:drive\""),
        ];
        for (input, token) in cases {
            let err = parse_search(input, now(), &Utc)
                .expect_err(input)
                .to_string();
            assert!(err.starts_with(token), "{input}: {err}");
        }
        let err = parse_search("before:2026-13-01", now(), &Utc)
            .expect_err("bad month")
            .to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn a_fixed_offset_zone_works_too() {
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!());
        let q = parse_search("before:2026-03-10", now(), &tokyo).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            q.terms,
            vec![T::is(Condition::DateBefore(ms("2026-03-09T15:00:00Z")))]
        );
    }

    #[test]
    fn a_day_without_midnight_starts_at_its_first_hour() {
        // Santiago moved clocks from 00:00 to 01:00 on 2026-09-06.
        let santiago = chrono_tz::America::Santiago;
        let q =
            parse_search("before:2026-09-06", now(), &santiago).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            q.terms,
            vec![T::is(Condition::DateBefore(ms("2026-09-06T04:00:00Z")))]
        );
    }
}
