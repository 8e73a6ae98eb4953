#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! SASL XOAUTH2 against real servers: Dovecot checking bearer tokens at a real OAuth2
//! server's introspection endpoint (oidc-provider), and the aiosmtpd sink's XOAUTH2.

use std::time::Duration;

use switchboard_mail::imap::account::Credential;
use switchboard_mail::imap::ImapSession;
use switchboard_mail::net::{Endpoint, NetError, Security};
use switchboard_mail::smtp::{Envelope, SmtpClient, SmtpError, DEFAULT_HELO};
use switchboard_testkit::{
    Dovecot, DovecotOAuth2, DovecotOptions, OidcOptions, OidcProvider, SmtpSink,
};

const LIMIT: Duration = Duration::from_secs(20);

/// An authorization server whose tokens are for the Dovecot user, and a Dovecot that
/// introspects bearer tokens there.
fn servers() -> (OidcProvider, Dovecot) {
    let oidc = authorization_server();
    let dovecot = dovecot_for(&oidc);
    (oidc, dovecot)
}

fn authorization_server() -> OidcProvider {
    OidcProvider::start(&OidcOptions {
        account: Dovecot::USER.to_owned(),
        introspection_client: true,
        ..OidcOptions::default()
    })
    .unwrap()
}

fn dovecot_for(oidc: &OidcProvider) -> Dovecot {
    let (client_id, client_secret) = oidc.introspection_client().unwrap();
    Dovecot::start_with_oauth2(
        DovecotOptions::default(),
        DovecotOAuth2 {
            introspection_url: oidc.introspection_url(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        },
    )
    .unwrap()
}

fn imaps(server: &Dovecot) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port: server.imaps_port(),
        security: Security::Tls,
        ca_file: Some(server.ca_pem().to_path_buf()),
    }
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: dana@acme.test\r\nTo: rep@example.test\r\nSubject: {subject}\r\nMessage-ID: <{subject}@acme.test>\r\n\r\nHello\r\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_accepts_a_valid_token_and_reads_mail() {
    let (oidc, server) = tokio::task::spawn_blocking(servers).await.unwrap();
    server.append("INBOX", &message("quote"), &[]).unwrap();
    let token = oidc.mint_access_token(Duration::from_secs(600)).unwrap();

    let mut session = ImapSession::connect_with(
        &imaps(&server),
        server.user(),
        Credential::Bearer(&token),
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\ndovecot log:\n{}", server.log()));
    let folders = session.list().await.unwrap();
    assert!(folders.iter().any(|f| f.name == "INBOX"), "{folders:?}");
    let selected = session.select("INBOX", None, true).await.unwrap();
    assert_eq!(selected.exists, 1);
    let uids = session.uid_search("ALL").await.unwrap();
    let mut fetched = Vec::new();
    session
        .uid_fetch_messages(&uids, false, |m| fetched.push(m))
        .await
        .unwrap();
    assert_eq!(fetched.len(), 1);
    assert!(String::from_utf8_lossy(&fetched[0].raw).contains("Subject: quote"));
    session.logout().await.unwrap();

    // Plain passwords still work beside OAuth2.
    ImapSession::connect(&imaps(&server), server.user(), server.password(), LIMIT)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_refuses_expired_unknown_and_foreign_tokens_as_auth_failed() {
    let oidc = tokio::task::spawn_blocking(authorization_server)
        .await
        .unwrap();
    let valid = oidc.mint_access_token(Duration::from_secs(600)).unwrap();
    let cases = [
        (
            "expired",
            oidc.mint_expired_access_token().unwrap(),
            Dovecot::USER,
        ),
        (
            "unknown",
            "not-a-token-the-server-issued".to_owned(),
            Dovecot::USER,
        ),
        // A valid token, but its subject is not the user logging in.
        ("foreign", valid.clone(), "someone-else@example.test"),
    ];
    for (case, token, user) in cases {
        // One refusal per server: Dovecot slows down every later login from the same
        // address after a failure.
        let server = dovecot_for(&oidc);
        let err =
            ImapSession::connect_with(&imaps(&server), user, Credential::Bearer(&token), LIMIT)
                .await
                .err()
                .unwrap();
        assert!(matches!(err, NetError::AuthFailed(_)), "{case}: {err:?}");
        assert_eq!(err.kind(), "auth_failed");
        assert!(!err.is_retryable());
        // The XOAUTH2 error challenge was answered and its status kept.
        assert!(
            err.to_string().contains("token status: 401"),
            "{case}: {err}"
        );
        assert!(
            !server.log().contains(&token),
            "{case}: token in the Dovecot log"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_without_xoauth2_is_unsupported() {
    let server = tokio::task::spawn_blocking(|| Dovecot::start().unwrap())
        .await
        .unwrap();
    let err = ImapSession::connect_with(
        &imaps(&server),
        server.user(),
        Credential::Bearer("token"),
        LIMIT,
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(err, NetError::Unsupported(_)), "{err:?}");
}

fn smtp(sink: &SmtpSink) -> Endpoint {
    Endpoint {
        host: sink.host().into(),
        port: sink.port(),
        security: Security::None,
        ca_file: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_xoauth2_accepted_and_refused() {
    let sink = tokio::task::spawn_blocking(|| SmtpSink::start_with_bearer("good-token").unwrap())
        .await
        .unwrap();

    let mut client = SmtpClient::connect(&smtp(&sink), DEFAULT_HELO, LIMIT)
        .await
        .unwrap();
    assert!(client
        .info()
        .auth_mechanisms
        .contains(&"XOAUTH2".to_owned()));
    let err = client
        .login_as(sink.user(), Credential::Bearer("stale-token"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SmtpError::Net(NetError::AuthFailed(text)) if text.contains("535")),
        "{err:?}"
    );
    // The refusal left the session usable: the next attempt with the right token works.
    client
        .login_as(sink.user(), Credential::Bearer("good-token"))
        .await
        .unwrap();
    let envelope = Envelope {
        from: "rep@example.test".into(),
        recipients: vec!["dana@acme.test".into()],
    };
    client
        .send(&envelope, &message("sent-with-oauth"))
        .await
        .unwrap();
    client.quit().await;
    let received = sink.wait_for(1, LIMIT).unwrap();
    assert_eq!(received[0].auth_user.as_deref(), Some("rep@example.test"));

    // A rotated token: the old one is refused from now on.
    sink.set_bearer_token("next-token").unwrap();
    let mut client = SmtpClient::connect(&smtp(&sink), DEFAULT_HELO, LIMIT)
        .await
        .unwrap();
    assert!(client
        .login_as(sink.user(), Credential::Bearer("good-token"))
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_without_xoauth2_is_unsupported() {
    let sink = tokio::task::spawn_blocking(|| SmtpSink::start().unwrap())
        .await
        .unwrap();
    let mut client = SmtpClient::connect(&smtp(&sink), DEFAULT_HELO, LIMIT)
        .await
        .unwrap();
    assert!(!client
        .info()
        .auth_mechanisms
        .contains(&"XOAUTH2".to_owned()));
    let err = client
        .login_as(sink.user(), Credential::Bearer("token"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SmtpError::Net(NetError::Unsupported(_))),
        "{err:?}"
    );
}
