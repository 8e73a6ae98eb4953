#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Golden corpus for the MIME parser: every `tests/corpus/*.eml` has the expected
//! reading beside it as `*.json`. On a mismatch the actual reading is written to
//! `*.actual.json` so the difference is one `diff` away; `UPDATE_GOLDEN=1` rewrites the
//! expected files.

use std::path::Path;
use switchboard_mail::{parse_message, sanitize_html};

fn reading(raw: &[u8]) -> serde_json::Value {
    let p = parse_message(raw);
    let row = p.clone().into_new_message(raw.to_vec(), 1, 1, 0, None);
    let html = p.html.as_deref().map(sanitize_html);
    serde_json::json!({
        "message_id": p.message_id,
        "in_reply_to": p.in_reply_to,
        "references": p.references,
        "subject": p.subject,
        "subject_key": row.subject_key,
        "is_reply_subject": row.is_reply_subject,
        "from": p.from.as_ref().map(|f| serde_json::json!({"name": f.name, "email": f.email})),
        "to": p.to.iter().map(|f| serde_json::json!({"name": f.name, "email": f.email})).collect::<Vec<_>>(),
        "cc": p.cc.iter().map(|f| f.email.clone()).collect::<Vec<_>>(),
        "date": p.date,
        "body_text": row.body_text,
        "sanitized_html": html.as_ref().map(|h| h.html.clone()),
        "blocked_remote": html.as_ref().map(|h| h.blocked_remote),
        "attachments": p.attachments.iter().map(|a| serde_json::json!({
            "name": a.name, "mime_type": a.mime_type, "size": a.size, "inline": a.inline
        })).collect::<Vec<_>>(),
        "dedupe_key": row.dedupe_key,
        "problems": p.problems,
    })
}

#[test]
fn corpus_matches_expected_readings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    for eml in files {
        count += 1;
        let raw = std::fs::read(&eml).unwrap();
        let actual = serde_json::to_string_pretty(&reading(&raw)).unwrap() + "\n";
        let expected_path = eml.with_extension("json");
        let actual_path = eml.with_extension("actual.json");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {
                let _ = std::fs::remove_file(&actual_path);
            }
            _ => {
                std::fs::write(&actual_path, &actual).unwrap();
                failures.push(format!(
                    "diff {} {}",
                    expected_path.display(),
                    actual_path.display()
                ));
            }
        }
    }
    assert!(count >= 6, "the corpus is missing");
    assert!(
        failures.is_empty(),
        "readings changed:\n{}",
        failures.join("\n")
    );
}
