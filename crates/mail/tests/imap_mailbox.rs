#![allow(clippy::unwrap_used)]
//! The outbox's IMAP mailbox against Dovecot: Sent lookups by Message-ID, Sent appends,
//! draft replacement.

use std::time::Duration;
use switchboard_mail::compose::RemoteMailbox;
use switchboard_mail::imap::{ImapMailbox, ImapSession};
use switchboard_mail::net::{Endpoint, Security};
use switchboard_testkit::Dovecot;

fn raw(id: &str, subject: &str) -> Vec<u8> {
    format!("From: rep@example.test\r\nTo: dana@acme.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\r\nbody\r\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn sent_lookup_append_and_draft_replacement() {
    let server = Dovecot::start().unwrap();
    let endpoint = Endpoint {
        host: "127.0.0.1".into(),
        port: server.imaps_port(),
        security: Security::Tls,
        ca_file: Some(server.ca_pem().to_path_buf()),
    };
    let session = ImapSession::connect(
        &endpoint,
        server.user(),
        server.password(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let mut mailbox = ImapMailbox::new(session, "Sent", "Drafts");

    assert!(!mailbox.sent_contains("out-1@example.test").await.unwrap());
    mailbox
        .append_sent(&raw("out-1@example.test", "Proposal"))
        .await
        .unwrap();
    assert!(mailbox.sent_contains("out-1@example.test").await.unwrap());
    assert!(mailbox.sent_contains("<out-1@example.test>").await.unwrap());
    assert!(!mailbox.sent_contains("out-2@example.test").await.unwrap());
    let sent = server.server_state("Sent").unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].flags.contains(&"\\Seen".to_owned()));

    let first = mailbox
        .save_draft(&raw("d1@example.test", "Draft v1"), None)
        .await
        .unwrap();
    let second = mailbox
        .save_draft(&raw("d1@example.test", "Draft v2"), first)
        .await
        .unwrap();
    assert!(first.is_some() && second.is_some() && first != second);
    let drafts = server.server_state("Drafts").unwrap();
    assert_eq!(drafts.len(), 1, "the old copy is replaced");
    assert_eq!(Some(drafts[0].uid), second);
    assert!(drafts[0].flags.contains(&"\\Draft".to_owned()));
    mailbox.delete_draft(second.unwrap()).await.unwrap();
    assert!(server.server_state("Drafts").unwrap().is_empty());
}
