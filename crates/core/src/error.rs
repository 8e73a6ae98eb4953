use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The small set of error kinds the UI actually branches on. Everything else about an
/// error travels as its human-readable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    AuthExpired,
    RateLimited,
    Offline,
    InvalidInput,
    NotFound,
    Conflict,
    /// The database was written by a newer Switchboard or is not a database at all.
    /// The UI shows a dialog instead of the workspace.
    StoreUnusable,
    Internal,
}

impl ErrorCode {
    /// Whether trying the same thing again later can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Offline)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthExpired => "auth_expired",
            Self::RateLimited => "rate_limited",
            Self::Offline => "offline",
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::StoreUnusable => "store_unusable",
            Self::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_codes_are_retryable() {
        let cases = [
            (ErrorCode::AuthExpired, false),
            (ErrorCode::RateLimited, true),
            (ErrorCode::Offline, true),
            (ErrorCode::InvalidInput, false),
            (ErrorCode::NotFound, false),
            (ErrorCode::Conflict, false),
            (ErrorCode::StoreUnusable, false),
            (ErrorCode::Internal, false),
        ];
        for (code, retryable) in cases {
            assert_eq!(code.is_retryable(), retryable, "{code}");
        }
    }
}
