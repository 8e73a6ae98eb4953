//! A stored message as the reading pane shows it: the sanitised HTML with its `cid:`
//! images inlined, the plain text, and the attachments by index, whose decoded bytes
//! [`attachment_content`] returns on demand (to save or open them).
//!
//! An attachment's index is its position among the MIME parts that are not the body,
//! in message order: the same order [`crate::parse_message`] lists them in, so an index
//! handed to the UI finds the same part again as long as the raw bytes are unchanged.

use crate::html::{sanitize_html_with, InlineImage, SanitizeOptions, SanitizedHtml};
use crate::parse::{parse_message, Attachment};
use base64::Engine;
use mail_parser::{Message, MessageParser};

/// Inline images larger than this are not embedded in the page; a note stands in for
/// them and they stay in the attachment list.
pub const MAX_INLINE_IMAGE_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentEntry {
    /// Position among the message's attachments; the key for [`attachment_content`].
    pub index: usize,
    pub name: String,
    pub mime_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    pub content_id: Option<String>,
    /// Content-Disposition: inline (meant to be shown rather than saved).
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageForReading {
    /// The message's own HTML body, sanitised; None when it has none.
    pub html: Option<SanitizedHtml>,
    pub text: Option<String>,
    /// Attachments, without the inline images the HTML already shows.
    pub attachments: Vec<AttachmentEntry>,
}

/// One attachment's decoded content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    pub name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

fn entries(attachments: Vec<Attachment>) -> Vec<AttachmentEntry> {
    attachments
        .into_iter()
        .enumerate()
        // An empty multipart (a message stored with its header only) is no attachment.
        .filter(|(_, a)| !a.mime_type.starts_with("multipart/"))
        .map(|(index, a)| AttachmentEntry {
            index,
            name: a.name,
            mime_type: a.mime_type,
            size: a.size,
            content_id: a.content_id,
            inline: a.inline,
        })
        .collect()
}

/// The decoded bytes of attachment `index`, or None when there is no such part.
fn part_bytes<'m>(msg: &'m Message<'_>, index: usize) -> Option<&'m [u8]> {
    let part = msg.attachment(u32::try_from(index).ok()?)?;
    Some(part.contents())
}

/// Only simple type names go into a `data:` URI.
fn safe_image_type(mime: &str) -> Option<String> {
    let m = mime.trim().to_ascii_lowercase();
    let ok = m.starts_with("image/")
        && m.len() < 64
        && m.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '+' | '-'));
    ok.then_some(m)
}

fn human_size(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 1.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn resolve_inline(
    msg: Option<&Message<'_>>,
    attachments: &[AttachmentEntry],
    cid: &str,
) -> InlineImage {
    let found = attachments
        .iter()
        .find(|a| a.content_id.as_deref() == Some(cid))
        .or_else(|| {
            attachments.iter().find(|a| {
                a.content_id
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(cid))
            })
        });
    let Some(a) = found else {
        return InlineImage::Unavailable("inline image missing from the message".into());
    };
    let Some(mime) = safe_image_type(&a.mime_type) else {
        return InlineImage::Unavailable(format!(
            "{} is not an image; it is listed with the attachments",
            a.name
        ));
    };
    if a.size > MAX_INLINE_IMAGE_BYTES {
        return InlineImage::Unavailable(format!(
            "{} ({}) is too large to show here; it is listed with the attachments",
            a.name,
            human_size(a.size)
        ));
    }
    match msg.and_then(|m| part_bytes(m, a.index)) {
        Some(bytes) => InlineImage::Data(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )),
        None => InlineImage::Unavailable(format!("{} could not be read", a.name)),
    }
}

/// Reads a stored message for display. `allow_remote` keeps the sender's remote images
/// (https only); tracking pixels go either way.
pub fn message_for_reading(raw: &[u8], allow_remote: bool) -> MessageForReading {
    let parsed = parse_message(raw);
    let attachments = entries(parsed.attachments);
    let html = parsed.html.as_deref().map(|h| {
        // Parsed again only for the parts' bytes, once per message and only with HTML.
        let msg = MessageParser::default().parse(raw);
        let resolve = |cid: &str| resolve_inline(msg.as_ref(), &attachments, cid);
        sanitize_html_with(
            h,
            &SanitizeOptions {
                allow_remote,
                inline_images: Some(&resolve),
            },
        )
    });
    let shown: &[String] = html.as_ref().map_or(&[], |h| h.inlined_cids.as_slice());
    let attachments = attachments
        .into_iter()
        .filter(|a| a.content_id.as_ref().is_none_or(|c| !shown.contains(c)))
        .collect();
    MessageForReading {
        html,
        text: parsed.text,
        attachments,
    }
}

/// Attachment `index` of a message with its decoded bytes (base64 and quoted-printable
/// undone), or None when the message has no such attachment.
pub fn attachment_content(raw: &[u8], index: usize) -> Option<AttachmentContent> {
    let parsed = parse_message(raw);
    let meta = parsed
        .attachments
        .into_iter()
        .nth(index)
        .filter(|a| !a.mime_type.starts_with("multipart/"))?;
    Some(AttachmentContent {
        name: meta.name,
        mime_type: meta.mime_type,
        bytes: part_bytes(&MessageParser::default().parse(raw)?, index)?.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_image_types_reach_a_data_uri() {
        assert_eq!(safe_image_type("Image/PNG").as_deref(), Some("image/png"));
        assert_eq!(
            safe_image_type("image/svg+xml").as_deref(),
            Some("image/svg+xml")
        );
        assert_eq!(safe_image_type("text/html"), None);
        assert_eq!(safe_image_type("image/png\" onload=\"x"), None);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(1), "1 KB");
        assert_eq!(human_size(6 * 1024 * 1024), "6.0 MB");
    }
}
