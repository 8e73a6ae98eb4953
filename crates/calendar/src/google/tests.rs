use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::{expand, parse_ics};

fn event(v: serde_json::Value) -> GoogleEvent {
    serde_json::from_value(v).unwrap()
}

fn ctx<'a>(zone: Option<&'a str>, defaults: &'a [Reminder]) -> CalendarContext<'a> {
    CalendarContext {
        time_zone: zone,
        default_reminders: defaults,
    }
}

fn lines(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

#[test]
fn times_take_the_events_zone_else_the_calendars() {
    // (start as Google gives it, calendar zone, DTSTART line, start instant)
    let cases = [
        (
            json!({ "dateTime": "2026-11-24T09:00:00-05:00", "timeZone": "America/New_York" }),
            None,
            "DTSTART;TZID=America/New_York:20261124T090000",
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap(),
        ),
        (
            json!({ "dateTime": "2026-11-24T14:00:00Z" }),
            Some("Europe/Berlin"),
            "DTSTART;TZID=Europe/Berlin:20261124T150000",
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap(),
        ),
        (
            json!({ "dateTime": "2026-11-24T14:00:00Z" }),
            None,
            "DTSTART:20261124T140000Z",
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap(),
        ),
        (
            json!({ "dateTime": "2026-10-04T02:30:00", "timeZone": "Australia/Lord_Howe" }),
            None,
            "DTSTART;TZID=Australia/Lord_Howe:20261004T023000",
            // Lord Howe is +11:00 after its 30-minute DST step at 02:00.
            Utc.with_ymd_and_hms(2026, 10, 3, 15, 30, 0).unwrap(),
        ),
        (
            json!({ "date": "2026-11-24" }),
            Some("Asia/Kolkata"),
            "DTSTART;VALUE=DATE:20261124",
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap(),
        ),
    ];
    for (start, zone, dtstart, instant) in cases {
        let end = if start.get("date").is_some() {
            json!({ "date": "2026-11-25" })
        } else {
            start.clone()
        };
        let ev =
            event(json!({ "id": "e1", "iCalUID": "e1@google.com", "start": start, "end": end }));
        let ics = event_to_ics(&ev, &ctx(zone, &[]), None).unwrap();
        assert!(
            lines(&ics).contains(&dtstart.to_owned()),
            "{dtstart} in\n{ics}"
        );
        let parsed = &parse_ics(&ics).events[0];
        assert_eq!(parsed.start, instant, "{dtstart}");
        assert!(parsed.broken.is_none(), "{:?}", parsed.broken);
    }
}

#[test]
fn a_full_event_keeps_people_links_reminders_and_ids() {
    let ev = event(json!({
        "id": "abc123", "etag": "\"318\"", "iCalUID": "abc123@google.com", "status": "confirmed",
        "summary": "Demo; pricing, Q4", "description": "line 1\nline 2", "location": "Room 1",
        "start": { "dateTime": "2026-11-24T10:00:00+01:00", "timeZone": "Europe/Berlin" },
        "end": { "dateTime": "2026-11-24T11:00:00+01:00", "timeZone": "Europe/Berlin" },
        "organizer": { "email": "rep@example.test", "displayName": "Rep" },
        "attendees": [
            { "email": "rep@example.test", "organizer": true, "self": true, "responseStatus": "accepted" },
            { "email": "dana@customer.example", "displayName": "Dana, Buyer", "responseStatus": "tentative" },
            { "email": "ops@customer.example", "optional": true },
            { "email": "room@resource.example", "resource": true, "responseStatus": "declined" }
        ],
        "hangoutLink": "https://meet.google.com/abc-defg-hij",
        "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": 15 }, { "method": "email", "minutes": 1440 }] },
        "transparency": "transparent", "visibility": "private", "sequence": 3,
        "updated": "2026-11-20T08:00:00.000Z"
    }));
    let ics = event_to_ics(&ev, &ctx(None, &[]), None).unwrap();
    let l = lines(&ics);
    for expected in [
        "UID:abc123@google.com",
        "X-GOOGLE-EVENT-ID:abc123",
        "X-GOOGLE-ETAG:\"318\"",
        "SUMMARY:Demo\\; pricing\\, Q4",
        "DESCRIPTION:line 1\\nline 2",
        "ORGANIZER;CN=Rep:mailto:rep@example.test",
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:rep@example.test",
        "ATTENDEE;CN=\"Dana, Buyer\";ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:dana@customer.example",
        "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ops@customer.example",
        "URL:https://meet.google.com/abc-defg-hij",
        "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
        "TRIGGER:-PT15M",
        "TRIGGER:-PT1440M",
        "ACTION:EMAIL",
        "TRANSP:TRANSPARENT",
        "CLASS:PRIVATE",
        "SEQUENCE:3",
        "LAST-MODIFIED:20261120T080000Z",
    ] {
        assert!(l.contains(&expected.to_owned()), "missing {expected} in\n{ics}");
    }
    let parsed = &parse_ics(&ics).events[0];
    assert_eq!(parsed.summary.as_deref(), Some("Demo; pricing, Q4"));
    assert_eq!(parsed.attendees.len(), 4);
    assert_eq!(parsed.attendees[1].partstat.as_deref(), Some("TENTATIVE"));
    assert_eq!(parsed.attendees[1].name.as_deref(), Some("Dana, Buyer"));
    assert_eq!(parsed.organizer.as_ref().unwrap().email, "rep@example.test");
    let ids = google_ids(&ics);
    assert_eq!(ids.id.as_deref(), Some("abc123"));
    assert_eq!(ids.etag.as_deref(), Some("\"318\""));
    assert_eq!(
        ids.conference.as_deref(),
        Some("https://meet.google.com/abc-defg-hij")
    );
}

#[test]
fn reminders_follow_the_event_or_the_calendar_defaults() {
    let defaults = [Reminder {
        method: "popup".into(),
        minutes: 30,
    }];
    // (reminders JSON, X-GOOGLE-DEFAULT-REMINDERS present, triggers)
    let cases = [
        (None, true, vec!["TRIGGER:-PT30M"]),
        (
            Some(json!({ "useDefault": true })),
            true,
            vec!["TRIGGER:-PT30M"],
        ),
        (Some(json!({ "useDefault": false })), false, vec![]),
        (
            Some(
                json!({ "useDefault": false, "overrides": [{ "method": "popup", "minutes": 5 }] }),
            ),
            false,
            vec!["TRIGGER:-PT5M"],
        ),
    ];
    for (reminders, default, triggers) in cases {
        let mut v = json!({ "id": "e", "iCalUID": "e@x", "start": { "date": "2026-11-24" }, "end": { "date": "2026-11-25" } });
        if let Some(r) = &reminders {
            v["reminders"] = r.clone();
        }
        let ics = event_to_ics(&event(v), &ctx(None, &defaults), None).unwrap();
        let found: Vec<String> = lines(&ics)
            .into_iter()
            .filter(|l| l.starts_with("TRIGGER"))
            .collect();
        assert_eq!(found, triggers, "{reminders:?}");
        assert_eq!(
            ics.contains("X-GOOGLE-DEFAULT-REMINDERS:TRUE"),
            default,
            "{reminders:?}"
        );
        // And back: the default marker keeps useDefault, overrides stay overrides.
        let write = event_write_from_ics(&ics, &WriteOptions::default()).unwrap();
        assert_eq!(write.reminders.use_default, default, "{reminders:?}");
        if !default {
            let minutes: Vec<i64> = write
                .reminders
                .overrides
                .unwrap()
                .iter()
                .map(|r| r.minutes)
                .collect();
            let expected: Vec<i64> = triggers
                .iter()
                .map(|t| t[11..t.len() - 1].parse().unwrap())
                .collect();
            assert_eq!(minutes, expected);
        }
    }
}

#[test]
fn a_series_with_a_moved_and_a_cancelled_exception_expands_across_dst() {
    let ctx = ctx(Some("America/New_York"), &[]);
    let master = event(json!({
        "id": "s1", "iCalUID": "s1@google.com", "summary": "standup",
        "start": { "dateTime": "2026-10-26T09:00:00-04:00", "timeZone": "America/New_York" },
        "end": { "dateTime": "2026-10-26T09:15:00-04:00", "timeZone": "America/New_York" },
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4", "EXDATE;TZID=America/New_York:20261116T090000"]
    }));
    let moved = event(json!({
        "id": "s1_20261102T140000Z", "iCalUID": "s1@google.com", "recurringEventId": "s1", "summary": "standup (late)",
        "originalStartTime": { "dateTime": "2026-11-02T09:00:00-05:00", "timeZone": "America/New_York" },
        "start": { "dateTime": "2026-11-02T11:00:00-05:00", "timeZone": "America/New_York" },
        "end": { "dateTime": "2026-11-02T11:15:00-05:00", "timeZone": "America/New_York" }
    }));
    // Cancelled occurrences come with the id, series id and original start only.
    let cancelled = event(json!({
        "id": "s1_20261109T140000Z", "status": "cancelled", "recurringEventId": "s1",
        "originalStartTime": { "dateTime": "2026-11-09T09:00:00-05:00", "timeZone": "America/New_York" }
    }));
    let master_ics = event_to_ics(&master, &ctx, None).unwrap();
    assert!(master_ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\n"));
    assert!(master_ics.contains("EXDATE;TZID=America/New_York:20261116T090000\r\n"));
    let moved_ics = event_to_ics(&moved, &ctx, None).unwrap();
    assert!(moved_ics.contains("RECURRENCE-ID;TZID=America/New_York:20261102T090000\r\n"));
    assert!(moved_ics.contains("X-GOOGLE-RECURRING-EVENT-ID:s1\r\n"));
    assert!(matches!(
        event_to_ics(&cancelled, &ctx, None),
        Err(GoogleMapError::Invalid { .. })
    ));
    let cancelled_ics = event_to_ics(&cancelled, &ctx, Some("s1@google.com")).unwrap();
    assert!(cancelled_ics.contains("STATUS:CANCELLED\r\n"));

    let m = parse_ics(&master_ics).events.remove(0);
    let overrides: Vec<_> = [moved_ics, cancelled_ics]
        .iter()
        .map(|i| parse_ics(i).events.remove(0))
        .collect();
    let from = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let starts: Vec<_> = expand(&m, &overrides, from, to)
        .iter()
        .map(|i| i.start)
        .collect();
    assert_eq!(
        starts,
        [
            Utc.with_ymd_and_hms(2026, 10, 26, 13, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 2, 16, 0, 0).unwrap(),
        ]
    );
}

#[test]
fn cancelled_single_events_and_broken_ones_are_errors() {
    let deleted = event(json!({ "id": "gone", "status": "cancelled" }));
    assert!(event_to_ics(&deleted, &ctx(None, &[]), Some("x")).is_err());
    let no_start = event(json!({ "id": "x", "iCalUID": "x@y" }));
    assert!(event_to_ics(&no_start, &ctx(None, &[]), None).is_err());
    let bad = event(json!({ "id": "x", "iCalUID": "x@y", "start": { "dateTime": "tomorrow" } }));
    assert!(event_to_ics(&bad, &ctx(None, &[]), None).is_err());
    let no_zone = event(
        json!({ "id": "x", "iCalUID": "x@y", "start": { "dateTime": "2026-11-24T09:00:00" } }),
    );
    assert!(event_to_ics(&no_zone, &ctx(None, &[]), None).is_err());
    assert!(event_write_from_ics(
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        &WriteOptions::default()
    )
    .is_err());
}

const LOCAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:local-1@switchboard\r\n\
DTSTART;TZID=Europe/Berlin:20261124T100000\r\nDTEND;TZID=Europe/Berlin:20261124T110000\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=Europe/Berlin:20261201T100000\r\nSUMMARY:Pipeline review\r\n\
LOCATION:HQ\r\nORGANIZER:mailto:rep@example.test\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:rep@example.test\r\n\
ATTENDEE;CN=Dana;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:dana@customer.example\r\n\
TRANSP:OPAQUE\r\nX-UNKNOWN-THING:kept locally\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\n\
END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn a_local_resource_becomes_an_insert_body() {
    let options = WriteOptions {
        meet_request_id: Some("sb-local-1".into()),
        insert: true,
        instance: false,
    };
    let write = event_write_from_ics(LOCAL, &options).unwrap();
    let body = serde_json::to_value(&write).unwrap();
    assert_eq!(
        body,
        json!({
            "iCalUID": "local-1@switchboard",
            "summary": "Pipeline review",
            "location": "HQ",
            "start": { "dateTime": "2026-11-24T10:00:00+01:00", "timeZone": "Europe/Berlin" },
            "end": { "dateTime": "2026-11-24T11:00:00+01:00", "timeZone": "Europe/Berlin" },
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;TZID=Europe/Berlin:20261201T100000"],
            "attendees": [
                { "email": "rep@example.test", "responseStatus": "accepted", "organizer": true },
                { "email": "dana@customer.example", "displayName": "Dana", "responseStatus": "needsAction", "optional": true }
            ],
            "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": 10 }] },
            "transparency": "opaque",
            "conferenceData": { "createRequest": { "requestId": "sb-local-1", "conferenceSolutionKey": { "type": "hangoutsMeet" } } }
        })
    );
    // An occurrence is written without the rule; a conference already there is not re-requested.
    let with_meet = LOCAL.replace(
        "TRANSP:OPAQUE",
        "X-GOOGLE-CONFERENCE:https://meet.google.com/x",
    );
    let instance = event_write_from_ics(
        &with_meet,
        &WriteOptions {
            instance: true,
            ..options
        },
    )
    .unwrap();
    assert!(instance.recurrence.is_none());
    assert!(instance.conference_data.is_none());
    // X-GOOGLE-CONFERENCE:REQUEST is how a local edit asks for a Meet.
    let asking = LOCAL.replace("TRANSP:OPAQUE", "X-GOOGLE-CONFERENCE:REQUEST");
    assert!(wants_meet(&asking) && !wants_meet(LOCAL) && !wants_meet(&with_meet));
    assert_eq!(google_ids(&asking).conference, None);
    let options = WriteOptions {
        meet_request_id: Some("sb".into()),
        ..WriteOptions::default()
    };
    let body = event_write_from_ics(&asking, &options).unwrap();
    assert_eq!(
        body.conference_data
            .unwrap()
            .create_request
            .unwrap()
            .request_id,
        "sb"
    );
}

#[test]
fn all_day_and_utc_times_go_back_as_google_writes_them() {
    let cases = [
        (
            "DTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261126",
            json!({ "date": "2026-11-24" }),
            json!({ "date": "2026-11-26" }),
        ),
        (
            "DTSTART:20261124T090000Z\r\nDTEND:20261124T093000Z",
            json!({ "dateTime": "2026-11-24T09:00:00Z", "timeZone": "UTC" }),
            json!({ "dateTime": "2026-11-24T09:30:00Z", "timeZone": "UTC" }),
        ),
        (
            "DTSTART;TZID=Asia/Kolkata:20261124T090000\r\nDTEND;TZID=Asia/Kolkata:20261124T093000",
            json!({ "dateTime": "2026-11-24T09:00:00+05:30", "timeZone": "Asia/Kolkata" }),
            json!({ "dateTime": "2026-11-24T09:30:00+05:30", "timeZone": "Asia/Kolkata" }),
        ),
    ];
    for (times, start, end) in cases {
        let ics = format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n{times}\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        let body =
            serde_json::to_value(event_write_from_ics(&ics, &WriteOptions::default()).unwrap())
                .unwrap();
        assert_eq!(
            (body["start"].clone(), body["end"].clone()),
            (start, end),
            "{times}"
        );
    }
}

#[test]
fn google_to_ics_and_back_keeps_what_google_stores() {
    let original = json!({
        "id": "r1", "iCalUID": "r1@google.com", "summary": "1:1",
        "start": { "dateTime": "2026-03-27T10:00:00+01:00", "timeZone": "Europe/Berlin" },
        "end": { "dateTime": "2026-03-27T10:30:00+01:00", "timeZone": "Europe/Berlin" },
        "recurrence": ["RRULE:FREQ=MONTHLY;BYDAY=-1FR"],
        "attendees": [{ "email": "dana@customer.example", "responseStatus": "accepted" }],
        "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": 20 }] },
        "hangoutLink": "https://meet.google.com/aaa-bbbb-ccc"
    });
    let ics = event_to_ics(&event(original.clone()), &ctx(None, &[]), None).unwrap();
    let write = event_write_from_ics(
        &ics,
        &WriteOptions {
            meet_request_id: Some("r".into()),
            ..WriteOptions::default()
        },
    )
    .unwrap();
    let body = serde_json::to_value(&write).unwrap();
    for field in ["summary", "start", "end", "recurrence", "reminders"] {
        assert_eq!(body[field], original[field], "{field}");
    }
    assert_eq!(body["attendees"][0]["responseStatus"], "accepted");
    assert!(
        body.get("conferenceData").is_none(),
        "the event already has a Meet"
    );
}

#[test]
fn status_tables() {
    for (google, ical) in [
        ("accepted", "ACCEPTED"),
        ("declined", "DECLINED"),
        ("tentative", "TENTATIVE"),
        ("needsAction", "NEEDS-ACTION"),
    ] {
        assert_eq!(partstat(google), ical);
        assert_eq!(response_status(ical), google);
    }
    assert_eq!(response_status("DELEGATED"), "needsAction");
}

#[test]
fn ids_for_local_uids_are_base32hex() {
    for uid in ["a", "local-1@switchboard", "ÄÖÜ 😀", &"x".repeat(2000)] {
        let id = event_id_for_uid(uid);
        assert!((5..=1024).contains(&id.len()), "{uid}: {}", id.len());
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)),
            "{id}"
        );
        assert_eq!(id, event_id_for_uid(uid), "stable");
    }
    assert_ne!(event_id_for_uid("a"), event_id_for_uid("b"));
}

#[test]
fn busy_periods_are_read_or_refused() {
    let ok: FreeBusyCalendar = serde_json::from_value(json!({ "busy": [{ "start": "2026-11-24T14:00:00Z", "end": "2026-11-24T15:00:00+01:00" }] })).unwrap();
    assert_eq!(
        busy_intervals(&ok).unwrap(),
        [(
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
        )]
    );
    let bad: FreeBusyCalendar =
        serde_json::from_value(json!({ "busy": [{ "start": "soon", "end": "later" }] })).unwrap();
    assert!(busy_intervals(&bad).is_err());
}

#[test]
fn a_resource_with_overrides_splits_into_one_per_vevent_series_first() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:u\r\nRECURRENCE-ID:20261124T090000Z\r\nDTSTART:20261124T100000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20261117T090000Z\r\nRRULE:FREQ=WEEKLY\r\nBEGIN:VALARM\r\n\
TRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let parts = split_vevents(ics);
    assert_eq!(parts.len(), 2);
    assert!(
        parts[0].contains("RRULE")
            && parts[0].contains("TRIGGER:-PT5M")
            && !parts[0].contains("RECURRENCE-ID")
    );
    assert!(parts[1].contains("RECURRENCE-ID:20261124T090000Z"));
    for part in &parts {
        assert!(
            part.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE"),
            "{part}"
        );
        assert!(part.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"), "{part}");
        assert_eq!(parse_ics(part).events.len(), 1);
    }
    assert_eq!(split_vevents(LOCAL).len(), 1);
}
