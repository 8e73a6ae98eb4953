#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The send runner against a real SMTP server (testkit's aiosmtpd sink, AUTH required):
//! crashes around the acceptance, a 451 then success, a wrong password. Sent is an
//! in-memory folder (the IMAP implementation of `RemoteMailbox` is tested with Dovecot
//! where it lives).

mod outbox_support;

use std::sync::Arc;
use std::time::Duration;

use outbox_support::*;
use switchboard_mail::compose::RemoteMailbox;
use switchboard_mail::net::{Endpoint, NetError, Security};
use switchboard_mail::parse_message;
use switchboard_secrets::Secret;
use switchboard_store::OutboxState;
use switchboard_sync::outbox::{Checkpoint, OutboxError, SendAccount, SmtpTransport};
use switchboard_testkit::SmtpSink;

const FROM: &str = "rep@example.test";

fn transport(sink: &SmtpSink, password: &str) -> SmtpTransport {
    let endpoint = Endpoint {
        host: sink.host().into(),
        port: sink.port(),
        security: Security::None,
        ca_file: None,
    };
    SmtpTransport::new(
        endpoint,
        sink.user(),
        Secret::new(password.to_owned()),
        Duration::from_secs(10),
    )
}

fn account(w: &World, provider_saves_sent: bool) -> SendAccount {
    SendAccount {
        account_id: w.account,
        provider_saves_sent,
    }
}

fn received_ids(sink: &SmtpSink) -> Vec<String> {
    sink.received()
        .unwrap()
        .iter()
        .filter_map(|m| parse_message(&m.data).message_id)
        .collect()
}

/// A provider whose Sent shows whatever its SMTP server accepted (Gmail, Outlook).
struct ProviderMailbox {
    sink: Arc<SmtpSink>,
}

impl RemoteMailbox for ProviderMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        Ok(received_ids(&self.sink).iter().any(|id| id == message_id))
    }
    async fn append_sent(&mut self, _raw: &[u8]) -> Result<(), NetError> {
        panic!("the provider files sent mail itself");
    }
    async fn save_draft(&mut self, _: &[u8], _: Option<u32>) -> Result<Option<u32>, NetError> {
        Ok(None)
    }
    async fn delete_draft(&mut self, _uid: u32) -> Result<(), NetError> {
        Ok(())
    }
}

#[tokio::test]
async fn sent_through_a_real_server_with_bcc_in_the_envelope_only() {
    let sink = SmtpSink::start().unwrap();
    let w = World::new().await;
    let outbox = w.outbox();
    let mailbox = FakeMailbox::default();
    let q = outbox
        .queue_send(w.account, &draft(FROM), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(
            &account(&w, false),
            &mut transport(&sink, sink.password()),
            &mut mailbox.clone(),
        )
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    let got = sink.received().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].auth_user.as_deref(), Some(sink.user()));
    assert_eq!(
        got[0].rcpt_to,
        ["lena@northwind.example", "archive@crm.example"]
    );
    assert!(!String::from_utf8_lossy(&got[0].data).contains("archive@crm.example"));
    let filed = mailbox.state().sent[0].clone();
    assert!(
        String::from_utf8_lossy(&filed).contains("archive@crm.example"),
        "Sent shows the Bcc"
    );
    assert_eq!(mailbox.sent_ids(), [q.message_id]);
}

/// The crash the outbox exists for: the server has the message, the job is not done.
/// A fresh runner over the same database sends nothing more and files one copy.
#[tokio::test]
async fn a_crash_between_acceptance_and_completion_delivers_and_files_once() {
    let sink = SmtpSink::start().unwrap();
    let w = World::new().await;
    let mailbox = FakeMailbox::default();
    let q = w
        .outbox()
        .queue_send(w.account, &draft(FROM), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    {
        let mut smtp = transport(&sink, sink.password());
        let err = w
            .outbox()
            .crash_at(Checkpoint::AcceptedRecorded)
            .run_due(&account(&w, false), &mut smtp, &mut mailbox.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, OutboxError::Interrupted(_)));
    }
    assert_eq!(
        received_ids(&sink),
        [q.message_id.as_str()],
        "the server has it"
    );
    assert!(mailbox.state().sent.is_empty());
    assert_eq!(w.job().await.state, "running");

    let restarted = w.outbox();
    restarted.recover_after_restart().await.unwrap();
    let report = restarted
        .run_due(
            &account(&w, false),
            &mut transport(&sink, sink.password()),
            &mut mailbox.clone(),
        )
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    assert_eq!(
        sink.received().unwrap().len(),
        1,
        "exactly one copy delivered"
    );
    assert_eq!(
        mailbox.sent_ids(),
        [q.message_id.as_str()],
        "exactly one copy in Sent"
    );
    assert_eq!(w.job().await.state, "done");
}

/// The process dies while the server is answering (250 received, not recorded). With
/// a provider whose Sent shows accepted mail the restart finds it there.
#[tokio::test]
async fn a_crash_while_the_server_answers_is_settled_by_sent() {
    let sink = Arc::new(SmtpSink::start().unwrap());
    let w = World::new().await;
    let q = w
        .outbox()
        .queue_send(w.account, &draft(FROM), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let mut provider = ProviderMailbox { sink: sink.clone() };
    w.outbox()
        .crash_at(Checkpoint::SmtpAnswered)
        .run_due(
            &account(&w, true),
            &mut transport(&sink, sink.password()),
            &mut provider,
        )
        .await
        .unwrap_err();
    let restarted = w.outbox();
    restarted.recover_after_restart().await.unwrap();
    let report = restarted
        .run_due(
            &account(&w, true),
            &mut transport(&sink, sink.password()),
            &mut provider,
        )
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    assert_eq!(received_ids(&sink), [q.message_id]);
}

/// Crashes before the end-of-data mark leaves: the server drops the unfinished message,
/// and the restart sends it exactly once.
#[tokio::test]
async fn crashes_before_the_end_of_data_send_exactly_once_after_restart() {
    for crash in [Checkpoint::MarkedSending, Checkpoint::DataCommitted] {
        let sink = Arc::new(SmtpSink::start().unwrap());
        let w = World::new().await;
        let q = w
            .outbox()
            .queue_send(w.account, &draft(FROM), None, 5)
            .await
            .unwrap();
        w.advance_secs(5);
        let mut provider = ProviderMailbox { sink: sink.clone() };
        {
            // The transport (and its half-finished session) dies with the "process".
            let mut smtp = transport(&sink, sink.password());
            w.outbox()
                .crash_at(crash)
                .run_due(&account(&w, true), &mut smtp, &mut provider)
                .await
                .unwrap_err();
        }
        assert!(
            sink.received().unwrap().is_empty(),
            "{crash:?}: nothing delivered"
        );
        let restarted = w.outbox();
        restarted.recover_after_restart().await.unwrap();
        restarted
            .run_due(
                &account(&w, true),
                &mut transport(&sink, sink.password()),
                &mut provider,
            )
            .await
            .unwrap();
        assert_eq!(received_ids(&sink), [q.message_id], "{crash:?}");
    }
}

#[tokio::test]
async fn a_451_then_success() {
    let sink = SmtpSink::start().unwrap();
    sink.reject_next(1).unwrap();
    let w = World::new().await;
    let outbox = w.outbox();
    let mailbox = FakeMailbox::default();
    let q = outbox
        .queue_send(w.account, &draft(FROM), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let mut smtp = transport(&sink, sink.password());
    let report = outbox
        .run_due(&account(&w, false), &mut smtp, &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.deferred, 1);
    assert!(sink.received().unwrap().is_empty());
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Queued);
    assert!(w.job().await.last_error.unwrap().contains("451"));

    w.advance_to(row.send_after);
    let report = outbox
        .run_due(&account(&w, false), &mut smtp, &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    assert_eq!(received_ids(&sink), [q.message_id.as_str()]);
    assert_eq!(mailbox.sent_ids(), [q.message_id]);
}

#[tokio::test]
async fn a_wrong_password_fails_clearly_and_the_message_stays() {
    let sink = SmtpSink::start().unwrap();
    let w = World::new().await;
    let outbox = w.outbox();
    let mailbox = FakeMailbox::default();
    let q = outbox
        .queue_send(w.account, &draft(FROM), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(
            &account(&w, false),
            &mut transport(&sink, "wrong-password"),
            &mut mailbox.clone(),
        )
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    assert!(sink.received().unwrap().is_empty());
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Failed);
    let job = w.job().await;
    assert_eq!(job.state, "failed");
    let error = job.last_error.unwrap();
    assert!(error.starts_with("authentication failed: 535"), "{error}");
    assert!(!error.contains("wrong-password"));
    assert!(w.store.outbox_raw(q.outbox_id).await.unwrap().is_some());
    // No password in the database, its log or anything beside it.
    for entry in std::fs::read_dir(w._dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for secret in ["wrong-password", sink.password()] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
        }
    }

    // Fixed in the keychain, "try again" sends it.
    outbox.retry(q.outbox_id, false).await.unwrap();
    outbox
        .run_due(
            &account(&w, false),
            &mut transport(&sink, sink.password()),
            &mut mailbox.clone(),
        )
        .await
        .unwrap();
    assert_eq!(received_ids(&sink), [q.message_id]);
}
