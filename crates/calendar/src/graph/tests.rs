#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;
use chrono::NaiveDate;
use serde_json::json;

fn event(value: serde_json::Value) -> GraphEvent {
    serde_json::from_value(value).unwrap()
}

fn recurrence(value: serde_json::Value) -> PatternedRecurrence {
    serde_json::from_value(value).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn patterns_become_rules() {
    let la = resolve_zone("Pacific Standard Time");
    let rows: &[(serde_json::Value, bool, &str)] = &[
        (
            json!({"pattern": {"type": "daily", "interval": 2}, "range": {"type": "noEnd", "startDate": "2026-11-23"}}),
            false,
            "FREQ=DAILY;INTERVAL=2",
        ),
        (
            json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "sunday"},
                   "range": {"type": "numbered", "numberOfOccurrences": 10}}),
            false,
            "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;COUNT=10",
        ),
        (
            json!({"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}, "range": {"type": "noEnd"}}),
            false,
            "FREQ=MONTHLY;BYMONTHDAY=31",
        ),
        (
            json!({"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"}, "range": {"type": "noEnd"}}),
            false,
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (
            json!({"pattern": {"type": "relativeMonthly", "interval": 3, "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"], "index": "first"},
                   "range": {"type": "noEnd"}}),
            false,
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
        ),
        (
            json!({"pattern": {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}, "range": {"type": "noEnd"}}),
            false,
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        ),
        (
            json!({"pattern": {"type": "relativeYearly", "interval": 1, "month": 11, "daysOfWeek": ["thursday"], "index": "fourth"}, "range": {"type": "noEnd"}}),
            false,
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
        ),
        // endDate: the end of that local day (Los Angeles, PST) in UTC.
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "endDate": "2026-12-31"}}),
            false,
            "FREQ=DAILY;UNTIL=20270101T075959Z",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "endDate": "2026-12-31"}}),
            true,
            "FREQ=DAILY;UNTIL=20261231",
        ),
    ];
    for (json, all_day, want) in rows {
        let got = recurrence_to_rrule(&recurrence(json.clone()), la, *all_day).unwrap();
        assert_eq!(got, *want, "{json}");
    }
}

#[test]
fn rules_become_patterns_and_back() {
    let berlin = resolve_zone("Europe/Berlin");
    let rows: &[(&str, &str, &str)] = &[
        (
            "FREQ=DAILY;INTERVAL=2",
            "2026-11-23",
            "FREQ=DAILY;INTERVAL=2",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10",
            "2026-11-23",
            "FREQ=WEEKLY;BYDAY=MO,WE;WKST=MO;COUNT=10",
        ),
        ("FREQ=WEEKLY", "2026-11-25", "FREQ=WEEKLY;BYDAY=WE;WKST=MO"),
        (
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            "2026-11-23",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;WKST=MO",
        ),
        ("FREQ=MONTHLY", "2026-11-23", "FREQ=MONTHLY;BYMONTHDAY=23"),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            "2026-11-27",
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "2026-11-30",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        (
            "FREQ=YEARLY",
            "2024-02-29",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        ),
        (
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            "2026-11-26",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
        ),
        // UNTIL in UTC: the local (Berlin) date it falls on is the endDate.
        (
            "FREQ=DAILY;UNTIL=20261231T225959Z",
            "2026-12-01",
            "FREQ=DAILY;UNTIL=20261231T225959Z",
        ),
        (
            "FREQ=DAILY;UNTIL=20261231T230000Z",
            "2026-12-01",
            "FREQ=DAILY;UNTIL=20270101T225959Z",
        ),
    ];
    for (rule, start, back) in rows {
        let rec = rrule_to_recurrence(rule, date(start), "Europe/Berlin", berlin).unwrap();
        assert_eq!(rec.range.start_date.as_deref(), Some(*start));
        assert_eq!(
            recurrence_to_rrule(&rec, berlin, false).unwrap(),
            *back,
            "{rule}"
        );
    }
}

#[test]
fn rules_graph_cannot_hold_are_refused() {
    for rule in [
        "FREQ=HOURLY",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=WEEKLY;BYHOUR=9",
        "FREQ=MONTHLY;BYDAY=1MO,-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "INTERVAL=2",
    ] {
        let got = rrule_to_recurrence(rule, date("2026-11-23"), "UTC", None);
        assert!(got.is_err(), "{rule}: {got:?}");
    }
}

#[test]
fn responses_become_partstats() {
    for (response, want) in [
        ("accepted", "ACCEPTED"),
        ("organizer", "ACCEPTED"),
        ("declined", "DECLINED"),
        ("tentativelyAccepted", "TENTATIVE"),
        ("notResponded", "NEEDS-ACTION"),
        ("none", "NEEDS-ACTION"),
    ] {
        assert_eq!(partstat(response), want);
    }
}

fn occurrence() -> serde_json::Value {
    json!({
        "@odata.etag": "W/\"CK1\"", "id": "AAMk_OCC_1", "changeKey": "CK1", "iCalUId": "0400ABC",
        "subject": "Standup; daily, short", "type": "occurrence", "seriesMasterId": "AAMk",
        "originalStart": "2026-11-23T17:00:00Z", "originalStartTimeZone": "Pacific Standard Time",
        "start": {"dateTime": "2026-11-23T17:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-23T17:15:00.0000000", "timeZone": "UTC"},
        "body": {"contentType": "html", "content": "<html><body><p>Agenda &amp; notes</p><p>Line 2</p></body></html>"},
        "organizer": {"emailAddress": {"name": "Boss, The", "address": "boss@example.test"}},
        "attendees": [
            {"type": "required", "emailAddress": {"name": "Rep", "address": "rep@example.test"}, "status": {"response": "tentativelyAccepted"}},
            {"type": "optional", "emailAddress": {"address": "ada@example.test"}, "status": {"response": "declined"}}
        ],
        "isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness",
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"},
        "isReminderOn": true, "reminderMinutesBeforeStart": 10, "showAs": "tentative",
        "location": {"displayName": "Room 1"}
    })
}

#[test]
fn an_instance_becomes_its_own_resource_in_its_zone() {
    let ics = event_to_ics(&event(occurrence())).unwrap();
    let parsed = crate::parse_ics(&ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.events.len(), 1);
    let e = &parsed.events[0];
    assert_eq!(e.uid, "0400ABC-20261123T170000Z", "unique per instance");
    assert!(e.recurrence_id.is_none() && e.rrule.is_none());
    assert_eq!(e.tzid.as_deref(), Some("America/Los_Angeles"));
    assert!(
        ics.contains("DTSTART;TZID=America/Los_Angeles:20261123T090000\r\n"),
        "{ics}"
    );
    assert_eq!(e.start.to_rfc3339(), "2026-11-23T17:00:00+00:00");
    assert_eq!(e.end.to_rfc3339(), "2026-11-23T17:15:00+00:00");
    assert_eq!(e.summary.as_deref(), Some("Standup; daily, short"));
    assert_eq!(e.description.as_deref(), Some("Agenda & notes\nLine 2"));
    assert_eq!(e.location.as_deref(), Some("Room 1"));
    let org = e.organizer.as_ref().unwrap();
    assert_eq!(
        (org.email.as_str(), org.name.as_deref()),
        ("boss@example.test", Some("Boss, The"))
    );
    let stats: Vec<_> = e
        .attendees
        .iter()
        .map(|a| (a.email.as_str(), a.partstat.as_deref()))
        .collect();
    assert_eq!(
        stats,
        [
            ("rep@example.test", Some("TENTATIVE")),
            ("ada@example.test", Some("DECLINED"))
        ]
    );
    for needle in [
        "X-MS-GRAPH-ID:AAMk_OCC_1",
        "X-MS-GRAPH-TYPE:occurrence",
        "X-MS-GRAPH-SERIES-MASTER-ID:AAMk",
        "X-MS-GRAPH-CHANGEKEY:CK1",
        "X-MS-GRAPH-ORIGINAL-START:20261123T170000Z",
        "X-MS-GRAPH-ONLINE-MEETING-PROVIDER:teamsForBusiness",
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Microsoft Teams:https://teams.microsoft.com/",
        "URL:https://teams.microsoft.com/l/meetup-join/",
        "TRIGGER:-PT10M",
        "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",
    ] {
        assert!(
            ics.replace("\r\n ", "").contains(needle),
            "{needle} in {ics}"
        );
    }
    assert!(ics.lines().all(|l| l.len() <= 75), "folded: {ics}");
    let ids = graph_ids(&ics);
    assert_eq!(ids.id.as_deref(), Some("AAMk_OCC_1"));
    assert_eq!(ids.series_master_id.as_deref(), Some("AAMk"));
    assert_eq!(ids.kind.as_deref(), Some("occurrence"));
    assert_eq!(ids.change_key.as_deref(), Some("CK1"));
}

#[test]
fn times_without_a_known_zone_stay_in_utc_and_all_day_is_a_date() {
    let mut v = occurrence();
    v["originalStartTimeZone"] = json!("tzone://Microsoft/Custom");
    let ics = event_to_ics(&event(v)).unwrap();
    assert!(ics.contains("DTSTART:20261123T170000Z\r\n"), "{ics}");
    let all_day = event(json!({
        "id": "A1", "type": "singleInstance", "isAllDay": true, "subject": "Offsite",
        "start": {"dateTime": "2026-11-24T00:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-26T00:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "W. Europe Standard Time", "showAs": "free", "isReminderOn": false
    }));
    let ics = event_to_ics(&all_day).unwrap();
    let e = &crate::parse_ics(&ics).events[0];
    assert!(e.all_day);
    assert_eq!(e.uid, "A1", "no iCalUId: the id");
    assert!(ics.contains("DTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261126\r\n"));
    assert!(ics.contains("TRANSP:TRANSPARENT") && !ics.contains("VALARM"));
    assert!(
        event_to_ics(&event(json!({"id": "x"}))).is_err(),
        "no start"
    );
}

#[test]
fn a_series_master_carries_its_rule() {
    let master = event(json!({
        "id": "M1", "iCalUId": "U1", "type": "seriesMaster", "subject": "Weekly",
        "start": {"dateTime": "2026-11-23T17:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-23T17:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Pacific Standard Time",
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "sunday"},
                       "range": {"type": "numbered", "numberOfOccurrences": 4, "startDate": "2026-11-23"}}
    }));
    let ics = event_to_ics(&master).unwrap();
    let e = &crate::parse_ics(&ics).events[0];
    assert_eq!(
        e.rrule.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO;WKST=SU;COUNT=4")
    );
    let from = e.start;
    let instances = crate::expand(e, &[], from, from + chrono::Duration::days(60));
    assert_eq!(instances.len(), 4);
    // 09:00 Los Angeles on both sides of nothing: PST all along, 17:00Z each week.
    assert!(instances
        .iter()
        .all(|i| i.start.format("%H:%M").to_string() == "17:00"));
}

#[test]
fn a_resource_becomes_a_post_body() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:local-1\r\n\
DTSTART;TZID=Europe/Berlin:20261123T100000\r\nDTEND;TZID=Europe/Berlin:20261123T110000\r\n\
RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630T215959Z\r\nSUMMARY:Review\r\nDESCRIPTION:Line 1\\nLine 2\r\n\
LOCATION:HQ\r\nORGANIZER:mailto:rep@example.test\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:rep@example.test\r\n\
ATTENDEE;CN=Ada;ROLE=OPT-PARTICIPANT:mailto:ada@example.test\r\nATTENDEE;CUTYPE=RESOURCE:mailto:room@example.test\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let w = event_write_from_ics(
        ics,
        WriteOptions {
            teams: true,
            instance: false,
        },
    )
    .unwrap();
    let v = serde_json::to_value(&w).unwrap();
    assert_eq!(
        v["start"],
        json!({"dateTime": "2026-11-23T10:00:00", "timeZone": "Europe/Berlin"})
    );
    assert_eq!(v["end"]["dateTime"], "2026-11-23T11:00:00");
    assert_eq!(v["subject"], "Review");
    assert_eq!(
        v["body"],
        json!({"contentType": "text", "content": "Line 1\nLine 2"})
    );
    assert_eq!(v["location"]["displayName"], "HQ");
    assert_eq!(v["recurrence"]["pattern"]["type"], "relativeMonthly");
    assert_eq!(v["recurrence"]["pattern"]["index"], "last");
    assert_eq!(
        v["recurrence"]["range"],
        json!({"type": "endDate", "startDate": "2026-11-23", "endDate": "2027-06-30",
        "numberOfOccurrences": 0, "recurrenceTimeZone": "Europe/Berlin"})
    );
    let attendees: Vec<_> = w
        .attendees
        .iter()
        .map(|a| {
            (
                a.email_address.address.clone().unwrap(),
                a.kind.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attendees,
        [
            ("ada@example.test".to_owned(), "optional".to_owned()),
            ("room@example.test".to_owned(), "resource".to_owned())
        ],
        "the organizer is not invited to their own meeting"
    );
    assert_eq!(w.reminder_minutes_before_start, Some(30));
    assert!(w.is_reminder_on);
    assert_eq!(
        (w.is_online_meeting, w.online_meeting_provider.as_deref()),
        (Some(true), Some("teamsForBusiness"))
    );
    assert_eq!(w.show_as.as_deref(), Some("busy"));
    let instance = event_write_from_ics(
        ics,
        WriteOptions {
            teams: false,
            instance: true,
        },
    )
    .unwrap();
    assert!(instance.recurrence.is_none() && instance.is_online_meeting.is_none());
}

#[test]
fn what_we_read_writes_back_the_same() {
    let ics = event_to_ics(&event(occurrence())).unwrap();
    let w = event_write_from_ics(
        &ics,
        WriteOptions {
            teams: false,
            instance: true,
        },
    )
    .unwrap();
    assert_eq!(
        w.start,
        DateTimeTimeZone {
            date_time: "2026-11-23T09:00:00".into(),
            time_zone: Some("America/Los_Angeles".into())
        }
    );
    assert_eq!(w.subject.as_deref(), Some("Standup; daily, short"));
    assert_eq!(w.show_as.as_deref(), Some("tentative"));
    assert_eq!(w.reminder_minutes_before_start, Some(10));
    assert_eq!(w.is_online_meeting, Some(true), "a Teams meeting stays one");
    assert!(wants_teams(&ics));
    assert!(!wants_teams(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ));
    let all_day = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261125\r\n\
TRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let w = event_write_from_ics(all_day, WriteOptions::default()).unwrap();
    assert!(w.is_all_day && !w.is_reminder_on);
    assert_eq!(w.start.date_time, "2026-11-24T00:00:00");
    assert_eq!(w.show_as.as_deref(), Some("free"));
}

#[test]
fn calendar_colours() {
    let cal = |hex: Option<&str>, color: Option<&str>| GraphCalendar {
        hex_color: hex.map(str::to_owned),
        color: color.map(str::to_owned),
        ..GraphCalendar::default()
    };
    assert_eq!(
        cal(Some("#FF8800"), Some("lightBlue")).rgb().as_deref(),
        Some("#ff8800")
    );
    assert_eq!(
        cal(Some(""), Some("lightBlue")).rgb().as_deref(),
        Some("#4a9ee8")
    );
    assert_eq!(cal(None, Some("auto")).rgb(), None);
}
