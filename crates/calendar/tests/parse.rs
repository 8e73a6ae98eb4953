//! Table tests for how damaged events are reported.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use switchboard_calendar::parse_ics;

fn one(body: &str) -> switchboard_calendar::ParsedCalendar {
    parse_ics(&format!(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\n{body}\nEND:VEVENT\nEND:VCALENDAR\n"
    ))
}

#[test]
fn broken_events_say_why_and_still_load() {
    // (VEVENT body, expected substring of `broken`)
    let cases = [
        ("UID:a\nSUMMARY:x", "missing DTSTART"),
        ("UID:a\nDTSTART:2024-01-01", "unparseable DTSTART"),
        (
            "UID:a\nDTSTART;TZID=Nowhere/Land:20240101T100000",
            "unknown time zone \"Nowhere/Land\"",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=XY",
            "bad RRULE",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nRRULE:FREQ=DAILY;UNTIL=soon",
            "unparseable UNTIL",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nDURATION:1 hour",
            "unparseable DURATION",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nDTEND:20231231T100000Z",
            "DTEND is before DTSTART",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nEXDATE:tomorrow",
            "unparseable EXDATE",
        ),
        (
            "UID:a\nDTSTART:20240101T100000Z\nRECURRENCE-ID:x",
            "unparseable RECURRENCE-ID",
        ),
    ];
    for (body, want) in cases {
        let parsed = one(body);
        assert_eq!(parsed.events.len(), 1, "{body}");
        let broken = parsed.events[0].broken.clone().unwrap_or_default();
        assert!(broken.contains(want), "{body}: {broken}");
    }
}

#[test]
fn unknown_zone_keeps_the_written_time_and_tzid() {
    let parsed = one("UID:a\nSUMMARY:Shown anyway\nDTSTART;TZID=Nowhere/Land:20240101T100000");
    let e = &parsed.events[0];
    assert_eq!(e.summary.as_deref(), Some("Shown anyway"));
    assert_eq!(e.tzid.as_deref(), Some("Nowhere/Land"));
    assert_eq!(e.start.to_rfc3339(), "2024-01-01T10:00:00+00:00");
}

#[test]
fn events_without_uid_or_start_become_problems() {
    let parsed = one("SUMMARY:nothing to show");
    assert!(parsed.events.is_empty());
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].position, "line 2");
}

#[test]
fn raw_is_the_event_text_as_given() {
    let input = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:r\r\nDTSTART:20240101T100000Z\r\nSUMMARY:a\r\n  b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let parsed = parse_ics(input);
    assert_eq!(
        parsed.events[0].raw,
        "BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20240101T100000Z\r\nSUMMARY:a\r\n  b\r\nEND:VEVENT"
    );
    assert_eq!(parsed.events[0].summary.as_deref(), Some("a b"));
}

#[test]
fn empty_and_binary_input() {
    assert_eq!(parse_ics("").events.len(), 0);
    let junk = parse_ics("\u{0}\u{1}BEGIN\u{ff}");
    assert!(junk.events.is_empty());
    assert!(!junk.problems.is_empty());
}
