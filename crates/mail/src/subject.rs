//! Subject normalisation for the threading fallback.
//!
//! Only messages without any references are threaded by subject, so the key has to
//! survive what mail clients and list servers do to a subject on the way back: reply and
//! forward prefixes in many languages (with counters such as `Re[2]:`), repeated and
//! mixed prefix chains, and list tags inserted before or after those prefixes.
//!
//! Decisions on the look-alikes:
//! - A prefix is a whole word followed by `:` (or the full-width `：`), optionally with
//!   a counter and spaces before the colon (French writes `RE :`). "Reply all about X",
//!   "Fwdx: y" and "Re x" keep their first word.
//! - A bracketed tag is a list tag, and is dropped, when it is one token of letters,
//!   digits and `-_.+@` (`[sales]`, `[Some-List]`, `[EXTERNAL]`, `[PATCH]`). Tags with
//!   spaces or slashes (`[PATCH 2/3]`, `[RFC PATCH v2]`, `[1/3]`) stay in the key: their
//!   authors repeat them verbatim in replies, and they tell the parts and versions of a
//!   series apart, so dropping them would only merge conversations that differ. List
//!   servers, by contrast, add their tag inconsistently (`[list] Re: x`, `Re: [list] x`).
//! - Plain `Ref:` is not a prefix (English originals use it for "regarding"); the French
//!   `Réf:` is.
//! - A subject that is nothing but prefixes and tags has an empty key, which turns the
//!   subject fallback off for it: "Re:" says nothing about which conversation it is.

/// Reply/forward prefixes, lower-case, in the languages our users' correspondents write
/// in. Matched as a whole word, case-insensitively.
const PREFIXES: &[&str] = &[
    // English, and what most clients write whatever their language.
    "re", "fw", "fwd", //
    // German (Antwort, Weitergeleitet), Dutch (Antwoord, Doorsturen).
    "aw", "wg", "antw", "doorst", //
    // Scandinavian and Finnish (Svar, Vidarebefordrat, Vastaus, Välitetty).
    "sv", "vb", "vs", "vl", //
    // French (Réf, Transféré), Italian (Risposta), Spanish and Portuguese (Reenviado,
    // Resposta, Encaminhado), Polish (Odpowiedź). Italian Outlook's forward "I:" is left
    // out: "I: Introduction" is too likely an original.
    "réf", "tr", "rif", "r", "rv", "res", "enc", "odp", //
    // Greek.
    "απ", "σχετ", //
    // Chinese (simplified and traditional) and Japanese.
    "回复", "回覆", "答复", "答覆", "转发", "轉寄", "轉發", "返信", "転送",
];

/// Longest bracketed token still taken for a list tag; a bracket closing later is part
/// of the subject.
const MAX_TAG_CHARS: usize = 40;

/// Returns the subject's threading key (prefixes and leading list tags removed,
/// whitespace collapsed, lower-cased) and whether it carried a reply/forward prefix.
pub fn subject_key(subject: &str) -> (String, bool) {
    let mut rest = subject.trim_start();
    let mut was_reply = false;
    loop {
        if let Some(after) = strip_prefix(rest) {
            rest = after.trim_start();
            was_reply = true;
        } else if let Some(after) = strip_list_tag(rest) {
            rest = after.trim_start();
        } else {
            break;
        }
    }
    let key = rest
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (key, was_reply)
}

/// `s` without a leading `[tag]`, if it starts with one.
fn strip_list_tag(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find(']')?;
    let tag = &inner[..end];
    let is_token = !tag.is_empty()
        && tag.chars().count() <= MAX_TAG_CHARS
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.+@".contains(c));
    is_token.then(|| &inner[end + 1..])
}

/// `s` without a leading reply/forward prefix ("Re:", "AW :", "Re[2]:", "回复："), if it
/// starts with one.
fn strip_prefix(s: &str) -> Option<&str> {
    let word_len = s
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    let word = &s[..word_len];
    if word.is_empty() || !PREFIXES.contains(&word.to_lowercase().as_str()) {
        return None;
    }
    let mut tail = &s[word_len..];
    // Counter: Re[2]: Re(2): Re^2:
    let counted = tail
        .strip_prefix('[')
        .map(|t| (t, Some(']')))
        .or_else(|| tail.strip_prefix('(').map(|t| (t, Some(')'))))
        .or_else(|| tail.strip_prefix('^').map(|t| (t, None)));
    if let Some((t, close)) = counted {
        let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &t[digits..];
        let after = match close {
            Some(c) => after.strip_prefix(c),
            None => Some(after),
        };
        match after {
            Some(a) if digits > 0 => tail = a,
            _ => return None,
        }
    }
    let tail = tail.trim_start();
    tail.strip_prefix(':').or_else(|| tail.strip_prefix('：'))
}
