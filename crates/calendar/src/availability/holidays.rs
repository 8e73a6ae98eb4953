//! Holidays from a subscribed `.ics` calendar, as dates in a person's zone.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::{expand, parse_ics};

/// The dates between `from` and `to` (with a day's margin either side) that the
/// calendar marks: an all-day event covers its dates as written (DTEND exclusive); a
/// timed one every date it touches in `zone`. Recurring holidays (yearly RRULEs) are
/// expanded; cancelled and unreadable events are skipped.
pub fn holiday_dates(
    ics: &str,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BTreeSet<NaiveDate> {
    let parsed = parse_ics(ics);
    let (from, to) = (from - Duration::days(2), to + Duration::days(2));
    let mut out = BTreeSet::new();
    for ev in parsed.events.iter().filter(|e| e.recurrence_id.is_none()) {
        if ev.broken.is_some() || ev.status.as_deref() == Some("CANCELLED") {
            continue;
        }
        // A cancelled override removes its occurrence inside `expand`.
        for inst in expand(ev, &parsed.events, from, to) {
            let (first, last) = if ev.all_day {
                // All-day dates are read as UTC midnights: the date is the date as written.
                let first = inst.start.date_naive();
                let end = inst.end.date_naive();
                (
                    first,
                    if end > first {
                        end - Duration::days(1)
                    } else {
                        first
                    },
                )
            } else {
                let first = inst.start.with_timezone(&zone).date_naive();
                let last_instant = if inst.end > inst.start {
                    inst.end - Duration::seconds(1)
                } else {
                    inst.start
                };
                (first, last_instant.with_timezone(&zone).date_naive())
            };
            let mut day = first;
            while day <= last && out.len() < 10_000 {
                out.insert(day);
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
        }
    }
    out
}
