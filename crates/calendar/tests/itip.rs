//! iTIP messages: REQUEST, CANCEL, REPLY, and reading incoming invitations.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, Utc};
use switchboard_calendar::{
    itip_cancel, itip_reply, itip_request, parse_invitation, EditContext, EditError, Tz,
};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ctx() -> EditContext {
    EditContext {
        now: utc("2026-11-22T10:00:00Z"),
        floating_zone: "America/New_York".parse::<Tz>().unwrap(),
    }
}

const RESOURCE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Team//EN\r\n\
BEGIN:VTIMEZONE\r\nTZID:Eastern Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
BEGIN:VTIMEZONE\r\nTZID:Unused Zone\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:plan@example.com\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:2\r\nSUMMARY:Planning\r\n\
DTSTART;TZID=Eastern Standard Time:20260302T090000\r\nDTEND;TZID=Eastern Standard Time:20260302T100000\r\n\
RRULE:FREQ=WEEKLY;COUNT=4\r\nORGANIZER;CN=Olga:mailto:olga@example.com\r\n\
ATTENDEE;CN=Bo;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;X-NOTE=keep:mailto:bo@example.com\r\n\
ATTENDEE;CN=Cy;PARTSTAT=ACCEPTED:mailto:cy@example.com\r\nX-MEETING-LINK:https://meet.example.com/x\r\nEND:VEVENT\r\n\
BEGIN:VTODO\r\nUID:todo\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

#[test]
fn request_carries_the_event_and_its_zone() {
    let text = itip_request(RESOURCE, "plan@example.com", ctx().now).unwrap();
    assert!(text.contains("METHOD:REQUEST\r\n"));
    assert!(text.contains("TZID:Eastern Standard Time\r\n"));
    assert!(!text.contains("Unused Zone"));
    assert!(!text.contains("VTODO"));
    assert!(text.contains("X-MEETING-LINK:https://meet.example.com/x\r\n"));
    assert!(text.contains("DTSTAMP:20261122T100000Z\r\n"));
    let inv = parse_invitation(&text).unwrap();
    assert_eq!(inv.method.as_deref(), Some("REQUEST"));
    assert_eq!(inv.uid, "plan@example.com");
    assert_eq!(inv.sequence, 2);
    assert_eq!(inv.organizer.unwrap().email, "olga@example.com");
    assert_eq!(inv.attendees.len(), 2);
    assert_eq!(inv.start, utc("2026-03-02T14:00:00Z"));
    assert_eq!(inv.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=4"));

    let no_organizer = RESOURCE.replace("ORGANIZER;CN=Olga:mailto:olga@example.com\r\n", "");
    assert!(matches!(
        itip_request(&no_organizer, "plan@example.com", ctx().now),
        Err(EditError::Invalid(_))
    ));
    assert_eq!(
        itip_request(RESOURCE, "other", ctx().now),
        Err(EditError::NoSuchEvent("other".into()))
    );
}

#[test]
fn cancel_for_the_series_or_one_instance() {
    let all = itip_cancel(RESOURCE, "plan@example.com", None, &ctx()).unwrap();
    assert!(all.contains("METHOD:CANCEL\r\n"));
    assert!(all.contains("STATUS:CANCELLED\r\n"));
    assert!(all.contains("SEQUENCE:3\r\n"));
    assert!(!all.contains("RRULE:FREQ=WEEKLY"));
    let inv = parse_invitation(&all).unwrap();
    assert_eq!(inv.method.as_deref(), Some("CANCEL"));
    assert_eq!(inv.attendees.len(), 2);

    // The instance after New York's DST change: 09:00 local = 13:00Z.
    let one = itip_cancel(
        RESOURCE,
        "plan@example.com",
        Some(utc("2026-03-09T13:00:00Z")),
        &ctx(),
    )
    .unwrap();
    assert!(
        one.contains("RECURRENCE-ID;TZID=Eastern Standard Time:20260309T090000\r\n"),
        "{one}"
    );
    let inv = parse_invitation(&one).unwrap();
    assert_eq!(inv.recurrence_id, Some(utc("2026-03-09T13:00:00Z")));
    assert_eq!(inv.start, utc("2026-03-09T13:00:00Z"));
    assert_eq!(
        itip_cancel(
            RESOURCE,
            "plan@example.com",
            Some(utc("2026-03-10T13:00:00Z")),
            &ctx()
        ),
        Err(EditError::NoSuchInstance(utc("2026-03-10T13:00:00Z")))
    );
}

#[test]
fn reply_holds_only_the_answering_attendee() {
    for (partstat, want) in [
        ("accepted", "ACCEPTED"),
        ("DECLINED", "DECLINED"),
        ("Tentative", "TENTATIVE"),
    ] {
        let folded = itip_reply(
            RESOURCE,
            "plan@example.com",
            "BO@example.com",
            partstat,
            None,
            &ctx(),
        )
        .unwrap();
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        let text = folded.replace("\r\n ", "");
        assert!(text.contains("METHOD:REPLY\r\n"));
        assert!(
            text.contains(&format!("ATTENDEE;CN=Bo;ROLE=REQ-PARTICIPANT;PARTSTAT={want};X-NOTE=keep:mailto:bo@example.com\r\n")),
            "{text}"
        );
        assert!(!text.contains("cy@example.com"));
        let inv = parse_invitation(&text).unwrap();
        assert_eq!(inv.method.as_deref(), Some("REPLY"));
        assert_eq!(inv.attendees.len(), 1);
        assert_eq!(inv.attendees[0].partstat.as_deref(), Some(want));
        assert_eq!(inv.sequence, 2);
    }
    let one = itip_reply(
        RESOURCE,
        "plan@example.com",
        "bo@example.com",
        "DECLINED",
        Some(utc("2026-03-16T13:00:00Z")),
        &ctx(),
    )
    .unwrap();
    assert!(one.contains("RECURRENCE-ID;TZID=Eastern Standard Time:20260316T090000\r\n"));
    assert!(itip_reply(
        RESOURCE,
        "plan@example.com",
        "zed@example.com",
        "ACCEPTED",
        None,
        &ctx()
    )
    .is_err());
    assert!(itip_reply(
        RESOURCE,
        "plan@example.com",
        "bo@example.com",
        "MAYBE",
        None,
        &ctx()
    )
    .is_err());
}

#[test]
fn incoming_parts_without_events_are_refused() {
    assert!(parse_invitation("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n").is_err());
    assert!(parse_invitation("not a calendar").is_err());
    let plain = parse_invitation(&RESOURCE.replace("BEGIN:VTODO\r\nUID:todo\r\nEND:VTODO\r\n", ""))
        .unwrap();
    assert_eq!(plain.method, None);
}
