//! Property values: TEXT escapes, DATE / DATE-TIME / DURATION, and turning a TZID into a
//! chrono-tz zone.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::vtimezone::CustomZone;

/// Undoes TEXT escaping (RFC 5545 §3.3.11): `\n`/`\N` newline, `\,` `\;` `\\` literal.
pub(crate) fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A DATE or DATE-TIME value before any zone is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DateValue {
    Date(NaiveDate),
    /// Ends in `Z`.
    Utc(NaiveDateTime),
    /// No `Z`: floating, or local to the TZID parameter.
    Local(NaiveDateTime),
}

pub(crate) fn parse_date_value(value: &str) -> Option<DateValue> {
    let v = value.trim();
    if v.len() == 8 {
        return parse_date(v).map(DateValue::Date);
    }
    let (body, utc) = match v.strip_suffix(['Z', 'z']) {
        Some(body) => (body, true),
        None => (v, false),
    };
    let (date, time) = body.split_once(['T', 't'])?;
    let date = parse_date(date)?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h = time[0..2].parse().ok()?;
    let m = time[2..4].parse().ok()?;
    // A leap second (60) is clamped rather than rejected.
    let s: u32 = time[4..6].parse().ok()?;
    let naive = date.and_time(NaiveTime::from_hms_opt(h, m, s.min(59))?);
    Some(if utc {
        DateValue::Utc(naive)
    } else {
        DateValue::Local(naive)
    })
}

fn parse_date(v: &str) -> Option<NaiveDate> {
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        v[0..4].parse().ok()?,
        v[4..6].parse().ok()?,
        v[6..8].parse().ok()?,
    )
}

/// Wall-clock time in `tz` to an instant. A time inside a DST gap uses the offset from
/// before the gap; an ambiguous time takes the first (earlier) instant (RFC 5545 §3.3.5).
pub(crate) fn local_to_utc(tz: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            let before = naive - Duration::hours(12);
            let offset = tz.offset_from_utc_datetime(&before).fix();
            let shifted = naive - Duration::seconds(i64::from(offset.local_minus_utc()));
            Utc.from_utc_datetime(&shifted)
        }
    }
}

/// A zone that turns wall-clock times into instants: an IANA zone or one defined by a
/// VTIMEZONE.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock<'a> {
    Iana(Tz),
    Custom(&'a CustomZone),
}

impl Clock<'_> {
    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Clock::Iana(tz) => local_to_utc(tz, local),
            Clock::Custom(zone) => zone.local_to_utc(local),
        }
    }

    pub fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Clock::Iana(tz) => at.with_timezone(&tz).naive_local(),
            Clock::Custom(zone) => zone.utc_to_local(at),
        }
    }
}

/// Resolves a TZID: an IANA name, a Windows zone id or display name, a VTIMEZONE in the same file that
/// names its IANA location, or a path-like TZID ending in an IANA name
/// (`/mozilla.org/20050126_1/America/New_York`).
pub(crate) fn resolve_tzid(tzid: &str, vtimezones: &HashMap<String, String>) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Ok(tz) = Tz::from_str(tzid) {
        return Some(tz);
    }
    if let Some(tz) = crate::windows_zones::windows_to_iana(tzid).and_then(|n| Tz::from_str(n).ok())
    {
        return Some(tz);
    }
    if let Some(location) = vtimezones.get(tzid) {
        if location != tzid {
            if let Some(tz) = resolve_tzid(location, &HashMap::new()) {
                return Some(tz);
            }
        }
    }
    let parts: Vec<&str> = tzid.split('/').filter(|p| !p.is_empty()).collect();
    (1..parts.len()).find_map(|i| Tz::from_str(&parts[i..].join("/")).ok())
}

/// RFC 5545 §3.3.6 DURATION: `[+-]P[nW]` or `[+-]P[nD][T[nH][nM][nS]]`.
pub(crate) fn parse_duration(value: &str) -> Option<Duration> {
    let v = value.trim();
    let (negative, v) = match v.as_bytes().first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let v = v.strip_prefix(['P', 'p'])?;
    if v.is_empty() {
        return None;
    }
    let mut seconds: i64 = 0;
    let mut number = String::new();
    let mut in_time = false;
    let mut saw_unit = false;
    for c in v.chars() {
        match c.to_ascii_uppercase() {
            d if d.is_ascii_digit() => number.push(d),
            'T' if !in_time && number.is_empty() => in_time = true,
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let factor = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                seconds = seconds.checked_add(n.checked_mul(factor)?)?;
                saw_unit = true;
            }
        }
    }
    if !number.is_empty() || !saw_unit {
        return None;
    }
    // Keep durations to something a calendar can mean (about 100 years).
    if seconds > 100 * 366 * 86_400 {
        return None;
    }
    Some(Duration::seconds(if negative { -seconds } else { seconds }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes() {
        assert_eq!(unescape_text(r"a\,b\;c\\d\ne\Nf"), "a,b;c\\d\ne\nf");
        assert_eq!(unescape_text("trailing\\"), "trailing\\");
    }

    #[test]
    fn date_values() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        assert_eq!(parse_date_value("20240310"), Some(DateValue::Date(d)));
        assert_eq!(
            parse_date_value("20240310T093000Z"),
            Some(DateValue::Utc(d.and_hms_opt(9, 30, 0).unwrap()))
        );
        assert_eq!(
            parse_date_value("20240310T093000"),
            Some(DateValue::Local(d.and_hms_opt(9, 30, 0).unwrap()))
        );
        for bad in [
            "2024031",
            "20241310",
            "20240310T9300",
            "20240310T250000",
            "",
            "x",
        ] {
            assert_eq!(parse_date_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        let cases = [
            ("PT1H30M", Some(5400)),
            ("P1D", Some(86_400)),
            ("P2W", Some(14 * 86_400)),
            ("-PT15M", Some(-900)),
            ("P1DT2H", Some(93_600)),
            ("PT", None),
            ("P", None),
            ("1H", None),
            ("PT1D", None),
            ("P1H", None),
            ("P99999999999999999999D", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_duration(input).map(|d| d.num_seconds()),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn tzid_resolution() {
        let mut custom = HashMap::new();
        custom.insert("Custom Berlin".to_string(), "Europe/Berlin".to_string());
        let cases = [
            ("America/New_York", Some("America/New_York")),
            ("W. Europe Standard Time", Some("Europe/Berlin")),
            ("Eastern Standard Time", Some("America/New_York")),
            ("Pacific Standard Time", Some("America/Los_Angeles")),
            (
                "/mozilla.org/20050126_1/America/New_York",
                Some("America/New_York"),
            ),
            ("Custom Berlin", Some("Europe/Berlin")),
            ("Mars/Olympus_Mons", None),
        ];
        for (tzid, want) in cases {
            assert_eq!(
                resolve_tzid(tzid, &custom).map(|tz| tz.name()),
                want,
                "{tzid}"
            );
        }
    }

    #[test]
    fn gap_and_fold_follow_rfc() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2024-03-10 02:30 does not exist in New York: use the offset before the gap (-5).
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(ny, gap).to_rfc3339(),
            "2024-03-10T07:30:00+00:00"
        );
        // 2024-11-03 01:30 happens twice: take the first (EDT, -4).
        let fold = NaiveDate::from_ymd_opt(2024, 11, 3)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(ny, fold).to_rfc3339(),
            "2024-11-03T05:30:00+00:00"
        );
    }
}
