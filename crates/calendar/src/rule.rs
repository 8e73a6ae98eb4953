//! RRULE walking in wall-clock ("naive") time. RFC 5545 computes recurrences on local
//! dates and times; the zone is applied to each occurrence afterwards, so one walker
//! serves IANA zones, VTIMEZONE-defined zones, floating times and all-day dates alike.

use chrono::{DateTime, NaiveDateTime};
use rrule::{RRule, RRuleSet, Unvalidated};

use crate::values::{parse_date_value, DateValue};

/// An RRULE with UNTIL taken out (the caller applies it in its own terms).
pub(crate) struct SplitRule {
    /// The rule's parts without UNTIL, `;`-joined.
    pub rest: String,
    pub until: Option<DateValue>,
    pub count: Option<usize>,
}

/// Splits an RRULE value; fails on an unreadable UNTIL.
pub(crate) fn split_rule(text: &str) -> Result<SplitRule, String> {
    let text = text.trim();
    let text = match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &text[6..],
        _ => text,
    };
    let mut until = None;
    let mut count = None;
    let mut kept = Vec::new();
    for part in text.split(';').filter(|p| !p.trim().is_empty()) {
        match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                until = Some(
                    parse_date_value(value)
                        .ok_or_else(|| format!("unparseable UNTIL {:?}", value.trim()))?,
                );
            }
            Some((key, value)) if key.trim().eq_ignore_ascii_case("COUNT") => {
                count = value.trim().parse::<usize>().ok();
                kept.push(part);
            }
            _ => kept.push(part),
        }
    }
    Ok(SplitRule {
        rest: kept.join(";"),
        until,
        count,
    })
}

/// The occurrences of `rest` (a rule without UNTIL) from `dtstart`, as wall-clock times,
/// in order. The iterator is bounded by the rule engine's own iteration limit for rules
/// that stop matching; callers still cap how many they take.
pub(crate) fn walk(
    dtstart: NaiveDateTime,
    rest: &str,
) -> Result<Box<dyn Iterator<Item = NaiveDateTime>>, String> {
    let rule: RRule<Unvalidated> = rest.parse().map_err(|e: rrule::RRuleError| e.to_string())?;
    let start: DateTime<rrule::Tz> = dtstart.and_utc().with_timezone(&rrule::Tz::UTC);
    let rule = rule.validate(start).map_err(|e| e.to_string())?;
    let set = RRuleSet::new(start).rrule(rule).limit();
    Ok(Box::new(set.into_iter().map(|d| d.naive_utc())))
}
