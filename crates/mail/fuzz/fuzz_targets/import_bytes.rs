//! Whatever bytes arrive (an mbox file, a Maildir file, a fetched message), splitting
//! and parsing them must not panic, and every message must become a storable row.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_mail::{parse_message, sanitize_html, split_mbox};

fuzz_target!(|data: &[u8]| {
    let (entries, _) = split_mbox(data);
    for entry in entries.into_iter().take(16) {
        let parsed = parse_message(&entry.raw);
        if let Some(html) = parsed.html.as_deref() {
            let _ = sanitize_html(html);
        }
        let row = parsed.into_new_message(entry.raw, 1, 1, 0, None);
        assert!(!row.dedupe_key.is_empty());
    }
    let parsed = parse_message(data);
    let _ = parsed.body_text();
});
