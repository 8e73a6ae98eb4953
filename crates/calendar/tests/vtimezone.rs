//! TZIDs that are not IANA names: Outlook/Exchange Windows ids and display names,
//! path-style ids, X-LIC-LOCATION, and zones known only from their VTIMEZONE rules.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{DateTime, Utc};
use switchboard_calendar::{expand_in, parse_ics, Tz};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const US_EASTERN_RULES: &str = "BEGIN:STANDARD\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n";

/// A calendar with one VTIMEZONE (TZID `tzid`, `rules` inside) and a weekly 09:00 event
/// in it starting 2026-03-02.
fn weekly_in(tzid: &str, rules: &str) -> String {
    let quoted = if tzid.contains([':', ';', ',']) {
        format!("\"{tzid}\"")
    } else {
        tzid.to_string()
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n{rules}END:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID={quoted}:20260302T090000\r\n\
         DTEND;TZID={quoted}:20260302T100000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn shown(ics: &str, zone: &str) -> (Option<String>, Vec<String>) {
    let parsed = parse_ics(ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let e = &parsed.events[0];
    assert_eq!(e.broken, None);
    let tz: Tz = zone.parse().unwrap();
    let got = expand_in(
        e,
        &[],
        utc("2026-01-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
        tz,
    )
    .iter()
    .map(|i| i.start.with_timezone(&tz).to_rfc3339())
    .collect();
    (e.tzid.clone(), got)
}

const NY_WEEKLY: [&str; 3] = [
    "2026-03-02T09:00:00-05:00",
    "2026-03-09T09:00:00-04:00",
    "2026-03-16T09:00:00-04:00",
];

#[test]
fn windows_and_path_tzids_resolve_to_iana() {
    let cases = [
        ("Eastern Standard Time", "America/New_York"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        (
            "/mozilla.org/20050126_1/America/New_York",
            "America/New_York",
        ),
        (
            "/citadel.org/20190914_1/America/New_York",
            "America/New_York",
        ),
    ];
    for (tzid, iana) in cases {
        let (resolved, got) = shown(&weekly_in(tzid, US_EASTERN_RULES), "America/New_York");
        assert_eq!(resolved.as_deref(), Some(iana), "{tzid}");
        assert_eq!(got, NY_WEEKLY, "{tzid}");
    }
    let (resolved, got) = shown(&weekly_in("W. Europe Standard Time", ""), "Europe/Berlin");
    assert_eq!(resolved.as_deref(), Some("Europe/Berlin"));
    assert_eq!(
        got,
        [
            "2026-03-02T09:00:00+01:00",
            "2026-03-09T09:00:00+01:00",
            "2026-03-16T09:00:00+01:00"
        ]
    );
}

#[test]
fn x_lic_location_names_the_zone() {
    let (resolved, got) = shown(
        &weekly_in("Office", "X-LIC-LOCATION:America/New_York\r\n"),
        "America/New_York",
    );
    assert_eq!(resolved.as_deref(), Some("America/New_York"));
    assert_eq!(got, NY_WEEKLY);
}

#[test]
fn unknown_names_use_the_vtimezone_rules() {
    let (resolved, got) = shown(
        &weekly_in("My Office Zone", US_EASTERN_RULES),
        "America/New_York",
    );
    assert_eq!(resolved.as_deref(), Some("My Office Zone"));
    assert_eq!(got, NY_WEEKLY);
    let parsed = parse_ics(&weekly_in("My Office Zone", US_EASTERN_RULES));
    let zone = parsed.events[0].custom_zone.as_ref().unwrap();
    assert_eq!(zone.tzid, "My Office Zone");

    // A zone without DST, offsets only.
    let fixed = "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\n";
    let (_, got) = shown(&weekly_in("Custom India", fixed), "Asia/Kolkata");
    assert_eq!(
        got,
        [
            "2026-03-02T09:00:00+05:30",
            "2026-03-09T09:00:00+05:30",
            "2026-03-16T09:00:00+05:30"
        ]
    );

    // Transitions given as RDATEs (Berlin's 2026 switches), in the gap and the fold.
    let rdates = "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRDATE:20270328T020000\r\nEND:DAYLIGHT\r\n\
                  BEGIN:STANDARD\r\nDTSTART:20251026T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRDATE:20261025T030000\r\nEND:STANDARD\r\n";
    let ics = weekly_in("Berlin by dates", rdates)
        .replace("20260302T090000", "20260322T023000")
        .replace("20260302T100000", "20260322T033000");
    let (_, got) = shown(&ics, "Europe/Berlin");
    assert_eq!(
        got,
        [
            "2026-03-22T02:30:00+01:00",
            // 02:30 does not exist on 2026-03-29: the offset before the gap.
            "2026-03-29T03:30:00+02:00",
            "2026-04-05T02:30:00+02:00"
        ]
    );
}

#[test]
fn a_tzid_nobody_knows_is_reported() {
    let ics = weekly_in("Nowhere", "")
        .replace("BEGIN:VTIMEZONE\r\nTZID:Nowhere\r\nEND:VTIMEZONE\r\n", "");
    let parsed = parse_ics(&ics);
    assert!(parsed.events[0]
        .broken
        .as_deref()
        .unwrap()
        .contains("unknown time zone \"Nowhere\""));
}
