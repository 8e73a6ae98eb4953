//! Editing resources: only touched lines change, scopes of recurring events, DST.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use switchboard_calendar::{
    create_event, delete_event, expand_in, override_of, parse_ics, set_partstat, update_event,
    Alarm, Attendee, DeleteOutcome, EditContext, EditError, EditScope, EventPatch, EventTime, Tz,
};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn ny() -> Tz {
    "America/New_York".parse().unwrap()
}

fn ctx() -> EditContext {
    EditContext {
        now: utc("2026-11-22T10:00:00Z"),
        floating_zone: ny(),
    }
}

const NY_TZ: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZNAME:EST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// Weekly Monday standup, 6 times from 2026-03-02 (New York springs forward on 03-08),
/// the 04-06 one excluded, the 03-23 one moved to 10:00; plus things nobody here knows.
fn resource() -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Team//EN\r\nX-WR-CALNAME:Team\r\n{NY_TZ}\
BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:2\r\n\
DTSTART;TZID=America/New_York:20260302T090000\r\nDTEND;TZID=America/New_York:20260302T093000\r\n\
RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=America/New_York:20260406T090000\r\nSUMMARY:Standup\r\n\
X-CUSTOM-THING;X-PARAM=keep:some value\r\n\
ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;X-EXTRA=1:mailto:ann@example.com\r\n\
ATTENDEE;CN=Bo;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bo@example.com\r\n\
DESCRIPTION:A long description that is folded by the server because it is longer\r\n  than seventy-five octets.\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:soon\r\nX-ALARM-UID:abc\r\nEND:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:standup\r\nRECURRENCE-ID;TZID=America/New_York:20260323T090000\r\n\
DTSTART;TZID=America/New_York:20260323T100000\r\nDTEND;TZID=America/New_York:20260323T103000\r\n\
SUMMARY:Standup (late)\r\nSEQUENCE:3\r\nX-OVERRIDE-NOTE:kept\r\nEND:VEVENT\r\n\
BEGIN:VTODO\r\nUID:todo-1\r\nSUMMARY:Not an event\r\nX-TODO;FOO=\"a:b\":c\r\nEND:VTODO\r\n\
END:VCALENDAR\r\n"
    )
}

/// Every instance as `local start/local end [rid=...] summary` in New York.
fn shown(ics: &str, uid: &str) -> Vec<String> {
    let parsed = parse_ics(ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let master = parsed
        .events
        .iter()
        .find(|e| e.uid == uid && e.recurrence_id.is_none())
        .unwrap();
    expand_in(
        master,
        &parsed.events,
        utc("2026-01-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
        ny(),
    )
    .iter()
    .map(|i| {
        let summary = override_of(master, &parsed.events, i, ny())
            .unwrap_or(master)
            .summary
            .clone()
            .unwrap_or_default();
        let rid = if i.overridden {
            format!(" rid={}", i.recurrence_id.with_timezone(&ny()).to_rfc3339())
        } else {
            String::new()
        };
        format!(
            "{}/{}{rid} {summary}",
            i.start.with_timezone(&ny()).to_rfc3339(),
            i.end.with_timezone(&ny()).format("%H:%M%:z")
        )
    })
    .collect()
}

/// The lines of `before` missing from `after` (physical lines, so folds count).
fn lost_lines(before: &str, after: &str) -> Vec<String> {
    let kept: Vec<&str> = after.split("\r\n").collect();
    before
        .split("\r\n")
        .filter(|l| !kept.contains(l))
        .map(str::to_string)
        .collect()
}

fn summary(s: &str) -> EventPatch {
    EventPatch {
        summary: Some(Some(s.to_string())),
        ..EventPatch::default()
    }
}

#[test]
fn the_fixture_expands_as_described() {
    assert_eq!(
        shown(&resource(), "standup"),
        [
            "2026-03-02T09:00:00-05:00/09:30-05:00 Standup",
            "2026-03-09T09:00:00-04:00/09:30-04:00 Standup",
            "2026-03-16T09:00:00-04:00/09:30-04:00 Standup",
            "2026-03-23T10:00:00-04:00/10:30-04:00 rid=2026-03-23T09:00:00-04:00 Standup (late)",
            "2026-03-30T09:00:00-04:00/09:30-04:00 Standup",
        ]
    );
}

#[test]
fn editing_all_changes_only_the_touched_lines() {
    let before = resource();
    let out = update_event(
        &before,
        "standup",
        EditScope::All,
        &summary("Daily sync, team; all"),
        &ctx(),
    )
    .unwrap();
    assert!(out.split_off.is_none());
    assert_eq!(
        lost_lines(&before, &out.ics),
        ["DTSTAMP:20260101T000000Z", "SEQUENCE:2", "SUMMARY:Standup"]
    );
    assert!(
        out.ics
            .contains("SUMMARY:Daily sync\\, team\\; all\r\nSEQUENCE:3\r\n")
            || out.ics.contains("SEQUENCE:3\r\n")
    );
    assert!(out.ics.contains("LAST-MODIFIED:20261122T100000Z\r\n"));
    let parsed = parse_ics(&out.ics);
    assert_eq!(
        parsed.events[0].summary.as_deref(),
        Some("Daily sync, team; all")
    );
    // The override keeps its own summary.
    assert_eq!(parsed.events[1].summary.as_deref(), Some("Standup (late)"));
}

#[test]
fn editing_one_instance_after_the_dst_change_lands_at_local_time() {
    let before = resource();
    let patch = EventPatch {
        time: Some(EventTime::Timed {
            start: local("2026-03-09T11:00"),
            end: local("2026-03-09T12:00"),
            tzid: Some("America/New_York".into()),
        }),
        summary: Some(Some("Standup, moved".into())),
        ..EventPatch::default()
    };
    let out = update_event(
        &before,
        "standup",
        EditScope::This(utc("2026-03-09T13:00:00Z")),
        &patch,
        &ctx(),
    )
    .unwrap();
    assert_eq!(lost_lines(&before, &out.ics), Vec::<String>::new());
    assert!(out
        .ics
        .contains("RECURRENCE-ID;TZID=America/New_York:20260309T090000\r\n"));
    assert_eq!(
        shown(&out.ics, "standup")[1],
        "2026-03-09T11:00:00-04:00/12:00-04:00 rid=2026-03-09T09:00:00-04:00 Standup, moved"
    );
    // The new override copies the master's unknown properties and alarms, not its rule.
    let parsed = parse_ics(&out.ics);
    let o = parsed
        .events
        .iter()
        .find(|e| e.recurrence_id == Some(utc("2026-03-09T13:00:00Z")))
        .unwrap();
    assert!(o.raw.contains("X-CUSTOM-THING;X-PARAM=keep:some value"));
    assert!(o.raw.contains("X-ALARM-UID:abc"));
    assert_eq!(o.rrule, None);
    assert!(o.raw.contains("SEQUENCE:3"));

    // Editing an instance that already has an override changes that override.
    let again = update_event(
        &out.ics,
        "standup",
        EditScope::This(utc("2026-03-23T13:00:00Z")),
        &summary("Later"),
        &ctx(),
    )
    .unwrap();
    assert_eq!(
        parse_ics(&again.ics)
            .events
            .iter()
            .filter(|e| e.recurrence_id.is_some())
            .count(),
        2
    );
    assert!(again.ics.contains("X-OVERRIDE-NOTE:kept\r\n"));
    assert!(again.ics.contains("SEQUENCE:4\r\n"));
    assert_eq!(
        shown(&again.ics, "standup")[3],
        "2026-03-23T10:00:00-04:00/10:30-04:00 rid=2026-03-23T09:00:00-04:00 Later"
    );
}

#[test]
fn this_and_following_splits_the_series() {
    let before = resource();
    let rid = utc("2026-03-16T13:00:00Z");
    let out = update_event(
        &before,
        "standup",
        EditScope::ThisAndFollowing(rid),
        &summary("New standup"),
        &ctx(),
    )
    .unwrap();
    assert!(
        out.ics
            .contains("RRULE:FREQ=WEEKLY;UNTIL=20260316T125959Z\r\n"),
        "{}",
        out.ics
    );
    assert_eq!(
        shown(&out.ics, "standup"),
        [
            "2026-03-02T09:00:00-05:00/09:30-05:00 Standup",
            "2026-03-09T09:00:00-04:00/09:30-04:00 Standup",
        ]
    );
    assert!(!out.ics.contains("Standup (late)"));
    assert!(out.ics.contains("BEGIN:VTODO"));
    let split = out.split_off.unwrap();
    assert_eq!(split.uid, "standup-20260316T130000Z");
    assert!(
        split.ics.contains("RRULE:FREQ=WEEKLY;COUNT=4\r\n"),
        "{}",
        split.ics
    );
    assert!(split
        .ics
        .contains("X-CUSTOM-THING;X-PARAM=keep:some value\r\n"));
    assert!(!split.ics.contains("VTODO"));
    assert_eq!(
        shown(&split.ics, &split.uid),
        [
            "2026-03-16T09:00:00-04:00/09:30-04:00 New standup",
            "2026-03-23T10:00:00-04:00/10:30-04:00 rid=2026-03-23T09:00:00-04:00 Standup (late)",
            "2026-03-30T09:00:00-04:00/09:30-04:00 New standup",
        ]
    );
}

#[test]
fn moving_all_moves_overrides_and_exdates_with_the_series() {
    let patch = EventPatch {
        time: Some(EventTime::Timed {
            start: local("2026-03-02T08:00"),
            end: local("2026-03-02T08:45"),
            tzid: Some("America/New_York".into()),
        }),
        ..EventPatch::default()
    };
    let out = update_event(&resource(), "standup", EditScope::All, &patch, &ctx()).unwrap();
    assert!(out
        .ics
        .contains("EXDATE;TZID=America/New_York:20260406T080000\r\n"));
    assert!(out
        .ics
        .contains("RECURRENCE-ID;TZID=America/New_York:20260323T080000\r\n"));
    assert_eq!(
        shown(&out.ics, "standup"),
        [
            "2026-03-02T08:00:00-05:00/08:45-05:00 Standup",
            "2026-03-09T08:00:00-04:00/08:45-04:00 Standup",
            "2026-03-16T08:00:00-04:00/08:45-04:00 Standup",
            // The moved instance stays where it was moved to.
            "2026-03-23T10:00:00-04:00/10:30-04:00 rid=2026-03-23T08:00:00-04:00 Standup (late)",
            "2026-03-30T08:00:00-04:00/08:45-04:00 Standup",
        ]
    );

    // A new rule drops the overrides and EXDATEs.
    let rule = EventPatch {
        rrule: Some(Some("FREQ=DAILY;COUNT=2".into())),
        ..EventPatch::default()
    };
    let out = update_event(&resource(), "standup", EditScope::All, &rule, &ctx()).unwrap();
    assert!(!out.ics.contains("RECURRENCE-ID"));
    assert!(!out.ics.contains("EXDATE"));
    assert_eq!(shown(&out.ics, "standup").len(), 2);
}

#[test]
fn deleting_with_each_scope() {
    let before = resource();
    let c = ctx();
    let DeleteOutcome::Updated(one) = delete_event(
        &before,
        "standup",
        EditScope::This(utc("2026-03-09T13:00:00Z")),
        &c,
    )
    .unwrap() else {
        panic!("resource deleted")
    };
    assert_eq!(
        lost_lines(&before, &one),
        ["DTSTAMP:20260101T000000Z", "SEQUENCE:2"]
    );
    assert!(one.contains("EXDATE;TZID=America/New_York:20260309T090000\r\n"));
    assert_eq!(shown(&one, "standup").len(), 4);

    // Deleting the moved instance removes its override too.
    let DeleteOutcome::Updated(moved) = delete_event(
        &before,
        "standup",
        EditScope::This(utc("2026-03-23T13:00:00Z")),
        &c,
    )
    .unwrap() else {
        panic!()
    };
    assert!(!moved.contains("RECURRENCE-ID"));
    assert_eq!(shown(&moved, "standup").len(), 4);

    let DeleteOutcome::Updated(following) = delete_event(
        &before,
        "standup",
        EditScope::ThisAndFollowing(utc("2026-03-16T13:00:00Z")),
        &c,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(shown(&following, "standup").len(), 2);
    assert!(!following.contains("RECURRENCE-ID"));

    // The VTODO keeps the resource alive; without it the resource goes.
    assert!(
        matches!(delete_event(&before, "standup", EditScope::All, &c).unwrap(), DeleteOutcome::Updated(t) if t.contains("VTODO") && !t.contains("VEVENT"))
    );
    let lone = before.replace("BEGIN:VTODO\r\nUID:todo-1\r\nSUMMARY:Not an event\r\nX-TODO;FOO=\"a:b\":c\r\nEND:VTODO\r\n", "");
    assert_eq!(
        delete_event(&lone, "standup", EditScope::All, &c).unwrap(),
        DeleteOutcome::DeleteResource
    );
    assert_eq!(
        delete_event(
            &lone,
            "standup",
            EditScope::ThisAndFollowing(utc("2026-03-02T14:00:00Z")),
            &c
        )
        .unwrap(),
        DeleteOutcome::DeleteResource
    );

    assert_eq!(
        delete_event(
            &before,
            "standup",
            EditScope::This(utc("2026-03-10T13:00:00Z")),
            &c
        ),
        Err(EditError::NoSuchInstance(utc("2026-03-10T13:00:00Z")))
    );
    assert_eq!(
        delete_event(&before, "nobody", EditScope::All, &c),
        Err(EditError::NoSuchEvent("nobody".into()))
    );
}

#[test]
fn attendees_and_alarms_keep_what_did_not_change() {
    let before = resource();
    let patch = EventPatch {
        attendees: Some(vec![
            Attendee {
                email: "ann@example.com".into(),
                name: Some("Ann".into()),
                partstat: Some("ACCEPTED".into()),
            },
            Attendee {
                email: "bo@example.com".into(),
                name: Some("Bo".into()),
                partstat: Some("DECLINED".into()),
            },
            Attendee {
                email: "cy@example.com".into(),
                name: Some("Cy, Jr.".into()),
                partstat: None,
            },
        ]),
        alarms: Some(vec![
            Alarm {
                description: Some("soon".into()),
                ..Alarm::display_before(10, "soon")
            },
            Alarm::display_before(60, "in an hour"),
        ]),
        ..EventPatch::default()
    };
    let mut out = update_event(&before, "standup", EditScope::All, &patch, &ctx()).unwrap();
    out.ics = out.ics.replace("\r\n ", "");
    assert!(out
        .ics
        .contains("ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;X-EXTRA=1:mailto:ann@example.com\r\n"));
    assert!(out
        .ics
        .contains("ATTENDEE;CN=Bo;PARTSTAT=DECLINED;RSVP=TRUE:mailto:bo@example.com\r\n"));
    assert!(out.ics.contains("ATTENDEE;CN=\"Cy, Jr.\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:cy@example.com\r\n"));
    assert!(out.ics.contains("X-ALARM-UID:abc\r\n"));
    assert!(out.ics.contains("TRIGGER:-PT1H\r\n"));
    let e = &parse_ics(&out.ics).events[0];
    assert_eq!(e.attendees.len(), 3);
    assert_eq!(e.alarms.len(), 2);

    let accepted =
        set_partstat(&before, "standup", "BO@example.com", "accepted", ctx().now).unwrap();
    assert!(
        accepted.contains("ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bo@example.com\r\n")
    );
    assert!(set_partstat(&before, "standup", "zed@example.com", "ACCEPTED", ctx().now).is_err());
}

#[test]
fn created_events_parse_back_to_the_same_instants() {
    let patch = EventPatch {
        summary: Some(Some("Kickoff; planning, \"Q3\"\nsecond line".into())),
        description: Some(Some("é".repeat(80))),
        time: Some(EventTime::Timed {
            start: local("2026-10-04T02:15"),
            end: local("2026-10-04T03:15"),
            tzid: Some("Australia/Lord_Howe".into()),
        }),
        rrule: Some(Some("FREQ=DAILY;COUNT=2".into())),
        url: Some(Some("https://meet.example.com/abc".into())),
        x_props: vec![(
            "X-GOOGLE-CONFERENCE".into(),
            Some("https://meet.example.com/abc".into()),
        )],
        alarms: Some(vec![Alarm::display_before(15, "Kickoff")]),
        ..EventPatch::default()
    };
    let ics = create_event("kickoff@switchboard", &patch, ctx().now).unwrap();
    for physical in ics.split("\r\n") {
        assert!(physical.len() <= 75, "{physical:?}");
    }
    assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Australia/Lord_Howe\r\n"));
    let parsed = parse_ics(&ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let e = &parsed.events[0];
    assert_eq!(e.broken, None);
    assert_eq!(
        e.summary.as_deref(),
        Some("Kickoff; planning, \"Q3\"\nsecond line")
    );
    assert_eq!(e.description.as_deref(), Some("é".repeat(80).as_str()));
    assert_eq!(e.alarms.len(), 1);
    let lh: Tz = "Australia/Lord_Howe".parse().unwrap();
    let got: Vec<String> = expand_in(
        e,
        &[],
        utc("2026-01-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
        lh,
    )
    .iter()
    .map(|i| i.start.with_timezone(&lh).to_rfc3339())
    .collect();
    // 02:15 on 2026-10-04 is in Lord Howe's 30-minute gap.
    assert_eq!(
        got,
        ["2026-10-04T02:45:00+11:00", "2026-10-05T02:15:00+11:00"]
    );
    // The same text read with the IANA name stripped (only the VTIMEZONE left) agrees.
    let custom = ics.replace("Australia/Lord_Howe", "Lord Howe (generated)");
    let e2 = &parse_ics(&custom).events[0];
    assert!(e2.custom_zone.is_some());
    let got2: Vec<String> = expand_in(
        e2,
        &[],
        utc("2026-01-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
        lh,
    )
    .iter()
    .map(|i| i.start.with_timezone(&lh).to_rfc3339())
    .collect();
    assert_eq!(got2, got);

    assert!(matches!(
        create_event(
            "x",
            &EventPatch {
                time: Some(EventTime::Timed {
                    start: local("2026-01-01T10:00"),
                    end: local("2026-01-01T11:00"),
                    tzid: Some("Mars/Base".into())
                }),
                ..EventPatch::default()
            },
            ctx().now
        ),
        Err(EditError::Invalid(_))
    ));
}

#[test]
fn all_day_instances_stay_whole_days_when_edited() {
    let patch = EventPatch {
        time: Some(EventTime::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        }),
        rrule: Some(Some("FREQ=WEEKLY;COUNT=3".into())),
        summary: Some(Some("Rota".into())),
        ..EventPatch::default()
    };
    let ics = create_event("rota", &patch, ctx().now).unwrap();
    assert!(!ics.contains("VTIMEZONE"));
    // Rename the 2026-03-08 instance (New York changes clocks that night).
    let rid = utc("2026-03-08T05:00:00Z");
    let out = update_event(
        &ics,
        "rota",
        EditScope::This(rid),
        &summary("Rota (swap)"),
        &ctx(),
    )
    .unwrap();
    assert!(out.ics.contains("RECURRENCE-ID;VALUE=DATE:20260308\r\n"));
    assert!(out
        .ics
        .contains("DTSTART;VALUE=DATE:20260308\r\nDTEND;VALUE=DATE:20260309\r\n"));
    assert_eq!(
        shown(&out.ics, "rota"),
        [
            "2026-03-01T00:00:00-05:00/00:00-05:00 Rota",
            "2026-03-08T00:00:00-05:00/00:00-04:00 rid=2026-03-08T00:00:00-05:00 Rota (swap)",
            "2026-03-15T00:00:00-04:00/00:00-04:00 Rota",
        ]
    );
}

#[test]
fn scopes_of_a_single_event_mean_the_event() {
    let patch = EventPatch {
        time: Some(EventTime::Timed {
            start: local("2026-03-08T01:30"),
            end: local("2026-03-08T03:30"),
            tzid: Some("America/New_York".into()),
        }),
        summary: Some(Some("Night shift".into())),
        ..EventPatch::default()
    };
    let ics = create_event("shift", &patch, ctx().now).unwrap();
    let start = parse_ics(&ics).events[0].start;
    // 01:30 EST to 03:30 EDT is one hour of real time.
    assert_eq!(
        parse_ics(&ics).events[0].end - start,
        chrono::Duration::hours(1)
    );
    let out = update_event(
        &ics,
        "shift",
        EditScope::This(start),
        &summary("Renamed"),
        &ctx(),
    )
    .unwrap();
    assert!(!out.ics.contains("RECURRENCE-ID"));
    assert_eq!(
        parse_ics(&out.ics).events[0].summary.as_deref(),
        Some("Renamed")
    );
    assert_eq!(
        delete_event(&ics, "shift", EditScope::This(start), &ctx()).unwrap(),
        DeleteOutcome::DeleteResource
    );
}
