//! UID sets on the wire ("1:5,7,9:12") and modified UTF-7 mailbox names (RFC 3501 5.1.3).

use std::ops::RangeInclusive;

/// Compresses UIDs into an IMAP sequence set. Input order does not matter.
pub fn encode_uid_set(uids: &[u32]) -> String {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// Expands ranges (as in VANISHED or ESEARCH) into UIDs.
pub fn expand_ranges(ranges: &[RangeInclusive<u32>]) -> Vec<u32> {
    let mut out = Vec::new();
    for r in ranges {
        out.extend(r.clone());
    }
    out
}

/// Decodes a modified UTF-7 mailbox name; names that are not valid mUTF-7 are returned
/// unchanged (some servers send raw UTF-8).
pub fn decode_mailbox_name(name: &str) -> String {
    if !name.contains('&') {
        return name.to_owned();
    }
    let mut out = String::new();
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(dash) = after.find('-') else {
            return name.to_owned();
        };
        let chunk = &after[..dash];
        if chunk.is_empty() {
            out.push('&');
        } else {
            let b64 = chunk.replace(',', "/");
            let Some(bytes) = decode_b64_unpadded(&b64) else {
                return name.to_owned();
            };
            let units: Vec<u16> = bytes
                .chunks(2)
                .filter(|c| c.len() == 2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            match String::from_utf16(&units) {
                Ok(s) => out.push_str(&s),
                Err(_) => return name.to_owned(),
            }
        }
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    out
}

/// Encodes a mailbox name as modified UTF-7.
pub fn encode_mailbox_name(name: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&encode_b64_unpadded(&bytes).replace('/', ","));
        out.push('-');
        pending.clear();
    };
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode_b64_unpadded(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn decode_b64_unpadded(s: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(((bits >> nbits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Quotes a string for an IMAP command (quoted form; callers send literals for CR/LF).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets() {
        for (uids, wire) in [
            (vec![], ""),
            (vec![7], "7"),
            (vec![1, 2, 3, 5, 9, 10], "1:3,5,9:10"),
            (vec![10, 9, 1, 2, 2], "1:2,9:10"),
        ] {
            assert_eq!(encode_uid_set(&uids), wire);
        }
        assert_eq!(expand_ranges(&[1..=3, 7..=7]), vec![1, 2, 3, 7]);
    }

    #[test]
    fn mailbox_names_round_trip() {
        for (plain, wire) in [
            ("INBOX", "INBOX"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("Tom & Jerry", "Tom &- Jerry"),
            ("日本語", "&ZeVnLIqe-"),
            ("Papierkorb/Gelöscht", "Papierkorb/Gel&APY-scht"),
        ] {
            assert_eq!(encode_mailbox_name(plain), wire, "encode {plain}");
            assert_eq!(decode_mailbox_name(wire), plain, "decode {wire}");
        }
        // Not valid mUTF-7: returned as is.
        assert_eq!(decode_mailbox_name("a&b"), "a&b");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(r#"pa"ss\w"#), r#""pa\"ss\\w""#);
    }
}
