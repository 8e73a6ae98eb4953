#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The whole desktop sign-in, headless: the fake authorization server of `support` and a
//! simulated browser that follows the redirect to the loopback listener.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use support::FakeServer;
use switchboard_auth::{authorization_url, AuthError, LoopbackListener, Pkce, State, TokenClient};
use switchboard_secrets::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const WAIT: Duration = Duration::from_secs(30);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap()
}

/// The browser following the provider's redirect: one GET, returns status and page.
async fn browser_get(redirect_uri: &str, path_and_query: &str) -> (u16, String) {
    let url = url::Url::parse(redirect_uri).unwrap();
    let mut stream = TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap();
    let request = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {}\r\nUser-Agent: test-browser\r\nAccept: text/html\r\n\r\n",
        url.authority()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    (status, response)
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(pairs.iter().copied());
    format!("/?{}", s.finish())
}

struct Attempt {
    listener: LoopbackListener,
    redirect_uri: String,
    pkce: Pkce,
    state: State,
    url: url::Url,
}

async fn start_attempt(server: &FakeServer) -> Attempt {
    let listener = LoopbackListener::bind().await.unwrap();
    let redirect_uri = listener.redirect_uri();
    let pkce = Pkce::generate().unwrap();
    let state = State::generate().unwrap();
    let url = authorization_url(
        &server.provider(),
        &redirect_uri,
        state.as_str(),
        &pkce.challenge,
    )
    .unwrap();
    Attempt {
        listener,
        redirect_uri,
        pkce,
        state,
        url,
    }
}

#[tokio::test]
async fn full_flow_exchange_refresh_rotation_and_reuse() {
    let server = FakeServer::start().await;
    let provider = server.provider();
    let attempt = start_attempt(&server).await;
    assert!(attempt.redirect_uri.starts_with("http://127.0.0.1:"));
    assert_eq!(
        attempt.listener.port(),
        url::Url::parse(&attempt.redirect_uri)
            .unwrap()
            .port()
            .unwrap()
    );
    let code = server.authorize(&attempt.url);

    let state = attempt.state.clone();
    let wait = tokio::spawn(async move { attempt.listener.wait_for_code(&state, WAIT).await });
    // A stray request first (browsers ask for the icon); the listener keeps waiting.
    let (status, _) = browser_get(&attempt.redirect_uri, "/favicon.ico").await;
    assert_eq!(status, 404);
    let (status, page) = browser_get(
        &attempt.redirect_uri,
        &query(&[("code", &code), ("state", attempt.state.as_str())]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("You can close this window"), "{page}");
    let received = wait.await.unwrap().unwrap();
    assert_eq!(received.expose(), &code);

    let client = TokenClient::new().unwrap();
    let tokens = client
        .exchange_code(
            &provider,
            &received,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose(), "access-2");
    let first_refresh = tokens.refresh_token.clone().unwrap();
    assert_eq!(first_refresh.expose(), "refresh-2");
    assert_eq!(
        tokens.expires_at,
        Some(now() + chrono::Duration::seconds(3600))
    );
    assert_eq!(tokens.token_type, "Bearer");
    assert!(!format!("{tokens:?}").contains("access-2"));

    // A code is good for one exchange only.
    let err = client
        .exchange_code(
            &provider,
            &received,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::NeedsSignIn { .. }), "{err:?}");

    let later = now() + chrono::Duration::minutes(58);
    let renewed = client
        .refresh(&provider, &first_refresh, later)
        .await
        .unwrap();
    assert_eq!(renewed.access_token.expose(), "access-3");
    assert_eq!(
        renewed.refresh_token.as_ref().unwrap().expose(),
        "refresh-3"
    );
    assert_eq!(
        renewed.expires_at,
        Some(later + chrono::Duration::seconds(3600))
    );

    // The rotated-out refresh token is dead: sign in again, and retrying cannot help.
    let err = client
        .refresh(&provider, &first_refresh, later)
        .await
        .unwrap_err();
    match &err {
        AuthError::NeedsSignIn { detail } => assert!(detail.contains("reused"), "{detail}"),
        other => panic!("expected NeedsSignIn, got {other:?}"),
    }
    assert!(!err.is_retryable());

    let again = client
        .refresh(&provider, renewed.refresh_token.as_ref().unwrap(), later)
        .await
        .unwrap();
    assert_eq!(again.refresh_token.unwrap().expose(), "refresh-4");
}

#[tokio::test]
async fn exchange_with_the_wrong_verifier_or_redirect_is_rejected() {
    let server = FakeServer::start().await;
    let provider = server.provider();
    let client = TokenClient::new().unwrap();
    let attempt = start_attempt(&server).await;

    let code = Secret::new(server.authorize(&attempt.url));
    let other = Pkce::generate().unwrap();
    let err = client
        .exchange_code(
            &provider,
            &code,
            &other.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap_err();
    match err {
        AuthError::NeedsSignIn { detail } => assert!(detail.contains("code_verifier"), "{detail}"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }

    let code = Secret::new(server.authorize(&attempt.url));
    let err = client
        .exchange_code(
            &provider,
            &code,
            &attempt.pkce.verifier,
            "http://127.0.0.1:1/",
            now(),
        )
        .await
        .unwrap_err();
    match err {
        AuthError::NeedsSignIn { detail } => assert!(detail.contains("redirect_uri"), "{detail}"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }

    let mut wrong_client = provider.clone();
    wrong_client.client_id = "someone-else".to_owned();
    let code = Secret::new(server.authorize(&attempt.url));
    let err = client
        .exchange_code(
            &wrong_client,
            &code,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Provider { code, .. } if code == "invalid_client"),
        "{err:?}"
    );
    assert!(err.to_string().contains("unknown client"), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn wrong_state_ends_the_attempt_with_an_error_page() {
    let server = FakeServer::start().await;
    let attempt = start_attempt(&server).await;
    let state = attempt.state.clone();
    let wait = tokio::spawn(async move { attempt.listener.wait_for_code(&state, WAIT).await });
    let forged = State::generate().unwrap();
    let (status, page) = browser_get(
        &attempt.redirect_uri,
        &query(&[("code", "stolen"), ("state", forged.as_str())]),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("state mismatch"), "{page}");
    assert!(matches!(wait.await.unwrap(), Err(AuthError::StateMismatch)));
}

#[tokio::test]
async fn access_denied_is_cancelled() {
    let server = FakeServer::start().await;
    let attempt = start_attempt(&server).await;
    let state = attempt.state.clone();
    let wait = tokio::spawn(async move { attempt.listener.wait_for_code(&state, WAIT).await });
    let (status, page) = browser_get(
        &attempt.redirect_uri,
        &query(&[
            ("error", "access_denied"),
            ("error_description", "The user denied <access>"),
            ("state", attempt.state.as_str()),
        ]),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("cancelled"), "{page}");
    assert!(matches!(wait.await.unwrap(), Err(AuthError::Cancelled)));
}

#[tokio::test]
async fn other_authorization_errors_carry_the_provider_code() {
    let server = FakeServer::start().await;
    let attempt = start_attempt(&server).await;
    let state = attempt.state.clone();
    let wait = tokio::spawn(async move { attempt.listener.wait_for_code(&state, WAIT).await });
    let (status, page) = browser_get(
        &attempt.redirect_uri,
        &query(&[
            ("error", "invalid_scope"),
            ("error_description", "bad <scope>"),
            ("state", attempt.state.as_str()),
        ]),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("bad &lt;scope&gt;"), "{page}");
    match wait.await.unwrap() {
        Err(AuthError::Provider { code, description }) => {
            assert_eq!(code, "invalid_scope");
            assert_eq!(description.as_deref(), Some("bad <scope>"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_redirect_times_out() {
    let listener = LoopbackListener::bind().await.unwrap();
    let state = State::generate().unwrap();
    let result = listener
        .wait_for_code(&state, Duration::from_millis(1))
        .await;
    assert!(matches!(result, Err(AuthError::TimedOut)), "{result:?}");
}

#[tokio::test]
async fn server_trouble_is_retryable() {
    let server = FakeServer::start().await;
    let client = TokenClient::new().unwrap();
    let refresh = Secret::from("anything");
    server.state.lock().unwrap().unavailable = true;
    let err = client
        .refresh(&server.provider(), &refresh, now())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Unavailable { .. }), "{err:?}");
    assert!(err.is_retryable());

    // Nothing listening: a network error, also retryable.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let mut provider = server.provider();
    provider.token_url = format!("http://{addr}/token");
    let err = client
        .refresh(&provider, &refresh, now())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Unavailable { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_configured_client_secret_is_sent() {
    let server = FakeServer::start().await;
    server.state.lock().unwrap().client_secret = Some("desktop-secret".to_owned());
    let client = TokenClient::new().unwrap();
    let attempt = start_attempt(&server).await;

    let code = Secret::new(server.authorize(&attempt.url));
    let err = client
        .exchange_code(
            &server.provider(),
            &code,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("client_secret missing"), "{err}");

    let mut provider = server.provider();
    provider.client_secret = Some(Secret::from("desktop-secret"));
    let code = Secret::new(server.authorize(&attempt.url));
    let tokens = client
        .exchange_code(
            &provider,
            &code,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
            now(),
        )
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
}

#[tokio::test]
async fn idle_and_malformed_connections_do_not_block_the_redirect() {
    let server = FakeServer::start().await;
    let attempt = start_attempt(&server).await;
    let code = server.authorize(&attempt.url);
    let port = attempt.listener.port();
    let state = attempt.state.clone();
    let wait = tokio::spawn(async move { attempt.listener.wait_for_code(&state, WAIT).await });

    // A browser preconnect that never sends a request stays open throughout.
    let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut junk = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    junk.write_all(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    junk.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");

    let (status, _) = browser_get(
        &attempt.redirect_uri,
        &query(&[("code", &code), ("state", attempt.state.as_str())]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(wait.await.unwrap().unwrap().expose(), &code);
}
