//! Composing mail: the editable [`Draft`], the reply / reply-all / forward builders that
//! read the original's raw bytes, and [`to_mime`], which turns a draft into the RFC 5322
//! bytes that are sent, appended to Sent and saved to Drafts.
//!
//! Nothing here does I/O or reads the clock: the Message-ID token and the Date are passed
//! in, so the same draft always gives the same headers. [`RemoteMailbox`] is what the
//! outbox and drafts need from an account's server folders; each backend implements it.

mod reply;

pub use reply::{forward, reply};

use crate::html::html_to_text;
use crate::net::NetError;
use crate::smtp::Envelope;
use mail_builder::headers::address::Address as OutAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::mime::MimePart;
use mail_builder::MessageBuilder;
use serde::{Deserialize, Serialize};
use std::future::Future;
use switchboard_core::address::{email_domain, normalize_email};
use switchboard_core::ErrorCode;

/// What the outbox and drafts need from the account's mailbox (IMAP Sent/Drafts, Gmail,
/// Graph). Futures are `Send` so a runner holding one can live on the shared runtime.
pub trait RemoteMailbox {
    /// Whether the Sent folder holds a message with this Message-ID (header search; the
    /// id is given without angle brackets).
    fn sent_contains(
        &mut self,
        message_id: &str,
    ) -> impl Future<Output = Result<bool, NetError>> + Send;
    /// Appends a copy to Sent (flag `\Seen`).
    fn append_sent(&mut self, raw: &[u8]) -> impl Future<Output = Result<(), NetError>> + Send;
    /// Saves a draft to Drafts (`\Draft \Seen`), replacing the previous copy (its UID),
    /// returning the new UID if the server tells it.
    fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> impl Future<Output = Result<Option<u32>, NetError>> + Send;
    /// Removes a draft (after it was sent, or when the user discards it).
    fn delete_draft(&mut self, uid: u32) -> impl Future<Output = Result<(), NetError>> + Send;
}

/// A name and an address, as written in From/To/Cc.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
}

impl Mailbox {
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            name: None,
            email: email.into(),
        }
    }

    pub fn named(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            email: email.into(),
        }
    }

    /// `Name <email>` or just `email`, for quote lines and forwarded header blocks.
    pub fn display(&self) -> String {
        match self.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => format!("{name} <{}>", self.email),
            None => self.email.clone(),
        }
    }
}

/// Who "I" am when replying: the address I send from and the other addresses that are
/// also me (aliases), which reply-all leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub mailbox: Mailbox,
    pub aliases: Vec<String>,
}

impl Identity {
    pub fn is_me(&self, email: &str) -> bool {
        let email = normalize_email(email);
        normalize_email(&self.mailbox.email) == email
            || self.aliases.iter().any(|a| normalize_email(a) == email)
    }
}

impl From<Mailbox> for Identity {
    fn from(mailbox: Mailbox) -> Self {
        Self {
            mailbox,
            aliases: Vec::new(),
        }
    }
}

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentFile {
    pub name: String,
    pub mime_type: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// An image shown inside the HTML body, referenced there as `cid:<content_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineImage {
    /// Without angle brackets.
    pub content_id: String,
    pub mime_type: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// A message being written. It serialises to JSON for the local drafts table and for the
/// outbox (so an undone send comes back exactly as it was).
///
/// When `html` is set it is the body the user edits and `text` is its plain alternative;
/// an empty `text` is then derived from the HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub from: Mailbox,
    #[serde(default)]
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub cc: Vec<Mailbox>,
    #[serde(default)]
    pub bcc: Vec<Mailbox>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentFile>,
    #[serde(default)]
    pub inline_images: Vec<InlineImage>,
    /// Message-IDs without angle brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// An iMIP calendar message (RFC 6047): sent as a `text/calendar; method=...`
    /// alternative beside the text, which calendar-aware clients show as an invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarPart>,
}

/// The iCalendar object of an invitation, reply or cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarPart {
    /// REQUEST, REPLY, CANCEL, ... (the iCalendar METHOD).
    pub method: String,
    /// The whole VCALENDAR, with the same METHOD inside.
    pub ics: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("the original message could not be read as email")]
    UnreadableOriginal,
    #[error("{0:?} is not a valid email address")]
    InvalidAddress(String),
    #[error("the message has no recipients: add someone in To, Cc or Bcc")]
    NoRecipients,
    #[error("{0}")]
    Invalid(String),
}

impl ComposeError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidInput
    }
}

impl Draft {
    /// An empty message from `from`.
    pub fn new(from: Mailbox) -> Self {
        Self {
            from,
            ..Self::default()
        }
    }

    /// Every recipient (To, Cc and Bcc) once, and the sender: what SMTP is told. Bcc
    /// recipients are here even though the transmitted headers will not name them.
    pub fn envelope(&self) -> Result<Envelope, ComposeError> {
        check_address(&self.from.email)?;
        let mut recipients: Vec<String> = Vec::new();
        for m in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            check_address(&m.email)?;
            let email = m.email.trim().to_owned();
            if !recipients
                .iter()
                .any(|r| normalize_email(r) == normalize_email(&email))
            {
                recipients.push(email);
            }
        }
        if recipients.is_empty() {
            return Err(ComposeError::NoRecipients);
        }
        Ok(Envelope {
            from: self.from.email.trim().to_owned(),
            recipients,
        })
    }
}

/// A Message-ID (without angle brackets) for a message from `from_email`: the random
/// `token` at the sender's domain, so the id says nothing about this machine.
pub fn new_message_id(token: &str, from_email: &str) -> String {
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let domain = email_domain(from_email.trim())
        .filter(|d| {
            d.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        })
        .unwrap_or("localhost");
    format!("{token}@{domain}")
}

/// The draft as RFC 5322 bytes (CRLF line ends): text only; text + HTML as
/// multipart/alternative; inline images with the HTML in multipart/related; attachments
/// around all of it in multipart/mixed. The Bcc header is kept (the Sent and Drafts
/// copies show it); SMTP removes it from what it transmits.
pub fn to_mime(draft: &Draft, message_id: &str, date_ms: i64) -> Result<Vec<u8>, ComposeError> {
    check_address(&draft.from.email)?;
    check_id(message_id, "Message-ID")?;
    for m in draft.to.iter().chain(&draft.cc).chain(&draft.bcc) {
        check_address(&m.email)?;
    }
    for image in &draft.inline_images {
        check_id(&image.content_id, "inline image Content-ID")?;
    }

    let mut builder = MessageBuilder::new().from(out_address(&draft.from));
    for (header, list) in [("To", &draft.to), ("Cc", &draft.cc), ("Bcc", &draft.bcc)] {
        if !list.is_empty() {
            let list = OutAddress::new_list(list.iter().map(out_address).collect());
            builder = builder.header(header, list);
        }
    }
    builder = builder
        .subject(one_line(&draft.subject))
        .date(date_ms.div_euclid(1000))
        .message_id(message_id.to_owned());
    if let Some(parent) = &draft.in_reply_to {
        check_id(parent, "In-Reply-To")?;
        builder = builder.in_reply_to(parent.clone());
    }
    if !draft.references.is_empty() {
        for r in &draft.references {
            check_id(r, "References")?;
        }
        builder = builder.references(MessageId::new_list(draft.references.iter().cloned()));
    }

    let html = draft.html.as_deref().filter(|h| !h.trim().is_empty());
    let text = match html {
        Some(h) if draft.text.trim().is_empty() => html_to_text(h),
        _ => draft.text.clone(),
    };
    let text_part = MimePart::new("text/plain", crlf(&text));
    let mut body = match html {
        Some(html) => {
            let html_part = MimePart::new("text/html", crlf(html));
            let html_part = if draft.inline_images.is_empty() {
                html_part
            } else {
                let mut related = vec![html_part];
                related.extend(draft.inline_images.iter().map(inline_part));
                MimePart::new("multipart/related", related)
            };
            MimePart::new("multipart/alternative", vec![text_part, html_part])
        }
        None => text_part,
    };
    if let Some(cal) = &draft.calendar {
        let method = cal.method.trim().to_ascii_uppercase();
        if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return Err(ComposeError::Invalid(format!(
                "{:?} is not an iCalendar method",
                cal.method
            )));
        }
        let calendar_part = MimePart::new(
            ContentType::new("text/calendar")
                .attribute("method", method)
                .attribute("charset", "utf-8"),
            crlf(&cal.ics),
        );
        body = MimePart::new("multipart/alternative", vec![body, calendar_part]);
    }
    // Inline images without HTML to show them in are still sent, as inline parts.
    let orphan_images = if html.is_none() {
        draft.inline_images.as_slice()
    } else {
        &[]
    };
    if !draft.attachments.is_empty() || !orphan_images.is_empty() {
        let mut mixed = vec![body];
        mixed.extend(orphan_images.iter().map(inline_part));
        mixed.extend(draft.attachments.iter().map(|a| {
            MimePart::new(content_type(&a.mime_type), a.data.as_slice())
                .attachment(one_line(&a.name))
        }));
        body = MimePart::new("multipart/mixed", mixed);
    }
    builder
        .body(body)
        .write_to_vec()
        .map_err(|e| ComposeError::Invalid(format!("the message could not be built: {e}")))
}

/// Header text on one line: a CR or LF in a subject or file name would start a header
/// of its own.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 32);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

fn out_address(m: &Mailbox) -> OutAddress<'static> {
    let email = m.email.trim().to_owned();
    match m
        .name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.trim().is_empty())
    {
        Some(name) => OutAddress::new_address(Some(name.trim().to_owned()), email),
        None => OutAddress::new_address(None::<String>, email),
    }
}

fn inline_part(image: &InlineImage) -> MimePart<'_> {
    MimePart::new(content_type(&image.mime_type), image.data.as_slice())
        .inline()
        .cid(image.content_id.as_str())
}

/// A MIME type as given when it looks like one, else the generic binary type.
fn content_type(mime: &str) -> String {
    let mime = mime.trim().to_ascii_lowercase();
    let valid = mime.split_once('/').is_some_and(|(t, s)| {
        let token = |x: &str| {
            !x.is_empty()
                && x.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        token(t) && token(s)
    });
    if valid {
        mime
    } else {
        "application/octet-stream".into()
    }
}

/// Whether `email` can go into a header and an SMTP command as it is (see
/// [`Draft::envelope`]); for filtering half-typed addresses out of a Drafts copy.
pub fn is_valid_address(email: &str) -> bool {
    check_address(email).is_ok()
}

/// An address that can go into a header and an SMTP command as it is: local@domain,
/// no spaces, brackets or control characters.
pub(crate) fn check_address(email: &str) -> Result<(), ComposeError> {
    let e = email.trim();
    let bad = || ComposeError::InvalidAddress(email.to_owned());
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c);
    if local.is_empty()
        || domain.is_empty()
        || e.len() > 254
        || e.chars().any(forbidden)
        || domain.contains('@')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(())
}

fn check_id(id: &str, what: &str) -> Result<(), ComposeError> {
    let ok = !id.is_empty()
        && id.len() <= 900
        && id.contains('@')
        && !id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(ComposeError::Invalid(format!(
            "{what} {id:?} is not a valid id (expected something like random@example.com)"
        )))
    }
}

/// Attachment bytes as base64 in the drafts/outbox JSON instead of a number array.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_could_not_be_sent_are_refused() {
        for (email, ok) in [
            ("a@b.example", true),
            ("first.last+tag@sub.example.org", true),
            ("nobody", false),
            ("@b.example", false),
            ("a@", false),
            ("a b@c.example", false),
            ("a@b.example>\r\nRCPT TO:<evil@x.example", false),
            ("a@b@c.example", false),
            ("a@.example", false),
        ] {
            assert_eq!(check_address(email).is_ok(), ok, "{email:?}");
        }
    }

    #[test]
    fn message_ids_use_the_sender_domain() {
        assert_eq!(
            new_message_id("abc123", "Priya@Acme.example"),
            "abc123@Acme.example"
        );
        assert_eq!(new_message_id("a<b>c", "nobody"), "abc@localhost");
    }
}
