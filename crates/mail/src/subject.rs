//! Subject normalisation for the threading fallback.

/// Reply/forward prefixes in the languages our users' correspondents write in. Matched
/// case-insensitively, followed by ':' or '：', optionally with a counter ("Re[2]:",
/// "Re(2):", "Re^2:").
const PREFIXES: &[&str] = &[
    "re", "fw", "fwd", "aw", "wg", "sv", "vs", "vb", "tr", "rif", "r", "ref", "res", "odp", "antw",
    "doorst", "enc", "rv", "απ", "σχετ", "回复", "回覆", "答复", "转发", "轉寄", "返信", "転送",
];

/// Returns the subject's threading key (prefixes and leading `[list]` tags removed,
/// whitespace collapsed, lower-cased) and whether it carried a reply/forward prefix.
pub fn subject_key(subject: &str) -> (String, bool) {
    let mut rest = subject.trim();
    let mut was_reply = false;
    loop {
        let before = rest;
        rest = strip_list_tag(rest).trim_start();
        if let Some(after) = strip_prefix(rest) {
            rest = after.trim_start();
            was_reply = true;
        }
        if rest.len() == before.len() {
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

fn strip_list_tag(s: &str) -> &str {
    if let Some(inner) = s.strip_prefix('[') {
        if let Some(end) = inner.find(']') {
            // "[PATCH 1/3]" and "[list-name]" are tags; a bracket closing much later is
            // part of the subject.
            if end <= 40 {
                return &inner[end + 1..];
            }
        }
    }
    s
}

fn strip_prefix(s: &str) -> Option<&str> {
    for p in PREFIXES {
        let Some(head) = s.get(..p.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(p) && head.to_lowercase() != *p {
            continue;
        }
        let mut tail = &s[p.len()..];
        // Counter: [2], (2), ^2
        if let Some(t) = tail.strip_prefix('[').or_else(|| tail.strip_prefix('(')) {
            let digits = t.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 {
                let after = &t[digits..];
                if let Some(a) = after.strip_prefix(']').or_else(|| after.strip_prefix(')')) {
                    tail = a;
                }
            }
        } else if let Some(t) = tail.strip_prefix('^') {
            let digits = t.chars().take_while(char::is_ascii_digit).count();
            tail = &t[digits..];
        }
        let tail = tail.trim_start_matches(' ');
        if let Some(after) = tail.strip_prefix(':').or_else(|| tail.strip_prefix('：')) {
            return Some(after);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::subject_key;

    #[test]
    fn normalises_subjects() {
        let cases: &[(&str, &str, bool)] = &[
            ("Hello", "hello", false),
            ("Re: Hello", "hello", true),
            ("RE: RE: Hello", "hello", true),
            ("Fwd: Re: Hello", "hello", true),
            ("FW: hello", "hello", true),
            ("AW: Angebot", "angebot", true),
            ("SV: Offert", "offert", true),
            ("Re[2]: Hello", "hello", true),
            ("Re(3): Hello", "hello", true),
            ("Re^2: Hello", "hello", true),
            ("回复：会议安排", "会议安排", true),
            ("回复: 会议安排", "会议安排", true),
            ("[sales] Re: Pricing", "pricing", true),
            ("Re: [sales] Pricing", "pricing", true),
            ("[PATCH 1/3] fix", "fix", false),
            ("Regarding the deal", "regarding the deal", false),
            ("Re:Hello", "hello", true),
            ("  Multiple   spaces  ", "multiple spaces", false),
            ("", "", false),
            ("Re:", "", true),
        ];
        for (input, key, reply) in cases {
            assert_eq!(subject_key(input), (key.to_string(), *reply), "{input:?}");
        }
    }
}
