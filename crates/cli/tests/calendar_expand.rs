#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `switchboard-cli calendar expand`: instances of an .ics file in a window, in a zone.

use std::path::Path;
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .args(args)
        .output()
        .unwrap()
}

const FIXTURE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:standup\r\nSUMMARY:Standup\r\n\
DTSTART;TZID=America/New_York:20260302T090000\r\nDTEND;TZID=America/New_York:20260302T093000\r\n\
RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=America/New_York:20260316T090000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:standup\r\nSUMMARY:Standup (moved)\r\n\
RECURRENCE-ID;TZID=America/New_York:20260309T090000\r\n\
DTSTART;TZID=America/New_York:20260309T110000\r\nDTEND;TZID=America/New_York:20260309T113000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:holiday\r\nSUMMARY:Day off\r\nDTSTART;VALUE=DATE:20260308\r\nDTEND;VALUE=DATE:20260309\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:floating\r\nSUMMARY:Lunch\r\nDTSTART:20260310T120000\r\nDTEND:20260310T130000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:odd\r\nSUMMARY:Odd zone\r\nDTSTART;TZID=Mars/Olympus:20260311T100000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:notime\r\nSUMMARY:No start\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

fn fixture(dir: &Path) -> String {
    let path = dir.join("dst.ics");
    std::fs::write(&path, FIXTURE).unwrap();
    path.to_str().unwrap().to_string()
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn expands_in_the_given_zone_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture(dir.path());
    let out = cli(&[
        "calendar",
        "expand",
        &file,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-20",
        "--tz",
        "America/New_York",
        "--json",
    ]);
    let got = lines(&out);
    let brief: Vec<String> = got
        .iter()
        .map(|v| {
            format!(
                "{} {} {} {} rid={} overridden={} all_day={}",
                v["uid"].as_str().unwrap(),
                v["summary"].as_str().unwrap(),
                v["start"].as_str().unwrap(),
                v["end"].as_str().unwrap(),
                v["recurrence_id"].as_str().unwrap_or("-"),
                v["overridden"],
                v["all_day"],
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            "standup Standup 2026-03-02T09:00:00-05:00 2026-03-02T09:30:00-05:00 rid=2026-03-02T09:00:00-05:00 overridden=false all_day=false",
            "holiday Day off 2026-03-08T00:00:00-05:00 2026-03-09T00:00:00-04:00 rid=- overridden=false all_day=true",
            "standup Standup (moved) 2026-03-09T11:00:00-04:00 2026-03-09T11:30:00-04:00 rid=2026-03-09T09:00:00-04:00 overridden=true all_day=false",
            "floating Lunch 2026-03-10T12:00:00-04:00 2026-03-10T13:00:00-04:00 rid=- overridden=false all_day=false",
            "odd Odd zone 2026-03-11T06:00:00-04:00 2026-03-11T07:00:00-04:00 rid=- overridden=false all_day=false",
        ]
    );
    // The damaged event is printed with its reason; the one without times is not.
    assert!(got[4]["broken"]
        .as_str()
        .unwrap()
        .contains("unknown time zone"));
    assert!(got[0].get("broken").is_none());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"notime\""), "{stderr}");
    assert!(stderr.contains("missing DTSTART"), "{stderr}");
}

#[test]
fn another_zone_moves_floating_and_all_day_times_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture(dir.path());
    let got = lines(&cli(&[
        "calendar",
        "expand",
        &file,
        "--from",
        "2026-03-08T00:00:00+01:00",
        "--to",
        "2026-03-11",
        "--tz",
        "Europe/Berlin",
        "--json",
    ]));
    let starts: Vec<&str> = got.iter().map(|v| v["start"].as_str().unwrap()).collect();
    assert_eq!(
        starts,
        [
            "2026-03-08T00:00:00+01:00",
            "2026-03-09T16:00:00+01:00",
            "2026-03-10T12:00:00+01:00",
        ]
    );
}

#[test]
fn table_output_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture(dir.path());
    let out = cli(&[
        "calendar",
        "expand",
        &file,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-03",
        "--tz",
        "America/New_York",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "2026-03-02T09:00:00-05:00  2026-03-02T09:30:00-05:00  Standup\n1 instances\n"
    );
}

#[test]
fn bad_arguments_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture(dir.path());
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--tz",
                "Mars/Base",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
            ],
            "unknown time zone \"Mars/Base\"",
        ),
        (
            &["--from", "yesterday", "--to", "2026-03-02"],
            "--from \"yesterday\"",
        ),
        (
            &["--from", "2026-03-02", "--to", "2026-03-01"],
            "--to must be after --from",
        ),
        (&["--from", "2026-03-01", "--to", "2026-03-02"], ""),
    ];
    for (extra, want) in cases {
        let mut args = vec!["calendar", "expand", file.as_str()];
        args.extend_from_slice(extra);
        let out = cli(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if want.is_empty() {
            assert!(out.status.success(), "{stderr}");
        } else {
            assert!(!out.status.success(), "{extra:?}");
            assert!(stderr.contains(want), "{extra:?}: {stderr}");
        }
    }
    let missing = dir.path().join("nope.ics");
    let out = cli(&[
        "calendar",
        "expand",
        missing.to_str().unwrap(),
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-02",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
