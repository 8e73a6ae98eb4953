//! The Maildir generator writes exactly `count` readable messages with Maildir names.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::fs;

use chrono::{TimeZone, Utc};
use mail_parser::MessageParser;
use switchboard_demo::write_maildir;

#[test]
fn writes_count_messages_in_maildir_layout() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    write_maildir(dir.path(), 9, 750, now).unwrap();

    let cur: Vec<_> = fs::read_dir(dir.path().join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let new: Vec<_> = fs::read_dir(dir.path().join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    assert_eq!(cur.len() + new.len(), 750);
    assert!(!new.is_empty() && cur.len() > new.len());
    for path in &cur {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(name.contains(":2,"), "{name}");
        assert!(name.contains(".switchboard-demo,S="), "{name}");
    }
    for path in &new {
        assert!(!path.file_name().unwrap().to_str().unwrap().contains(":2,"));
    }

    let mut replies = 0;
    for path in cur.iter().chain(&new) {
        let bytes = fs::read(path).unwrap();
        let m = MessageParser::default().parse(bytes.as_slice()).unwrap();
        assert!(m.message_id().is_some() && m.subject().is_some());
        replies += usize::from(m.in_reply_to().as_text().is_some());
    }
    assert!(replies > 200, "{replies}");

    // Same inputs, same files.
    let again = tempfile::tempdir().unwrap();
    write_maildir(again.path(), 9, 750, now).unwrap();
    for path in &cur {
        let twin = again.path().join("cur").join(path.file_name().unwrap());
        assert_eq!(fs::read(path).unwrap(), fs::read(twin).unwrap());
    }
}
