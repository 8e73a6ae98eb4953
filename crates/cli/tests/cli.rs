#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The CLI as scripts use it: exit codes, stable JSON, and clear errors.

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

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn import_search_threads_and_stats_speak_json() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("in.mbox");
    std::fs::write(
        &mbox,
        "From a@x Tue Nov  3 10:00:00 2026\nMessage-ID: <p@x>\nFrom: Ann <ann@x.example>\nSubject: Pricing\nDate: Tue, 03 Nov 2026 10:00:00 +0000\n\nthe quince offer\n\n\
         From b@x Tue Nov  3 11:00:00 2026\nMessage-ID: <r@x>\nIn-Reply-To: <p@x>\nFrom: Bo <bo@y.example>\nSubject: Re: Pricing\nDate: Tue, 03 Nov 2026 11:00:00 +0000\n\nagreed\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let report = json(&cli(
        &data,
        &[
            "import",
            "mbox",
            mbox.to_str().unwrap(),
            "--account",
            "Work",
            "--json",
        ],
    ));
    assert_eq!(report["imported"], 2);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);

    let threads = json(&cli(&data, &["threads", "--account", "Work", "--json"]));
    assert_eq!(
        threads,
        serde_json::json!([{ "id": 1, "subject": "Pricing", "message_ids": ["p@x", "r@x"] }])
    );

    let hits = json(&cli(&data, &["search", "quince", "--json"]));
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["subject"], "Pricing");

    let stats = json(&cli(&data, &["stats", "--json"]));
    assert_eq!(stats["messages"], 2);
    assert_eq!(stats["threads"], 1);

    let missing = cli(&data, &["threads", "--account", "Nope", "--json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account named \"Nope\""));
}

#[test]
fn an_unusable_database_exits_2_with_a_message_and_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let garbage = vec![b'x'; 8192];
    std::fs::write(&db, &garbage).unwrap();
    let out = cli(dir.path(), &["stats", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not a usable Switchboard database"),
        "{err}"
    );
    assert!(err.contains("has not been changed"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
    assert!(out.stdout.is_empty());
}
