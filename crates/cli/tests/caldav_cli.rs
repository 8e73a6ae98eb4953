#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `account add caldav` and `calendar sync` against a real Radicale, including `kill -9`
//! in the middle of an initial and of an incremental sync: after a restart the local
//! events (UID, summary, start) equal the server's — nothing lost, nothing doubled.
//! Needs a Secret Service (run under scripts/test-session.sh, as `make test` does).

mod support;
use support::*;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use switchboard_testkit::Radicale;

type Row = (String, String, i64);

fn add_account(data: &Path, server: &Radicale, password: &str) -> Output {
    let mut child = cli()
        .arg("--data-dir")
        .arg(data)
        .args(["account", "add", "caldav", "--name", "dav", "--url"])
        .arg(server.base_url())
        .args(["--user", server.user(), "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A VCALENDAR with events `range`, summaries tagged with `version`.
fn calendar(range: std::ops::Range<usize>, version: &str) -> (String, BTreeSet<Row>) {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n");
    let mut rows = BTreeSet::new();
    // 2026-01-05 09:00 UTC, one event per hour.
    let base = 1_767_603_600_000_i64;
    for i in range {
        let start = base + i as i64 * 3_600_000;
        let dt = chrono::DateTime::from_timestamp_millis(start).unwrap();
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:ev-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{}\r\n\
             DURATION:PT30M\r\nSUMMARY:Event {i} {version}\r\nEND:VEVENT\r\n",
            dt.format("%Y%m%dT%H%M%SZ")
        ));
        rows.insert((format!("ev-{i}"), format!("Event {i} {version}"), start));
    }
    text.push_str("END:VCALENDAR\r\n");
    (text, rows)
}

fn local_rows(data: &Path) -> BTreeSet<Row> {
    with_store(data, async |store| {
        store
            .events_in_window(0, i64::MAX)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.uid, e.summary, e.start_at))
            .collect()
    })
}

#[test]
fn kill_9_during_initial_and_incremental_calendar_sync_loses_and_doubles_nothing() {
    let server = Radicale::start().unwrap();
    server.create_calendar("work").unwrap();
    let (first_text, first) = calendar(0..600, "v1");
    server.put_calendar("work", &first_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = add_account(&data, &server, server.password());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut landed = kill_mid_calendar_sync(&data, &BTreeSet::new(), &first, local_rows);
    run_to_completion(calendar_sync_child(&data));
    assert_eq!(local_rows(&data), first);

    // Another client drops 100 events, edits 100 and adds 100; kill that pass too.
    let (mut text, mut second) = calendar(100..200, "v2");
    let (rest_text, rest) = calendar(200..700, "v1");
    text = text.replace("END:VCALENDAR\r\n", "");
    text.push_str(rest_text.split_once("PRODID:-//Other//EN\r\n").unwrap().1);
    second.extend(rest);
    server.put_calendar("work", &text).unwrap();
    landed |= kill_mid_calendar_sync(&data, &first, &second, local_rows);
    run_to_completion(calendar_sync_child(&data));
    let local = local_rows(&data);
    assert_eq!(local.len(), 600);
    assert_eq!(local, second);
    assert!(landed, "neither kill landed in the middle of a sync");
}

#[test]
fn a_wrong_password_is_refused_clearly_and_nothing_is_stored() {
    let server = Radicale::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = add_account(&data, &server, "not-the-password");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the user name or password"), "{err}");
    let list = cli()
        .arg("--data-dir")
        .arg(&data)
        .args(["account", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

#[test]
fn a_server_that_went_away_fails_the_pass_clearly_and_keeps_the_local_copy() {
    let server = Radicale::start().unwrap();
    server.create_calendar("work").unwrap();
    let (text, rows) = calendar(0..5, "v1");
    server.put_calendar("work", &text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(add_account(&data, &server, server.password())
        .status
        .success());
    run_to_completion(calendar_sync_child(&data));
    drop(server);

    let out = calendar_sync_child(&data).wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach the CalDAV server"), "{err}");
    assert_eq!(local_rows(&data), rows);
}
