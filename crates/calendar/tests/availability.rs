//! Availability tables: exact slots for people in several zones around DST changes,
//! buffers, notice, the per-day cap, holidays from an .ics, ranking and the reasons an
//! empty answer gives.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use switchboard_calendar::availability::{
    find_slots, format_for_email, holiday_dates, Availability, Busy, Obstacle, Participant, Query,
    Reason, TimeRange, WorkingHours,
};

const NY: Tz = chrono_tz::America::New_York;
const BERLIN: Tz = chrono_tz::Europe::Berlin;
const KOLKATA: Tz = chrono_tz::Asia::Kolkata;
const UTC: Tz = chrono_tz::UTC;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

fn person(name: &str, zone: Tz, hours: &[&str]) -> Participant {
    Participant::new(name, WorkingHours::parse(zone, hours).unwrap())
}

fn organizer(zone: Tz, hours: &[&str], busy: &[(&str, &str)]) -> Participant {
    let mut p = person("me", zone, hours);
    p.organizer = true;
    p.busy = busy.iter().map(|(a, b)| Busy::new(t(a), t(b))).collect();
    p
}

fn query(from: &str, to: &str, minutes: i64, zone: Tz, people: Vec<Participant>) -> Query {
    Query::new(
        t(from),
        t(to),
        Duration::minutes(minutes),
        zone,
        t("2026-01-01T00:00:00Z"),
        people,
    )
}

fn run(q: &Query) -> Availability {
    let a = find_slots(q).unwrap();
    assert_eq!(&find_slots(q).unwrap(), &a, "the answer is deterministic");
    for s in &a.slots {
        assert!(
            a.free.iter().any(|f| f.start <= s.start && s.end <= f.end),
            "slot {} lies in a free range",
            s.start
        );
    }
    a
}

/// Slot starts in time order, as RFC 3339 UTC.
fn starts(a: &Availability) -> Vec<String> {
    let mut v: Vec<_> = a.slots.iter().map(|s| s.start).collect();
    v.sort();
    v.iter()
        .map(|s| s.format("%Y-%m-%dT%H:%MZ").to_string())
        .collect()
}

/// Slot starts best first.
fn ranked(a: &Availability) -> Vec<String> {
    a.slots
        .iter()
        .map(|s| s.start.format("%d %H:%M").to_string())
        .collect()
}

fn free(a: &Availability) -> Vec<(String, String)> {
    a.free
        .iter()
        .map(|f| {
            (
                f.start.format("%Y-%m-%dT%H:%MZ").to_string(),
                f.end.format("%Y-%m-%dT%H:%MZ").to_string(),
            )
        })
        .collect()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// (zone, hours, window from, window to, meeting minutes, expected free ranges in UTC)
type DstRow = (
    Tz,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(&'static str, &'static str)],
);

#[test]
fn working_hours_stay_local_on_dst_change_days() {
    let rows: &[DstRow] = &[
        // US spring forward Sun 8 Mar: 09:00-17:00 is 14-22Z on Saturday (EST), 13-21Z on Sunday (EDT).
        (
            NY,
            "daily 09:00-17:00",
            "2026-03-07T00:00:00Z",
            "2026-03-09T00:00:00Z",
            480,
            &[
                ("2026-03-07T14:00Z", "2026-03-07T22:00Z"),
                ("2026-03-08T13:00Z", "2026-03-08T21:00Z"),
            ],
        ),
        // 01:00-03:00 on that Sunday holds one real hour: 02:00-03:00 does not exist.
        (
            NY,
            "Sun 01:00-03:00",
            "2026-03-08T00:00:00Z",
            "2026-03-09T00:00:00Z",
            30,
            &[("2026-03-08T06:00Z", "2026-03-08T07:00Z")],
        ),
        // A range starting inside the gap starts when the clocks jump (03:00 EDT).
        (
            NY,
            "Sun 02:30-04:00",
            "2026-03-08T00:00:00Z",
            "2026-03-09T00:00:00Z",
            30,
            &[("2026-03-08T07:00Z", "2026-03-08T08:00Z")],
        ),
        // EU fall back Sun 25 Oct: 00:00-06:00 Berlin lasts seven hours (02:00-03:00 twice).
        (
            BERLIN,
            "Sun 00:00-06:00",
            "2026-10-24T00:00:00Z",
            "2026-10-26T00:00:00Z",
            60,
            &[("2026-10-24T22:00Z", "2026-10-25T05:00Z")],
        ),
        // EU spring forward Sun 29 Mar: 09:00-17:00 is 08-16Z on Saturday, 07-15Z on Sunday.
        (
            BERLIN,
            "Sat-Sun 09:00-17:00",
            "2026-03-28T00:00:00Z",
            "2026-03-30T00:00:00Z",
            480,
            &[
                ("2026-03-28T08:00Z", "2026-03-28T16:00Z"),
                ("2026-03-29T07:00Z", "2026-03-29T15:00Z"),
            ],
        ),
        // US fall back Sun 1 Nov: 13-21Z on Saturday (EDT), 14-22Z on Sunday (EST).
        (
            NY,
            "Sat-Sun 09:00-17:00",
            "2026-10-31T00:00:00Z",
            "2026-11-02T00:00:00Z",
            480,
            &[
                ("2026-10-31T13:00Z", "2026-10-31T21:00Z"),
                ("2026-11-01T14:00Z", "2026-11-01T22:00Z"),
            ],
        ),
    ];
    for (zone, hours, from, to, minutes, expected) in rows {
        let q = query(
            from,
            to,
            *minutes,
            *zone,
            vec![organizer(*zone, &[hours], &[])],
        );
        let a = run(&q);
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(free(&a), want, "{zone} {hours}");
    }
    // An 8-hour meeting fits exactly once per day on both sides of the US change.
    let q = query(
        "2026-03-07T00:00:00Z",
        "2026-03-09T00:00:00Z",
        480,
        NY,
        vec![organizer(NY, &["daily 09:00-17:00"], &[])],
    );
    assert_eq!(
        starts(&run(&q)),
        strs(&["2026-03-07T14:00Z", "2026-03-08T13:00Z"])
    );
}

#[test]
fn three_zones_around_the_us_spring_change() {
    // New York 08:00-17:00, Berlin 09:00-18:00, Kolkata 09:00-18:30 (local, Mon-Fri).
    // Fri 6 Mar (EST): New York starts at 13:00Z when Kolkata stops: nothing in common.
    // Mon 9 / Tue 10 Mar (EDT, Berlin still CET): 12:00-13:00Z in common.
    let people = vec![
        organizer(NY, &["08:00-17:00"], &[]),
        person("berlin@example.com", BERLIN, &["09:00-18:00"]),
        person("kolkata@example.com", KOLKATA, &["09:00-18:30"]),
    ];
    let q = query(
        "2026-03-06T00:00:00Z",
        "2026-03-11T00:00:00Z",
        30,
        NY,
        people,
    );
    let a = run(&q);
    assert_eq!(
        starts(&a),
        strs(&[
            "2026-03-09T12:00Z",
            "2026-03-09T12:15Z",
            "2026-03-09T12:30Z",
            "2026-03-10T12:00Z",
            "2026-03-10T12:15Z",
            "2026-03-10T12:30Z",
        ])
    );
    assert_eq!(
        free(&a),
        vec![
            ("2026-03-09T12:00Z".into(), "2026-03-09T13:00Z".into()),
            ("2026-03-10T12:00Z".into(), "2026-03-10T13:00Z".into()),
        ]
    );
    // Earlier first among equals, one point per later day.
    assert_eq!(
        ranked(&a)[..4],
        strs(&["09 12:00", "09 12:15", "09 12:30", "10 12:00"])
    );
    assert_eq!(a.slots[0].score, 100);
    assert_eq!(a.slots[3].score, 99);
}

/// (New York hours, Berlin hours, Kolkata hours, window from, window to, expected
/// starts of a 30-minute meeting)
type ThreeZoneRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

#[test]
fn three_zones_on_the_dst_change_days_themselves() {
    let rows: &[ThreeZoneRow] = &[
        // US spring forward, Sun 8 Mar: New York 08:00 is 13:00Z on Saturday (EST) but
        // 12:00Z on Sunday (EDT); Kolkata stops at 13:00Z: only Sunday has room.
        (
            "daily 08:00-18:00",
            "daily 09:00-18:00",
            "daily 09:00-18:30",
            "2026-03-07T00:00:00Z",
            "2026-03-09T00:00:00Z",
            &[
                "2026-03-08T12:00Z",
                "2026-03-08T12:15Z",
                "2026-03-08T12:30Z",
            ],
        ),
        // EU fall back, Sun 25 Oct: Berlin 13:30 is 11:30Z on Saturday (CEST) but 12:30Z
        // on Sunday (CET); New York (EDT) starts at 12:00Z: only Sunday 12:00Z fits.
        (
            "daily 08:00-18:00",
            "daily 09:00-13:30",
            "daily 09:00-18:30",
            "2026-10-24T00:00:00Z",
            "2026-10-26T00:00:00Z",
            &["2026-10-25T12:00Z"],
        ),
    ];
    for (ny, berlin, kolkata, from, to, want) in rows {
        let q = query(
            from,
            to,
            30,
            NY,
            vec![
                organizer(NY, &[ny], &[]),
                person("berlin@example.com", BERLIN, &[berlin]),
                person("kolkata@example.com", KOLKATA, &[kolkata]),
            ],
        );
        assert_eq!(starts(&run(&q)), strs(want), "{from}");
    }
}

#[test]
fn three_zones_between_the_eu_and_us_autumn_changes() {
    // New York 09:00-17:00 and Berlin 09:00-15:00 overlap only in the week when Berlin
    // is back on CET and New York still on EDT (26-30 Oct), at 13:00-14:00Z.
    let q = query(
        "2026-10-23T00:00:00Z",
        "2026-11-04T00:00:00Z",
        60,
        NY,
        vec![
            organizer(NY, &["09:00-17:00"], &[]),
            person("berlin@example.com", BERLIN, &["09:00-15:00"]),
            person("kolkata@example.com", KOLKATA, &["Mon-Sun 00:00-24:00"]),
        ],
    );
    let a = run(&q);
    assert_eq!(
        starts(&a),
        strs(&[
            "2026-10-26T13:00Z",
            "2026-10-27T13:00Z",
            "2026-10-28T13:00Z",
            "2026-10-29T13:00Z",
            "2026-10-30T13:00Z",
        ])
    );
}

#[test]
fn busy_times_and_buffers() {
    let busy = [("2026-03-10T10:00:00Z", "2026-03-10T10:30:00Z")];
    let base = || {
        query(
            "2026-03-10T00:00:00Z",
            "2026-03-11T00:00:00Z",
            30,
            UTC,
            vec![organizer(UTC, &["09:00-12:00"], &busy)],
        )
    };
    // No buffer: a slot may end when the meeting starts and start when it ends.
    let a = run(&base());
    assert_eq!(
        starts(&a),
        strs(&[
            "2026-03-10T09:00Z",
            "2026-03-10T09:15Z",
            "2026-03-10T09:30Z",
            "2026-03-10T10:30Z",
            "2026-03-10T10:45Z",
            "2026-03-10T11:00Z",
            "2026-03-10T11:15Z",
            "2026-03-10T11:30Z",
        ])
    );
    // 15 minutes after the previous meeting, 10 before the next.
    let mut q = base();
    q.rules.buffer_before = Duration::minutes(15);
    q.rules.buffer_after = Duration::minutes(10);
    let a = run(&q);
    assert_eq!(
        starts(&a),
        strs(&[
            "2026-03-10T09:00Z",
            "2026-03-10T09:15Z",
            "2026-03-10T10:45Z",
            "2026-03-10T11:00Z",
            "2026-03-10T11:15Z",
            "2026-03-10T11:30Z",
        ])
    );
    assert_eq!(
        free(&a),
        vec![
            ("2026-03-10T09:00Z".into(), "2026-03-10T09:50Z".into()),
            ("2026-03-10T10:45Z".into(), "2026-03-10T12:00Z".into()),
        ]
    );
    // A busy time of another required person counts the same; overlapping ones merge.
    let mut q = base();
    let mut other = person("other@example.com", UTC, &["09:00-12:00"]);
    other.busy = vec![
        Busy::new(t("2026-03-10T10:15:00Z"), t("2026-03-10T11:00:00Z")),
        Busy::new(t("2026-03-10T11:00:00Z"), t("2026-03-10T11:30:00Z")),
    ];
    q.participants.push(other);
    assert_eq!(
        starts(&run(&q)),
        strs(&[
            "2026-03-10T09:00Z",
            "2026-03-10T09:15Z",
            "2026-03-10T09:30Z",
            "2026-03-10T11:30Z",
        ])
    );
}

#[test]
fn minimum_notice_and_day_limits() {
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        60,
        UTC,
        vec![organizer(UTC, &["09:00-17:00"], &[])],
    );
    q.step = Duration::minutes(30);
    q.now = t("2026-03-10T08:50:00Z");
    q.rules.min_notice = Duration::hours(4);
    q.rules.latest_end = Some(15 * 60);
    // Earliest start 12:50 -> first step 13:00; last end 15:00.
    assert_eq!(
        starts(&run(&q)),
        strs(&[
            "2026-03-10T13:00Z",
            "2026-03-10T13:30Z",
            "2026-03-10T14:00Z"
        ])
    );
    q.rules.latest_end = None;
    q.rules.earliest_start = Some(16 * 60);
    assert_eq!(starts(&run(&q)), strs(&["2026-03-10T16:00Z"]));
}

#[test]
fn per_day_cap_counts_the_organizers_meetings() {
    // Cap 2. Monday holds two meetings: full. Tuesday holds one meeting and a 5-hour
    // focus block, which blocks time but is not a meeting: Tuesday still has room.
    let me = organizer(
        UTC,
        &["09:00-12:00"],
        &[
            ("2026-03-09T09:00:00Z", "2026-03-09T09:30:00Z"),
            ("2026-03-09T11:00:00Z", "2026-03-09T11:30:00Z"),
            ("2026-03-10T09:00:00Z", "2026-03-10T10:00:00Z"),
            ("2026-03-10T10:30:00Z", "2026-03-10T15:30:00Z"),
        ],
    );
    let mut q = query(
        "2026-03-09T00:00:00Z",
        "2026-03-11T00:00:00Z",
        30,
        UTC,
        vec![me],
    );
    q.step = Duration::minutes(30);
    q.rules.max_per_day = Some(2);
    assert_eq!(starts(&run(&q)), strs(&["2026-03-10T10:00Z"]));
    // Cap 1: both days are full.
    q.rules.max_per_day = Some(1);
    let a = run(&q);
    assert!(a.slots.is_empty());
    assert_eq!(a.obstacles, vec![Obstacle::DailyCap { max: 1 }]);
    // Cap 3: neither day is full.
    q.rules.max_per_day = Some(3);
    assert_eq!(
        starts(&run(&q)),
        strs(&[
            "2026-03-09T09:30Z",
            "2026-03-09T10:00Z",
            "2026-03-09T10:30Z",
            "2026-03-09T11:30Z",
            "2026-03-10T10:00Z"
        ])
    );
}

const HOLIDAYS: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VEVENT\r
UID:good-friday-2026\r
DTSTART;VALUE=DATE:20260403\r
DTEND;VALUE=DATE:20260404\r
SUMMARY:Karfreitag\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:labour-day\r
DTSTART;VALUE=DATE:20200501\r
RRULE:FREQ=YEARLY\r
SUMMARY:Tag der Arbeit\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled\r
DTSTART;VALUE=DATE:20260430\r
STATUS:CANCELLED\r
SUMMARY:Not a holiday after all\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn holidays_from_an_ics_are_days_off_in_the_persons_zone() {
    let (from, to) = (t("2026-03-30T00:00:00Z"), t("2026-05-08T00:00:00Z"));
    let days = holiday_dates(HOLIDAYS, BERLIN, from, to);
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(days, BTreeSet::from([d(2026, 4, 3), d(2026, 5, 1)]));

    let mut berlin = person("berlin@example.com", BERLIN, &["09:00-10:00"]);
    berlin.holidays = days;
    let q = query(
        "2026-04-30T00:00:00Z",
        "2026-05-02T00:00:00Z",
        60,
        UTC,
        vec![organizer(UTC, &["00:00-24:00"], &[]), berlin.clone()],
    );
    // Thursday 30 Apr only (09:00 CEST = 07:00Z); Friday 1 May is a holiday in Berlin.
    assert_eq!(starts(&run(&q)), strs(&["2026-04-30T07:00Z"]));

    let q = query(
        "2026-05-01T00:00:00Z",
        "2026-05-02T00:00:00Z",
        60,
        UTC,
        vec![organizer(UTC, &["00:00-24:00"], &[]), berlin],
    );
    let a = run(&q);
    assert!(a.slots.is_empty());
    assert_eq!(
        a.obstacles,
        vec![Obstacle::Holidays {
            who: "berlin@example.com".into()
        }]
    );
}

#[test]
fn optional_attendees_and_back_to_back_rank_lower() {
    // Organizer 09:00-17:00 UTC; optional Kolkata 09:00-17:00 IST = 03:30-11:30Z.
    let mut kolkata = person("kolkata@example.com", KOLKATA, &["09:00-17:00"]);
    kolkata.required = false;
    kolkata.busy = vec![Busy::new(
        t("2026-03-10T10:00:00Z"),
        t("2026-03-10T11:00:00Z"),
    )];
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        60,
        UTC,
        vec![
            organizer(
                UTC,
                &["09:00-17:00"],
                &[("2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z")],
            ),
            kolkata,
        ],
    );
    q.step = Duration::hours(1);
    let a = run(&q);
    // 09 inside everyone's hours; 10 optional busy; 11+ outside Kolkata's hours;
    // 12 and 14 back to back with the organizer's 13:00 meeting.
    assert_eq!(
        ranked(&a),
        strs(&["10 09:00", "10 11:00", "10 15:00", "10 16:00", "10 12:00", "10 14:00", "10 10:00"])
    );
    let by_start = |h: &str| {
        a.slots
            .iter()
            .find(|s| s.start == t(&format!("2026-03-10T{h}:00:00Z")))
            .unwrap()
            .clone()
    };
    // 09:00-10:00 ends when Kolkata's meeting starts: back to back for them.
    assert_eq!(
        by_start("09").reasons,
        vec![Reason::BackToBack {
            who: "kolkata@example.com".into()
        }]
    );
    assert_eq!(by_start("09").score, 90);
    assert_eq!(
        by_start("11").reasons,
        vec![Reason::OptionalOutsideHours {
            who: "kolkata@example.com".into()
        }]
    );
    assert_eq!(by_start("11").score, 75);
    assert_eq!(
        by_start("12").reasons,
        vec![
            Reason::BackToBack { who: "me".into() },
            Reason::OptionalOutsideHours {
                who: "kolkata@example.com".into()
            },
        ]
    );
    assert_eq!(
        by_start("10").reasons[0],
        Reason::OptionalBusy {
            who: "kolkata@example.com".into()
        }
    );
    assert_eq!(by_start("10").score, 100 - 40);
}

#[test]
fn a_long_run_of_meetings_is_an_overload() {
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        30,
        UTC,
        vec![organizer(
            UTC,
            &["08:00-13:00"],
            &[
                ("2026-03-10T08:00:00Z", "2026-03-10T10:00:00Z"),
                ("2026-03-10T10:05:00Z", "2026-03-10T11:30:00Z"),
            ],
        )],
    );
    q.step = Duration::minutes(30);
    let a = run(&q);
    assert_eq!(ranked(&a), strs(&["10 12:00", "10 12:30", "10 11:30"]));
    assert_eq!(
        a.slots[2].reasons,
        vec![
            Reason::BackToBack { who: "me".into() },
            Reason::LongRun {
                who: "me".into(),
                minutes: 240
            }
        ]
    );
    assert_eq!(a.slots[2].score, 65);
}

#[test]
fn tentative_blocks_unless_allowed_then_ranks_lower() {
    let mut me = organizer(UTC, &["09:00-11:00"], &[]);
    me.busy = vec![Busy::tentative(
        t("2026-03-10T09:00:00Z"),
        t("2026-03-10T10:00:00Z"),
    )];
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        60,
        UTC,
        vec![me],
    );
    q.step = Duration::hours(1);
    assert_eq!(starts(&run(&q)), strs(&["2026-03-10T10:00Z"]));
    q.rules.tentative_blocks = false;
    let a = run(&q);
    assert_eq!(ranked(&a), strs(&["10 10:00", "10 09:00"]));
    assert_eq!(
        a.slots[1].reasons,
        vec![Reason::Tentative { who: "me".into() }]
    );
}

#[test]
fn multiple_working_ranges_per_day() {
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        60,
        UTC,
        vec![organizer(UTC, &["Mon-Fri 09:00-12:00,13:00-15:30"], &[])],
    );
    q.step = Duration::minutes(30);
    assert_eq!(
        starts(&run(&q)),
        strs(&[
            "2026-03-10T09:00Z",
            "2026-03-10T09:30Z",
            "2026-03-10T10:00Z",
            "2026-03-10T10:30Z",
            "2026-03-10T11:00Z",
            "2026-03-10T13:00Z",
            "2026-03-10T13:30Z",
            "2026-03-10T14:00Z",
            "2026-03-10T14:30Z",
        ])
    );
    // Ranges that touch join: a meeting may span 11:30-12:30.
    q.participants = vec![organizer(UTC, &["Tue 09:00-12:00,12:00-13:00"], &[])];
    assert_eq!(starts(&run(&q)).len(), 7);
}

#[test]
fn empty_answers_say_why() {
    let me = || organizer(UTC, &["09:00-17:00"], &[]);
    let one_day = |people: Vec<Participant>| {
        query(
            "2026-03-10T00:00:00Z",
            "2026-03-11T00:00:00Z",
            60,
            UTC,
            people,
        )
    };
    let mut cases: Vec<(&str, Query, Obstacle)> = Vec::new();

    let mut q = one_day(vec![me()]);
    q.to = t("2026-03-10T00:30:00Z");
    cases.push(("short window", q, Obstacle::WindowTooShort));

    let mut q = one_day(vec![me()]);
    q.now = t("2026-03-10T12:00:00Z");
    q.rules.min_notice = Duration::days(1);
    cases.push((
        "notice",
        q,
        Obstacle::MinimumNotice {
            earliest: t("2026-03-11T12:00:00Z"),
        },
    ));

    let mut q = one_day(vec![me()]);
    q.from = t("2026-03-14T00:00:00Z");
    q.to = t("2026-03-16T00:00:00Z");
    cases.push((
        "weekend",
        q,
        Obstacle::OutsideWorkingHours { who: "me".into() },
    ));

    let q = one_day(vec![
        organizer(NY, &["09:00-17:00"], &[]),
        person("kolkata@example.com", KOLKATA, &["09:00-17:00"]),
    ]);
    cases.push(("no overlap", q, Obstacle::NoCommonWorkingHours));

    let q = one_day(vec![organizer(
        UTC,
        &["09:00-17:00"],
        &[("2026-03-10T08:00:00Z", "2026-03-10T16:30:00Z")],
    )]);
    cases.push((
        "busy",
        q,
        Obstacle::Busy {
            who: vec!["me".into()],
        },
    ));

    let mut q = one_day(vec![organizer(
        UTC,
        &["09:00-17:00"],
        &[("2026-03-10T10:00:00Z", "2026-03-10T17:00:00Z")],
    )]);
    q.rules.buffer_after = Duration::minutes(15);
    cases.push(("buffers", q, Obstacle::Buffers));

    let mut q = one_day(vec![organizer(UTC, &["09:05-10:10"], &[])]);
    q.step = Duration::minutes(30);
    cases.push(("alignment", q, Obstacle::StepAlignment));

    let mut q = one_day(vec![me()]);
    q.rules.latest_end = Some(9 * 60 + 30);
    cases.push(("limits", q, Obstacle::DayLimits));

    for (name, q, want) in cases {
        let a = run(&q);
        assert!(a.slots.is_empty(), "{name}");
        assert!(
            a.free.is_empty() || want == Obstacle::StepAlignment,
            "{name}"
        );
        assert_eq!(a.obstacles, vec![want.clone()], "{name}");
        assert!(!want.to_string().is_empty());
    }
}

#[test]
fn malformed_queries_are_errors() {
    let base = || {
        query(
            "2026-03-10T00:00:00Z",
            "2026-03-11T00:00:00Z",
            30,
            UTC,
            vec![organizer(UTC, &["09:00-17:00"], &[])],
        )
    };
    let mut q = base();
    q.duration = Duration::zero();
    assert!(find_slots(&q).is_err());
    let mut q = base();
    q.step = Duration::minutes(7);
    assert!(find_slots(&q).is_err());
    let mut q = base();
    q.to = q.from;
    assert!(find_slots(&q).is_err());
    let mut q = base();
    q.to = q.from + Duration::days(500);
    assert!(find_slots(&q).is_err());
    let mut q = base();
    q.participants[0].organizer = false;
    q.participants[0].required = false;
    assert!(find_slots(&q).is_err());
}

#[test]
fn limit_keeps_the_best() {
    let mut q = query(
        "2026-03-10T00:00:00Z",
        "2026-03-11T00:00:00Z",
        30,
        UTC,
        vec![organizer(UTC, &["09:00-17:00"], &[])],
    );
    q.limit = Some(3);
    let a = run(&q);
    assert_eq!(a.candidates, 31);
    assert_eq!(ranked(&a), strs(&["10 09:00", "10 09:15", "10 09:30"]));
}

#[test]
fn email_text_is_in_the_recipients_zone() {
    let range = |a: &str, b: &str| TimeRange {
        start: t(a),
        end: t(b),
    };
    let times = [
        range("2026-03-10T18:00:00Z", "2026-03-10T19:00:00Z"),
        range("2026-03-10T13:00:00Z", "2026-03-10T13:30:00Z"),
        range("2026-03-06T14:00:00Z", "2026-03-06T14:30:00Z"),
        range("2026-03-06T14:30:00Z", "2026-03-06T15:00:00Z"),
    ];
    assert_eq!(
        format_for_email(&times, NY),
        "Fri 6 Mar: 9:00-10:00 (New York time, EST)\n\
         Tue 10 Mar: 9:00-9:30, 14:00-15:00 (New York time, EDT)"
    );
    assert_eq!(
        format_for_email(&times[..2], KOLKATA),
        "Tue 10 Mar: 18:30-19:00, 23:30-0:30 (+1 day) (Kolkata time, IST)"
    );
    assert_eq!(
        format_for_email(&times[2..3], chrono_tz::America::Sao_Paulo),
        "Fri 6 Mar: 11:00-11:30 (Sao Paulo time, UTC-03:00)"
    );
    assert_eq!(format_for_email(&[], NY), "");
}
