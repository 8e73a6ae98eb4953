#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `switchboard-cli availability` over calendars imported into a workspace: one JSON line
//! per slot in the --tz offset, the options as hard constraints, clear errors.

use std::path::Path;
use std::process::{Command, Output};

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    ok(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn starts(out: &Output) -> Vec<String> {
    lines(out)
        .iter()
        .map(|v| v["start"].as_str().unwrap().to_string())
        .collect()
}

fn vcal(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
}

fn event(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=America/New_York:{start}\r\nDTEND;TZID=America/New_York:{end}\r\nSUMMARY:{uid}\r\n{extra}END:VEVENT\r\n"
    )
}

/// Work: a Monday standup 09:00-09:30 New York since 2 Mar (EST; still 09:00 on 9 Mar,
/// EDT), a meeting 10:00-11:00, and a free lunch, a cancelled call and an all-day note
/// that do not make anyone busy. Personal: 14:00-15:00. Other: 11:00-11:30 with Ana.
fn workspace(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let work = vcal(&format!(
        "{}{}{}{}BEGIN:VEVENT\r\nUID:note\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260309\r\nSUMMARY:note\r\nEND:VEVENT\r\n",
        event("standup", "20260302T090000", "20260302T093000", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
        event("review", "20260309T100000", "20260309T110000", ""),
        event("lunch", "20260309T120000", "20260309T130000", "TRANSP:TRANSPARENT\r\n"),
        event("call", "20260309T120000", "20260309T123000", "STATUS:CANCELLED\r\n"),
    ));
    let personal = vcal(&event("dentist", "20260309T140000", "20260309T150000", ""));
    let other = vcal(&event(
        "with-ana",
        "20260309T110000",
        "20260309T113000",
        "ORGANIZER:mailto:someone@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\nATTENDEE;PARTSTAT=DECLINED:mailto:bo@example.com\r\n",
    ));
    for (name, text) in [("Work", work), ("Personal", personal), ("Other", other)] {
        let file = dir.join(format!("{name}.ics"));
        std::fs::write(&file, text).unwrap();
        ok(&cli(
            &data,
            &[
                "import",
                "ics",
                file.to_str().unwrap(),
                "--account",
                "Me",
                "--calendar",
                name,
            ],
        ));
    }
    data
}

const BASE: &[&str] = &[
    "availability",
    "--calendar",
    "Work",
    "--calendar",
    "Personal",
    "--duration",
    "30m",
    "--from",
    "2026-03-09",
    "--to",
    "2026-03-10",
    "--tz",
    "America/New_York",
    "--step",
    "30m",
    "--now",
    "2026-03-01T00:00:00Z",
    "--json",
];

/// BASE with `extra` added; a single-valued option in `extra` replaces BASE's.
fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let single = ["--now", "--tz", "--duration", "--from", "--to", "--step"];
    let mut v: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < BASE.len() {
        if single.contains(&BASE[i]) && extra.contains(&BASE[i]) {
            i += 2;
            continue;
        }
        v.push(BASE[i]);
        i += 1;
    }
    v.extend_from_slice(extra);
    v
}

#[test]
fn slots_from_the_named_calendars_in_the_zones_offset() {
    let dir = tempfile::tempdir().unwrap();
    let data = workspace(dir.path());

    let out = cli(&data, BASE);
    let all = lines(&out);
    // Free 09:30-10:00, 11:00-14:00, 15:00-17:00 (the lunch, the cancelled call and the
    // all-day note leave time free; Other is not asked for). Best first: slots right
    // next to a meeting rank lower.
    let mut by_time = starts(&out);
    by_time.sort();
    assert_eq!(
        by_time,
        [
            "09:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "15:00", "15:30",
            "16:00", "16:30"
        ]
        .map(|h| format!("2026-03-09T{h}:00-04:00"))
    );
    assert_eq!(all[0]["start"], "2026-03-09T11:30:00-04:00");
    assert_eq!(all[0]["end"], "2026-03-09T12:00:00-04:00");
    assert_eq!(all[0]["score"], 100);
    let first_adjacent = all.iter().position(|v| v["score"] == 90).unwrap();
    assert_eq!(
        all[first_adjacent]["start"], "2026-03-09T09:30:00-04:00",
        "back-to-back slots come after the clean ones"
    );

    // Every visible calendar by default: Other's 11:00-11:30 is busy too.
    let mut args: Vec<&str> = BASE
        .iter()
        .copied()
        .filter(|a| !["--calendar", "Work", "Personal"].contains(a))
        .collect();
    args.push("--limit");
    args.push("50");
    assert!(!starts(&cli(&data, &args)).contains(&"2026-03-09T11:00:00-04:00".to_string()));

    // Ana in Berlin (09:00-17:00 CET = 09:00-12:00 New York's EDT; busy 11:00-11:30).
    let out = cli(
        &data,
        &with(&["--attendee", "ana@example.com=Europe/Berlin"]),
    );
    let mut by_time = starts(&out);
    by_time.sort();
    assert_eq!(
        by_time,
        ["09:30", "11:30"].map(|h| format!("2026-03-09T{h}:00-04:00"))
    );
    // Bo declined that meeting: he is free then.
    let out = cli(
        &data,
        &with(&["--attendee", "bo@example.com=Europe/Berlin"]),
    );
    assert!(starts(&out).contains(&"2026-03-09T11:00:00-04:00".to_string()));
    // Optional Ana only lowers slots outside her hours.
    let out = cli(
        &data,
        &with(&["--optional", "ana@example.com=Europe/Berlin"]),
    );
    let all = lines(&out);
    assert_eq!(all.len(), 11);
    let late = all
        .iter()
        .find(|v| v["start"] == "2026-03-09T15:00:00-04:00")
        .unwrap();
    assert!(late["reasons"].as_array().unwrap().iter().any(|r| r
        .as_str()
        .unwrap()
        .contains("outside ana@example.com's working hours")));
}

#[test]
fn rules_narrow_the_slots_and_an_empty_answer_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = workspace(dir.path());

    // Four hours' notice from 09:00 New York: nothing before 13:00.
    let out = cli(
        &data,
        &with(&["--now", "2026-03-09T13:00:00Z", "--min-notice", "4h"]),
    );
    assert_eq!(
        starts(&out).iter().min().unwrap(),
        "2026-03-09T13:00:00-04:00"
    );

    // Two working ranges and a 10-minute buffer.
    let out = cli(
        &data,
        &with(&[
            "--working-hours",
            "Mon-Fri 09:00-12:00,15:00-16:00",
            "--buffer",
            "10m",
        ]),
    );
    let mut got = starts(&out);
    got.sort();
    assert_eq!(
        got,
        ["11:30", "15:30"].map(|h| format!("2026-03-09T{h}:00-04:00"))
    );

    // Three meetings that day (standup, review, dentist) reach a cap of 3.
    let out = cli(&data, &with(&["--max-per-day", "3"]));
    assert!(ok(&out).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("daily maximum"));

    // A holiday from an .ics file.
    let holidays = dir.path().join("holidays.ics");
    std::fs::write(
        &holidays,
        vcal("BEGIN:VEVENT\r\nUID:h\r\nDTSTART;VALUE=DATE:20260309\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n"),
    )
    .unwrap();
    let out = cli(&data, &with(&["--holidays", holidays.to_str().unwrap()]));
    assert!(ok(&out).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holidays"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = workspace(dir.path());
    for (extra, needle) in [
        (
            &["--calendar", "Nope"][..],
            "no visible calendar named 'Nope'",
        ),
        (&["--tz", "Mars/Olympus"], "unknown time zone"),
        (&["--duration", "half an hour"], "not a duration"),
        (&["--from", "09/03/2026"], "YYYY-MM-DD"),
        (&["--attendee", "ana"], "EMAIL=ZONE"),
        (&["--working-hours", "17:00-09:00"], "working hours"),
        (&["--step", "7m"], "step must divide a day"),
        (&["--holidays", "/nonexistent/h.ics"], "cannot read"),
    ] {
        let out = cli(&data, &with(extra));
        assert!(!out.status.success(), "{extra:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}
