#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The SMTP client against a scripted server on 127.0.0.1: each test writes the
//! conversation it expects, the server plays it and records what the client sent.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::time::Duration;
use switchboard_mail::net::{Endpoint, NetError, Security};
use switchboard_mail::smtp::{test_smtp_connection, Envelope, SmtpClient, SmtpError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
enum Step {
    /// Writes this (a whole reply, CRLFs included).
    Say(&'static str),
    /// Reads one command line; it must start with this.
    Expect(&'static str),
    /// Reads the DATA payload up to the lone ".", records it.
    Data,
    /// Closes the connection.
    Close,
    /// Reads and answers nothing, holding the connection.
    Hang,
}
use Step::*;

#[derive(Debug, Default)]
struct Transcript {
    lines: Vec<String>,
    data: Vec<u8>,
    mismatches: Vec<String>,
}

async fn serve(script: Vec<Step>) -> (Endpoint, tokio::task::JoinHandle<Transcript>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let mut t = Transcript::default();
        let (socket, _) = listener.accept().await.unwrap();
        let mut s = BufReader::new(socket);
        for step in script {
            match step {
                Say(text) => {
                    if s.get_mut().write_all(text.as_bytes()).await.is_err() {
                        break;
                    }
                }
                Expect(prefix) => {
                    let mut line = String::new();
                    if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                        t.mismatches.push(format!("closed, wanted {prefix}"));
                        break;
                    }
                    let line = line.trim_end().to_owned();
                    if !line.starts_with(prefix) {
                        t.mismatches.push(format!("got {line:?}, wanted {prefix}"));
                    }
                    t.lines.push(line);
                }
                Data => loop {
                    let mut line = Vec::new();
                    if s.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                        break;
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    t.data.extend_from_slice(&line);
                },
                Close => return t,
                Hang => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return t;
                }
            }
        }
        t
    });
    let endpoint = Endpoint {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        ca_file: None,
    };
    (endpoint, handle)
}

const LIMIT: Duration = Duration::from_secs(5);

fn envelope() -> Envelope {
    Envelope {
        from: "priya@acme-analytics.example".into(),
        recipients: vec![
            "lena@northwind.example".into(),
            "archive@crm.example".into(),
        ],
    }
}

const RAW: &[u8] = b"From: priya@acme-analytics.example\r\nTo: lena@northwind.example\r\nBcc: archive@crm.example\r\nSubject: Hi\r\n\r\nLine one\n.\n..two dots\nend";

#[tokio::test]
async fn a_whole_submission_with_auth_plain() {
    let (endpoint, server) = serve(vec![
        Say("220-mail.example ESMTP\r\n220 second greeting line\r\n"),
        Expect("EHLO [127.0.0.1]"),
        Say("250-mail.example\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n"),
        Expect("AUTH PLAIN "),
        Say("235 2.7.0 ok\r\n"),
        Expect("MAIL FROM:<priya@acme-analytics.example> SIZE="),
        Say("250 ok\r\n"),
        Expect("RCPT TO:<lena@northwind.example>"),
        Say("250 ok\r\n"),
        Expect("RCPT TO:<archive@crm.example>"),
        Say("250 ok\r\n"),
        Expect("DATA"),
        Say("354 go ahead\r\n"),
        Data,
        Say("250-2.0.0 Ok:\r\n250 queued as 4FX1\r\n"),
        Expect("QUIT"),
        Say("221 bye\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let info = client.info();
    assert_eq!(info.auth_mechanisms, ["LOGIN", "PLAIN"]);
    assert_eq!(info.max_size, Some(100_000));
    assert!(info.pipelining && info.eight_bit_mime && !info.tls);
    assert!(info.warning.is_some(), "plain text is pointed out");
    client.login("rep@example.test", "s3cret pw").await.unwrap();
    let accepted = client.send(&envelope(), RAW).await.unwrap();
    assert_eq!(accepted, "250 2.0.0 Ok: queued as 4FX1");
    client.quit().await;

    let t = server.await.unwrap();
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    let token = t.lines[1].strip_prefix("AUTH PLAIN ").unwrap();
    assert_eq!(B64.decode(token).unwrap(), b"\0rep@example.test\0s3cret pw");
    let size: usize = t.lines[2].rsplit('=').next().unwrap().parse().unwrap();
    assert_eq!(size, t.data.len(), "SIZE is the transmitted size");
    assert_eq!(
        String::from_utf8(t.data).unwrap(),
        "From: priya@acme-analytics.example\r\nTo: lena@northwind.example\r\nSubject: Hi\r\n\r\nLine one\r\n..\r\n...two dots\r\nend\r\n",
        "Bcc removed, CRLF everywhere, leading dots doubled"
    );
}

#[tokio::test]
async fn auth_login_when_plain_is_not_offered() {
    let (endpoint, server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 AUTH=LOGIN\r\n"),
        Expect("AUTH LOGIN"),
        Say("334 VXNlcm5hbWU6\r\n"),
        Expect(""),
        Say("334 UGFzc3dvcmQ6\r\n"),
        Expect(""),
        Say("235 ok\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "client.example", LIMIT)
        .await
        .unwrap();
    client.login("rep", "pw").await.unwrap();
    let t = server.await.unwrap();
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    assert_eq!(t.lines[2], B64.encode("rep"));
    assert_eq!(t.lines[3], B64.encode("pw"));
}

#[tokio::test]
async fn old_servers_get_helo_and_no_extensions() {
    let (endpoint, server) = serve(vec![
        Say("220 old.example\r\n"),
        Expect("EHLO"),
        Say("502 command not implemented\r\n"),
        Expect("HELO [127.0.0.1]"),
        Say("250 old.example\r\n"),
        Expect("MAIL FROM:<priya@acme-analytics.example>"),
        Say("250 ok\r\n"),
        Expect("RCPT TO:"),
        Say("250 ok\r\n"),
        Expect("RCPT TO:"),
        Say("250 ok\r\n"),
        Expect("DATA"),
        Say("354 go\r\n"),
        Data,
        Say("250 ok\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    assert!(client.info().auth_mechanisms.is_empty());
    client.send(&envelope(), RAW).await.unwrap();
    let t = server.await.unwrap();
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    assert_eq!(
        t.lines[2], "MAIL FROM:<priya@acme-analytics.example>",
        "no SIZE"
    );
}

#[tokio::test]
async fn a_wrong_password_is_auth_failed_with_the_server_words() {
    let (endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 AUTH PLAIN\r\n"),
        Expect("AUTH PLAIN"),
        Say("535 5.7.8 Authentication credentials invalid\r\n"),
        Hang,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let err = client.login("rep", "wrong").await.unwrap_err();
    assert_eq!(err.kind(), "auth_failed");
    assert!(!err.is_retryable());
    assert!(matches!(&err, SmtpError::Net(NetError::AuthFailed(m)) if m.contains("5.7.8")));
    assert!(
        !err.to_string().contains("wrong"),
        "the password is not repeated"
    );
}

#[tokio::test]
async fn a_temporary_failure_at_the_end_is_retryable() {
    let (endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250 mail.example\r\n"),
        Expect("MAIL FROM"),
        Say("250 ok\r\n"),
        Expect("RCPT TO"),
        Say("250 ok\r\n"),
        Expect("RCPT TO"),
        Say("250 ok\r\n"),
        Expect("DATA"),
        Say("354 go\r\n"),
        Data,
        Say("451 4.3.0 Try again later\r\n"),
        Hang,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let err = client.send(&envelope(), RAW).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.kind(), "deferred");
    assert!(
        err.to_string().contains("451 4.3.0 Try again later"),
        "{err}"
    );
}

#[tokio::test]
async fn refused_recipients_are_all_named_and_the_transaction_reset() {
    let (endpoint, server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250 mail.example\r\n"),
        Expect("MAIL FROM"),
        Say("250 ok\r\n"),
        Expect("RCPT TO:<lena@northwind.example>"),
        Say("550 5.1.1 <lena@northwind.example>: user unknown\r\n"),
        Expect("RCPT TO:<archive@crm.example>"),
        Say("450 4.2.0 mailbox busy\r\n"),
        Expect("RSET"),
        Say("250 reset\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let err = client.send(&envelope(), RAW).await.unwrap_err();
    assert!(
        !err.is_retryable(),
        "one permanent refusal needs an edit: {err}"
    );
    let text = err.to_string();
    assert!(text.contains("2 recipients"), "{text}");
    assert!(text.contains("lena@northwind.example (550 5.1.1"), "{text}");
    assert!(text.contains("archive@crm.example (450 4.2.0"), "{text}");
    let t = server.await.unwrap();
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    assert!(t.data.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_refused_before_sending() {
    let (endpoint, server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 SIZE 64\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let err = client.send(&envelope(), RAW).await.unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    assert!(err.to_string().contains("at most"), "{err}");
    assert_eq!(server.await.unwrap().lines.len(), 1, "no MAIL FROM");
}

#[tokio::test]
async fn starttls_required_but_not_offered_is_unsupported() {
    let (mut endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n"),
        Hang,
    ])
    .await;
    endpoint.security = Security::StartTls;
    let err = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "unsupported");
    assert!(err.to_string().contains("STARTTLS"), "{err}");
}

#[tokio::test]
async fn starttls_to_a_server_that_stays_plain_is_a_tls_error() {
    let (mut endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 STARTTLS\r\n"),
        Expect("STARTTLS"),
        Say("220 go ahead\r\n"),
        Say("this is not a TLS handshake\r\n"),
        Close,
    ])
    .await;
    endpoint.security = Security::StartTls;
    let err = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(err.kind(), "tls" | "protocol"),
        "injected or non-TLS bytes are refused: {err}"
    );
}

#[tokio::test]
async fn a_dropped_connection_and_a_silent_server_are_retryable() {
    let (endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250 mail.example\r\n"),
        Expect("MAIL FROM"),
        Say("250 ok\r\n"),
        Expect("RCPT TO"),
        Say("250 ok\r\n"),
        Expect("RCPT TO"),
        Say("250 ok\r\n"),
        Expect("DATA"),
        Say("354 go\r\n"),
        Data,
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let err = client.send(&envelope(), RAW).await.unwrap_err();
    assert_eq!(err.kind(), "network", "{err}");
    assert!(err.is_retryable());

    let (endpoint, _server) = serve(vec![Say("220 mail.example\r\n"), Expect("EHLO"), Hang]).await;
    let err = SmtpClient::connect(&endpoint, "[127.0.0.1]", Duration::from_millis(300))
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "timeout", "{err}");
    assert!(err.to_string().contains("EHLO"), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn greetings_that_refuse() {
    for (greeting, kind, retryable) in [
        ("421 4.3.2 too busy\r\n", "deferred", true),
        ("554 5.7.1 no service for you\r\n", "rejected", false),
    ] {
        let (endpoint, _server) = serve(vec![Say(greeting), Hang]).await;
        let err = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
            .await
            .err()
            .unwrap();
        assert_eq!((err.kind(), err.is_retryable()), (kind, retryable), "{err}");
    }
}

#[tokio::test]
async fn the_connection_test_reports_what_the_server_offers() {
    let (endpoint, server) = serve(vec![
        Say("220 mail.example ESMTP ready\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250-SIZE 35882577\r\n250-SMTPUTF8\r\n250 AUTH PLAIN\r\n"),
        Expect("AUTH PLAIN"),
        Say("235 ok\r\n"),
        Expect("QUIT"),
        Say("221 bye\r\n"),
        Close,
    ])
    .await;
    let info = test_smtp_connection(&endpoint, "rep", "pw", LIMIT)
        .await
        .unwrap();
    assert_eq!(info.greeting, "mail.example ESMTP ready");
    assert_eq!(info.auth_mechanisms, ["PLAIN"]);
    assert_eq!(info.max_size, Some(35_882_577));
    assert!(info.smtputf8);
    assert!(server.await.unwrap().mismatches.is_empty());

    let (endpoint, _server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250-mail.example\r\n250 AUTH PLAIN\r\n"),
        Expect("AUTH PLAIN"),
        Say("535 5.7.8 bad credentials\r\n"),
        Hang,
    ])
    .await;
    let err = test_smtp_connection(&endpoint, "rep", "bad", LIMIT)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "auth_failed");
}

#[tokio::test]
async fn bad_envelopes_never_reach_the_server() {
    let (endpoint, server) = serve(vec![
        Say("220 mail.example\r\n"),
        Expect("EHLO"),
        Say("250 mail.example\r\n"),
        Close,
    ])
    .await;
    let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
        .await
        .unwrap();
    let injected = Envelope {
        from: "priya@acme-analytics.example".into(),
        recipients: vec!["a@b.example>\r\nRCPT TO:<evil@x.example".into()],
    };
    let err = client.send(&injected, RAW).await.unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    let none = Envelope {
        from: "priya@acme-analytics.example".into(),
        recipients: vec![],
    };
    assert_eq!(
        client.send(&none, RAW).await.unwrap_err().kind(),
        "invalid_input"
    );
    assert_eq!(server.await.unwrap().lines.len(), 1);
}

/// Collects every log field at every level, to check what the client writes there.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<String>>);

impl tracing::field::Visit for Captured {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let mut log = self.0.lock().unwrap();
        log.push_str(&format!("{}={:?}\n", field.name(), value));
    }
}

impl tracing::Subscriber for Captured {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut self.clone());
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut self.clone());
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn the_password_never_reaches_the_log() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    for (offer, script) in [
        (
            "250-mail.example\r\n250 AUTH PLAIN\r\n",
            vec![Expect("AUTH PLAIN"), Say("235 ok\r\n"), Close],
        ),
        (
            "250-mail.example\r\n250 AUTH LOGIN\r\n",
            vec![
                Expect("AUTH LOGIN"),
                Say("334 VXNlcm5hbWU6\r\n"),
                Expect(""),
                Say("334 UGFzc3dvcmQ6\r\n"),
                Expect(""),
                Say("235 ok\r\n"),
                Close,
            ],
        ),
    ] {
        let mut steps = vec![Say("220 mail.example\r\n"), Expect("EHLO"), Say(offer)];
        steps.extend(script);
        let (endpoint, server) = serve(steps).await;
        let mut client = SmtpClient::connect(&endpoint, "[127.0.0.1]", LIMIT)
            .await
            .unwrap();
        client.login("rep", "hunter2-secret").await.unwrap();
        assert!(server.await.unwrap().mismatches.is_empty());
    }
    let log = captured.0.lock().unwrap().clone();
    assert!(log.contains("EHLO"), "the log was captured: {log}");
    assert!(log.contains("AUTH <redacted>"), "{log}");
    for secret in [
        "hunter2-secret".to_owned(),
        B64.encode("hunter2-secret"),
        B64.encode("\0rep\0hunter2-secret"),
    ] {
        assert!(!log.contains(&secret), "{secret} leaked into: {log}");
    }
}
