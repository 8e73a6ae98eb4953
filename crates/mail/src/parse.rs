//! Raw bytes to a [`ParsedMessage`], never failing: whatever cannot be read is
//! reported in `problems` and the raw bytes are kept by the caller.

use crate::html::html_to_text;
use crate::subject::subject_key;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use switchboard_core::address::normalize_email;
use switchboard_store::{NewAttachment, NewMessage};

/// Headers longer than this are truncated for display; the raw bytes keep them whole.
const MAX_HEADER_FIELD: usize = 4096;
const SNIPPET_CHARS: usize = 160;
/// Body text indexed per message; enough for search, bounded for huge messages.
const MAX_INDEXED_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime_type: String,
    pub size: usize,
    pub content_id: Option<String>,
    pub inline: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMessage {
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// References then In-Reply-To, without duplicates or the message's own id.
    pub references: Vec<String>,
    pub subject: String,
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    /// Milliseconds since the epoch, if the Date header was readable.
    pub date: Option<i64>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Why this message is not entirely well-formed; empty when it is.
    pub problems: Vec<String>,
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| clip(id, 998))
}

fn people(addr: Option<&Address<'_>>) -> Vec<Person> {
    let Some(addr) = addr else {
        return Vec::new();
    };
    addr.iter()
        .filter_map(|a| {
            let email = a
                .address()
                .map(normalize_email)
                .filter(|e| e.contains('@'))?;
            let name = a
                .name()
                .map(|n| n.trim().trim_matches('"').trim().to_owned())
                .filter(|n| !n.is_empty());
            Some(Person {
                name: name.map(|n| clip(&n, 256)),
                email: clip(&email, 320),
            })
        })
        .collect()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => t.split_whitespace().filter_map(clean_id).collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    }
}

/// Whether the header block (up to the first empty line) holds bytes that are not UTF-8:
/// raw 8-bit headers, which RFC 5322 forbids.
fn has_raw_8bit_headers(raw: &[u8]) -> bool {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len());
    std::str::from_utf8(&raw[..end]).is_err()
}

pub fn parse_message(raw: &[u8]) -> ParsedMessage {
    let mut out = ParsedMessage::default();
    let Some(msg) = MessageParser::default().parse(raw) else {
        out.problems
            .push("not a MIME message: no headers could be read".into());
        return out;
    };
    if msg.headers().is_empty() {
        out.problems.push("no headers".into());
    }
    if has_raw_8bit_headers(raw) {
        out.problems.push("raw 8-bit bytes in headers".into());
    }

    out.message_id = msg.message_id().and_then(clean_id);
    if out.message_id.is_none() {
        out.problems.push("missing Message-ID".into());
    }
    let in_reply_to = id_list(msg.in_reply_to());
    out.in_reply_to = in_reply_to.first().cloned();
    let mut refs = id_list(msg.references());
    for id in in_reply_to {
        if !refs.contains(&id) {
            refs.push(id);
        }
    }
    refs.retain(|r| Some(r) != out.message_id.as_ref());
    refs.truncate(100);
    out.references = refs;

    out.subject = clip(msg.subject().unwrap_or(""), MAX_HEADER_FIELD);
    out.from = people(msg.from()).into_iter().next();
    out.to = people(msg.to());
    out.cc = people(msg.cc());
    out.date = msg
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp().saturating_mul(1000));
    if out.date.is_none() {
        out.problems.push("missing or unreadable Date".into());
    }

    out.text = msg.body_text(0).map(|t| t.into_owned());
    out.html = msg.body_html(0).and_then(|h| {
        // body_html() converts plain text to HTML when there is no HTML part; keep
        // only real HTML so the reader can prefer the text.
        (msg.html_body_count() > 0
            && msg
                .html_part(0)
                .is_some_and(|p| matches!(p.body, PartType::Html(_))))
        .then(|| h.into_owned())
    });

    for part in msg.attachments() {
        let mime_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        let inline = part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        let name = part
            .attachment_name()
            .map(|n| clip(n, 255))
            .unwrap_or_else(|| {
                if matches!(part.body, PartType::Message(_)) {
                    "message.eml".into()
                } else {
                    "attachment".into()
                }
            });
        out.attachments.push(Attachment {
            name,
            mime_type,
            size: part.len(),
            content_id: part.content_id().and_then(clean_id),
            inline,
        });
    }
    if msg.parts.iter().any(|p| p.is_encoding_problem) {
        out.problems
            .push("a MIME part could not be decoded (bad encoding or charset)".into());
    }
    out
}

impl ParsedMessage {
    /// Plain text of the body for indexing and snippets.
    pub fn body_text(&self) -> String {
        let text = match (&self.text, &self.html) {
            (_, Some(html)) if self.text.as_deref().is_none_or(|t| t.trim().is_empty()) => {
                html_to_text(html)
            }
            (Some(t), _) => t.clone(),
            (None, Some(html)) => html_to_text(html),
            (None, None) => String::new(),
        };
        clip(&text, MAX_INDEXED_BODY)
    }

    /// Builds the row to store. `fallback_date` is used when the Date header is
    /// unreadable (e.g. the mbox "From " line's date or the file's time).
    pub fn into_new_message(
        self,
        raw: Vec<u8>,
        account_id: i64,
        folder_id: i64,
        fallback_date: i64,
        source_position: Option<String>,
    ) -> NewMessage {
        let body_text = self.body_text();
        let snippet: String = body_text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(SNIPPET_CHARS)
            .collect();
        let (key, is_reply) = subject_key(&self.subject);
        let dedupe_key = match &self.message_id {
            Some(id) => id.clone(),
            None => format!("sha256:{}", hex::encode(Sha256::digest(&raw))),
        };
        let parse_error = (!self.problems.is_empty()).then(|| self.problems.join("; "));
        let pair = |p: Person| (p.name, p.email);
        NewMessage {
            account_id,
            folder_id,
            uid: None,
            dedupe_key,
            message_id: self.message_id,
            in_reply_to: self.in_reply_to,
            references: self.references,
            subject: self.subject,
            subject_key: key,
            is_reply_subject: is_reply,
            from_name: self.from.as_ref().and_then(|p| p.name.clone()),
            from_email: self.from.map(|p| p.email),
            to: self.to.into_iter().map(pair).collect(),
            cc: self.cc.into_iter().map(pair).collect(),
            date: self.date.unwrap_or(fallback_date),
            snippet,
            body_text,
            seen: false,
            flagged: false,
            attachments: self
                .attachments
                .into_iter()
                .filter(|a| !(a.inline && a.content_id.is_some()))
                .map(|a| NewAttachment {
                    name: a.name,
                    mime_type: a.mime_type,
                    size: a.size as i64,
                    content_id: a.content_id,
                })
                .collect(),
            parse_error,
            source_position,
            raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &[u8] = b"Message-ID: <a@x>\r\nReferences: <r1@x> <r2@x>\r\nIn-Reply-To: <r2@x>\r\nFrom: \"Dana W\" <Dana@Northwind.example>\r\nTo: bob@acme.example, Carol <carol@acme.example>\r\nSubject: =?UTF-8?B?UmU6IFByZWlzbGlzdGUgZsO8ciBNw7xsbGVy?=\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\n\r\nHello there\r\n";

    #[test]
    fn reads_headers_and_body() {
        let p = parse_message(SIMPLE);
        assert_eq!(p.message_id.as_deref(), Some("a@x"));
        assert_eq!(p.references, vec!["r1@x", "r2@x"]);
        assert_eq!(p.in_reply_to.as_deref(), Some("r2@x"));
        assert_eq!(p.subject, "Re: Preisliste für Müller");
        let from = p.from.clone().unwrap();
        assert_eq!(from.email, "dana@northwind.example");
        assert_eq!(from.name.as_deref(), Some("Dana W"));
        assert_eq!(p.to.len(), 2);
        assert_eq!(p.date, Some(1_793_696_400_000));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.body_text().trim(), "Hello there");
    }

    #[test]
    fn malformed_input_is_reported_not_fatal() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "not a MIME message"),
            (b"Subject: hi\r\n\r\nbody", "missing Message-ID"),
            (b"Message-ID: <m@x>\r\nSubject: caf\xe9\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\n\r\nx", "8-bit"),
            (b"Message-ID: <m@x>\r\nDate: yesterday-ish\r\n\r\nx", "Date"),
        ];
        for (raw, want) in cases {
            let p = parse_message(raw);
            assert!(
                p.problems.iter().any(|e| e.contains(want)),
                "{:?}: {:?}",
                String::from_utf8_lossy(raw),
                p.problems
            );
        }
    }

    #[test]
    fn dedupe_key_falls_back_to_content_hash() {
        let raw = b"Subject: no id\r\n\r\nbody".to_vec();
        let a = parse_message(&raw).into_new_message(raw.clone(), 1, 1, 0, None);
        let b = parse_message(&raw).into_new_message(raw.clone(), 1, 1, 0, None);
        assert!(a.dedupe_key.starts_with("sha256:"));
        assert_eq!(a.dedupe_key, b.dedupe_key);
        assert!(a.parse_error.is_some());
    }
}
