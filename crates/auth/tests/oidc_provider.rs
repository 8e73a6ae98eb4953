#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The sign-in against a real authorization server (`oidc-provider`, started by testkit):
//! the whole PKCE flow driven headless to the loopback listener, AccountTokens renewing
//! ahead of expiry with rotation stored back, a wrong verifier refused, and a reused
//! refresh token ending in "needs sign-in".

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use switchboard_auth::{
    authorization_url, AccountTokens, AuthError, LoopbackListener, Pkce, ProviderConfig, State,
    TokenClient, TokenSet,
};
use switchboard_core::FixedClock;
use switchboard_secrets::{MemoryStore, Secret, SecretStore};
use switchboard_testkit::{OidcOptions, OidcProvider};

const WAIT: Duration = Duration::from_secs(30);
const KEY: &str = "account/7/oauth";

fn provider_config(server: &OidcProvider) -> ProviderConfig {
    ProviderConfig {
        authorize_url: server.authorize_url(),
        token_url: server.token_url(),
        client_id: server.client_id().to_owned(),
        client_secret: None,
        scopes: server.scopes(),
        // OpenID Connect grants offline_access (a refresh token) only with prompt=consent.
        extra_auth_params: vec![("prompt".to_owned(), "consent".to_owned())],
    }
}

async fn start(access_ttl: Duration) -> Arc<OidcProvider> {
    tokio::task::spawn_blocking(move || {
        let server = OidcProvider::start(&OidcOptions {
            access_token_ttl: access_ttl,
            ..OidcOptions::default()
        })
        .unwrap();
        Arc::new(server)
    })
    .await
    .unwrap()
}

/// Runs the browser part of a sign-in and returns what the loopback listener received,
/// with the redirect URI and PKCE pair of the attempt.
async fn authorize(server: &Arc<OidcProvider>) -> (Secret<String>, String, Pkce) {
    let provider = provider_config(server);
    let listener = LoopbackListener::bind().await.unwrap();
    let redirect_uri = listener.redirect_uri();
    let (pkce, state) = (Pkce::generate().unwrap(), State::generate().unwrap());
    let url = authorization_url(&provider, &redirect_uri, state.as_str(), &pkce.challenge).unwrap();
    let wait = tokio::spawn(async move { listener.wait_for_code(&state, WAIT).await });
    let browser = server.clone();
    let url = url.to_string();
    tokio::task::spawn_blocking(move || browser.follow_authorization(&url))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    let code = wait.await.unwrap().unwrap();
    (code, redirect_uri, pkce)
}

async fn sign_in(server: &Arc<OidcProvider>) -> TokenSet {
    let (code, redirect_uri, pkce) = authorize(server).await;
    TokenClient::new()
        .unwrap()
        .exchange_code(
            &provider_config(server),
            &code,
            &pkce.verifier,
            &redirect_uri,
            Utc::now(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn full_pkce_flow_yields_access_and_refresh_tokens() {
    let server = start(Duration::from_secs(3600)).await;
    let before = Utc::now();
    let tokens = sign_in(&server).await;
    assert!(!tokens.access_token.expose().is_empty());
    assert!(tokens.refresh_token.is_some(), "offline_access was granted");
    assert_eq!(tokens.token_type, "Bearer");
    let expires_at = tokens.expires_at.unwrap();
    assert!(
        expires_at >= before + chrono::Duration::seconds(3590),
        "{expires_at}"
    );
    let scope = tokens.scope.unwrap_or_default();
    assert!(scope.contains("offline_access"), "{scope}");
}

#[tokio::test]
async fn a_wrong_verifier_is_refused() {
    let server = start(Duration::from_secs(3600)).await;
    let (code, redirect_uri, _pkce) = authorize(&server).await;
    let other = Pkce::generate().unwrap();
    let err = TokenClient::new()
        .unwrap()
        .exchange_code(
            &provider_config(&server),
            &code,
            &other.verifier,
            &redirect_uri,
            Utc::now(),
        )
        .await
        .unwrap_err();
    // RFC 7636 §4.6: a failed verification is invalid_grant, which ends this attempt;
    // the server keeps the reason to itself and logs it.
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    assert!(
        err.to_string().contains("grant request is invalid"),
        "{err}"
    );
    assert!(!err.is_retryable());
    let log = server.log();
    assert!(
        log.contains("code_verifier does not match code_challenge"),
        "{log}"
    );
}

#[tokio::test]
async fn account_tokens_renew_ahead_of_expiry_and_store_the_rotated_token() {
    let server = start(Duration::from_secs(3600)).await;
    let tokens = sign_in(&server).await;
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let account = AccountTokens::new(
        provider_config(&server),
        store.clone(),
        KEY,
        TokenClient::new().unwrap(),
    )
    .with_clock(clock.clone());
    account.save(&tokens).unwrap();
    assert_eq!(
        account.access_token().await.unwrap().expose(),
        tokens.access_token.expose()
    );

    // Four minutes before expiry (inside the margin): renewed, and the rotated refresh
    // token replaces the old one in the keychain.
    clock.set(tokens.expires_at.unwrap() - chrono::Duration::minutes(4));
    let renewed = account.access_token().await.unwrap();
    assert_ne!(renewed.expose(), tokens.access_token.expose());
    let stored: serde_json::Value =
        serde_json::from_str(store.get(KEY).unwrap().unwrap().expose()).unwrap();
    assert_eq!(stored["access_token"], renewed.expose().as_str());
    let second_refresh = stored["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh.expose().as_str(), "rotated");

    // The server now refuses the rotated-out token…
    let client = TokenClient::new().unwrap();
    let err = client
        .refresh(&provider_config(&server), &first_refresh, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");

    // …and, as RFC 6819 §5.2.2.3 recommends, revoked the grant it belonged to, so the
    // account's current token is refused too: AccountTokens needs a new sign-in and
    // stops asking.
    let err = account.after_rejection(&renewed).await.unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    assert!(account.needs_sign_in());
    let err = account.access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");

    // A new sign-in brings the account back.
    let again = sign_in(&server).await;
    clock.set(Utc::now());
    account.save(&again).unwrap();
    assert!(!account.needs_sign_in());
    assert_eq!(
        account.access_token().await.unwrap().expose(),
        again.access_token.expose()
    );
}

#[tokio::test]
async fn reusing_an_old_refresh_token_needs_sign_in() {
    let server = start(Duration::from_secs(3600)).await;
    let tokens = sign_in(&server).await;
    let provider = provider_config(&server);
    let client = TokenClient::new().unwrap();
    let first = tokens.refresh_token.unwrap();
    let renewed = client.refresh(&provider, &first, Utc::now()).await.unwrap();
    let second = renewed.refresh_token.unwrap();
    assert_ne!(second.expose(), first.expose());

    let err = client
        .refresh(&provider, &first, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");
    assert!(!err.is_retryable());
}
