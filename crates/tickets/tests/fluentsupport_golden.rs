//! Golden test: `fixtures/fluentsupport_list.json` (a FluentSupport list page mixing the
//! 2021 doc example, current ISO timestamps and damaged rows) maps to
//! `fixtures/fluentsupport_list.expected.json`, read with the site in Europe/Berlin. On a
//! mismatch the actual output is written to `*.actual.json`; `UPDATE_GOLDEN=1` rewrites
//! the expected file.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::fs;
use std::path::PathBuf;

use switchboard_tickets::{parse_fluentsupport_tickets, Problem, Ticket, TicketsError};

#[derive(serde::Serialize)]
struct Golden {
    tickets: Vec<Ticket>,
    problems: Vec<Problem>,
}

#[test]
fn list_response_matches_golden() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let input = fs::read_to_string(dir.join("fluentsupport_list.json")).unwrap();
    let (tickets, problems) =
        parse_fluentsupport_tickets(&input, chrono_tz::Europe::Berlin).unwrap();
    let mut actual = serde_json::to_string_pretty(&Golden { tickets, problems }).unwrap();
    actual.push('\n');

    let expected_path = dir.join("fluentsupport_list.expected.json");
    let actual_path = dir.join("fluentsupport_list.actual.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    if expected != actual {
        fs::write(&actual_path, &actual).unwrap();
        panic!(
            "golden mismatch: diff {} {}",
            expected_path.display(),
            actual_path.display()
        );
    }
    let _ = fs::remove_file(&actual_path);
}

#[test]
fn other_shapes() {
    let tz = chrono_tz::UTC;
    let row = r#"{"id": 5, "title": "t", "created_at": "2025-01-01 00:00:00"}"#;
    for body in [
        format!("[{row}]"),
        format!(r#"{{"tickets": [{row}]}}"#),
        format!(r#"{{"data": [{row}]}}"#),
        format!(r#"{{"tickets": {{"data": [{row}], "total": 1}}}}"#),
    ] {
        let (tickets, problems) = parse_fluentsupport_tickets(&body, tz).unwrap();
        assert_eq!((tickets.len(), problems.len()), (1, 0), "{body}");
        assert_eq!(tickets[0].external_id, "5");
    }
    let (tickets, problems) =
        parse_fluentsupport_tickets(r#"{"tickets": {"data": []}}"#, tz).unwrap();
    assert!(tickets.is_empty() && problems.is_empty());

    assert!(matches!(
        parse_fluentsupport_tickets("<html>", tz),
        Err(TicketsError::InvalidJson(_))
    ));
    let err =
        parse_fluentsupport_tickets(r#"{"code":"rest_forbidden","message":"no"}"#, tz).unwrap_err();
    assert!(matches!(err, TicketsError::UnexpectedShape(_)));
    assert!(!err.is_retryable());
    assert!(matches!(
        parse_fluentsupport_tickets(r#""Sorry, You do not have permission""#, tz),
        Err(TicketsError::UnexpectedShape(_))
    ));
}
