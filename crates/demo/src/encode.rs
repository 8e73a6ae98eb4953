//! The byte-level encodings mail needs: base64, quoted-printable, RFC 2047 encoded-words
//! for headers and RFC 2231 parameter values for non-ASCII file names.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 without line breaks.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 broken into 76-character lines, as a MIME body.
pub(crate) fn base64_lines(data: &[u8]) -> String {
    let flat = base64(data);
    let mut out = String::with_capacity(flat.len() + flat.len() / 76 + 1);
    for line in flat.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Quoted-printable body encoding (RFC 2045 §6.7) with soft breaks at 76 characters.
pub(crate) fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 3 / 2);
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut width = 0;
        let last = line.len().saturating_sub(1);
        for (j, &b) in line.iter().enumerate() {
            let plain =
                (b == b' ' || b == b'\t') && j != last || (33..=126).contains(&b) && b != b'=';
            let piece = if plain {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
    }
    out
}

/// Latin-1 bytes of `text` if every character fits.
pub(crate) fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Which charset an encoded-word uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WordCharset {
    Utf8Base64,
    Utf8Q,
    /// Falls back to UTF-8 when the text does not fit Latin-1.
    Latin1Q,
}

/// A header value with non-ASCII text as RFC 2047 encoded-words (split so none is over
/// 75 characters). ASCII text is returned unchanged.
pub(crate) fn encode_words(text: &str, charset: WordCharset) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    // Leading ASCII words ("Re:", "Demo follow-up") stay readable; encoding starts at
    // the first word that needs it.
    let mut plain_end = 0;
    for (at, word) in text.split_inclusive(' ').scan(0, |pos, w| {
        let start = *pos;
        *pos += w.len();
        Some((start, w))
    }) {
        if !word.is_ascii() {
            break;
        }
        plain_end = at + word.len();
    }
    let (plain, text) = text.split_at(plain_end);
    let charset = match charset {
        WordCharset::Latin1Q if latin1(text).is_none() => WordCharset::Utf8Q,
        other => other,
    };
    // Chunk by characters so a multi-byte character is never split across words.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        chunk.push(c);
        if chunk.len() >= 30 {
            words.push(encode_word(&chunk, charset));
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        words.push(encode_word(&chunk, charset));
    }
    format!("{plain}{}", words.join(" "))
}

fn encode_word(text: &str, charset: WordCharset) -> String {
    match charset {
        WordCharset::Utf8Base64 => format!("=?UTF-8?B?{}?=", base64(text.as_bytes())),
        WordCharset::Utf8Q => format!("=?UTF-8?Q?{}?=", q_encode(text.as_bytes())),
        WordCharset::Latin1Q => {
            let bytes = latin1(text).unwrap_or_else(|| text.as_bytes().to_vec());
            format!("=?ISO-8859-1?Q?{}?=", q_encode(&bytes))
        }
    }
}

fn q_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b' ' => out.push('_'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'!' | b'*' | b'+' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("={b:02X}")),
        }
    }
    out
}

/// `Display Name <addr>` with the name quoted or encoded as needed.
pub(crate) fn mailbox(name: &str, email: &str, charset: WordCharset) -> String {
    if name.is_empty() {
        return format!("<{email}>");
    }
    if !name.is_ascii() {
        return format!("{} <{email}>", encode_words(name, charset));
    }
    if name
        .chars()
        .any(|c| matches!(c, ',' | '.' | '(' | ')' | '<' | '>' | '@' | ';' | ':' | '"'))
    {
        format!("\"{}\" <{email}>", name.replace('"', "'"))
    } else {
        format!("{name} <{email}>")
    }
}

/// An RFC 2231 `filename*=` parameter (UTF-8, percent-encoded) for a non-ASCII name.
pub(crate) fn rfc2231_value(text: &str) -> String {
    let mut out = String::from("UTF-8''");
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// ASCII stand-in for a name in an email address: "Jürgen Müller" -> "juergen.mueller".
pub(crate) fn ascii_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '\'' if !out.ends_with('.') && !out.is_empty() => out.push('.'),
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'ø' | 'œ' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'å' | 'á' | 'à' | 'â' | 'ã' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'ł' => out.push('l'),
            'ś' => out.push('s'),
            'ń' => out.push('n'),
            'ź' | 'ż' => out.push('z'),
            'ę' => out.push('e'),
            'ą' => out.push('a'),
            'ć' => out.push('c'),
            _ => {}
        }
    }
    out.trim_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("Müller".as_bytes()), "TcO8bGxlcg==");
    }

    #[test]
    fn qp_and_words() {
        assert_eq!(quoted_printable("a=b é\n".as_bytes()), "a=3Db =C3=A9\n");
        assert_eq!(quoted_printable(b"trailing \nx"), "trailing=20\nx");
        assert_eq!(encode_words("plain", WordCharset::Utf8Q), "plain");
        assert_eq!(
            encode_words("Müller", WordCharset::Latin1Q),
            "=?ISO-8859-1?Q?M=FCller?="
        );
        assert_eq!(
            encode_words("Müller", WordCharset::Utf8Q),
            "=?UTF-8?Q?M=C3=BCller?="
        );
        assert_eq!(
            encode_words("王芳", WordCharset::Latin1Q),
            "=?UTF-8?Q?=E7=8E=8B=E8=8A=B3?="
        );
        assert_eq!(
            mailbox("Doe, Jane", "j@x", WordCharset::Utf8Q),
            "\"Doe, Jane\" <j@x>"
        );
        assert_eq!(
            rfc2231_value("Angebot Müller.pdf"),
            "UTF-8''Angebot%20M%C3%BCller.pdf"
        );
        assert_eq!(ascii_slug("Jürgen Müller"), "juergen.mueller");
        assert_eq!(ascii_slug("Åsa Lindqvist"), "asa.lindqvist");
    }
}
