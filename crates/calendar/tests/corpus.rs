//! Golden corpus: every `tests/corpus/*.ics` has the expected parse (and, when the file
//! carries an `X-TEST-WINDOW:<from>/<to>` line, the expansion of each series in that
//! window) in `*.json` beside it. On a mismatch the actual output is written to
//! `*.actual.json` so `diff x.json x.actual.json` shows what changed; set
//! `UPDATE_GOLDEN=1` to rewrite the expected files after reviewing that diff.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use switchboard_calendar::{expand, parse_ics, Instance, ParsedCalendar};

#[derive(Serialize)]
struct Golden {
    calendar: ParsedCalendar,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    expansions: Vec<Expansion>,
}

#[derive(Serialize)]
struct Expansion {
    uid: String,
    instances: Vec<Instance>,
}

fn window(input: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let line = input
        .lines()
        .find_map(|l| l.strip_prefix("X-TEST-WINDOW:"))?;
    let (from, to) = line.trim().split_once('/')?;
    let parse = |s: &str| {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|n| n.and_utc())
    };
    Some((parse(from)?, parse(to)?))
}

fn golden_for(path: &Path) -> String {
    let input = fs::read_to_string(path).unwrap();
    let calendar = parse_ics(&input);
    let mut expansions = Vec::new();
    if let Some((from, to)) = window(&input) {
        for event in calendar.events.iter().filter(|e| e.recurrence_id.is_none()) {
            expansions.push(Expansion {
                uid: event.uid.clone(),
                instances: expand(event, &calendar.events, from, to),
            });
        }
    }
    let mut json = serde_json::to_string_pretty(&Golden {
        calendar,
        expansions,
    })
    .unwrap();
    json.push('\n');
    json
}

#[test]
fn corpus_matches_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 5, "corpus is missing files");

    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for input in &inputs {
        let actual = golden_for(input);
        let expected_path = input.with_extension("json");
        let actual_path = input.with_extension("actual.json");
        if update {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected == actual {
            let _ = fs::remove_file(&actual_path);
        } else {
            fs::write(&actual_path, &actual).unwrap();
            failures.push(format!(
                "diff {} {}",
                expected_path.display(),
                actual_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatch:\n{}",
        failures.join("\n")
    );
}
