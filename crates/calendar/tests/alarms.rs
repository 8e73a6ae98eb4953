//! VALARM parsing and alarm fire times over a window.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, Utc};
use switchboard_calendar::{alarm_times, parse_ics, AlarmTrigger, Tz};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:s\r\nSUMMARY:Standup\r\nDTSTART;TZID=America/New_York:20260302T090000\r\n\
DTEND;TZID=America/New_York:20260302T093000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Standup soon\r\nEND:VALARM\r\n\
BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;RELATED=END:PT5M\r\nREPEAT:2\r\nDURATION:PT10M\r\nEND:VALARM\r\n\
BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER;VALUE=DATE-TIME:20260301T120000Z\r\nDESCRIPTION:Week ahead\r\nEND:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=America/New_York:20260309T090000\r\n\
DTSTART;TZID=America/New_York:20260309T140000\r\nDTEND;TZID=America/New_York:20260309T143000\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nDESCRIPTION:Moved standup\r\nEND:VALARM\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn valarms_are_parsed() {
    let parsed = parse_ics(SERIES);
    let e = &parsed.events[0];
    assert_eq!(e.broken, None);
    assert_eq!(e.alarms.len(), 3);
    assert_eq!(e.alarms[0].action, "DISPLAY");
    assert_eq!(
        e.alarms[0].trigger,
        AlarmTrigger::Relative {
            seconds: -900,
            from_end: false
        }
    );
    assert_eq!(e.alarms[0].description.as_deref(), Some("Standup soon"));
    assert_eq!(
        e.alarms[1].trigger,
        AlarmTrigger::Relative {
            seconds: 300,
            from_end: true
        }
    );
    assert_eq!(
        (e.alarms[1].repeat, e.alarms[1].repeat_interval_seconds),
        (2, 600)
    );
    assert_eq!(
        e.alarms[2].trigger,
        AlarmTrigger::Absolute {
            at: utc("2026-03-01T12:00:00Z")
        }
    );
    // VALARM properties never leak into the event.
    assert_eq!(e.description, None);
}

#[test]
fn fire_times_follow_instances_and_overrides() {
    let parsed = parse_ics(SERIES);
    let ny: Tz = "America/New_York".parse().unwrap();
    let fires = alarm_times(
        &parsed.events[0],
        &parsed.events,
        utc("2026-03-01T00:00:00Z"),
        utc("2026-04-01T00:00:00Z"),
        ny,
    );
    let got: Vec<String> = fires
        .iter()
        .map(|f| format!("{} {}", f.at.with_timezone(&ny).to_rfc3339(), f.action))
        .collect();
    assert_eq!(
        got,
        [
            "2026-03-01T07:00:00-05:00 EMAIL",
            "2026-03-02T08:45:00-05:00 DISPLAY",
            "2026-03-02T09:35:00-05:00 AUDIO",
            "2026-03-02T09:45:00-05:00 AUDIO",
            "2026-03-02T09:55:00-05:00 AUDIO",
            // The override's own alarm, an hour before its moved start (after DST).
            "2026-03-09T13:00:00-04:00 DISPLAY",
            "2026-03-16T08:45:00-04:00 DISPLAY",
            "2026-03-16T09:35:00-04:00 AUDIO",
            "2026-03-16T09:45:00-04:00 AUDIO",
            "2026-03-16T09:55:00-04:00 AUDIO",
        ]
    );
    assert_eq!(fires[5].recurrence_id, utc("2026-03-09T13:00:00Z"));
    // A window only sees the alarms that fire inside it, even for instances outside it.
    let late = alarm_times(
        &parsed.events[0],
        &parsed.events,
        utc("2026-03-16T12:40:00Z"),
        utc("2026-03-16T12:50:00Z"),
        ny,
    );
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].instance_start, utc("2026-03-16T13:00:00Z"));
}

#[test]
fn bad_valarms_are_reported_not_fatal() {
    let ics = SERIES.replace("TRIGGER:-PT15M", "TRIGGER:soon");
    let parsed = parse_ics(&ics);
    let e = &parsed.events[0];
    assert!(e
        .broken
        .as_deref()
        .unwrap()
        .contains("VALARM: unparseable TRIGGER"));
    assert_eq!(e.alarms.len(), 2);
}

#[test]
fn all_day_alarms_fire_in_the_viewer_zone() {
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20260308\r\nRRULE:FREQ=DAILY;COUNT=2\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15H\r\nDESCRIPTION:Tomorrow\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:d\r\nRECURRENCE-ID;VALUE=DATE:20260309\r\nDTSTART;VALUE=DATE:20260309\r\nSUMMARY:changed\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nDESCRIPTION:Soon\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let parsed = parse_ics(ics);
    let ny: Tz = "America/New_York".parse().unwrap();
    let fires = alarm_times(
        &parsed.events[0],
        &parsed.events,
        utc("2026-03-01T00:00:00Z"),
        utc("2026-04-01T00:00:00Z"),
        ny,
    );
    let got: Vec<String> = fires
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.at.with_timezone(&ny).to_rfc3339(),
                f.description.as_deref().unwrap_or("")
            )
        })
        .collect();
    // 15 hours before local midnight of 03-08 (EST); the override's own alarm for 03-09 (EDT).
    assert_eq!(
        got,
        [
            "2026-03-07T09:00:00-05:00 Tomorrow",
            "2026-03-08T23:00:00-04:00 Soon"
        ]
    );
}
