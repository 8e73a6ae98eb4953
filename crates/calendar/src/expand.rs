//! Recurrence expansion. Rules are walked in wall-clock time (RFC 5545 computes
//! recurrences on local dates and times) and each occurrence is then placed in the event's
//! zone: an IANA zone, a VTIMEZONE-defined zone, or, for floating times and all-day dates,
//! the zone the caller gives. So a 09:00 New York meeting stays at 09:00 local across DST
//! and an all-day event covers whole local days. On top of the rule engine this module
//! adds what RFC 5545 asks beyond it: DTSTART always being the first instance, RDATE
//! (incl. PERIOD values), EXDATE matched by instant, UNTIL given as a DATE or a local
//! time, RECURRENCE-ID overrides, and caps so a hostile rule cannot run forever.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::rule::{split_rule, walk};
use crate::values::{Clock, DateValue};
use crate::{Instance, ParsedEvent};

/// Most instances [`expand`] returns for one event.
pub const MAX_INSTANCES: usize = 10_000;

/// Most rule occurrences walked (including those before the window) for one event.
const MAX_WALKED: usize = 200_000;

/// Expands `event` into the instances that overlap `[from, to)`, sorted by start, placing
/// floating times and all-day dates in UTC. See [`expand_in`].
pub fn expand(
    event: &ParsedEvent,
    overrides: &[ParsedEvent],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Instance> {
    expand_in(event, overrides, from, to, Tz::UTC)
}

/// Expands `event` into the instances that overlap `[from, to)`, sorted by start.
///
/// `overrides` may hold any events; those with the same UID and a `recurrence_id` replace
/// the occurrence they name (a CANCELLED override removes it). A non-recurring event gives
/// its one instance if it overlaps. An event whose RRULE cannot be read gives just its
/// DTSTART instance. Floating times and all-day dates (of the event and of its overrides)
/// are wall-clock times in `floating_zone` (the viewer's zone). At most [`MAX_INSTANCES`]
/// are returned.
pub fn expand_in(
    event: &ParsedEvent,
    overrides: &[ParsedEvent],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    floating_zone: Tz,
) -> Vec<Instance> {
    if to <= from {
        return Vec::new();
    }
    let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| {
        start < to && (end > from || (end == start && start >= from))
    };
    let series = Series::new(event, floating_zone);

    if let Some(recurrence_id) = event.recurrence_id {
        // Asked to expand an override on its own: it is exactly one instance.
        let (start, end) = placed_span(event, floating_zone);
        return if overlaps(start, end) {
            vec![Instance {
                start,
                end,
                recurrence_id: series.place(recurrence_id),
                overridden: true,
            }]
        } else {
            Vec::new()
        };
    }

    let replacing: HashMap<DateTime<Utc>, &ParsedEvent> = overrides
        .iter()
        .filter(|o| o.uid == event.uid)
        .filter_map(|o| o.recurrence_id.map(|rid| (series.place(rid), o)))
        .collect();

    // An occurrence can end inside the window though it starts before it.
    let longest = series.duration.max(
        event
            .rdate_periods
            .iter()
            .map(|p| p.end - p.start)
            .max()
            .unwrap_or_else(Duration::zero),
    ) + Duration::hours(2);
    let earliest = from.checked_sub_signed(longest).unwrap_or(from);
    let mut out: Vec<Instance> = series
        .occurrences(earliest, to)
        .into_iter()
        .filter(|(s, _)| !replacing.contains_key(s))
        .map(|(start, end)| Instance {
            start,
            end,
            recurrence_id: start,
            overridden: false,
        })
        .filter(|i| overlaps(i.start, i.end))
        .collect();

    for (rid, o) in &replacing {
        if o.status.as_deref() == Some("CANCELLED") {
            continue;
        }
        let (start, end) = placed_span(o, floating_zone);
        if !overlaps(start, end) || !series.has(*rid) {
            continue;
        }
        out.push(Instance {
            start,
            end,
            recurrence_id: *rid,
            overridden: true,
        });
    }
    out.sort_by_key(|i| (i.start, i.recurrence_id));
    out.truncate(MAX_INSTANCES);
    out
}

/// The override among `overrides` that supplied an instance [`expand_in`] returned as
/// overridden (same `floating_zone`).
pub fn override_of<'a>(
    master: &ParsedEvent,
    overrides: &'a [ParsedEvent],
    instance: &Instance,
    floating_zone: Tz,
) -> Option<&'a ParsedEvent> {
    if !instance.overridden {
        return None;
    }
    let series = Series::new(master, floating_zone);
    overrides.iter().find(|o| {
        o.uid == master.uid
            && o.recurrence_id
                .is_some_and(|rid| series.place(rid) == instance.recurrence_id)
    })
}

/// Checks that the event's RRULE can be expanded; the error says why not.
pub(crate) fn check_rule(event: &ParsedEvent) -> Result<(), String> {
    let Some(text) = &event.rrule else {
        return Ok(());
    };
    let split = split_rule(text)?;
    let start = event.start_local.unwrap_or(event.start.naive_utc());
    let built = std::panic::catch_unwind(|| walk(start, &split.rest).map(|_| ()));
    built.unwrap_or_else(|_| Err("rule engine failed".to_string()))
}

/// An event's start and end placed: floating and all-day times in `floating_zone`.
fn placed_span(event: &ParsedEvent, floating_zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    if event.floating || event.all_day {
        let clock = Clock::Iana(floating_zone);
        (
            clock.to_utc(event.start.naive_utc()),
            clock.to_utc(event.end.naive_utc()),
        )
    } else {
        (event.start, event.end)
    }
}

/// One event's recurrence set, ready to be walked.
struct Series<'a> {
    event: &'a ParsedEvent,
    clock: Clock<'a>,
    /// Floating or all-day: the stored instants are wall-clock times read as UTC.
    naive_space: bool,
    naive_start: NaiveDateTime,
    start: DateTime<Utc>,
    /// Exact for zoned events; nominal (wall-clock) for floating and all-day ones.
    duration: Duration,
}

impl<'a> Series<'a> {
    fn new(event: &'a ParsedEvent, floating_zone: Tz) -> Series<'a> {
        let naive_space = event.floating || event.all_day;
        let clock = if naive_space {
            Clock::Iana(floating_zone)
        } else if let Some(zone) = &event.custom_zone {
            Clock::Custom(zone)
        } else {
            Clock::Iana(
                event
                    .tzid
                    .as_deref()
                    .and_then(|n| Tz::from_str(n).ok())
                    .unwrap_or(Tz::UTC),
            )
        };
        let naive_start = if naive_space {
            event.start.naive_utc()
        } else {
            event
                .start_local
                .unwrap_or_else(|| clock.to_local(event.start))
        };
        let start = if naive_space {
            clock.to_utc(naive_start)
        } else {
            event.start
        };
        Series {
            event,
            clock,
            naive_space,
            naive_start,
            start,
            duration: (event.end - event.start).max(Duration::zero()),
        }
    }

    /// A value stored on the event (RDATE, EXDATE, RECURRENCE-ID) as an instant.
    fn place(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        if self.naive_space {
            self.clock.to_utc(t.naive_utc())
        } else {
            t
        }
    }

    fn end_of(&self, naive: NaiveDateTime, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.naive_space {
            naive
                .checked_add_signed(self.duration)
                .map_or(at, |n| self.clock.to_utc(n))
        } else {
            at.checked_add_signed(self.duration).unwrap_or(at)
        }
    }

    /// Whether `rid` (placed) is an occurrence of the series.
    fn has(&self, rid: DateTime<Utc>) -> bool {
        !self.occurrences(rid, rid + Duration::seconds(1)).is_empty()
    }

    /// `(start, end)` of the occurrences starting in `[lo, hi)`: DTSTART, the RRULE,
    /// RDATEs, minus EXDATEs.
    fn occurrences(
        &self,
        lo: DateTime<Utc>,
        hi: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let event = self.event;
        let inside = |t: DateTime<Utc>| t >= lo && t < hi;
        let mut found: BTreeMap<DateTime<Utc>, DateTime<Utc>> = BTreeMap::new();
        if inside(self.start) {
            found.insert(self.start, self.end_of(self.naive_start, self.start));
        }
        for rdate in &event.rdates {
            let at = self.place(*rdate);
            if !inside(at) {
                continue;
            }
            let end = match event.rdate_periods.iter().find(|p| p.start == *rdate) {
                Some(p) => self.place(p.end),
                None => {
                    let naive = if self.naive_space {
                        rdate.naive_utc()
                    } else {
                        self.clock.to_local(at)
                    };
                    self.end_of(naive, at)
                }
            };
            found.insert(at, end);
        }
        if let Some(text) = &event.rrule {
            // The rule engine is a dependency; a panic inside it must not take the app down.
            let walked =
                std::panic::catch_unwind(AssertUnwindSafe(|| self.walk_rule(text, lo, hi)));
            for (naive, at) in walked.unwrap_or_default() {
                found.entry(at).or_insert_with(|| self.end_of(naive, at));
            }
        }
        for exdate in &event.exdates {
            found.remove(&self.place(*exdate));
        }
        found.into_iter().take(MAX_INSTANCES).collect()
    }

    fn walk_rule(
        &self,
        text: &str,
        lo: DateTime<Utc>,
        hi: DateTime<Utc>,
    ) -> Vec<(NaiveDateTime, DateTime<Utc>)> {
        let Ok(split) = split_rule(text) else {
            return Vec::new();
        };
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        // UNTIL in the series' terms: wall-clock for floating/all-day, else an instant.
        let until_naive = split.until.map(|u| match u {
            DateValue::Utc(n) if !self.naive_space => self.clock.to_local(n.and_utc()),
            DateValue::Utc(n) | DateValue::Local(n) => n,
            DateValue::Date(d) => d.and_time(end_of_day),
        });
        let until_at = split.until.map(|u| match u {
            DateValue::Utc(n) => n.and_utc(),
            DateValue::Local(n) => self.clock.to_utc(n),
            DateValue::Date(d) => self.clock.to_utc(d.and_time(end_of_day)),
        });
        let past_until = |naive: NaiveDateTime, at: DateTime<Utc>| {
            if self.naive_space {
                until_naive.is_some_and(|u| naive > u)
            } else {
                until_at.is_some_and(|u| at > u)
            }
        };
        if past_until(self.naive_start, self.start) {
            // UNTIL before DTSTART: DTSTART is the only instance.
            return Vec::new();
        }
        let Ok(iter) = walk(self.naive_start, &split.rest) else {
            return Vec::new();
        };
        // Wall-clock times more than a day past `hi` cannot be inside the window.
        let hi_naive = hi.naive_utc() + Duration::days(1);
        // Wall-clock times more than a day before `lo` cannot be inside the window either
        // (offsets stay within ±18 hours): those skip the zone lookup.
        let lo_naive = lo.naive_utc() - Duration::days(1);
        let mut out = Vec::new();
        // RFC 5545: DTSTART is always the first instance and counts toward COUNT, even when
        // the rule's pattern would not produce it.
        let mut dtstart_counted = false;
        for (walked, naive) in iter.enumerate() {
            if walked == 0 && naive != self.naive_start {
                dtstart_counted = true;
            }
            if split
                .count
                .is_some_and(|limit| walked + usize::from(dtstart_counted) >= limit)
            {
                break;
            }
            if naive > hi_naive || walked >= MAX_WALKED || out.len() >= MAX_INSTANCES {
                break;
            }
            if naive < lo_naive {
                if until_naive.is_some_and(|u| naive > u + Duration::days(1)) {
                    break;
                }
                continue;
            }
            let at = self.clock.to_utc(naive);
            if past_until(naive, at) {
                break;
            }
            if at >= lo && at < hi {
                out.push((naive, at));
            }
        }
        out
    }
}
