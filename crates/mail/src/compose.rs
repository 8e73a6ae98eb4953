//! Composing mail: the editable [`Draft`], the reply / reply-all / forward builders that
//! read the original's raw bytes, and [`to_mime`], which turns a draft into the RFC 5322
//! bytes that are sent, appended to Sent and saved to Drafts.
//!
//! Nothing here does I/O or reads the clock: the Message-ID token and the Date are passed
//! in, so the same draft always gives the same headers. [`RemoteMailbox`] is what the
//! outbox and drafts need from an account's server folders; each backend implements it.

use crate::html::{html_to_text, sanitize_html};
use crate::net::NetError;
use crate::smtp::Envelope;
use mail_builder::headers::address::Address as OutAddress;
use mail_builder::headers::message_id::MessageId;
use mail_builder::mime::MimePart;
use mail_builder::MessageBuilder;
use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};
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

/// The reply to `original_raw`: to its Reply-To (else its From; or its To when I sent
/// it), and with `all` also to everyone else it was addressed to except me. The subject
/// gets one "Re: ", the threading headers point at the original, the body quotes it.
pub fn reply(original_raw: &[u8], me: &Identity, all: bool) -> Result<Draft, ComposeError> {
    let msg = parse_original(original_raw)?;
    let from = mailboxes(msg.from());
    let reply_to = mailboxes(msg.reply_to());
    let to = mailboxes(msg.to());
    let cc = mailboxes(msg.cc());
    let sent_by_me = from.iter().any(|m| me.is_me(&m.email));

    let primary = if !reply_to.is_empty() {
        reply_to
    } else if sent_by_me && !to.is_empty() {
        to.clone()
    } else {
        from.clone()
    };

    let mut draft = Draft::new(me.mailbox.clone());
    let mut seen: Vec<String> = Vec::new();
    for m in &primary {
        // Replying to my own message sent only to myself still has to go somewhere.
        if me.is_me(&m.email) && primary.len() > 1 {
            continue;
        }
        add_unique(&mut draft.to, &mut seen, m);
    }
    if all {
        for m in from.iter().chain(&to).chain(&cc) {
            if !me.is_me(&m.email) {
                add_unique(&mut draft.cc, &mut seen, m);
            }
        }
    }

    let subject = msg.subject().unwrap_or("").trim();
    draft.subject = prefixed_subject(subject, "Re", REPLY_PREFIXES);

    let message_id = msg.message_id().and_then(clean_id);
    let mut references = id_list(msg.references());
    if references.is_empty() {
        references = id_list(msg.in_reply_to());
    }
    if let Some(id) = &message_id {
        references.retain(|r| r != id);
        references.push(id.clone());
    }
    draft.references = trim_references(references);
    draft.in_reply_to = message_id;

    let author = from.first().map(Mailbox::display);
    let date = msg.date().filter(|d| d.is_valid()).map(|d| d.to_rfc822());
    let attribution = match (date, author) {
        (Some(date), Some(author)) => format!("On {date}, {author} wrote:"),
        (None, Some(author)) => format!("{author} wrote:"),
        (Some(date), None) => format!("On {date}, you were sent:"),
        (None, None) => "The original message:".to_owned(),
    };
    let original_text = original_text(&msg);
    draft.text = format!("\n\n{attribution}\n{}\n", quote_lines(&original_text));
    if let Some(html) = original_html(&msg) {
        draft.html = Some(format!(
            "<p><br></p><p>{}</p><blockquote type=\"cite\">{}</blockquote>",
            escape_html(&attribution),
            html
        ));
        draft.inline_images = referenced_images(&msg, &html);
    }
    Ok(draft)
}

/// The original, forwarded: "Fwd: " subject, a header block naming who sent it to whom,
/// its body, and its attachments (and the images its HTML shows) carried along.
pub fn forward(original_raw: &[u8], me: &Identity) -> Result<Draft, ComposeError> {
    let msg = parse_original(original_raw)?;
    let mut draft = Draft::new(me.mailbox.clone());
    let subject = msg.subject().unwrap_or("").trim().to_owned();
    draft.subject = prefixed_subject(&subject, "Fwd", FORWARD_PREFIXES);

    let join = |list: Vec<Mailbox>| {
        list.iter()
            .map(Mailbox::display)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut block: Vec<(&str, String)> = vec![
        ("From", join(mailboxes(msg.from()))),
        (
            "Date",
            msg.date()
                .filter(|d| d.is_valid())
                .map(|d| d.to_rfc822())
                .unwrap_or_default(),
        ),
        ("Subject", subject),
        ("To", join(mailboxes(msg.to()))),
    ];
    let cc = join(mailboxes(msg.cc()));
    if !cc.is_empty() {
        block.push(("Cc", cc));
    }
    block.retain(|(_, v)| !v.is_empty());

    const RULE: &str = "---------- Forwarded message ---------";
    let text_block: String = block.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    draft.text = format!("\n\n{RULE}\n{text_block}\n{}\n", original_text(&msg));

    let html = original_html(&msg);
    if let Some(html) = &html {
        let html_block: String = block
            .iter()
            .map(|(k, v)| format!("{k}: {}<br>", escape_html(v)))
            .collect();
        draft.html = Some(format!("<p><br></p><p>{RULE}<br>{html_block}</p>{html}"));
        draft.inline_images = referenced_images(&msg, html);
    }
    for part in msg.attachments() {
        let cid = part.content_id().and_then(clean_id);
        if cid
            .as_ref()
            .is_some_and(|c| draft.inline_images.iter().any(|i| &i.content_id == c))
        {
            continue;
        }
        let name = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if matches!(part.body, PartType::Message(_)) {
                    "message.eml".into()
                } else {
                    "attachment".into()
                }
            });
        draft.attachments.push(AttachmentFile {
            name,
            mime_type: part_mime(part),
            data: part.contents().to_vec(),
        });
    }
    Ok(draft)
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

const REPLY_PREFIXES: &[&str] = &["re", "aw", "sv", "antw", "odp", "res", "rif", "ynt"];
const FORWARD_PREFIXES: &[&str] = &["fwd", "fw", "wg", "tr", "rv", "enc", "doorst", "vs"];

/// `subject` with `prefix: ` in front unless it already starts with one of `known`
/// (in any case, with an optional counter: "RE[2]:"), so replies never pile up "Re: Re:".
pub(crate) fn prefixed_subject(subject: &str, prefix: &str, known: &[&str]) -> String {
    let subject = one_line(subject);
    let trimmed = subject.trim();
    let word_end = trimmed
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(trimmed.len());
    let (word, rest) = trimmed.split_at(word_end);
    let rest = rest
        .strip_prefix(|c| c == '[' || c == '(')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()))
        .and_then(|r| r.strip_prefix(|c| c == ']' || c == ')'))
        .unwrap_or(rest);
    let has_prefix = known.iter().any(|k| word.eq_ignore_ascii_case(k))
        && (rest.starts_with(':') || rest.starts_with('：'));
    if has_prefix {
        trimmed.to_owned()
    } else if trimmed.is_empty() {
        format!("{prefix}:")
    } else {
        format!("{prefix}: {trimmed}")
    }
}

fn parse_original(raw: &[u8]) -> Result<Message<'_>, ComposeError> {
    MessageParser::default()
        .parse(raw)
        // At least one header email is made of (From, Subject, Date, ...); a file of
        // unknown "Name: value" lines, or of binary, is not a message to answer.
        .filter(|m| m.headers().iter().any(|h| !h.name.is_other()))
        .ok_or(ComposeError::UnreadableOriginal)
}

fn mailboxes(addr: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(addr) = addr else {
        return Vec::new();
    };
    addr.iter()
        .filter_map(|a| {
            let email = a.address()?.trim().to_owned();
            if !email.contains('@') {
                return None;
            }
            let name = a
                .name()
                .map(|n| n.trim().trim_matches('"').trim().to_owned())
                .filter(|n| !n.is_empty() && normalize_email(n) != normalize_email(&email));
            Some(Mailbox { name, email })
        })
        .collect()
}

fn add_unique(list: &mut Vec<Mailbox>, seen: &mut Vec<String>, m: &Mailbox) {
    let key = normalize_email(&m.email);
    if !seen.contains(&key) {
        seen.push(key);
        list.push(m.clone());
    }
}

fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

fn id_list(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    use mail_parser::HeaderValue;
    match value {
        HeaderValue::Text(t) => t.split_whitespace().filter_map(clean_id).collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    }
}

/// Long threads would grow References without bound; keep the root (it names the
/// thread) and the most recent ancestors, as RFC 5322 §3.6.4 suggests.
fn trim_references(mut refs: Vec<String>) -> Vec<String> {
    const MAX: usize = 20;
    let mut unique: Vec<String> = Vec::with_capacity(refs.len());
    for r in refs.drain(..) {
        if !unique.contains(&r) {
            unique.push(r);
        }
    }
    if unique.len() > MAX {
        let tail = unique.split_off(unique.len() - (MAX - 1));
        unique.truncate(1);
        unique.extend(tail);
    }
    unique
}

fn original_text(msg: &Message<'_>) -> String {
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    text.replace("\r\n", "\n").trim_end().to_owned()
}

/// The original's own HTML body (not HTML made up from its text), sanitised: no
/// scripts, no remote loads, `cid:` images kept.
fn original_html(msg: &Message<'_>) -> Option<String> {
    let part = msg.html_part(0)?;
    let PartType::Html(html) = &part.body else {
        return None;
    };
    Some(sanitize_html(html).html)
}

/// The original's images that `html` shows through `cid:`, so a reply or forward keeps
/// them.
fn referenced_images(msg: &Message<'_>, html: &str) -> Vec<InlineImage> {
    let mut out: Vec<InlineImage> = Vec::new();
    for part in msg.parts.iter() {
        let Some(cid) = part.content_id().and_then(clean_id) else {
            continue;
        };
        if !matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_))
            || !html.contains(&format!("cid:{cid}"))
            || out.iter().any(|i| i.content_id == cid)
        {
            continue;
        }
        out.push(InlineImage {
            content_id: cid,
            mime_type: part_mime(part),
            data: part.contents().to_vec(),
        });
    }
    out
}

fn part_mime(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

fn quote_lines(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else if line.starts_with('>') {
                format!(">{line}")
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
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
    fn reply_and_forward_prefixes_are_added_once() {
        let cases = [
            ("Hello", "Re", "Re: Hello"),
            ("Re: Hello", "Re", "Re: Hello"),
            ("RE: Hello", "Re", "RE: Hello"),
            ("re[2]: Hello", "Re", "re[2]: Hello"),
            ("AW: Angebot", "Re", "AW: Angebot"),
            ("Fwd: Hello", "Re", "Re: Fwd: Hello"),
            ("Regarding the offer", "Re", "Re: Regarding the offer"),
            ("", "Re", "Re:"),
            ("Hello", "Fwd", "Fwd: Hello"),
            ("FW: Hello", "Fwd", "FW: Hello"),
            ("Re: Hello", "Fwd", "Fwd: Re: Hello"),
            ("Hi\r\nBcc: x@y.z", "Re", "Re: Hi  Bcc: x@y.z"),
        ];
        for (subject, prefix, want) in cases {
            let known = if prefix == "Re" {
                REPLY_PREFIXES
            } else {
                FORWARD_PREFIXES
            };
            assert_eq!(
                prefixed_subject(subject, prefix, known),
                want,
                "{subject:?}"
            );
        }
    }

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

    #[test]
    fn long_reference_chains_keep_the_root_and_the_latest() {
        let refs: Vec<String> = (0..30).map(|i| format!("m{i}@x")).collect();
        let trimmed = trim_references(refs);
        assert_eq!(trimmed.len(), 20);
        assert_eq!(trimmed[0], "m0@x");
        assert_eq!(trimmed[1], "m11@x");
        assert_eq!(trimmed[19], "m29@x");
    }

    #[test]
    fn quoting_nests_quotes() {
        assert_eq!(quote_lines("a\n\n> b"), "> a\n>\n>> b");
    }
}
