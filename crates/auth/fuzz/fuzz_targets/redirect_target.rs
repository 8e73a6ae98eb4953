//! Any request target a local process sends to the loopback listener: no panic, and no
//! code is ever accepted without the attempt's state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_auth::{redirect_result, State};

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    let state = State::from_random([9; 32]);
    if let Some(Ok(_)) = redirect_result(target, &state) {
        assert!(target.contains(state.as_str()));
    }
});
