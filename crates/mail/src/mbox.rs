//! Splitting an mbox file (mboxrd or mboxo) into messages.

/// One message of an mbox, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxEntry {
    /// 1-based position of the message in the file.
    pub index: usize,
    /// Byte offset of its "From " line.
    pub offset: usize,
    /// Date from the "From " line, ms since the epoch, used when Date: is unreadable.
    pub envelope_date: Option<i64>,
    /// The message with the "From " line removed and ">From " quoting undone.
    pub raw: Vec<u8>,
}

impl MboxEntry {
    pub fn position(&self) -> String {
        format!("message {} (byte {})", self.index, self.offset)
    }
}

/// A "From " separator line: "From sender asctime-date". Body lines that merely start
/// with "From " (unquoted mboxo) rarely end in a time and year, so they stay in the body.
fn is_separator(line: &[u8]) -> bool {
    if !line.starts_with(b"From ") {
        return false;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens.len() >= 3
        && tokens.iter().any(|t| {
            t.len() >= 5
                && t.matches(':').count() >= 1
                && t.chars().all(|c| c.is_ascii_digit() || c == ':')
        })
}

/// Splits `data` into messages. Text before the first separator is returned as the
/// second value (callers report it) unless it is only whitespace.
pub fn split_mbox(data: &[u8]) -> (Vec<MboxEntry>, Option<usize>) {
    let mut starts: Vec<usize> = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = memchr_newline(data, pos);
        if is_separator(&data[pos..end]) {
            starts.push(pos);
        }
        pos = end + 1;
    }
    let leading_garbage = match starts.first() {
        Some(&first) if data[..first].iter().any(|b| !b.is_ascii_whitespace()) => Some(first),
        None if data.iter().any(|b| !b.is_ascii_whitespace()) => Some(data.len()),
        _ => None,
    };
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let stop = starts.get(i + 1).copied().unwrap_or(data.len());
        let line_end = memchr_newline(data, start);
        let from_line = &data[start..line_end];
        let body_start = (line_end + 1).min(stop);
        let mut body = &data[body_start..stop];
        // The blank line before the next separator belongs to the mbox, not the message.
        if let Some(b) = body.strip_suffix(b"\n") {
            body = b.strip_suffix(b"\r").unwrap_or(b);
        }
        out.push(MboxEntry {
            index: i + 1,
            offset: start,
            envelope_date: std::str::from_utf8(from_line).ok().and_then(asctime_ms),
            raw: unquote_from(body),
        });
    }
    (out, leading_garbage)
}

fn memchr_newline(data: &[u8], from: usize) -> usize {
    data[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |p| from + p)
}

/// Undoes mboxrd quoting: a line of one or more '>' then "From " loses one '>'.
fn unquote_from(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut line_start = true;
    let mut i = 0;
    while i < body.len() {
        if line_start && body[i] == b'>' {
            let gts = body[i..].iter().take_while(|&&b| b == b'>').count();
            if body[i + gts..].starts_with(b"From ") {
                i += 1;
            }
        }
        let b = body[i];
        out.push(b);
        line_start = b == b'\n';
        i += 1;
    }
    out
}

/// Parses the asctime date at the end of a "From " line ("Tue Nov  3 10:00:00 2026").
fn asctime_ms(line: &str) -> Option<i64> {
    let t: Vec<&str> = line.split_whitespace().collect();
    let n = t.len();
    if n < 5 {
        return None;
    }
    let year: i64 = t[n - 1].parse().ok()?;
    let mut hms = t[n - 2].split(':').map(|x| x.parse::<i64>());
    let (h, m, s) = (
        hms.next()?.ok()?,
        hms.next()?.ok()?,
        hms.next().and_then(Result::ok).unwrap_or(0),
    );
    let day: i64 = t[n - 3].parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS
        .iter()
        .position(|mo| t[n - 4].eq_ignore_ascii_case(mo))? as i64
        + 1;
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400) + h * 3600 + m * 60 + s) * 1000)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_unquotes() {
        let data = b"From a@x Tue Nov  3 10:00:00 2026\nSubject: one\n\nline\n>From here\n>>From there\nFrom is a word here\n\nFrom b@x Wed Nov  4 11:30:00 2026\nSubject: two\n\nbody\n";
        let (entries, garbage) = split_mbox(data);
        assert_eq!(garbage, None);
        assert_eq!(entries.len(), 2);
        assert_eq!(
            String::from_utf8_lossy(&entries[0].raw),
            "Subject: one\n\nline\nFrom here\n>From there\nFrom is a word here\n"
        );
        assert_eq!(entries[1].index, 2);
        assert_eq!(entries[1].envelope_date, Some(1_793_791_800_000));
    }

    #[test]
    fn reports_leading_garbage_and_survives_truncation() {
        let (entries, garbage) = split_mbox(b"junk\nFrom a@x Tue Nov  3 10:00:00 2026\nSubj");
        assert_eq!(garbage, Some(5));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].raw, b"Subj");
        let (entries, garbage) = split_mbox(b"");
        assert!(entries.is_empty());
        assert_eq!(garbage, None);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}
