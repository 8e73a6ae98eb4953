//! One signed-in account's tokens: kept in the keychain, handed out to API clients, and
//! renewed ahead of expiry or after an API rejected them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use switchboard_core::{Clock, SystemClock};
use switchboard_secrets::{Secret, SecretStore};

use crate::{needs_refresh, AuthError, ProviderConfig, TokenClient, TokenSet};

/// How long before its expiry an access token is renewed: a request that starts with it
/// must still find it valid at the server, clocks may differ by a little, and a token
/// renewed 5 minutes early costs nothing.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// The tokens of one account, shared by every client that calls the account's APIs.
///
/// The keychain entry under `secret_key` holds one JSON document
/// `{"refresh_token", "access_token", "expires_at"}`; it is the only copy that outlives the
/// process. The access token is also kept in memory so most calls never touch the keychain.
///
/// Renewal is single-flight: callers queue on one lock, the first renews, the others get
/// its result. A refresh token the provider rotated is written back before the new access
/// token is handed out; if that write fails the caller gets [`AuthError::Keychain`] (the
/// rotated token stays in memory and the write is tried again on the next call).
///
/// Once the provider refuses the refresh token ([`AuthError::NeedsSignIn`]) the account
/// stays signed out: every call answers `NeedsSignIn` at once, without asking the provider
/// again, until [`save`](Self::save) stores the tokens of a new sign-in.
pub struct AccountTokens {
    provider: ProviderConfig,
    secrets: Arc<dyn SecretStore>,
    secret_key: String,
    client: TokenClient,
    clock: Arc<dyn Clock>,
    /// Held while the tokens are read and, when needed, renewed: the single flight.
    flight: tokio::sync::Mutex<()>,
    cache: Arc<StdMutex<Cache>>,
    needs_sign_in: AtomicBool,
}

#[derive(Default)]
struct Cache {
    tokens: Option<Stored>,
    /// The tokens in memory differ from the keychain's (a write after a rotation failed).
    unsaved: bool,
    /// Bumped by `save` and `forget`, so a refresh that was running meanwhile does not
    /// overwrite (or resurrect) the entry with tokens of the previous sign-in.
    generation: u64,
}

#[derive(Clone, Deserialize)]
struct Stored {
    #[serde(default)]
    refresh_token: Option<Secret<String>>,
    access_token: Secret<String>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

impl Stored {
    fn from_set(tokens: &TokenSet) -> Self {
        Self {
            refresh_token: tokens.refresh_token.clone(),
            access_token: tokens.access_token.clone(),
            expires_at: tokens.expires_at,
        }
    }

    fn to_secret(&self) -> Secret<String> {
        let document = serde_json::json!({
            "refresh_token": self.refresh_token.as_ref().map(|t| t.expose().as_str()),
            "access_token": self.access_token.expose(),
            "expires_at": self.expires_at,
        });
        Secret::new(document.to_string())
    }
}

impl std::fmt::Debug for AccountTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountTokens")
            .field("secret_key", &self.secret_key)
            .field("needs_sign_in", &self.needs_sign_in())
            .finish_non_exhaustive()
    }
}

impl AccountTokens {
    /// `secret_key` names the keychain entry, e.g. `account/7/oauth`.
    pub fn new(
        provider: ProviderConfig,
        secrets: Arc<dyn SecretStore>,
        secret_key: impl Into<String>,
        client: TokenClient,
    ) -> Self {
        Self {
            provider,
            secrets,
            secret_key: secret_key.into(),
            client,
            clock: Arc::new(SystemClock),
            flight: tokio::sync::Mutex::new(()),
            cache: Arc::default(),
            needs_sign_in: AtomicBool::new(false),
        }
    }

    /// Uses `clock` for "now" (expiry checks and the expiry of renewed tokens).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The keychain entry's name.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// Stores the tokens of a (new) sign-in and clears a previous "needs sign-in".
    pub fn save(&self, tokens: &TokenSet) -> Result<(), AuthError> {
        let stored = Stored::from_set(tokens);
        let mut cache = self.cache();
        self.secrets.set(&self.secret_key, &stored.to_secret())?;
        cache.tokens = Some(stored);
        cache.unsaved = false;
        cache.generation += 1;
        self.needs_sign_in.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// An access token that is valid for at least [`REFRESH_MARGIN`] (or whose expiry is
    /// unknown), renewing it first when needed.
    pub async fn access_token(&self) -> Result<Secret<String>, AuthError> {
        let _flight = self.flight.lock().await;
        let (stored, generation) = self.current().await?;
        if !needs_refresh(stored.expires_at, self.clock.now(), REFRESH_MARGIN) {
            return Ok(stored.access_token);
        }
        self.renew(stored, generation).await
    }

    /// An API answered 401 to `rejected`. Renews once, unless another caller has already
    /// replaced that token, in which case the current one is returned. Call it once per
    /// rejected request: a token refused again right after renewal means something other
    /// than expiry is wrong, and renewing in a loop would not fix it.
    pub async fn after_rejection(
        &self,
        rejected: &Secret<String>,
    ) -> Result<Secret<String>, AuthError> {
        let _flight = self.flight.lock().await;
        let (stored, generation) = self.current().await?;
        let same = bool::from(
            stored
                .access_token
                .expose()
                .as_bytes()
                .ct_eq(rejected.expose().as_bytes()),
        );
        if !same && !needs_refresh(stored.expires_at, self.clock.now(), REFRESH_MARGIN) {
            return Ok(stored.access_token);
        }
        self.renew(stored, generation).await
    }

    /// Signs the account out: deletes the keychain entry and forgets the tokens in memory.
    pub fn forget(&self) -> Result<(), AuthError> {
        let mut cache = self.cache();
        self.secrets.delete(&self.secret_key)?;
        cache.tokens = None;
        cache.unsaved = false;
        cache.generation += 1;
        Ok(())
    }

    /// Whether the provider refused the refresh token, so only a new interactive sign-in
    /// (then [`save`](Self::save)) can help. No refresh is attempted while this holds.
    pub fn needs_sign_in(&self) -> bool {
        self.needs_sign_in.load(Ordering::SeqCst)
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        lock(&self.cache)
    }

    /// The tokens to work with and the generation they belong to: the cached ones (after
    /// retrying a pending keychain write), else the keychain's.
    async fn current(&self) -> Result<(Stored, u64), AuthError> {
        if self.needs_sign_in() {
            return Err(AuthError::NeedsSignIn {
                detail: "the provider refused this account's sign-in earlier; sign in again"
                    .to_owned(),
            });
        }
        let (cached, unsaved, generation) = {
            let cache = self.cache();
            (cache.tokens.clone(), cache.unsaved, cache.generation)
        };
        if let Some(stored) = cached {
            if unsaved {
                self.write(&stored, generation).await?;
            }
            return Ok((stored, generation));
        }
        let secrets = Arc::clone(&self.secrets);
        let key = self.secret_key.clone();
        let entry = tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .map_err(|e| AuthError::Config(format!("keychain read task failed: {e}")))??;
        let Some(entry) = entry else {
            return Err(AuthError::NeedsSignIn {
                detail: "no tokens are stored for this account".to_owned(),
            });
        };
        let stored: Stored = serde_json::from_str(entry.expose()).map_err(|e| {
            AuthError::InvalidResponse(format!("the stored tokens are not readable: {e}"))
        })?;
        let mut cache = self.cache();
        if cache.generation != generation {
            // Saved or forgotten while we read: the keychain value may be stale.
            return match &cache.tokens {
                Some(tokens) => Ok((tokens.clone(), cache.generation)),
                None => Err(AuthError::NeedsSignIn {
                    detail: "the account was signed out".to_owned(),
                }),
            };
        }
        cache.tokens = Some(stored.clone());
        Ok((stored, generation))
    }

    async fn renew(&self, stored: Stored, generation: u64) -> Result<Secret<String>, AuthError> {
        let Some(refresh_token) = stored.refresh_token else {
            self.needs_sign_in.store(true, Ordering::SeqCst);
            return Err(AuthError::NeedsSignIn {
                detail: "the provider issued no refresh token".to_owned(),
            });
        };
        let result = self
            .client
            .refresh(&self.provider, &refresh_token, self.clock.now())
            .await;
        let fresh = {
            let mut cache = self.cache();
            if cache.generation != generation {
                // A new sign-in was saved (or the account signed out) meanwhile; it wins.
                return match &cache.tokens {
                    Some(tokens) => Ok(tokens.access_token.clone()),
                    None => Err(AuthError::NeedsSignIn {
                        detail: "the account was signed out".to_owned(),
                    }),
                };
            }
            let fresh = match result {
                Ok(renewed) => Stored::from_set(&renewed),
                Err(err) => {
                    if matches!(err, AuthError::NeedsSignIn { .. }) {
                        tracing::info!(key = %self.secret_key, "refresh token refused; sign-in needed");
                        self.needs_sign_in.store(true, Ordering::SeqCst);
                        cache.tokens = None;
                    }
                    return Err(err);
                }
            };
            // In memory first: if the provider rotated the refresh token, the old one is
            // dead and the new one must not be lost even when the keychain write fails.
            cache.tokens = Some(fresh.clone());
            cache.unsaved = true;
            fresh
        };
        self.write(&fresh, generation).await?;
        Ok(fresh.access_token)
    }

    /// Writes `stored` to the keychain unless a `save` or `forget` happened since
    /// `generation` (their entry wins), under the cache lock so neither can interleave.
    async fn write(&self, stored: &Stored, generation: u64) -> Result<(), AuthError> {
        let secrets = Arc::clone(&self.secrets);
        let cache = Arc::clone(&self.cache);
        let key = self.secret_key.clone();
        let value = stored.to_secret();
        tokio::task::spawn_blocking(move || {
            let mut cache = lock(&cache);
            if cache.generation == generation {
                secrets.set(&key, &value)?;
                cache.unsaved = false;
            }
            Ok::<_, AuthError>(())
        })
        .await
        .map_err(|e| AuthError::Config(format!("keychain write task failed: {e}")))?
    }
}

fn lock(cache: &StdMutex<Cache>) -> MutexGuard<'_, Cache> {
    // The cache is consistent between statements; a panic elsewhere cannot tear it.
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}
