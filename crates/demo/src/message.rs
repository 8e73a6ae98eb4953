//! One email and its RFC 5322 / MIME bytes, including the deliberately damaged variants.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::encode::{
    base64_lines, encode_words, latin1, mailbox, quoted_printable, rfc2231_value, WordCharset,
};

#[derive(Clone, Debug)]
pub(crate) struct Addr {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Attachment {
    pub filename: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// How a message is damaged on purpose (about 1% of the sales mailbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Malformation {
    /// The boundary in the body differs from the declared one and never closes.
    BrokenBoundary,
    /// `charset="x-unknown-8bit-42"` over raw Latin-1 bytes.
    BadCharset,
    /// Raw 8-bit (Latin-1, not UTF-8) bytes in the Subject and From headers.
    RawHeaderBytes,
    MissingMessageId,
    /// An attachment's base64 stops mid-line and the multipart is never closed.
    TruncatedBase64,
}

impl Malformation {
    pub const ALL: [Malformation; 5] = [
        Malformation::BrokenBoundary,
        Malformation::BadCharset,
        Malformation::RawHeaderBytes,
        Malformation::MissingMessageId,
        Malformation::TruncatedBase64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Malformation::BrokenBoundary => "broken-boundary",
            Malformation::BadCharset => "bad-charset",
            Malformation::RawHeaderBytes => "raw-8bit-header",
            Malformation::MissingMessageId => "missing-message-id",
            Malformation::TruncatedBase64 => "truncated-base64",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Message {
    pub from: Addr,
    pub to: Vec<Addr>,
    pub cc: Vec<Addr>,
    pub subject: String,
    pub date: DateTime<Utc>,
    /// The sender's zone, for the Date header's offset.
    pub tz: &'static str,
    /// Without angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub header_charset: WordCharset,
    /// Send a non-ASCII text body as ISO-8859-1 when it fits.
    pub latin1_body: bool,
    /// Send a non-ASCII body as raw 8bit instead of quoted-printable.
    pub eight_bit: bool,
    pub mailer: Option<&'static str>,
    pub malformed: Option<Malformation>,
}

impl Message {
    /// The RFC 5322 bytes with LF line ends (as stored in mbox and Maildir).
    pub fn render(&self) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::with_capacity(2048 + self.text.len() * 2);
        let charset = self.header_charset;
        let header = |out: &mut Vec<u8>, name: &str, value: &str| {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        };
        let addresses = |list: &[Addr]| {
            list.iter()
                .map(|a| mailbox(&a.name, &a.email, charset))
                .collect::<Vec<_>>()
                .join(",\n ")
        };

        if self.malformed == Some(Malformation::RawHeaderBytes) {
            out.extend_from_slice(b"From: ");
            out.extend(latin1(&self.from.name).unwrap_or_else(|| b"J\xfcrgen M\xfcller".to_vec()));
            out.extend_from_slice(format!(" <{}>\n", self.from.email).as_bytes());
        } else {
            header(
                &mut out,
                "From",
                &mailbox(&self.from.name, &self.from.email, charset),
            );
        }
        header(&mut out, "To", &addresses(&self.to));
        if !self.cc.is_empty() {
            header(&mut out, "Cc", &addresses(&self.cc));
        }
        if self.malformed == Some(Malformation::RawHeaderBytes) {
            out.extend_from_slice(b"Subject: ");
            out.extend(latin1(&self.subject).unwrap_or_else(|| self.subject.as_bytes().to_vec()));
            out.extend_from_slice(b" \xe4\xf6\xfc\n");
        } else {
            header(&mut out, "Subject", &encode_words(&self.subject, charset));
        }
        let tz: Tz = self.tz.parse().unwrap_or(Tz::UTC);
        header(
            &mut out,
            "Date",
            &self
                .date
                .with_timezone(&tz)
                .format("%a, %d %b %Y %H:%M:%S %z")
                .to_string(),
        );
        if self.malformed != Some(Malformation::MissingMessageId) {
            header(&mut out, "Message-ID", &format!("<{}>", self.message_id));
        }
        if let Some(parent) = &self.in_reply_to {
            header(&mut out, "In-Reply-To", &format!("<{parent}>"));
        }
        if !self.references.is_empty() {
            let refs: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            header(&mut out, "References", &refs.join("\n "));
        }
        if let Some(mailer) = self.mailer {
            header(&mut out, "X-Mailer", mailer);
        }
        if let Some(kind) = self.malformed {
            header(&mut out, "X-Demo-Malformed", kind.name());
        }
        header(&mut out, "MIME-Version", "1.0");

        let boundary = format!("=_sb_{}", short_hash(&self.message_id));
        if self.attachments.is_empty() {
            self.render_alternative_or_text(&mut out, &boundary, "a");
        } else {
            let mixed = format!("{boundary}_m");
            out.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=\"{mixed}\"\n\n").as_bytes(),
            );
            out.extend_from_slice(b"This is a multi-part message in MIME format.\n");
            out.extend_from_slice(format!("\n--{mixed}\n").as_bytes());
            self.render_alternative_or_text(&mut out, &boundary, "a");
            for (i, attachment) in self.attachments.iter().enumerate() {
                out.extend_from_slice(format!("\n--{mixed}\n").as_bytes());
                let truncate = self.malformed == Some(Malformation::TruncatedBase64) && i == 0;
                render_attachment(&mut out, attachment, truncate);
                if truncate {
                    return out;
                }
            }
            out.extend_from_slice(format!("\n--{mixed}--\n").as_bytes());
        }
        out
    }

    fn render_alternative_or_text(&self, out: &mut Vec<u8>, boundary: &str, suffix: &str) {
        let Some(html) = &self.html else {
            self.render_text_part(out);
            return;
        };
        let alt = format!("{boundary}_{suffix}");
        out.extend_from_slice(
            format!("Content-Type: multipart/alternative; boundary=\"{alt}\"\n\n").as_bytes(),
        );
        let used = if self.malformed == Some(Malformation::BrokenBoundary) {
            format!("{alt}_mismatch")
        } else {
            alt.clone()
        };
        out.extend_from_slice(format!("--{used}\n").as_bytes());
        self.render_text_part(out);
        out.extend_from_slice(format!("\n--{used}\n").as_bytes());
        out.extend_from_slice(b"Content-Type: text/html; charset=\"utf-8\"\n");
        if html.is_ascii() {
            out.extend_from_slice(b"Content-Transfer-Encoding: 7bit\n\n");
            out.extend_from_slice(html.as_bytes());
        } else {
            out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable\n\n");
            out.extend_from_slice(quoted_printable(html.as_bytes()).as_bytes());
        }
        if self.malformed != Some(Malformation::BrokenBoundary) {
            out.extend_from_slice(format!("\n--{alt}--\n").as_bytes());
        } else {
            out.push(b'\n');
        }
    }

    fn render_text_part(&self, out: &mut Vec<u8>) {
        let text = &self.text;
        if self.malformed == Some(Malformation::BadCharset) {
            out.extend_from_slice(b"Content-Type: text/plain; charset=\"x-unknown-8bit-42\"\n");
            out.extend_from_slice(b"Content-Transfer-Encoding: 8bit\n\n");
            let mut bytes = latin1(text).unwrap_or_else(|| text.as_bytes().to_vec());
            bytes.extend_from_slice(b"\nGr\xfc\xdfe, \xe9t\xe9 \xa9\n");
            out.extend(bytes);
            return;
        }
        if text.is_ascii() {
            out.extend_from_slice(b"Content-Type: text/plain; charset=\"us-ascii\"\n");
            out.extend_from_slice(b"Content-Transfer-Encoding: 7bit\n\n");
            out.extend_from_slice(text.as_bytes());
            return;
        }
        let latin = if self.latin1_body { latin1(text) } else { None };
        let (charset, bytes) = match latin {
            Some(bytes) => ("iso-8859-1", bytes),
            None => ("utf-8", text.as_bytes().to_vec()),
        };
        out.extend_from_slice(
            format!("Content-Type: text/plain; charset=\"{charset}\"\n").as_bytes(),
        );
        if self.eight_bit {
            out.extend_from_slice(b"Content-Transfer-Encoding: 8bit\n\n");
            out.extend(bytes);
        } else {
            out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable\n\n");
            out.extend_from_slice(quoted_printable(&bytes).as_bytes());
        }
    }
}

fn render_attachment(out: &mut Vec<u8>, attachment: &Attachment, truncate: bool) {
    let name = &attachment.filename;
    if name.is_ascii() {
        out.extend_from_slice(
            format!(
                "Content-Type: {}; name=\"{name}\"\nContent-Disposition: attachment; filename=\"{name}\"\n",
                attachment.content_type
            )
            .as_bytes(),
        );
    } else {
        // RFC 2231 for conforming readers, RFC 2047 in `name` for Outlook-era ones.
        out.extend_from_slice(
            format!(
                "Content-Type: {}; name=\"{}\"\nContent-Disposition: attachment; filename*={}\n",
                attachment.content_type,
                encode_words(name, WordCharset::Utf8Base64),
                rfc2231_value(name)
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"Content-Transfer-Encoding: base64\n\n");
    let encoded = base64_lines(&attachment.data);
    if truncate {
        let cut = (encoded.len() / 2).max(1);
        let cut = cut - cut % 4 + 2;
        out.extend_from_slice(encoded.get(..cut).unwrap_or(&encoded).as_bytes());
        out.push(b'\n');
    } else {
        out.extend_from_slice(encoded.as_bytes());
    }
}

/// FNV-1a of the text as 12 hex digits, for boundaries that are stable per message.
pub(crate) fn short_hash(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}
