//! Table tests for recurrence expansion: DST in several zones, EXDATE, COUNT vs UNTIL,
//! all-day series, overrides and the caps.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, Utc};
use switchboard_calendar::{expand, parse_ics, ParsedEvent, MAX_INSTANCES};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Parses the VEVENT bodies (one per element) inside a VCALENDAR.
fn events(bodies: &[&str]) -> Vec<ParsedEvent> {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for (i, body) in bodies.iter().enumerate() {
        ics.push_str("BEGIN:VEVENT\r\n");
        if !body.contains("UID:") {
            ics.push_str(&format!("UID:event-{i}\r\n"));
        }
        for line in body.lines() {
            ics.push_str(line.trim());
            ics.push_str("\r\n");
        }
        ics.push_str("END:VEVENT\r\n");
    }
    ics.push_str("END:VCALENDAR\r\n");
    let parsed = parse_ics(&ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    parsed.events
}

fn event(body: &str) -> ParsedEvent {
    events(&[body]).remove(0)
}

fn starts(event: &ParsedEvent, from: &str, to: &str) -> Vec<String> {
    expand(event, &[], utc(from), utc(to))
        .into_iter()
        .map(|i| i.start.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect()
}

#[test]
fn wall_clock_stays_fixed_across_dst() {
    // (zone, local DTSTART, RRULE, expected UTC starts)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        // New York springs forward on 2024-03-10: 09:00 EST = 14Z, then EDT = 13Z.
        (
            "America/New_York",
            "20240304T090000",
            "FREQ=WEEKLY;COUNT=3",
            &[
                "2024-03-04T14:00:00Z",
                "2024-03-11T13:00:00Z",
                "2024-03-18T13:00:00Z",
            ],
        ),
        // ...and falls back on 2024-11-03.
        (
            "America/New_York",
            "20241028T090000",
            "FREQ=WEEKLY;COUNT=2",
            &["2024-10-28T13:00:00Z", "2024-11-04T14:00:00Z"],
        ),
        // Berlin: CET -> CEST on 2024-03-31.
        (
            "Europe/Berlin",
            "20240330T100000",
            "FREQ=DAILY;COUNT=3",
            &[
                "2024-03-30T09:00:00Z",
                "2024-03-31T08:00:00Z",
                "2024-04-01T08:00:00Z",
            ],
        ),
        // Berlin: CEST -> CET on 2024-10-27.
        (
            "Europe/Berlin",
            "20241026T100000",
            "FREQ=DAILY;COUNT=2",
            &["2024-10-26T08:00:00Z", "2024-10-27T09:00:00Z"],
        ),
        // Lord Howe moves by 30 minutes: +11:00 -> +10:30 on 2024-04-07.
        (
            "Australia/Lord_Howe",
            "20240406T090000",
            "FREQ=DAILY;COUNT=2",
            &["2024-04-05T22:00:00Z", "2024-04-06T22:30:00Z"],
        ),
        // 02:15 does not exist on 2024-10-06 (02:00 -> 02:30): offset before the gap.
        (
            "Australia/Lord_Howe",
            "20241005T021500",
            "FREQ=DAILY;COUNT=2",
            &["2024-10-04T15:45:00Z", "2024-10-05T15:45:00Z"],
        ),
        // Kolkata has no DST: +05:30 all year.
        (
            "Asia/Kolkata",
            "20240304T093000",
            "FREQ=WEEKLY;COUNT=3",
            &[
                "2024-03-04T04:00:00Z",
                "2024-03-11T04:00:00Z",
                "2024-03-18T04:00:00Z",
            ],
        ),
        // Monthly on the second Tuesday across the New York switch.
        (
            "America/New_York",
            "20240213T160000",
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=3",
            &[
                "2024-02-13T21:00:00Z",
                "2024-03-12T20:00:00Z",
                "2024-04-09T20:00:00Z",
            ],
        ),
    ];
    for (zone, local, rule, want) in cases {
        let e = event(&format!(
            "DTSTART;TZID={zone}:{local}\nDURATION:PT1H\nRRULE:{rule}"
        ));
        assert_eq!(e.broken, None);
        assert_eq!(e.tzid.as_deref(), Some(*zone));
        let got = starts(&e, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        assert_eq!(&got, want, "{zone} {local} {rule}");
    }
}

#[test]
fn exdate_with_tzid_removes_the_local_occurrence() {
    let e = event(
        "DTSTART;TZID=America/New_York:20240304T090000\n\
         DTEND;TZID=America/New_York:20240304T093000\n\
         RRULE:FREQ=WEEKLY;COUNT=4\n\
         EXDATE;TZID=America/New_York:20240311T090000",
    );
    assert_eq!(e.exdates, vec![utc("2024-03-11T13:00:00Z")]);
    assert_eq!(
        starts(&e, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        [
            "2024-03-04T14:00:00Z",
            "2024-03-18T13:00:00Z",
            "2024-03-25T13:00:00Z"
        ]
    );
    let first = &expand(
        &e,
        &[],
        utc("2024-03-01T00:00:00Z"),
        utc("2024-03-05T00:00:00Z"),
    )[0];
    assert_eq!(first.end - first.start, chrono::Duration::minutes(30));
}

#[test]
fn count_and_until_bound_the_series() {
    let cases: &[(&str, &str, usize)] = &[
        ("DTSTART:20240101T100000Z", "FREQ=DAILY;COUNT=5", 5),
        // UNTIL is inclusive.
        (
            "DTSTART:20240101T100000Z",
            "FREQ=DAILY;UNTIL=20240105T100000Z",
            5,
        ),
        (
            "DTSTART:20240101T100000Z",
            "FREQ=DAILY;UNTIL=20240105T095959Z",
            4,
        ),
        // A DATE UNTIL covers that whole day in the event's zone.
        (
            "DTSTART;TZID=Europe/Berlin:20240101T230000",
            "FREQ=DAILY;UNTIL=20240105",
            5,
        ),
        // A local UNTIL is read in the event's zone.
        (
            "DTSTART;TZID=Asia/Tokyo:20240101T080000",
            "FREQ=DAILY;UNTIL=20240103T080000",
            3,
        ),
        // UNTIL before DTSTART leaves DTSTART alone.
        (
            "DTSTART:20240101T100000Z",
            "FREQ=DAILY;UNTIL=20231201T000000Z",
            1,
        ),
        // DTSTART off the pattern still counts as the first of COUNT (RFC 5545 §3.8.5.3).
        (
            "DTSTART:20240102T100000Z",
            "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
            3,
        ),
        (
            "DTSTART:20240101T100000Z",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=3",
            3,
        ),
    ];
    for (dtstart, rule, want) in cases {
        let e = event(&format!("{dtstart}\nRRULE:{rule}"));
        assert_eq!(e.broken, None, "{dtstart} {rule}");
        let got = starts(&e, "2023-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        assert_eq!(got.len(), *want, "{dtstart} {rule}: {got:?}");
    }
}

#[test]
fn off_pattern_dtstart_is_the_first_instance() {
    let e = event("DTSTART:20240102T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3");
    assert_eq!(
        starts(&e, "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"),
        [
            "2024-01-02T10:00:00Z",
            "2024-01-08T10:00:00Z",
            "2024-01-15T10:00:00Z"
        ]
    );
}

#[test]
fn all_day_series() {
    let e = event(
        "DTSTART;VALUE=DATE:20240101\nDTEND;VALUE=DATE:20240102\n\
         RRULE:FREQ=WEEKLY;UNTIL=20240115\nEXDATE;VALUE=DATE:20240108",
    );
    assert!(e.all_day);
    assert!(!e.floating);
    let got = expand(
        &e,
        &[],
        utc("2023-12-01T00:00:00Z"),
        utc("2024-02-01T00:00:00Z"),
    );
    let got: Vec<_> = got.iter().map(|i| (i.start, i.end)).collect();
    assert_eq!(
        got,
        [
            (utc("2024-01-01T00:00:00Z"), utc("2024-01-02T00:00:00Z")),
            (utc("2024-01-15T00:00:00Z"), utc("2024-01-16T00:00:00Z")),
        ]
    );
    // A one-day event without DTEND lasts one day.
    let single = event("DTSTART;VALUE=DATE:20240301");
    assert_eq!(single.end, utc("2024-03-02T00:00:00Z"));
}

#[test]
fn rdates_add_and_overrides_replace() {
    let mut all = events(&[
        "UID:series\nDTSTART;TZID=Europe/Berlin:20240506T150000\n\
         DTEND;TZID=Europe/Berlin:20240506T160000\nRRULE:FREQ=WEEKLY;COUNT=4\n\
         RDATE;TZID=Europe/Berlin:20240509T120000",
        // Second occurrence moved two hours later.
        "UID:series\nRECURRENCE-ID;TZID=Europe/Berlin:20240513T150000\n\
         DTSTART;TZID=Europe/Berlin:20240513T170000\nDTEND;TZID=Europe/Berlin:20240513T180000\n\
         SUMMARY:moved",
        // Third cancelled.
        "UID:series\nRECURRENCE-ID;TZID=Europe/Berlin:20240520T150000\n\
         DTSTART;TZID=Europe/Berlin:20240520T150000\nDURATION:PT1H\nSTATUS:CANCELLED",
        // Override of another series is ignored.
        "UID:other\nRECURRENCE-ID;TZID=Europe/Berlin:20240527T150000\n\
         DTSTART;TZID=Europe/Berlin:20240527T080000\nDURATION:PT1H",
    ]);
    let master = all.remove(0);
    let got = expand(
        &master,
        &all,
        utc("2024-05-01T00:00:00Z"),
        utc("2024-06-30T00:00:00Z"),
    );
    let got: Vec<_> = got
        .iter()
        .map(|i| {
            (
                i.start.to_rfc3339(),
                i.recurrence_id.to_rfc3339(),
                i.overridden,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "2024-05-06T13:00:00+00:00".into(),
                "2024-05-06T13:00:00+00:00".into(),
                false
            ),
            (
                "2024-05-09T10:00:00+00:00".into(),
                "2024-05-09T10:00:00+00:00".into(),
                false
            ),
            (
                "2024-05-13T15:00:00+00:00".into(),
                "2024-05-13T13:00:00+00:00".into(),
                true
            ),
            (
                "2024-05-27T13:00:00+00:00".into(),
                "2024-05-27T13:00:00+00:00".into(),
                false
            ),
        ]
    );
}

#[test]
fn override_moved_into_the_window_appears() {
    let mut all = events(&[
        "UID:s\nDTSTART:20240601T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=10",
        "UID:s\nRECURRENCE-ID:20240605T090000Z\nDTSTART:20240620T090000Z\nDURATION:PT1H",
    ]);
    let master = all.remove(0);
    let got = expand(
        &master,
        &all,
        utc("2024-06-20T00:00:00Z"),
        utc("2024-06-21T00:00:00Z"),
    );
    assert_eq!(got.len(), 1);
    assert!(got[0].overridden);
    assert_eq!(got[0].recurrence_id, utc("2024-06-05T09:00:00Z"));
}

#[test]
fn window_is_by_overlap() {
    let e = event("DTSTART:20240101T230000Z\nDTEND:20240102T010000Z");
    assert_eq!(
        starts(&e, "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z").len(),
        1
    );
    assert_eq!(
        starts(&e, "2024-01-02T01:00:00Z", "2024-01-03T00:00:00Z").len(),
        0
    );
    assert_eq!(
        starts(&e, "2024-01-01T00:00:00Z", "2024-01-01T23:00:00Z").len(),
        0
    );
    // A zero-length event counts at its start.
    let point = event("DTSTART:20240101T120000Z");
    assert_eq!(
        starts(&point, "2024-01-01T12:00:00Z", "2024-01-01T12:00:01Z").len(),
        1
    );
    // An empty or inverted window has nothing.
    assert!(starts(&point, "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z").is_empty());
}

#[test]
fn hostile_rules_are_capped() {
    let e = event("DTSTART:20240101T000000Z\nRRULE:FREQ=SECONDLY");
    let got = expand(
        &e,
        &[],
        utc("2024-01-01T00:00:00Z"),
        utc("2024-01-02T00:00:00Z"),
    );
    assert_eq!(got.len(), MAX_INSTANCES);

    // A rule that never matches ends instead of searching forever.
    let never = event("DTSTART:20240101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30");
    let got = expand(
        &never,
        &[],
        utc("2024-01-01T00:00:00Z"),
        utc("2100-01-01T00:00:00Z"),
    );
    assert_eq!(got.len(), 1, "only DTSTART");
}

#[test]
fn floating_times_expand_as_utc_and_are_marked() {
    let e = event("DTSTART:20240101T090000\nRRULE:FREQ=DAILY;COUNT=2");
    assert!(e.floating);
    assert_eq!(e.tzid, None);
    assert_eq!(
        starts(&e, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
        ["2024-01-01T09:00:00Z", "2024-01-02T09:00:00Z"]
    );
}

#[test]
fn broken_rule_still_gives_dtstart() {
    let e = event("DTSTART:20240101T090000Z\nRRULE:FREQ=FORTNIGHTLY");
    assert!(
        e.broken.as_deref().unwrap_or("").contains("bad RRULE"),
        "{:?}",
        e.broken
    );
    assert_eq!(
        starts(&e, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
        ["2024-01-01T09:00:00Z"]
    );
}
