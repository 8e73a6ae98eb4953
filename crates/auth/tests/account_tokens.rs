#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! AccountTokens against the in-test token endpoint: cached until the margin, one refresh
//! for concurrent callers, rotation written back, sticky "needs sign-in", keychain failures.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use support::FakeServer;
use switchboard_auth::{
    AccountTokens, AuthError, MicrosoftApi, ProviderConfig, TokenClient, TokenSet,
};
use switchboard_core::FixedClock;
use switchboard_secrets::{MemoryStore, Secret, SecretError, SecretStore};

const KEY: &str = "account/7/oauth";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap()
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

/// A store whose writes can be made to fail, as a locked keychain would.
#[derive(Default)]
struct FlakyStore {
    inner: MemoryStore,
    fail_writes: AtomicBool,
}

impl SecretStore for FlakyStore {
    fn set(&self, key: &str, value: &Secret<String>) -> Result<(), SecretError> {
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(SecretError::Backend("write refused by the test".to_owned()));
        }
        self.inner.set(key, value)
    }
    fn get(&self, key: &str) -> Result<Option<Secret<String>>, SecretError> {
        self.inner.get(key)
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.inner.delete(key)
    }
}

struct Setup {
    server: FakeServer,
    store: Arc<FlakyStore>,
    clock: Arc<FixedClock>,
    tokens: Arc<AccountTokens>,
}

/// A signed-in account whose access token `first-access` expires an hour from `now()` and
/// whose refresh token `first-refresh` the server accepts once.
async fn setup() -> Setup {
    let server = FakeServer::start().await;
    server.live_refresh_token("first-refresh");
    let store = Arc::new(FlakyStore::default());
    let clock = Arc::new(FixedClock::new(now()));
    let tokens = AccountTokens::new(
        server.provider(),
        store.clone(),
        KEY,
        TokenClient::new().unwrap(),
    )
    .with_clock(clock.clone());
    tokens
        .save(&signed_in("first-access", "first-refresh"))
        .unwrap();
    Setup {
        server,
        store,
        clock,
        tokens: Arc::new(tokens),
    }
}

fn signed_in(access: &str, refresh: &str) -> TokenSet {
    TokenSet {
        access_token: Secret::from(access),
        refresh_token: Some(Secret::from(refresh)),
        expires_at: Some(now() + minutes(60)),
        scope: None,
        token_type: "Bearer".to_owned(),
    }
}

/// The keychain entry as JSON.
fn entry(store: &dyn SecretStore) -> serde_json::Value {
    serde_json::from_str(store.get(KEY).unwrap().unwrap().expose()).unwrap()
}

#[tokio::test]
async fn cached_until_the_margin_then_refreshed_and_rotation_stored() {
    let s = setup().await;
    assert_eq!(
        s.tokens.access_token().await.unwrap().expose(),
        "first-access"
    );
    s.clock.set(now() + minutes(54));
    assert_eq!(
        s.tokens.access_token().await.unwrap().expose(),
        "first-access"
    );
    assert_eq!(s.server.token_requests(), 0);

    // Within 5 minutes of expiry: renewed before anyone gets a token about to die.
    s.clock.set(now() + minutes(56));
    assert_eq!(s.tokens.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(s.server.token_requests(), 1);
    let stored = entry(s.store.as_ref());
    assert_eq!(stored["access_token"], "access-1");
    assert_eq!(stored["refresh_token"], "refresh-1");
    let expires: DateTime<Utc> = serde_json::from_value(stored["expires_at"].clone()).unwrap();
    assert_eq!(expires, now() + minutes(56) + minutes(60));

    assert_eq!(s.tokens.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(s.server.token_requests(), 1);

    // A new process reads the rotated tokens from the keychain, not the dead first ones.
    let restarted = AccountTokens::new(
        s.server.provider(),
        s.store.clone(),
        KEY,
        TokenClient::new().unwrap(),
    )
    .with_clock(s.clock.clone());
    assert_eq!(restarted.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(s.server.token_requests(), 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let s = setup().await;
    s.clock.set(now() + minutes(61));
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let tokens = s.tokens.clone();
            tokio::spawn(async move { tokens.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().expose(), "access-1");
    }
    assert_eq!(s.server.token_requests(), 1);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_and_a_replaced_one_is_not() {
    let s = setup().await;
    let first = s.tokens.access_token().await.unwrap();
    let renewed = s.tokens.after_rejection(&first).await.unwrap();
    assert_eq!(renewed.expose(), "access-1");
    assert_eq!(s.server.token_requests(), 1);

    // A second caller that was rejected with the same old token gets the new one.
    let again = s.tokens.after_rejection(&first).await.unwrap();
    assert_eq!(again.expose(), "access-1");
    assert_eq!(s.server.token_requests(), 1);
    assert_eq!(entry(s.store.as_ref())["refresh_token"], "refresh-1");
}

#[tokio::test]
async fn a_refused_refresh_token_makes_needs_sign_in_sticky_until_save() {
    let s = setup().await;
    // The server no longer knows the refresh token (revoked, or reused elsewhere).
    s.server.state.lock().unwrap().live_refresh_tokens.clear();
    s.clock.set(now() + minutes(61));
    let err = s.tokens.access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    assert!(s.tokens.needs_sign_in());
    assert_eq!(s.server.token_requests(), 1);

    for _ in 0..3 {
        let err = s.tokens.access_token().await.unwrap_err();
        assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
        assert!(!err.is_retryable());
        let err = s
            .tokens
            .after_rejection(&Secret::from("first-access"))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    }
    assert_eq!(
        s.server.token_requests(),
        1,
        "no request after invalid_grant"
    );

    s.server.live_refresh_token("second-refresh");
    let mut second = signed_in("second-access", "second-refresh");
    second.expires_at = Some(now() + minutes(62));
    s.tokens.save(&second).unwrap();
    assert!(!s.tokens.needs_sign_in());
    assert_eq!(s.tokens.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(s.server.token_requests(), 2);
}

#[tokio::test]
async fn a_keychain_failure_after_rotation_is_an_error_and_the_token_is_kept() {
    let s = setup().await;
    s.clock.set(now() + minutes(61));
    s.store.fail_writes.store(true, Ordering::SeqCst);
    let err = s.tokens.access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::Keychain(_)), "{err:?}");
    assert_eq!(entry(s.store.as_ref())["refresh_token"], "first-refresh");

    // Still failing: still an error, and no second refresh with the rotated-out token.
    assert!(matches!(
        s.tokens.access_token().await,
        Err(AuthError::Keychain(_))
    ));
    assert_eq!(s.server.token_requests(), 1);

    s.store.fail_writes.store(false, Ordering::SeqCst);
    assert_eq!(s.tokens.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(entry(s.store.as_ref())["refresh_token"], "refresh-1");
    assert_eq!(s.server.token_requests(), 1);
}

#[tokio::test]
async fn forget_deletes_the_entry_and_nothing_is_refreshed_afterwards() {
    let s = setup().await;
    s.tokens.forget().unwrap();
    assert!(s.store.get(KEY).unwrap().is_none());
    let err = s.tokens.access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    assert_eq!(s.server.token_requests(), 0);
}

#[tokio::test]
async fn server_trouble_is_retryable_and_not_sticky() {
    let s = setup().await;
    s.clock.set(now() + minutes(61));
    s.server.state.lock().unwrap().unavailable = true;
    let err = s.tokens.access_token().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(!s.tokens.needs_sign_in());
    s.server.state.lock().unwrap().unavailable = false;
    assert_eq!(s.tokens.access_token().await.unwrap().expose(), "access-1");
}

#[test]
fn debug_output_names_the_key_but_no_token() {
    let store = Arc::new(MemoryStore::new());
    let tokens = AccountTokens::new(
        ProviderConfig::microsoft("client", MicrosoftApi::ImapSmtp),
        store.clone(),
        KEY,
        TokenClient::new().unwrap(),
    );
    tokens
        .save(&signed_in("visible-access?", "visible-refresh?"))
        .unwrap();
    let rendered = format!("{tokens:?}");
    assert!(rendered.contains(KEY), "{rendered}");
    assert!(!rendered.contains("visible"), "{rendered}");
}
