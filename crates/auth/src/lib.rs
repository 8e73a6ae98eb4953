//! OAuth2 sign-in for desktop mail accounts: the authorization code flow with PKCE for
//! native apps (RFC 8252, RFC 7636) and the token exchange and refresh that follow it.
//!
//! This crate owns the protocol: [`ProviderConfig`] (with Google and Microsoft presets whose
//! client ids come from configuration, never from the repository), [`Pkce`] and [`State`],
//! [`authorization_url`], the [`LoopbackListener`] on 127.0.0.1 that catches the browser's
//! redirect, and [`TokenClient`] which turns a code or refresh token into a [`TokenSet`].
//! [`AccountTokens`] keeps a signed-in account's tokens in a `SecretStore` and hands out
//! access tokens, renewing them ahead of expiry (one refresh for any number of concurrent
//! callers) or once after an API rejected one. The crate never opens the browser itself
//! and never retries in a loop: [`AuthError::is_retryable`] tells the caller whether
//! trying later can help, and [`AuthError::NeedsSignIn`] means only the user can.
//!
//! The flow: `LoopbackListener::bind`, `Pkce::generate`, `State::generate`,
//! `authorization_url(..)` → open it in the browser → `listener.wait_for_code(&state, timeout)`
//! → `TokenClient::exchange_code(..)`; later, when [`needs_refresh`] says so,
//! `TokenClient::refresh(..)`, and store the refresh token it returns (it may have rotated).
//!
//! ```no_run
//! # async fn sign_in() -> Result<(), switchboard_auth::AuthError> {
//! use std::time::Duration;
//! use switchboard_auth::*;
//!
//! let provider = ProviderConfig::google_from_env(|k| std::env::var(k).ok())?;
//! let listener = LoopbackListener::bind().await?;
//! let redirect_uri = listener.redirect_uri();
//! let (pkce, state) = (Pkce::generate()?, State::generate()?);
//! let url = authorization_url(&provider, &redirect_uri, state.as_str(), &pkce.challenge)?;
//! // The caller opens `url` in the system browser; this crate never does.
//! # let _ = url;
//! let code = listener.wait_for_code(&state, Duration::from_secs(300)).await?;
//! let client = TokenClient::new()?;
//! let tokens = client
//!     .exchange_code(&provider, &code, &pkce.verifier, &redirect_uri, chrono::Utc::now())
//!     .await?;
//! // The caller stores `tokens.refresh_token` in its SecretStore.
//! # let _ = tokens;
//! # Ok(())
//! # }
//! ```

mod account_tokens;
mod authorize;
mod error;
mod loopback;
mod pkce;
mod provider;
mod token;

pub use account_tokens::{AccountTokens, REFRESH_MARGIN};
pub use authorize::authorization_url;
pub use error::AuthError;
pub use loopback::{redirect_result, LoopbackListener};
pub use pkce::{s256_challenge, Pkce, State};
pub use provider::{
    MicrosoftApi, ProviderConfig, GOOGLE_AUTHORIZE_URL, GOOGLE_CLIENT_ID_VAR,
    GOOGLE_CLIENT_SECRET_VAR, GOOGLE_SCOPES, GOOGLE_TOKEN_URL, MICROSOFT_AUTHORIZE_URL,
    MICROSOFT_CLIENT_ID_VAR, MICROSOFT_TOKEN_URL,
};
pub use token::{needs_refresh, parse_token_response, TokenClient, TokenSet};
