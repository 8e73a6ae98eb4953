//! Whatever a token endpoint answers, with any status, parsing must not panic, and a
//! success must carry a non-empty access token.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use switchboard_auth::parse_token_response;

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let status = 100 + u16::from(status) * 2;
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    if let Ok(tokens) = parse_token_response(status, body, now, None) {
        assert!(!tokens.access_token.expose().is_empty());
    }
});
