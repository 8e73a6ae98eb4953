/// What went wrong while signing in or renewing a token, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The provider no longer accepts the grant (RFC 6749 §5.2 `invalid_grant`: the code
    /// or refresh token was revoked, expired or already used). Only a new interactive
    /// sign-in helps; never retry.
    #[error("the account needs to be signed in again: {detail}")]
    NeedsSignIn { detail: String },
    /// The user declined consent in the browser (`error=access_denied`).
    #[error("sign-in was cancelled in the browser")]
    Cancelled,
    /// No redirect reached the loopback listener in time.
    #[error("sign-in timed out waiting for the browser")]
    TimedOut,
    /// The redirect carried a `state` other than the one this sign-in sent: it belongs to
    /// another attempt or was forged. The code in it is discarded.
    #[error("the sign-in response did not match this attempt (state mismatch); start again")]
    StateMismatch,
    /// The provider refused the request for a reason the user or developer must fix
    /// (e.g. `invalid_client`, `unauthorized_client`, `invalid_scope`).
    #[error("the sign-in provider refused the request: {code}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider {
        code: String,
        description: Option<String>,
    },
    /// The token endpoint could not be reached or answered 5xx/429; trying later may work.
    #[error("the sign-in provider is unavailable: {detail}")]
    Unavailable { detail: String },
    /// The provider answered with something that is not a valid token response.
    #[error("unexpected answer from the sign-in provider: {0}")]
    InvalidResponse(String),
    /// Missing or invalid configuration, e.g. no client id.
    #[error("sign-in is not configured: {0}")]
    Config(String),
    /// The keychain could not read or write the account's tokens. After a refresh that
    /// rotated the refresh token this matters: the new token is only in memory until a
    /// later call manages to write it.
    #[error("the account's tokens could not be kept in the keychain: {0}")]
    Keychain(#[from] switchboard_secrets::SecretError),
    /// The loopback listener could not be set up or failed.
    #[error("local sign-in listener failed: {0}")]
    Io(#[from] std::io::Error),
}

impl AuthError {
    /// Whether the same request may succeed later (network trouble, 5xx, rate limits).
    /// `NeedsSignIn` is never retryable: a refused refresh token stays refused. A locked
    /// or missing keychain is, once the user has unlocked or started it.
    pub fn is_retryable(&self) -> bool {
        match self {
            AuthError::Unavailable { .. } => true,
            AuthError::Keychain(e) => e.is_retryable(),
            _ => false,
        }
    }
}
