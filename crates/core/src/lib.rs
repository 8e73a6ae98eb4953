//! Switchboard's shared vocabulary: the error codes the UI branches on, the `Clock`
//! every time-dependent function takes, and small domain helpers used by more than one
//! crate. This crate must never do I/O or depend on another Switchboard crate.

pub mod address;
mod clock;
mod error;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::ErrorCode;
