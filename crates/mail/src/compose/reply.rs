//! Reply, reply-all and forward: a new [`Draft`] from the raw bytes of the original.

use super::{one_line, AttachmentFile, ComposeError, Draft, Identity, InlineImage, Mailbox};
use crate::html::sanitize_html;
use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};
use switchboard_core::address::normalize_email;

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

const REPLY_PREFIXES: &[&str] = &["re", "aw", "sv", "antw", "odp", "res", "rif", "ynt"];
const FORWARD_PREFIXES: &[&str] = &["fwd", "fw", "wg", "tr", "rv", "enc", "doorst", "vs"];

/// `subject` with `prefix: ` in front unless it already starts with one of `known`
/// (in any case, with an optional counter: "RE[2]:"), so replies never pile up "Re: Re:".
fn prefixed_subject(subject: &str, prefix: &str, known: &[&str]) -> String {
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
