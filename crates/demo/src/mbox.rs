//! mboxrd: each message starts with a `From ` line; body lines matching `^>*From ` get
//! one more `>` so readers can undo it exactly.

use chrono::{DateTime, Utc};

pub(crate) fn append(out: &mut Vec<u8>, envelope_from: &str, date: DateTime<Utc>, message: &[u8]) {
    out.extend_from_slice(
        format!(
            "From {envelope_from} {}\n",
            date.format("%a %b %e %H:%M:%S %Y")
        )
        .as_bytes(),
    );
    for line in message.split_inclusive(|b| *b == b'\n') {
        let after_quotes = line.iter().position(|b| *b != b'>').unwrap_or(line.len());
        if line[after_quotes..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    if !message.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quotes_from_lines() {
        let mut out = Vec::new();
        let date = Utc.with_ymd_and_hms(2025, 3, 4, 9, 5, 0).unwrap();
        append(
            &mut out,
            "a@b",
            date,
            b"Subject: x\n\nFrom here\n>From there\nFrom: not quoted? yes\nok",
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "From a@b Tue Mar  4 09:05:00 2025\nSubject: x\n\n>From here\n>>From there\nFrom: not quoted? yes\nok\n\n"
        );
    }
}
