//! What the Gmail and Graph passes share: their error type and how a pass's outcome
//! becomes the account's status (syncing, up to date, needs sign-in, rate limited until,
//! offline, error) for the account list and Sync health.

use std::time::Duration;
use switchboard_mail::rest::RestError;
use switchboard_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiSyncError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The API answered something the sync cannot use.
    #[error("{0}")]
    Protocol(String),
}

impl ApiSyncError {
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiSyncError::Rest(e) => e.is_retryable(),
            ApiSyncError::Store(_) | ApiSyncError::Protocol(_) => false,
        }
    }

    /// Only a new sign-in helps: the watcher must stop retrying and say so once.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            ApiSyncError::Rest(RestError::NeedsSignIn(_) | RestError::Unauthorized(_))
        )
    }
}

impl From<switchboard_mail::gmail::GmailError> for ApiSyncError {
    fn from(e: switchboard_mail::gmail::GmailError) -> Self {
        use switchboard_mail::gmail::GmailError as G;
        match e {
            G::Rest(r) => ApiSyncError::Rest(r),
            other => ApiSyncError::Protocol(other.to_string()),
        }
    }
}

/// Account states as stored in `account_status.state`.
pub mod state {
    pub const SYNCING: &str = "syncing";
    pub const UP_TO_DATE: &str = "up_to_date";
    pub const NEEDS_SIGN_IN: &str = "needs_sign_in";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const OFFLINE: &str = "offline";
    pub const ERROR: &str = "error";
}

/// Records how a pass ended. A rate limit that outlasted our retries keeps the account
/// "rate limited until" the provider's time.
pub async fn record_outcome<T>(
    store: &Store,
    account_id: i64,
    result: &Result<T, ApiSyncError>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let (state, detail, until): (&str, Option<String>, Option<i64>) = match result {
        Ok(_) => (state::UP_TO_DATE, None, None),
        Err(e) if e.needs_sign_in() => (state::NEEDS_SIGN_IN, Some(e.to_string()), None),
        Err(ApiSyncError::Rest(RestError::RateLimited { retry_after })) => (
            state::RATE_LIMITED,
            Some("the provider asked us to slow down".into()),
            Some(now_ms + duration_ms(*retry_after)),
        ),
        Err(ApiSyncError::Rest(RestError::Network(d))) => (state::OFFLINE, Some(d.clone()), None),
        Err(e) => (state::ERROR, Some(e.to_string()), None),
    };
    store
        .set_account_status(account_id, state, detail.as_deref(), until, now_ms)
        .await
}

pub fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An API error as the outbox's SMTP vocabulary: a refused sign-in is an authentication
/// failure, what may pass later defers, the rest is refused.
pub fn rest_to_smtp(e: RestError, during: &str) -> switchboard_mail::smtp::SmtpError {
    use switchboard_mail::smtp::SmtpError;
    match e {
        RestError::NeedsSignIn(_) | RestError::Unauthorized(_) | RestError::Network(_) => {
            SmtpError::Net(rest_to_net(e))
        }
        e if e.is_retryable() => SmtpError::Deferred {
            during: during.to_owned(),
            reply: e.to_string(),
        },
        e => SmtpError::Refused {
            during: during.to_owned(),
            reply: e.to_string(),
        },
    }
}

/// An API error as a connection error (for mailbox lookups).
pub fn rest_to_net(e: RestError) -> switchboard_mail::net::NetError {
    use switchboard_mail::net::NetError;
    match e {
        RestError::NeedsSignIn(d) | RestError::Unauthorized(d) => NetError::AuthFailed(d),
        RestError::Network(d) => NetError::Io(std::io::Error::other(d)),
        e if e.is_retryable() => NetError::Io(std::io::Error::other(e.to_string())),
        e => NetError::Rejected(e.to_string()),
    }
}

/// A local store failure inside a mailbox operation, in the outbox's vocabulary.
pub fn store_to_net(e: StoreError) -> switchboard_mail::net::NetError {
    switchboard_mail::net::NetError::Protocol(format!("local store: {e}"))
}
