//! The recurrence correctness table: each case expands an event and asserts every
//! instance's exact start/end in RFC 3339 with the offset of the zone it is shown in.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, Utc};
use switchboard_calendar::{expand_in, parse_ics, Tz};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Wraps VEVENT bodies (`|`-separated lines, one string per VEVENT) in a VCALENDAR.
fn calendar(vevents: &[&str], extra: &str) -> String {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n");
    ics.push_str(extra);
    for body in vevents {
        ics.push_str("BEGIN:VEVENT\r\n");
        for line in body.split('|') {
            ics.push_str(line.trim());
            ics.push_str("\r\n");
        }
        ics.push_str("END:VEVENT\r\n");
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics
}

/// `start/end` (and ` rid=` for overrides) of every instance in `[from, to)`, shown in `zone`.
fn instances(ics: &str, from: &str, to: &str, zone: &str) -> Vec<String> {
    let tz: Tz = zone.parse().unwrap();
    let parsed = parse_ics(ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let master = parsed
        .events
        .iter()
        .find(|e| e.recurrence_id.is_none())
        .unwrap();
    assert_eq!(master.broken, None);
    expand_in(master, &parsed.events, utc(from), utc(to), tz)
        .into_iter()
        .map(|i| {
            let mut s = format!(
                "{}/{}",
                i.start.with_timezone(&tz).to_rfc3339(),
                i.end.with_timezone(&tz).to_rfc3339()
            );
            if i.overridden {
                s.push_str(&format!(
                    " rid={}",
                    i.recurrence_id.with_timezone(&tz).to_rfc3339()
                ));
            }
            s
        })
        .collect()
}

struct Case {
    name: &'static str,
    vevents: &'static [&'static str],
    /// The zone instances are shown in; also the zone floating/all-day times are placed in.
    zone: &'static str,
    want: &'static [&'static str],
}

const FROM: &str = "2024-01-01T00:00:00Z";
const TO: &str = "2034-01-01T00:00:00Z";

const CASES: &[Case] = &[
    Case {
        name: "New York spring forward keeps 09:00 local",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260302T090000|DTEND;TZID=America/New_York:20260302T100000|RRULE:FREQ=WEEKLY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            "2026-03-02T09:00:00-05:00/2026-03-02T10:00:00-05:00",
            "2026-03-09T09:00:00-04:00/2026-03-09T10:00:00-04:00",
            "2026-03-16T09:00:00-04:00/2026-03-16T10:00:00-04:00",
        ],
    },
    Case {
        name: "New York fall back keeps 09:00 local",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20261026T090000|DURATION:PT1H|RRULE:FREQ=WEEKLY;COUNT=2"],
        zone: "America/New_York",
        want: &[
            "2026-10-26T09:00:00-04:00/2026-10-26T10:00:00-04:00",
            "2026-11-02T09:00:00-05:00/2026-11-02T10:00:00-05:00",
        ],
    },
    Case {
        name: "Berlin, seen from New York, across both switches",
        vevents: &["UID:a|DTSTART;TZID=Europe/Berlin:20260327T100000|DURATION:PT30M|RRULE:FREQ=WEEKLY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            // Berlin still CET (+1), New York already EDT (-4): 5 hours apart.
            "2026-03-27T05:00:00-04:00/2026-03-27T05:30:00-04:00",
            "2026-04-03T04:00:00-04:00/2026-04-03T04:30:00-04:00",
            "2026-04-10T04:00:00-04:00/2026-04-10T04:30:00-04:00",
        ],
    },
    Case {
        name: "Berlin daily across CEST -> CET",
        vevents: &["UID:a|DTSTART;TZID=Europe/Berlin:20261024T100000|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=3"],
        zone: "Europe/Berlin",
        want: &[
            "2026-10-24T10:00:00+02:00/2026-10-24T11:00:00+02:00",
            "2026-10-25T10:00:00+01:00/2026-10-25T11:00:00+01:00",
            "2026-10-26T10:00:00+01:00/2026-10-26T11:00:00+01:00",
        ],
    },
    Case {
        name: "Lord Howe's 30-minute shift",
        vevents: &["UID:a|DTSTART;TZID=Australia/Lord_Howe:20260404T090000|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=2"],
        zone: "Australia/Lord_Howe",
        want: &[
            "2026-04-04T09:00:00+11:00/2026-04-04T10:00:00+11:00",
            "2026-04-05T09:00:00+10:30/2026-04-05T10:00:00+10:30",
        ],
    },
    Case {
        name: "Lord Howe gap 02:00-02:30: 02:15 uses the offset before the gap",
        vevents: &["UID:a|DTSTART;TZID=Australia/Lord_Howe:20261003T021500|DURATION:PT30M|RRULE:FREQ=DAILY;COUNT=3"],
        zone: "Australia/Lord_Howe",
        want: &[
            "2026-10-03T02:15:00+10:30/2026-10-03T02:45:00+10:30",
            "2026-10-04T02:45:00+11:00/2026-10-04T03:15:00+11:00",
            "2026-10-05T02:15:00+11:00/2026-10-05T02:45:00+11:00",
        ],
    },
    Case {
        name: "Kolkata has no DST",
        vevents: &["UID:a|DTSTART;TZID=Asia/Kolkata:20260302T093000|DURATION:PT1H|RRULE:FREQ=WEEKLY;COUNT=2|EXDATE;TZID=Asia/Kolkata:20260309T093000|RDATE;TZID=Asia/Kolkata:20261101T093000"],
        zone: "Asia/Kolkata",
        want: &[
            "2026-03-02T09:30:00+05:30/2026-03-02T10:30:00+05:30",
            "2026-11-01T09:30:00+05:30/2026-11-01T10:30:00+05:30",
        ],
    },
    Case {
        name: "spring-forward gap: 02:30 becomes 03:30 EDT on that day only",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260307T023000|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T02:30:00-05:00/2026-03-07T03:30:00-05:00",
            "2026-03-08T03:30:00-04:00/2026-03-08T04:30:00-04:00",
            "2026-03-09T02:30:00-04:00/2026-03-09T03:30:00-04:00",
        ],
    },
    Case {
        name: "DTSTART itself in the gap: later instances keep the written 02:30",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260308T023000|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=2"],
        zone: "America/New_York",
        want: &[
            "2026-03-08T03:30:00-04:00/2026-03-08T04:30:00-04:00",
            "2026-03-09T02:30:00-04:00/2026-03-09T03:30:00-04:00",
        ],
    },
    Case {
        name: "fall-back fold: 01:30 is the first (EDT) occurrence",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20261031T013000|DURATION:PT30M|RRULE:FREQ=DAILY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            "2026-10-31T01:30:00-04:00/2026-10-31T02:00:00-04:00",
            "2026-11-01T01:30:00-04:00/2026-11-01T01:00:00-05:00",
            "2026-11-02T01:30:00-05:00/2026-11-02T02:00:00-05:00",
        ],
    },
    Case {
        name: "last Friday of the month",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260130T150000|DURATION:PT1H|RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4"],
        zone: "America/New_York",
        want: &[
            "2026-01-30T15:00:00-05:00/2026-01-30T16:00:00-05:00",
            "2026-02-27T15:00:00-05:00/2026-02-27T16:00:00-05:00",
            "2026-03-27T15:00:00-04:00/2026-03-27T16:00:00-04:00",
            "2026-04-24T15:00:00-04:00/2026-04-24T16:00:00-04:00",
        ],
    },
    Case {
        name: "yearly on Feb 29 only in leap years",
        vevents: &["UID:a|DTSTART;TZID=Europe/Berlin:20240229T120000|DURATION:PT1H|RRULE:FREQ=YEARLY;COUNT=3"],
        zone: "Europe/Berlin",
        want: &[
            "2024-02-29T12:00:00+01:00/2024-02-29T13:00:00+01:00",
            "2028-02-29T12:00:00+01:00/2028-02-29T13:00:00+01:00",
            "2032-02-29T12:00:00+01:00/2032-02-29T13:00:00+01:00",
        ],
    },
    Case {
        name: "EXDATE with TZID after the switch",
        vevents: &["UID:a|DTSTART;TZID=Europe/Berlin:20260323T090000|DURATION:PT1H|RRULE:FREQ=WEEKLY;COUNT=3|EXDATE;TZID=Europe/Berlin:20260330T090000"],
        zone: "Europe/Berlin",
        want: &[
            "2026-03-23T09:00:00+01:00/2026-03-23T10:00:00+01:00",
            "2026-04-06T09:00:00+02:00/2026-04-06T10:00:00+02:00",
        ],
    },
    Case {
        name: "UNTIL in UTC is inclusive (DTSTART with TZID)",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260307T090000|DURATION:PT1H|RRULE:FREQ=DAILY;UNTIL=20260309T130000Z"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T09:00:00-05:00/2026-03-07T10:00:00-05:00",
            "2026-03-08T09:00:00-04:00/2026-03-08T10:00:00-04:00",
            "2026-03-09T09:00:00-04:00/2026-03-09T10:00:00-04:00",
        ],
    },
    Case {
        name: "UNTIL one second before the instance excludes it",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260307T090000|DURATION:PT1H|RRULE:FREQ=DAILY;UNTIL=20260309T125959Z"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T09:00:00-05:00/2026-03-07T10:00:00-05:00",
            "2026-03-08T09:00:00-04:00/2026-03-08T10:00:00-04:00",
        ],
    },
    Case {
        name: "COUNT gives the same set as the inclusive UNTIL",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260307T090000|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T09:00:00-05:00/2026-03-07T10:00:00-05:00",
            "2026-03-08T09:00:00-04:00/2026-03-08T10:00:00-04:00",
            "2026-03-09T09:00:00-04:00/2026-03-09T10:00:00-04:00",
        ],
    },
    Case {
        name: "override moved across the DST change",
        vevents: &[
            "UID:s|DTSTART;TZID=America/New_York:20260302T090000|DTEND;TZID=America/New_York:20260302T100000|RRULE:FREQ=WEEKLY;COUNT=3",
            "UID:s|RECURRENCE-ID;TZID=America/New_York:20260302T090000|DTSTART;TZID=America/New_York:20260310T110000|DTEND;TZID=America/New_York:20260310T120000|SUMMARY:moved",
        ],
        zone: "America/New_York",
        want: &[
            "2026-03-09T09:00:00-04:00/2026-03-09T10:00:00-04:00",
            "2026-03-10T11:00:00-04:00/2026-03-10T12:00:00-04:00 rid=2026-03-02T09:00:00-05:00",
            "2026-03-16T09:00:00-04:00/2026-03-16T10:00:00-04:00",
        ],
    },
    Case {
        name: "override named in UTC matches the zoned occurrence",
        vevents: &[
            "UID:s|DTSTART;TZID=America/New_York:20260302T090000|DURATION:PT1H|RRULE:FREQ=WEEKLY;COUNT=2",
            "UID:s|RECURRENCE-ID:20260309T130000Z|DTSTART:20260309T150000Z|DURATION:PT1H",
        ],
        zone: "America/New_York",
        want: &[
            "2026-03-02T09:00:00-05:00/2026-03-02T10:00:00-05:00",
            "2026-03-09T11:00:00-04:00/2026-03-09T12:00:00-04:00 rid=2026-03-09T09:00:00-04:00",
        ],
    },
    Case {
        name: "all-day weekly across DST stays whole local days",
        vevents: &["UID:a|DTSTART;VALUE=DATE:20260301|DTEND;VALUE=DATE:20260302|RRULE:FREQ=WEEKLY;COUNT=3"],
        zone: "America/New_York",
        want: &[
            "2026-03-01T00:00:00-05:00/2026-03-02T00:00:00-05:00",
            "2026-03-08T00:00:00-05:00/2026-03-09T00:00:00-04:00",
            "2026-03-15T00:00:00-04:00/2026-03-16T00:00:00-04:00",
        ],
    },
    Case {
        name: "all-day daily with a DATE UNTIL and EXDATE",
        vevents: &["UID:a|DTSTART;VALUE=DATE:20261024|RRULE:FREQ=DAILY;UNTIL=20261026|EXDATE;VALUE=DATE:20261025"],
        zone: "Europe/Berlin",
        want: &[
            "2026-10-24T00:00:00+02:00/2026-10-25T00:00:00+02:00",
            "2026-10-26T00:00:00+01:00/2026-10-27T00:00:00+01:00",
        ],
    },
    Case {
        name: "RDATE with PERIOD values (start/end and start/duration)",
        vevents: &["UID:a|DTSTART;TZID=America/New_York:20260306T090000|DURATION:PT1H|RDATE;VALUE=PERIOD:20260310T140000Z/20260310T170000Z,20260311T140000Z/PT30M|RDATE;TZID=America/New_York:20260312T090000"],
        zone: "America/New_York",
        want: &[
            "2026-03-06T09:00:00-05:00/2026-03-06T10:00:00-05:00",
            "2026-03-10T10:00:00-04:00/2026-03-10T13:00:00-04:00",
            "2026-03-11T10:00:00-04:00/2026-03-11T10:30:00-04:00",
            "2026-03-12T09:00:00-04:00/2026-03-12T10:00:00-04:00",
        ],
    },
    Case {
        name: "floating times take the viewer's zone (New York)",
        vevents: &["UID:a|DTSTART:20260307T090000|DTEND:20260307T093000|RRULE:FREQ=DAILY;COUNT=2"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T09:00:00-05:00/2026-03-07T09:30:00-05:00",
            "2026-03-08T09:00:00-04:00/2026-03-08T09:30:00-04:00",
        ],
    },
    Case {
        name: "floating times take the viewer's zone (Kolkata)",
        vevents: &["UID:a|DTSTART:20260307T090000|DTEND:20260307T093000|RRULE:FREQ=DAILY;COUNT=2|EXDATE:20260308T090000"],
        zone: "Asia/Kolkata",
        want: &["2026-03-07T09:00:00+05:30/2026-03-07T09:30:00+05:30"],
    },
    Case {
        name: "UTC DTSTART stays UTC",
        vevents: &["UID:a|DTSTART:20260307T140000Z|DURATION:PT1H|RRULE:FREQ=DAILY;COUNT=2"],
        zone: "America/New_York",
        want: &[
            "2026-03-07T09:00:00-05:00/2026-03-07T10:00:00-05:00",
            "2026-03-08T10:00:00-04:00/2026-03-08T11:00:00-04:00",
        ],
    },
];

#[test]
fn recurrence_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = instances(&calendar(case.vevents, ""), FROM, TO, case.zone);
        if got != case.want {
            failures.push(format!(
                "{}:\n  got  {:#?}\n  want {:#?}",
                case.name, got, case.want
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn window_cuts_by_overlap_in_the_viewer_zone() {
    // An all-day event on 2026-03-08 seen from Kolkata covers 00:00-24:00 there.
    let ics = calendar(
        &["UID:a|DTSTART;VALUE=DATE:20260308|DTEND;VALUE=DATE:20260309"],
        "",
    );
    assert_eq!(
        instances(
            &ics,
            "2026-03-07T18:00:00Z",
            "2026-03-07T18:30:01Z",
            "Asia/Kolkata"
        ),
        ["2026-03-08T00:00:00+05:30/2026-03-09T00:00:00+05:30"]
    );
    assert!(instances(
        &ics,
        "2026-03-07T18:00:00Z",
        "2026-03-07T18:30:00Z",
        "Asia/Kolkata"
    )
    .is_empty());
}
