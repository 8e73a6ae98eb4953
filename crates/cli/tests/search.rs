#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `switchboard-cli search` as scripts use it: the JSON array and its fields, the
//! operators, newest first, and a clear non-zero exit for a query it cannot read.

use std::path::Path;
use std::process::{Command, Output};

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        // Dates in queries are local days; pin the zone so the test reads the same
        // everywhere.
        .env("TZ", "UTC")
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

fn subjects(hits: &serde_json::Value) -> Vec<&str> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["subject"].as_str().unwrap())
        .collect()
}

const MBOX: &str = "\
From a@x Tue Mar 10 10:00:00 2026
Message-ID: <p@x>
From: Dana Whitfield <dana@acme.example>
To: Sam <sam@work.example>
Subject: Renewal <terms>
Date: Tue, 10 Mar 2026 10:00:00 +0000

the quince offer & more

From b@x Wed Mar 11 11:00:00 2026
Message-ID: <r@x>
In-Reply-To: <p@x>
From: Sam <sam@work.example>
To: Dana Whitfield <dana@acme.example>
Cc: Ops <ops@work.example>
Subject: Re: Renewal <terms>
Date: Wed, 11 Mar 2026 11:00:00 +0000

quince agreed

From c@x Thu Mar 12 12:00:00 2026
Message-ID: <l@x>
From: Bo <bo@y.example>
Subject: Lunch
Date: Thu, 12 Mar 2026 12:00:00 +0000

sandwiches
";

fn imported() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("in.mbox");
    std::fs::write(&mbox, MBOX).unwrap();
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
    assert_eq!(report["imported"], 3);
    (dir, data)
}

#[test]
fn json_hits_have_the_documented_fields() {
    let (_dir, data) = imported();
    let hits = json(&cli(&data, &["search", "quince", "--json"]));
    assert_eq!(subjects(&hits), ["Re: Renewal <terms>", "Renewal <terms>"]);
    let hit = &hits[1];
    assert!(hit["message_id"].as_i64().unwrap() > 0);
    assert!(hit["thread_id"].as_i64().unwrap() > 0);
    assert_eq!(hit["thread_id"], hits[0]["thread_id"]);
    assert_eq!(hit["from"], "Dana Whitfield");
    assert_eq!(hit["date"], 1_773_136_800_000_i64);
    assert_eq!(hit["date_rfc3339"], "2026-03-10T10:00:00Z");
    assert_eq!(hit["folder"], "INBOX");
    assert_eq!(hit["snippet"], "the quince offer & more");
    assert_eq!(
        hit["snippet_html"],
        "the <mark>quince</mark> offer &amp; more"
    );
}

#[test]
fn operators_work_from_the_command_line() {
    let (_dir, data) = imported();
    let cases: &[(&str, &[&str])] = &[
        ("from:dana", &["Renewal <terms>"]),
        ("to:dana", &["Re: Renewal <terms>"]),
        ("cc:ops", &["Re: Renewal <terms>"]),
        ("subject:renewal -from:sam", &["Renewal <terms>"]),
        (
            "in:inbox",
            &["Lunch", "Re: Renewal <terms>", "Renewal <terms>"],
        ),
        (
            "is:unread after:2026-03-10",
            &["Lunch", "Re: Renewal <terms>"],
        ),
        ("before:2026/03/11", &["Renewal <terms>"]),
        ("is:flagged", &[]),
        ("\"quince offer\"", &["Renewal <terms>"]),
        ("NEAR(quince -x) \"*\"", &[]),
    ];
    for (query, want) in cases {
        let hits = json(&cli(&data, &["search", query, "--json"]));
        assert_eq!(subjects(&hits), *want, "{query}");
    }
    // Paging.
    let second = json(&cli(
        &data,
        &[
            "search", "in:inbox", "--limit", "1", "--offset", "1", "--json",
        ],
    ));
    assert_eq!(subjects(&second), ["Re: Renewal <terms>"]);
}

#[test]
fn a_bad_date_exits_1_naming_the_token() {
    let (_dir, data) = imported();
    let out = cli(&data, &["search", "quince before:2026-13-01", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"before:2026-13-01\""), "{err}");
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn text_output_shows_folder_and_snippet() {
    let (_dir, data) = imported();
    let out = cli(&data, &["search", "sandwiches"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2026-03-12 12:00"), "{text}");
    assert!(text.contains("[INBOX] Lunch"), "{text}");
    assert!(text.contains("sandwiches"), "{text}");
    // Not a terminal: no escape codes.
    assert!(!text.contains('\x1b'), "{text}");

    let plan = cli(&data, &["search", "is:unread in:inbox", "--explain"]);
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.contains("USING INDEX"), "{plan}");
    assert!(!plan.contains("messages_fts"), "{plan}");
}
