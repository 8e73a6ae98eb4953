//! From a calendar resource's iCalendar text to the rows the store keeps: one per VEVENT
//! (master, single or RECURRENCE-ID override), with a recurring master's last instance
//! end for window queries and its attendees. Broken events are kept and flagged.

use chrono::{DateTime, Duration, Utc};
use switchboard_calendar::{expand, parse_ics, ParsedEvent};
use switchboard_store::{NewAttendee, NewEvent};

/// How far ahead a bounded rule (COUNT/UNTIL) is expanded to find its last instance.
const BOUNDED_RULE_HORIZON_DAYS: i64 = 366 * 30;

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The rows for every VEVENT of `ics`. Each row's `raw` holds the resource's VTIMEZONEs
/// followed by the VEVENT, so re-reading one row resolves its zones as the file did.
pub fn events_from_ics(ics: &str) -> Vec<NewEvent> {
    let zones = vtimezones(ics);
    parse_ics(ics)
        .events
        .iter()
        .map(|ev| {
            let mut row = new_event(ev);
            if !zones.is_empty() {
                row.raw = format!("{zones}{}", row.raw);
            }
            row
        })
        .collect()
}

/// The row for one parsed event (`raw` is the VEVENT alone).
pub fn new_event(ev: &ParsedEvent) -> NewEvent {
    let recurring = ev.rrule.is_some() || !ev.rdates.is_empty();
    let until_at = if !recurring || ev.recurrence_id.is_some() {
        None
    } else {
        let bounded = ev
            .rrule
            .as_deref()
            .is_none_or(|r| r.contains("COUNT=") || r.contains("UNTIL="));
        bounded.then(|| {
            let horizon = ev.start + Duration::days(BOUNDED_RULE_HORIZON_DAYS);
            expand(ev, &[], ev.start, horizon)
                .last()
                .map(|i| ms(i.end))
                .unwrap_or_else(|| ms(ev.end))
        })
    };
    let mut attendees: Vec<NewAttendee> = ev
        .attendees
        .iter()
        .filter(|a| a.email.contains('@'))
        .map(|a| NewAttendee {
            email: switchboard_core::address::normalize_email(&a.email),
            name: a.name.clone(),
            partstat: a.partstat.clone(),
            is_organizer: false,
        })
        .collect();
    if let Some(org) = ev.organizer.as_ref().filter(|o| o.email.contains('@')) {
        let email = switchboard_core::address::normalize_email(&org.email);
        match attendees.iter_mut().find(|a| a.email == email) {
            Some(a) => a.is_organizer = true,
            None => attendees.push(NewAttendee {
                email,
                name: org.name.clone(),
                partstat: org.partstat.clone(),
                is_organizer: true,
            }),
        }
    }
    NewEvent {
        uid: ev.uid.clone(),
        recurrence_id: ev
            .recurrence_id
            .map(|r| ms(r).to_string())
            .unwrap_or_default(),
        summary: ev.summary.clone().unwrap_or_default(),
        location: ev.location.clone(),
        description: ev.description.clone(),
        start_at: ms(ev.start),
        end_at: ms(ev.end),
        all_day: ev.all_day,
        tzid: ev.tzid.clone(),
        recurring,
        until_at,
        broken: ev.broken.clone(),
        raw: ev.raw.clone(),
        attendees,
    }
}

/// Every VTIMEZONE block of `ics`, CRLF-terminated, in file order.
fn vtimezones(ics: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in ics.lines() {
        let upper = line.trim_end().to_ascii_uppercase();
        if upper == "BEGIN:VTIMEZONE" {
            inside = true;
        }
        if inside {
            out.push_str(line.trim_end_matches('\r'));
            out.push_str("\r\n");
        }
        if upper == "END:VTIMEZONE" {
            inside = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n\
BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=America/New_York:20260309T090000\r\n\
DTEND;TZID=America/New_York:20260309T093000\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Standup\r\n\
ORGANIZER;CN=Ann:mailto:Ann@Example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\n\
RECURRENCE-ID;TZID=America/New_York:20260310T090000\r\nDTSTART;TZID=America/New_York:20260310T100000\r\n\
DTEND;TZID=America/New_York:20260310T103000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn rows_for_master_and_override_keep_zones_and_bounds() {
        let rows = events_from_ics(NY);
        assert_eq!(rows.len(), 2);
        let master = &rows[0];
        assert!(master.recurring);
        assert_eq!(master.recurrence_id, "");
        // 2026-03-11 09:30 EDT = 13:30 UTC is the last instance's end.
        assert_eq!(master.until_at, Some(1_773_235_800_000));
        assert!(master
            .raw
            .starts_with("BEGIN:VTIMEZONE\r\nTZID:America/New_York"));
        assert!(master.raw.contains("BEGIN:VEVENT"));
        // The organizer who also attends is one row, marked organizer.
        let ann: Vec<_> = master
            .attendees
            .iter()
            .filter(|a| a.email == "ann@example.com")
            .collect();
        assert_eq!(ann.len(), 1);
        assert!(ann[0].is_organizer);
        let over = &rows[1];
        assert_eq!(over.recurrence_id, "1773147600000");
        assert!(!over.recurring);
    }

    #[test]
    fn broken_events_are_kept_flagged() {
        let rows = events_from_ics(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        );
        assert_eq!(rows.len(), 1);
        assert!(rows[0].broken.is_some());
    }
}
