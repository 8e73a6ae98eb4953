#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! An Outlook account's calendars through `calendar sync` against the Graph contract fake,
//! with `kill -9` in the middle of an initial and of an incremental pass: after a restart
//! the local events (subject, start) equal the server's instances — nothing lost, nothing
//! doubled. Needs a Secret Service (run under scripts/test-session.sh, as `make test` does).

mod support;
use support::*;

use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use switchboard_testkit::{GraphFake, GraphFakeOptions};

type Row = (String, i64);

fn add_account(data: &Path, fake: &GraphFake) {
    let grant = fake.grant().unwrap();
    let mut child = cli()
        .arg("--data-dir")
        .arg(data)
        .args(["account", "add", "graph", "--name", "outlook"])
        .args(["--api-root", &fake.api_root()])
        .args(["--token-url", &fake.token_url()])
        .args(["--client-id", "switchboard-test", "--refresh-token-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", grant.refresh_token).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A daily series of `count` instances at 09:00 UTC from 50 days ago (inside the sync
/// window of a year back and two ahead).
fn daily(fake: &GraphFake, subject: &str, count: u32) -> String {
    let first = (Utc::now() - Duration::days(50)).date_naive();
    let at = |t: &str| json!({"dateTime": format!("{first}T{t}"), "timeZone": "UTC"});
    fake.put_event(
        None,
        &json!({"subject": subject, "start": at("09:00:00"), "end": at("09:30:00"),
                "recurrence": {"pattern": {"type": "daily", "interval": 1},
                               "range": {"type": "numbered", "numberOfOccurrences": count}}}),
    )
    .unwrap()
    .id
}

fn server_rows(fake: &GraphFake) -> BTreeSet<Row> {
    let from = (Utc::now() - Duration::days(400)).to_rfc3339();
    let to = (Utc::now() + Duration::days(800)).to_rfc3339();
    fake.calendar_instances(None, &from, &to)
        .unwrap()
        .into_iter()
        .map(|v| {
            let text = v["start"]["dateTime"].as_str().unwrap();
            let start = NaiveDateTime::parse_from_str(&text[..19], "%Y-%m-%dT%H:%M:%S")
                .unwrap()
                .and_utc()
                .timestamp_millis();
            (v["subject"].as_str().unwrap().to_owned(), start)
        })
        .collect()
}

/// The stored events as rows; panics when a row is stored twice.
fn local_rows(data: &Path) -> BTreeSet<Row> {
    with_store(data, async |store| {
        let rows = store.events_in_window(0, i64::MAX).await.unwrap();
        let set: BTreeSet<Row> = rows
            .iter()
            .map(|e| (e.summary.clone(), e.start_at))
            .collect();
        assert_eq!(set.len(), rows.len(), "an event is stored twice");
        set
    })
}

#[test]
fn kill_9_during_initial_and_incremental_graph_calendar_sync_loses_and_doubles_nothing() {
    let fake = GraphFake::start(GraphFakeOptions {
        latency_ms: 5,
        ..GraphFakeOptions::default()
    })
    .unwrap();
    let standup = daily(&fake, "Standup", 700);
    daily(&fake, "Focus time", 700);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, &fake);
    let first = server_rows(&fake);
    assert_eq!(first.len(), 1400);

    let mut landed = kill_mid_calendar_sync(&data, &BTreeSet::new(), &first, local_rows);
    run_to_completion(calendar_sync_child(&data));
    assert_eq!(local_rows(&data), first);

    // Another client renames one series and adds another; kill that pass too.
    fake.edit_event(&standup, &json!({"subject": "Daily sync"}))
        .unwrap();
    daily(&fake, "Lunch", 700);
    let second = server_rows(&fake);
    assert_eq!(second.len(), 2100);
    landed |= kill_mid_calendar_sync(&data, &first, &second, local_rows);
    run_to_completion(calendar_sync_child(&data));
    assert_eq!(local_rows(&data), second);
    assert!(landed, "neither kill landed in the middle of a pass");
    assert!(fake.calendar_contract_violations().unwrap().is_empty());
}
