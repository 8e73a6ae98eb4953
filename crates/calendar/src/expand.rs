//! Recurrence expansion. The `rrule` crate walks the rule in the event's own zone (so a
//! 09:00 New York meeting stays at 09:00 local across DST); this module adds what RFC 5545
//! asks beyond it: DTSTART always being the first instance, RDATE, EXDATE matched by
//! instant, UNTIL given as a DATE or a local time, RECURRENCE-ID overrides, and caps so a
//! hostile rule cannot run forever.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use rrule::{RRule, RRuleSet, Unvalidated};

use crate::values::{local_to_utc, parse_date_value, DateValue};
use crate::{Instance, ParsedEvent};

/// Most instances [`expand`] returns for one event.
pub const MAX_INSTANCES: usize = 10_000;

/// Most rule occurrences walked (including those before the window) for one event.
const MAX_WALKED: usize = 200_000;

/// Expands `event` into the instances that overlap `[from, to)`, sorted by start.
///
/// `overrides` may hold any events; those with the same UID and a `recurrence_id` replace
/// the occurrence they name (a CANCELLED override removes it). A non-recurring event gives
/// its one instance if it overlaps. An event whose RRULE cannot be read gives just its
/// DTSTART instance. At most [`MAX_INSTANCES`] are returned.
pub fn expand(
    event: &ParsedEvent,
    overrides: &[ParsedEvent],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Instance> {
    if to <= from {
        return Vec::new();
    }
    let duration = (event.end - event.start).max(Duration::zero());
    let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| {
        start < to && (end > from || (end == start && start >= from))
    };

    if let Some(recurrence_id) = event.recurrence_id {
        // Asked to expand an override on its own: it is exactly one instance.
        return if overlaps(event.start, event.end) {
            vec![Instance {
                start: event.start,
                end: event.end,
                recurrence_id,
                overridden: true,
            }]
        } else {
            Vec::new()
        };
    }

    let replacing: HashMap<DateTime<Utc>, &ParsedEvent> = overrides
        .iter()
        .filter(|o| o.uid == event.uid)
        .filter_map(|o| o.recurrence_id.map(|rid| (rid, o)))
        .collect();

    // An occurrence can end inside the window though it starts before it.
    let earliest = from.checked_sub_signed(duration).unwrap_or(from);
    let starts = occurrence_starts(event, earliest, to);

    let mut out: Vec<Instance> = starts
        .into_iter()
        .filter(|s| !replacing.contains_key(s))
        .map(|s| Instance {
            start: s,
            end: s.checked_add_signed(duration).unwrap_or(s),
            recurrence_id: s,
            overridden: false,
        })
        .filter(|i| overlaps(i.start, i.end))
        .collect();

    let series_has = |rid: DateTime<Utc>| {
        rid == event.start
            || event.rdates.contains(&rid)
            || occurrence_starts(event, rid, rid + Duration::seconds(1)).contains(&rid)
    };
    for (rid, o) in &replacing {
        if o.status.as_deref() == Some("CANCELLED") || !overlaps(o.start, o.end) {
            continue;
        }
        if event.exdates.contains(rid) || !series_has(*rid) {
            continue;
        }
        out.push(Instance {
            start: o.start,
            end: o.end,
            recurrence_id: *rid,
            overridden: true,
        });
    }
    out.sort_by_key(|i| (i.start, i.recurrence_id));
    out.truncate(MAX_INSTANCES);
    out
}

/// Checks that the event's RRULE can be expanded; the error says why not.
pub(crate) fn check_rule(event: &ParsedEvent) -> Result<(), String> {
    match &event.rrule {
        Some(text) => build_rule(event, text).map(|_| ()),
        None => Ok(()),
    }
}

/// The series' occurrence starts in `[lo, hi)`: DTSTART, the RRULE, RDATEs, minus EXDATEs.
fn occurrence_starts(
    event: &ParsedEvent,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut starts: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    if event.start >= lo && event.start < hi {
        starts.insert(event.start);
    }
    for rdate in &event.rdates {
        if *rdate >= lo && *rdate < hi {
            starts.insert(*rdate);
        }
    }
    if let Some(text) = &event.rrule {
        // The rule engine is a dependency; a panic inside it must not take the app down.
        let walked = std::panic::catch_unwind(|| walk_rule(event, text, lo, hi));
        if let Ok(found) = walked {
            starts.extend(found);
        }
    }
    for exdate in &event.exdates {
        starts.remove(exdate);
    }
    starts.into_iter().take(MAX_INSTANCES).collect()
}

fn walk_rule(
    event: &ParsedEvent,
    text: &str,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let Ok(Some(set)) = build_rule(event, text) else {
        return Vec::new();
    };
    let count = set
        .get_rrule()
        .first()
        .and_then(|r| r.get_count())
        .map(|c| usize::try_from(c).unwrap_or(usize::MAX));
    let mut out = Vec::new();
    // RFC 5545: DTSTART is always the first instance and counts toward COUNT, even when
    // the rule's pattern would not produce it.
    let mut dtstart_counted = false;
    for (walked, occurrence) in set.into_iter().enumerate() {
        let at = occurrence.with_timezone(&Utc);
        if walked == 0 && at != event.start {
            dtstart_counted = true;
        }
        if count.is_some_and(|limit| walked + usize::from(dtstart_counted) >= limit) {
            break;
        }
        if at >= hi || walked >= MAX_WALKED || out.len() >= MAX_INSTANCES {
            break;
        }
        if at >= lo {
            out.push(at);
        }
    }
    out
}

/// The event's zone for recurrence: its TZID, or UTC for UTC, floating and all-day times.
fn event_zone(event: &ParsedEvent) -> Tz {
    event
        .tzid
        .as_deref()
        .and_then(|name| Tz::from_str(name).ok())
        .unwrap_or(Tz::UTC)
}

/// Builds the rule set. `Ok(None)`: UNTIL lies before DTSTART, so DTSTART is the only
/// instance.
fn build_rule(event: &ParsedEvent, text: &str) -> Result<Option<RRuleSet>, String> {
    let tz = event_zone(event);
    let text = text.trim();
    let text = match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &text[6..],
        _ => text,
    };
    let mut until = None;
    let mut kept = Vec::new();
    for part in text.split(';').filter(|p| !p.trim().is_empty()) {
        match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                until = Some(parse_until(value, tz)?);
            }
            _ => kept.push(part),
        }
    }
    let mut rule: RRule<Unvalidated> = kept
        .join(";")
        .parse()
        .map_err(|e: rrule::RRuleError| e.to_string())?;
    if let Some(until) = until {
        if until < event.start {
            return Ok(None);
        }
        rule = rule.until(until.with_timezone(&rrule::Tz::UTC));
    }
    let dt_start = event.start.with_timezone(&rrule::Tz::Tz(tz));
    let rule = rule.validate(dt_start).map_err(|e| e.to_string())?;
    Ok(Some(RRuleSet::new(dt_start).rrule(rule).limit()))
}

/// UNTIL as UTC; a DATE means the end of that day and a time without `Z` is local to the
/// event's zone (both are common in the wild though RFC 5545 asks for UTC).
fn parse_until(value: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    match parse_date_value(value) {
        Some(DateValue::Utc(naive)) => Ok(naive.and_utc()),
        Some(DateValue::Local(naive)) => Ok(local_to_utc(tz, naive)),
        Some(DateValue::Date(date)) => {
            let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
            Ok(local_to_utc(tz, date.and_time(end_of_day)))
        }
        None => Err(format!("unparseable UNTIL {:?}", value.trim())),
    }
}
