#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = switchboard_calendar::parse_ics(&text);
    let (Some(from), Some(to)) = (
        Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single(),
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).single(),
    ) else {
        return;
    };
    for event in &parsed.events {
        let _ = switchboard_calendar::expand(event, &parsed.events, from, to);
    }
});
