//! Zones defined only by a VTIMEZONE (custom TZIDs that name no IANA zone): the offsets
//! come from its STANDARD / DAYLIGHT observances (DTSTART, TZOFFSETFROM, TZOFFSETTO,
//! RRULE, RDATE), turned once into a sorted list of transitions.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::rule::{split_rule, walk};
use crate::values::{parse_date_value, DateValue};

/// Transitions are computed up to the end of this year.
const LAST_YEAR: i32 = 2100;
/// Most onsets one observance contributes (hostile input stays bounded).
const MAX_ONSETS: usize = 1_000;
/// Offsets beyond ±18 hours are not offsets a zone can have.
const MAX_OFFSET: i32 = 18 * 3600;

/// A time zone known only from a VTIMEZONE component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomZone {
    /// The TZID as written.
    pub tzid: String,
    /// Seconds east of UTC before the first transition.
    pub initial_offset: i32,
    /// `(UTC seconds since the epoch, offset in seconds east of UTC from then on)`,
    /// sorted by time.
    pub transitions: Vec<(i64, i32)>,
}

/// One STANDARD or DAYLIGHT sub-component as read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Observance {
    pub dtstart: Option<String>,
    pub offset_from: Option<String>,
    pub offset_to: Option<String>,
    pub rrule: Option<String>,
    pub rdates: Vec<String>,
}

impl CustomZone {
    /// Builds the zone; `None` when no observance has a usable DTSTART and TZOFFSETTO.
    pub(crate) fn from_observances(tzid: &str, observances: &[Observance]) -> Option<CustomZone> {
        let mut onsets: Vec<(i64, i32, i32)> = Vec::new(); // (utc, from, to)
        for obs in observances {
            let Some(to) = obs.offset_to.as_deref().and_then(parse_offset) else {
                continue;
            };
            let from = obs
                .offset_from
                .as_deref()
                .and_then(parse_offset)
                .unwrap_or(to);
            let Some(DateValue::Local(start) | DateValue::Utc(start)) =
                obs.dtstart.as_deref().and_then(parse_date_value)
            else {
                continue;
            };
            let to_utc = |local: NaiveDateTime| {
                (local - Duration::seconds(i64::from(from)))
                    .and_utc()
                    .timestamp()
            };
            onsets.push((to_utc(start), from, to));
            if let Some(text) = &obs.rrule {
                if let Ok(split) = split_rule(text) {
                    let walked = std::panic::catch_unwind(|| {
                        let mut out = Vec::new();
                        if let Ok(iter) = walk(start, &split.rest) {
                            for local in iter.take(MAX_ONSETS) {
                                if local.year() > LAST_YEAR {
                                    break;
                                }
                                let past_until = match split.until {
                                    Some(DateValue::Utc(u)) => {
                                        to_utc(local) > u.and_utc().timestamp()
                                    }
                                    Some(DateValue::Local(u)) => local > u,
                                    Some(DateValue::Date(d)) => local.date() > d,
                                    None => false,
                                };
                                if past_until {
                                    break;
                                }
                                out.push(to_utc(local));
                            }
                        }
                        out
                    });
                    for at in walked.unwrap_or_default() {
                        onsets.push((at, from, to));
                    }
                }
            }
            for list in &obs.rdates {
                for item in list.split(',').take(MAX_ONSETS) {
                    let item = item.split('/').next().unwrap_or(item);
                    match parse_date_value(item) {
                        Some(DateValue::Local(local)) => onsets.push((to_utc(local), from, to)),
                        Some(DateValue::Utc(utc)) => {
                            onsets.push((utc.and_utc().timestamp(), from, to))
                        }
                        _ => {}
                    }
                }
            }
        }
        if onsets.is_empty() {
            return None;
        }
        onsets.sort_unstable();
        onsets.dedup_by_key(|o| o.0);
        let initial_offset = onsets[0].1;
        let mut transitions: Vec<(i64, i32)> = Vec::with_capacity(onsets.len());
        for (at, _, to) in onsets {
            let previous = transitions.last().map_or(initial_offset, |t| t.1);
            if to != previous {
                transitions.push((at, to));
            }
        }
        Some(CustomZone {
            tzid: tzid.to_string(),
            initial_offset,
            transitions,
        })
    }

    /// Seconds east of UTC in effect at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        self.offset_at_secs(at.timestamp())
    }

    fn offset_at_secs(&self, secs: i64) -> i32 {
        let i = self.transitions.partition_point(|(t, _)| *t <= secs);
        if i == 0 {
            self.initial_offset
        } else {
            self.transitions[i - 1].1
        }
    }

    /// Wall-clock time to an instant, with RFC 5545 §3.3.5's rules: a time in a gap uses
    /// the offset from before the gap, an ambiguous time takes its first occurrence.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let as_utc = local.and_utc().timestamp();
        let day = 86_400;
        let lo = self.transitions.partition_point(|(t, _)| *t < as_utc - day);
        let hi = self
            .transitions
            .partition_point(|(t, _)| *t <= as_utc + day);
        let mut offsets = vec![self.offset_at_secs(as_utc - day)];
        offsets.extend(self.transitions[lo..hi].iter().map(|t| t.1));
        let fits = offsets
            .iter()
            .map(|off| as_utc - i64::from(*off))
            .filter(|utc| i64::from(self.offset_at_secs(*utc)) == as_utc - utc)
            .min();
        let secs = fits.unwrap_or_else(|| {
            // In a gap: the offset in effect before the transition that skipped it.
            let before = self.transitions[lo..hi]
                .iter()
                .enumerate()
                .find(|(k, (t, to))| {
                    let prev = if lo + k == 0 {
                        self.initial_offset
                    } else {
                        self.transitions[lo + k - 1].1
                    };
                    as_utc - i64::from(prev) >= *t && as_utc - i64::from(*to) < *t
                })
                .map(|(k, _)| {
                    if lo + k == 0 {
                        self.initial_offset
                    } else {
                        self.transitions[lo + k - 1].1
                    }
                })
                .unwrap_or(offsets[0]);
            as_utc - i64::from(before)
        });
        Utc.timestamp_opt(secs, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// The wall-clock time at `at`.
    pub fn utc_to_local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(i64::from(self.offset_at(at)))
    }
}

/// `+0530`, `-0400`, `+013045` to seconds east of UTC.
pub(crate) fn parse_offset(value: &str) -> Option<i32> {
    let v = value.trim();
    let (sign, digits) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[0..2].parse().ok()?;
    let m: i32 = digits[2..4].parse().ok()?;
    let s: i32 = digits.get(4..6).map_or(Some(0), |s| s.parse().ok())?;
    let total = h * 3600 + m * 60 + s;
    (m < 60 && s < 60 && total <= MAX_OFFSET).then_some(sign * total)
}

/// Seconds east of UTC to `+hhmm` (`+hhmmss` when there are seconds).
pub(crate) fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    if a.is_multiple_of(60) {
        format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", a / 3600, a / 60 % 60, a % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn us_eastern() -> CustomZone {
        let obs = [
            Observance {
                dtstart: Some("19701101T020000".into()),
                offset_from: Some("-0400".into()),
                offset_to: Some("-0500".into()),
                rrule: Some("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU".into()),
                rdates: vec![],
            },
            Observance {
                dtstart: Some("19700308T020000".into()),
                offset_from: Some("-0500".into()),
                offset_to: Some("-0400".into()),
                rrule: Some("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU".into()),
                rdates: vec![],
            },
        ];
        CustomZone::from_observances("Custom Eastern", &obs).unwrap()
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn offsets_follow_the_observances() {
        let z = us_eastern();
        assert_eq!(
            z.local_to_utc(local(2026, 1, 5, 9, 0)).to_rfc3339(),
            "2026-01-05T14:00:00+00:00"
        );
        assert_eq!(
            z.local_to_utc(local(2026, 7, 5, 9, 0)).to_rfc3339(),
            "2026-07-05T13:00:00+00:00"
        );
        // Gap: 02:30 on 2026-03-08 uses the offset before (-5) = 03:30 EDT.
        assert_eq!(
            z.local_to_utc(local(2026, 3, 8, 2, 30)).to_rfc3339(),
            "2026-03-08T07:30:00+00:00"
        );
        // Fold: 01:30 on 2026-11-01 is first EDT.
        assert_eq!(
            z.local_to_utc(local(2026, 11, 1, 1, 30)).to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        let at = z.local_to_utc(local(2026, 7, 5, 9, 0));
        assert_eq!(z.utc_to_local(at), local(2026, 7, 5, 9, 0));
    }

    #[test]
    fn offsets_parse_and_format() {
        assert_eq!(parse_offset("+0530"), Some(19_800));
        assert_eq!(parse_offset("-0400"), Some(-14_400));
        assert_eq!(parse_offset("+001545"), Some(945));
        for bad in ["0530", "+5", "+0560", "+9900", "", "+05:30"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
        assert_eq!(format_offset(19_800), "+0530");
        assert_eq!(format_offset(-14_400), "-0400");
        assert_eq!(format_offset(945), "+001545");
    }

    #[test]
    fn hostile_observances_stay_bounded() {
        let obs = [Observance {
            dtstart: Some("19000101T000000".into()),
            offset_from: Some("+0000".into()),
            offset_to: Some("+0100".into()),
            rrule: Some("FREQ=SECONDLY".into()),
            rdates: vec!["x,y,20200101T000000".into()],
        }];
        let z = CustomZone::from_observances("x", &obs).unwrap();
        assert!(z.transitions.len() <= 2 * MAX_ONSETS + 2);
        assert!(CustomZone::from_observances("x", &[Observance::default()]).is_none());
    }
}
