#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The SMTP client against a real server: testkit's aiosmtpd sink on 127.0.0.1, which
//! requires AUTH PLAIN or LOGIN and records what it accepts.

use std::time::Duration;
use switchboard_mail::compose::{to_mime, Draft, Mailbox};
use switchboard_mail::net::{Endpoint, Security};
use switchboard_mail::smtp::{
    prepare_data, test_smtp_connection, AuthMechanism, SmtpClient, DEFAULT_HELO,
};
use switchboard_testkit::SmtpSink;

const LIMIT: Duration = Duration::from_secs(10);

fn endpoint(sink: &SmtpSink) -> Endpoint {
    Endpoint {
        host: sink.host().into(),
        port: sink.port(),
        security: Security::None,
        ca_file: None,
    }
}

fn message() -> (Draft, Vec<u8>) {
    let mut d = Draft::new(Mailbox::named("Rep", "rep@example.test"));
    d.to.push(Mailbox::new("lena@northwind.example"));
    d.bcc.push(Mailbox::new("archive@crm.example"));
    d.subject = "Quote".into();
    d.text = "Hi Lena,\n.\n.hidden dot\nPriya".into();
    let raw = to_mime(&d, "sink-1@example.test", 1_794_920_400_000).unwrap();
    (d, raw)
}

async fn session(sink: &SmtpSink) -> SmtpClient {
    SmtpClient::connect(&endpoint(sink), DEFAULT_HELO, LIMIT)
        .await
        .unwrap()
}

#[tokio::test]
async fn auth_plain_then_one_message_exactly_as_built() {
    let sink = SmtpSink::start().unwrap();
    let (draft, raw) = message();
    let mut client = session(&sink).await;
    client.login(sink.user(), sink.password()).await.unwrap();
    let reply = client.send(&draft.envelope().unwrap(), &raw).await.unwrap();
    assert!(reply.starts_with("250"), "{reply}");
    client.quit().await;

    let got = sink.received().unwrap();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.auth_user.as_deref(), Some(sink.user()));
    assert_eq!(mail.mail_from, "rep@example.test");
    assert_eq!(
        mail.rcpt_to,
        ["lena@northwind.example", "archive@crm.example"]
    );
    // What arrived is the message minus its Bcc header, dots as written.
    let mut expected = prepare_data(&raw);
    // The sink undoes the dot-stuffing, as every server does.
    expected = String::from_utf8(expected)
        .unwrap()
        .replace("\r\n..", "\r\n.")
        .into_bytes();
    assert_eq!(
        String::from_utf8_lossy(&mail.data),
        String::from_utf8_lossy(&expected)
    );
    assert!(!String::from_utf8_lossy(&mail.data).contains("archive@crm.example"));
}

#[tokio::test]
async fn auth_login_works_too() {
    let sink = SmtpSink::start().unwrap();
    let (draft, raw) = message();
    let mut client = session(&sink).await;
    client
        .login_with(Some(AuthMechanism::Login), sink.user(), sink.password())
        .await
        .unwrap();
    client.send(&draft.envelope().unwrap(), &raw).await.unwrap();
    client.quit().await;
    assert_eq!(sink.received().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_password_is_auth_failed_and_nothing_is_sent() {
    let sink = SmtpSink::start().unwrap();
    for mechanism in [AuthMechanism::Plain, AuthMechanism::Login] {
        let mut client = session(&sink).await;
        let err = client
            .login_with(Some(mechanism), sink.user(), "not-the-password")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "auth_failed", "{mechanism:?}: {err}");
        assert!(!err.is_retryable());
    }
    let err = test_smtp_connection(&endpoint(&sink), sink.user(), "nope", LIMIT)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "auth_failed");
    assert!(sink.received().unwrap().is_empty());
}

#[tokio::test]
async fn a_451_is_retryable_and_the_next_try_goes_through() {
    let sink = SmtpSink::start().unwrap();
    sink.reject_next(1).unwrap();
    let (draft, raw) = message();
    let envelope = draft.envelope().unwrap();
    let mut client = session(&sink).await;
    client.login(sink.user(), sink.password()).await.unwrap();
    let err = client.send(&envelope, &raw).await.unwrap_err();
    assert_eq!(err.kind(), "deferred", "{err}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("451"), "{err}");
    // The same session can carry the retry.
    client.send(&envelope, &raw).await.unwrap();
    client.quit().await;
    assert_eq!(sink.received().unwrap().len(), 1);
}

#[tokio::test]
async fn the_connection_test_lists_the_mechanisms() {
    let sink = SmtpSink::start().unwrap();
    let info = test_smtp_connection(&endpoint(&sink), sink.user(), sink.password(), LIMIT)
        .await
        .unwrap();
    assert!(
        info.auth_mechanisms.iter().any(|m| m == "PLAIN"),
        "{info:?}"
    );
    assert!(
        info.auth_mechanisms.iter().any(|m| m == "LOGIN"),
        "{info:?}"
    );
    assert!(!info.tls);
    assert!(info.warning.is_some());
}

#[tokio::test]
async fn starttls_required_against_a_plain_server_is_refused() {
    let sink = SmtpSink::start().unwrap();
    let mut ep = endpoint(&sink);
    ep.security = Security::StartTls;
    let err = test_smtp_connection(&ep, sink.user(), sink.password(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "unsupported", "{err}");
}
