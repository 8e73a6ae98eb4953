//! The SMTP wire format: reading (multi-line) replies, EHLO keywords, and the message
//! as DATA carries it. Pure, so every quirk gets a table test.

use super::SmtpError;
use crate::net::NetError;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// A reply line longer than this is not SMTP (RFC 5321 allows 512 bytes).
const MAX_REPLY_LINE: usize = 8 * 1024;
/// A multi-line reply with more lines than this is not SMTP either.
const MAX_REPLY_LINES: usize = 512;

/// One server reply: its code and text lines (without the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply's text on one line, as shown to the user.
    pub fn text(&self) -> String {
        let text = self.lines.join(" ");
        let text = text.trim();
        if text.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {}", self.code, text)
        }
    }

    pub(super) fn is_ok(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Capabilities {
    pub(super) auth: Vec<String>,
    /// Some(0) means SIZE without a limit.
    pub(super) size: Option<u64>,
    pub(super) starttls: bool,
    pub(super) pipelining: bool,
    pub(super) eight_bit_mime: bool,
    pub(super) smtputf8: bool,
}

pub(super) fn parse_capabilities(ehlo: &Reply) -> Capabilities {
    let mut caps = Capabilities::default();
    // The first line is the server's name and greeting; keywords follow.
    for line in ehlo.lines.iter().skip(1) {
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        let keyword = keyword.to_ascii_uppercase();
        // Old servers write "AUTH=LOGIN PLAIN".
        let (keyword, first_arg) = match keyword.split_once('=') {
            Some((k, a)) => (k.to_owned(), Some(a.to_owned())),
            None => (keyword, None),
        };
        let args: Vec<String> = first_arg
            .into_iter()
            .chain(words.map(str::to_owned))
            .map(|a| a.to_ascii_uppercase())
            .filter(|a| !a.is_empty())
            .collect();
        match keyword.as_str() {
            "AUTH" => {
                for mech in args {
                    if !caps.auth.contains(&mech) {
                        caps.auth.push(mech);
                    }
                }
            }
            "SIZE" => caps.size = Some(args.first().and_then(|a| a.parse().ok()).unwrap_or(0)),
            "STARTTLS" => caps.starttls = true,
            "PIPELINING" => caps.pipelining = true,
            "8BITMIME" => caps.eight_bit_mime = true,
            "SMTPUTF8" => caps.smtputf8 = true,
            _ => {}
        }
    }
    caps
}

/// Reads one reply (all its lines), within nothing: the caller bounds the time.
pub(super) async fn read_reply<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> Result<Reply, SmtpError> {
    let mut lines = Vec::new();
    let mut code: Option<u16> = None;
    loop {
        let line = read_line(reader).await?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        let bad = || {
            SmtpError::Net(NetError::Protocol(format!(
                "not an SMTP reply: {:?}",
                line.chars().take(120).collect::<String>()
            )))
        };
        let digits = line.get(..3).ok_or_else(bad)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let this: u16 = digits.parse().map_err(|_| bad())?;
        if code.is_some_and(|c| c != this) {
            return Err(bad());
        }
        code = Some(this);
        let rest = &line[3..];
        let (more, text) = match rest.as_bytes().first() {
            Some(b'-') => (true, &rest[1..]),
            Some(b' ') => (false, &rest[1..]),
            None => (false, ""),
            Some(_) => return Err(bad()),
        };
        lines.push(text.to_owned());
        if !more {
            return Ok(Reply { code: this, lines });
        }
        if lines.len() >= MAX_REPLY_LINES {
            return Err(SmtpError::Net(NetError::Protocol(
                "the server's reply does not end".into(),
            )));
        }
    }
}

/// One line up to LF, bounded in length; a closed connection is [`NetError::Closed`].
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, SmtpError> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await.map_err(NetError::Io)?;
        if available.is_empty() {
            return Err(NetError::Closed.into());
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(pos) => (pos + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..take]);
        reader.consume(take);
        if done {
            return Ok(line);
        }
        if line.len() > MAX_REPLY_LINE {
            return Err(
                NetError::Protocol("a reply line from the server is too long".into()).into(),
            );
        }
    }
}

/// The message as transmitted in DATA: the Bcc header removed (it would tell every
/// recipient who was blind-copied), every line ending CRLF, lines starting with "." doubled
/// (RFC 5321 §4.5.2). The terminating "." is not included.
pub fn prepare_data(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40 + 2);
    let mut in_headers = true;
    let mut skipping_bcc = false;
    let mut i = 0;
    while i < raw.len() {
        let start = i;
        while i < raw.len() && raw[i] != b'\n' && raw[i] != b'\r' {
            i += 1;
        }
        let line = &raw[start..i];
        // A bare CR or LF counts as a line end, like CRLF.
        if i < raw.len() {
            if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                i += 2;
            } else {
                i += 1;
            }
        }
        if in_headers {
            if line.is_empty() {
                in_headers = false;
            } else if line[0] == b' ' || line[0] == b'\t' {
                if skipping_bcc {
                    continue;
                }
            } else {
                skipping_bcc = is_bcc_header(line);
                if skipping_bcc {
                    continue;
                }
            }
        }
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn is_bcc_header(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = &line[..colon];
    let name = name.strip_suffix(b" ").unwrap_or(name);
    name.eq_ignore_ascii_case(b"bcc")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    async fn reply_of(bytes: &[u8]) -> Result<Reply, SmtpError> {
        let mut reader = BufReader::new(bytes);
        read_reply(&mut reader).await
    }

    #[tokio::test]
    async fn multi_line_replies_are_read_whole() {
        let r = reply_of(b"250-mail.example Hello\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN\r\n")
            .await
            .ok();
        assert_eq!(
            r,
            Some(Reply {
                code: 250,
                lines: vec![
                    "mail.example Hello".into(),
                    "SIZE 1000".into(),
                    "AUTH PLAIN LOGIN".into()
                ]
            })
        );
        let bare = reply_of(b"354\r\n").await.ok().map(|r| r.code);
        assert_eq!(bare, Some(354));
    }

    #[tokio::test]
    async fn malformed_or_cut_replies_are_errors() {
        for bytes in [
            &b"hello\r\n"[..],
            b"250-first\r\n251 second\r\n",
            b"25\r\n",
            b"250x\r\n",
        ] {
            let kind = reply_of(bytes).await.err().map(|e| e.kind());
            assert_eq!(
                kind,
                Some("protocol"),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let cut = reply_of(b"250-first\r\n").await.err().map(|e| e.kind());
        assert_eq!(cut, Some("network"));
    }

    #[test]
    fn capabilities_are_read_from_ehlo() {
        let ehlo = Reply {
            code: 250,
            lines: vec![
                "mail.example greets you".into(),
                "PIPELINING".into(),
                "SIZE 35882577".into(),
                "AUTH=LOGIN".into(),
                "auth plain login xoauth2".into(),
                "8BITMIME".into(),
                "STARTTLS".into(),
            ],
        };
        let caps = parse_capabilities(&ehlo);
        assert_eq!(caps.auth, vec!["LOGIN", "PLAIN", "XOAUTH2"]);
        assert_eq!(caps.size, Some(35_882_577));
        assert!(caps.starttls && caps.pipelining && caps.eight_bit_mime && !caps.smtputf8);
        let no_limit = parse_capabilities(&Reply {
            code: 250,
            lines: vec!["x".into(), "SIZE".into()],
        });
        assert_eq!(no_limit.size, Some(0));
    }

    #[test]
    fn data_is_normalised_dot_stuffed_and_blind_copies_hidden() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"Subject: a\r\n\r\nbody\r\n", b"Subject: a\r\n\r\nbody\r\n"),
            (b"Subject: a\n\nline\nno end", b"Subject: a\r\n\r\nline\r\nno end\r\n"),
            (b"Subject: a\r\n\r\n.\r\n..x\r\n", b"Subject: a\r\n\r\n..\r\n...x\r\n"),
            (
                b"To: a@x\r\nBcc: secret@x,\r\n other@x\r\nBCC : third@x\r\nSubject: s\r\n\r\nBcc: stays in the body\r\n",
                b"To: a@x\r\nSubject: s\r\n\r\nBcc: stays in the body\r\n",
            ),
            (b"A: 1\rB: 2\r\n\r\nx\r", b"A: 1\r\nB: 2\r\n\r\nx\r\n"),
            (b"Bcc-Like: kept\r\n\r\n", b"Bcc-Like: kept\r\n\r\n"),
        ];
        for (input, want) in cases {
            assert_eq!(
                String::from_utf8_lossy(&prepare_data(input)),
                String::from_utf8_lossy(want)
            );
        }
    }
}
