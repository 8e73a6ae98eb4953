#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The send runner with an in-memory server and mailbox: undo, every crash point, the
//! one ambiguous moment of SMTP, retries with backoff, permanent failures, drafts.

mod outbox_support;

use outbox_support::*;
use switchboard_mail::compose::Mailbox;
use switchboard_mail::net::NetError;
use switchboard_mail::parse_message;
use switchboard_mail::smtp::SmtpError;
use switchboard_store::OutboxState;
use switchboard_sync::outbox::{Checkpoint, OutboxError, SendAccount};

fn imap_account(world: &World) -> SendAccount {
    SendAccount {
        account_id: world.account,
        provider_saves_sent: false,
    }
}

#[tokio::test]
async fn undo_within_the_window_sends_nothing() {
    let w = World::new().await;
    let outbox = w.outbox();
    let (mut smtp, mut mailbox) = (FakeTransport::default(), FakeMailbox::default());
    let d = draft("rep@example.test");
    let queued = outbox.queue_send(w.account, &d, None, 10).await.unwrap();
    assert_eq!(queued.send_after, w.now_ms() + 10_000);

    w.advance_secs(9);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp, &mut mailbox)
        .await
        .unwrap();
    assert!(report.sent.is_empty(), "the window is still open");
    let back = outbox.cancel_send(queued.outbox_id).await.unwrap();
    assert_eq!(back.draft, d, "the draft comes back as it was");
    assert_eq!(
        w.store
            .draft(back.draft_id)
            .await
            .unwrap()
            .unwrap()
            .account_id,
        w.account
    );

    w.advance_secs(60);
    outbox
        .run_due(&imap_account(&w), &mut smtp, &mut mailbox)
        .await
        .unwrap();
    assert_eq!(smtp.delivered(), 0);
    assert!(mailbox.state().sent.is_empty());
    assert_eq!(
        w.store
            .outbox_item(queued.outbox_id)
            .await
            .unwrap()
            .unwrap()
            .state,
        OutboxState::Cancelled
    );
}

#[tokio::test]
async fn the_undo_window_is_held_between_5_and_30_seconds() {
    let w = World::new().await;
    let outbox = w.outbox();
    for (asked, got) in [(0, 5), (1, 5), (12, 12), (30, 30), (600, 30)] {
        let q = outbox
            .queue_send(w.account, &draft("rep@example.test"), None, asked)
            .await
            .unwrap();
        assert_eq!(q.send_after - w.now_ms(), got * 1000, "asked {asked}");
    }
}

#[tokio::test]
async fn after_the_window_it_is_sent_filed_and_can_no_longer_be_undone() {
    let w = World::new().await;
    let outbox = w.outbox();
    let (mut smtp, mut mailbox) = (FakeTransport::default(), FakeMailbox::default());
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    assert!(q.message_id.ends_with("@example.test"), "{}", q.message_id);

    w.advance_secs(5);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp, &mut mailbox)
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    let delivered = smtp.state().delivered.clone();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        delivered[0].0.recipients,
        ["lena@northwind.example", "archive@crm.example"]
    );
    assert_eq!(mailbox.sent_ids(), [q.message_id.as_str()]);
    assert_eq!(
        delivered[0].1,
        mailbox.state().sent[0],
        "Sent holds the very bytes that were sent"
    );
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Done);
    assert_eq!(row.smtp_reply.as_deref(), Some("250 2.0.0 queued as FAKE"));
    assert_eq!(w.job().await.state, "done");
    assert!(matches!(
        outbox.cancel_send(q.outbox_id).await,
        Err(OutboxError::TooLate("already sent"))
    ));
    assert!(matches!(
        outbox.retry(q.outbox_id, true).await,
        Err(OutboxError::NotFailed("already sent"))
    ));
}

/// Crash after `sending` was committed, before any SMTP: nothing went out, Sent has
/// nothing; after a restart it is sent exactly once.
#[tokio::test]
async fn a_crash_before_smtp_sends_exactly_once_after_restart() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    let q = w
        .outbox()
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    {
        let crashing = w.outbox().crash_at(Checkpoint::MarkedSending);
        let err = crashing
            .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            OutboxError::Interrupted(Checkpoint::MarkedSending)
        ));
    }
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Sending, false)
    );
    assert_eq!(smtp.delivered(), 0);

    let restarted = w.outbox();
    assert_eq!(restarted.recover_after_restart().await.unwrap(), 1);
    let report = restarted
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1);
    assert_eq!(smtp.delivered(), 1);
    assert_eq!(mailbox.sent_ids(), [q.message_id]);
}

/// Crash right after the acceptance was recorded (and, second case, right after the
/// Sent copy): the restart neither sends again nor files a second copy.
#[tokio::test]
async fn a_crash_after_acceptance_never_sends_or_files_twice() {
    for crash in [Checkpoint::AcceptedRecorded, Checkpoint::SentCopied] {
        let w = World::new().await;
        let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
        let q = w
            .outbox()
            .queue_send(w.account, &draft("rep@example.test"), None, 5)
            .await
            .unwrap();
        w.advance_secs(5);
        let err = w
            .outbox()
            .crash_at(crash)
            .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, OutboxError::Interrupted(c) if c == crash));
        assert_eq!(
            w.job().await.state,
            "running",
            "{crash:?}: the job is not done yet"
        );

        // No start-up release this time: the lease runs out instead.
        w.advance_secs(16 * 60);
        let report = w
            .outbox()
            .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
            .await
            .unwrap();
        assert_eq!(report.sent, [q.message_id.as_str()], "{crash:?}");
        assert_eq!(smtp.delivered(), 1, "{crash:?}: exactly one SMTP delivery");
        assert_eq!(
            mailbox.sent_ids(),
            [q.message_id.as_str()],
            "{crash:?}: one copy in Sent"
        );
        assert_eq!(mailbox.state().appends, 1, "{crash:?}");
        assert_eq!(w.job().await.state, "done");
    }
}

/// The server said 250 but the process died before recording it. A provider that files
/// sent mail itself shows it in Sent: done, not sent again.
#[tokio::test]
async fn a_crash_before_recording_the_answer_is_settled_by_the_providers_sent_folder() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state().files_into = Some(mailbox.clone());
    let gmail = SendAccount {
        account_id: w.account,
        provider_saves_sent: true,
    };
    let q = w
        .outbox()
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    w.outbox()
        .crash_at(Checkpoint::SmtpAnswered)
        .run_due(&gmail, &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap_err();
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Sending, true)
    );

    let restarted = w.outbox();
    restarted.recover_after_restart().await.unwrap();
    let report = restarted
        .run_due(&gmail, &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    assert_eq!(smtp.delivered(), 1, "not sent again");
    assert_eq!(
        mailbox.sent_ids(),
        [q.message_id],
        "the provider's copy only"
    );
    assert_eq!(mailbox.state().appends, 0);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(
        row.smtp_reply.as_deref(),
        Some("found in Sent after an interruption")
    );
}

/// The same moment on a plain IMAP account, whose Sent cannot tell: the message is
/// stopped with a message saying it may have gone, not sent a second time behind the
/// user's back. Only an explicit "send again" sends it.
#[tokio::test]
async fn an_unknowable_delivery_is_stopped_for_the_user_not_repeated() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    let q = w
        .outbox()
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    w.outbox()
        .crash_at(Checkpoint::SmtpAnswered)
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap_err();
    let restarted = w.outbox();
    restarted.recover_after_restart().await.unwrap();
    let report = restarted
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(smtp.delivered(), 1);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Failed);
    assert!(row
        .last_error
        .as_deref()
        .unwrap()
        .contains("may already have been sent"));
    assert!(
        w.store.outbox_raw(q.outbox_id).await.unwrap().is_some(),
        "nothing lost"
    );
    let job = w.job().await;
    assert_eq!(job.state, "failed");
    assert!(job
        .last_error
        .unwrap()
        .contains("may already have been sent"));

    restarted.retry(q.outbox_id, true).await.unwrap();
    restarted
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(smtp.delivered(), 2, "sent again because the user said so");
    assert_eq!(mailbox.sent_ids(), [q.message_id], "one copy in Sent");
}

/// A connection lost while waiting for the answer, without a crash: retried later, and
/// the retry looks in Sent first.
#[tokio::test]
async fn a_lost_answer_is_retried_only_through_sent() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state().files_into = Some(mailbox.clone());
    smtp.state()
        .finish_script
        .push_back(Scripted::Fail(SmtpError::Net(NetError::Closed)));
    let gmail = SendAccount {
        account_id: w.account,
        provider_saves_sent: true,
    };
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(&gmail, &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.deferred, 1);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Sending, true)
    );
    assert!(
        outbox.cancel_send(q.outbox_id).await.is_err(),
        "it may have gone"
    );

    w.advance_to(row.send_after);
    let report = outbox
        .run_due(&gmail, &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1);
    assert_eq!(smtp.delivered(), 1, "found in Sent, not sent again");
}

#[tokio::test]
async fn a_451_is_retried_with_backoff_then_sent() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state()
        .finish_script
        .push_back(Scripted::Fail(deferred()));
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.deferred, 1);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    // A 4xx answer is a clear "not taken": back to queued, end-of-data forgotten.
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Queued, false)
    );
    let wait = row.send_after - w.now_ms();
    assert!(
        (5_000..=10_000).contains(&wait),
        "first backoff with jitter: {wait}"
    );
    let job = w.job().await;
    assert_eq!(job.state, "queued");
    assert!(job.last_error.unwrap().contains("451 4.3.0"));

    // Not before its time.
    w.advance_to(row.send_after - 1);
    let early = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert!(early.sent.is_empty());
    w.advance_to(row.send_after);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent, [q.message_id.as_str()]);
    assert_eq!(smtp.delivered(), 1);
    assert_eq!(mailbox.sent_ids(), [q.message_id]);
    assert_eq!(w.job().await.state, "done");
}

#[tokio::test]
async fn temporary_failures_give_up_after_the_attempt_limit() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    for _ in 0..10 {
        smtp.state()
            .begin_script
            .push_back(Scripted::Fail(SmtpError::Net(
                NetError::ConnectionRefused {
                    host: "smtp.example".into(),
                    port: 587,
                },
            )));
    }
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    let mut waits = Vec::new();
    for _ in 0..4 {
        let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
        w.advance_to(row.send_after);
        waits.push(row.send_after);
        outbox
            .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
            .await
            .unwrap();
    }
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Failed);
    assert_eq!(row.resume_state, Some(OutboxState::Queued));
    let error = row.last_error.unwrap();
    assert!(error.starts_with("Gave up after 4 attempts"), "{error}");
    assert!(error.contains("connection refused"), "{error}");
    let gaps: Vec<i64> = waits.windows(2).map(|p| p[1] - p[0]).collect();
    assert!(
        gaps[0] < gaps[1] && gaps[1] < gaps[2],
        "backoff grows: {gaps:?}"
    );
    assert_eq!(smtp.delivered(), 0);

    // The user tries again: a fresh attempt budget, and the message goes.
    smtp.state().begin_script.clear();
    outbox.retry(q.outbox_id, false).await.unwrap();
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1);
}

#[tokio::test]
async fn a_wrong_password_fails_at_once_and_keeps_the_message() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state()
        .begin_script
        .push_back(Scripted::Fail(SmtpError::Net(NetError::AuthFailed(
            "535 5.7.8 Authentication credentials invalid".into(),
        ))));
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!((row.state, row.attempts), (OutboxState::Failed, 1));
    let job = w.job().await;
    assert_eq!(job.state, "failed");
    assert!(
        job.last_error
            .unwrap()
            .contains("authentication failed: 535 5.7.8"),
        "the health view says what to fix"
    );
    let raw = w.store.outbox_raw(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(parse_message(&raw).message_id, Some(q.message_id));
}

#[tokio::test]
async fn a_refused_recipient_fails_at_once_with_the_servers_words() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state()
        .begin_script
        .push_back(Scripted::Fail(SmtpError::Refused {
            during: "a recipient".into(),
            reply: "lena@northwind.example (550 5.1.1 user unknown)".into(),
        }));
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Failed);
    assert!(row.last_error.unwrap().contains("550 5.1.1 user unknown"));
}

#[tokio::test]
async fn filing_in_sent_is_retried_without_sending_again() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    mailbox.state().fail_appends.push_back(NetError::Closed);
    let outbox = w.outbox();
    let q = outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let report = outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(report.deferred, 1);
    let row = w.store.outbox_item(q.outbox_id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::SmtpAccepted);
    assert!(row
        .last_error
        .unwrap()
        .starts_with("Sent to the recipients, but"));

    w.advance_to(row.send_after);
    outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(smtp.delivered(), 1);
    assert_eq!(smtp.state().begins, 1, "SMTP was not even opened again");
    assert_eq!(mailbox.sent_ids(), [q.message_id]);
    assert_eq!(
        mailbox.state().sent_checks,
        1,
        "the resume looked before filing"
    );
}

#[tokio::test]
async fn a_provider_that_files_sent_mail_gets_no_second_copy() {
    let w = World::new().await;
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    smtp.state().files_into = Some(mailbox.clone());
    let outbox = w.outbox();
    outbox
        .queue_send(w.account, &draft("rep@example.test"), None, 5)
        .await
        .unwrap();
    w.advance_secs(5);
    let settings = r#"{"provider_saves_sent": true}"#;
    outbox
        .run_due(
            &SendAccount::from_settings(w.account, settings),
            &mut smtp.clone(),
            &mut mailbox.clone(),
        )
        .await
        .unwrap();
    assert_eq!(mailbox.state().sent.len(), 1);
    assert_eq!(mailbox.state().appends, 0);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_queued() {
    let w = World::new().await;
    let outbox = w.outbox();
    let mut d = draft("rep@example.test");
    d.to = vec![Mailbox::new("lena at northwind")];
    let err = outbox.queue_send(w.account, &d, None, 5).await.unwrap_err();
    assert_eq!(err.code(), switchboard_core::ErrorCode::InvalidInput);
    assert!(err.to_string().contains("lena at northwind"), "{err}");
    d.to.clear();
    d.bcc.clear();
    let err = outbox.queue_send(w.account, &d, None, 5).await.unwrap_err();
    assert!(err.to_string().contains("no recipients"), "{err}");
    assert!(w.store.outbox_items(None, 10).await.unwrap().is_empty());
    assert!(w.store.recent_jobs(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn drafts_are_saved_here_first_and_replace_their_copy_in_drafts() {
    let w = World::new().await;
    let outbox = w.outbox();
    let (smtp, mailbox) = (FakeTransport::default(), FakeMailbox::default());
    let mut d = draft("rep@example.test");
    d.cc.push(Mailbox::new("half-typed@"));

    let saved = outbox
        .save_draft(w.account, None, &d, &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(saved.remote_error, None);
    assert_eq!(saved.draft.remote_uid, Some(1));
    assert!(!saved.draft.needs_upload());
    let copy = mailbox.state().drafts[&1].clone();
    assert_eq!(parse_message(&copy).subject, "Quote for 40 seats");
    assert!(
        !String::from_utf8_lossy(&copy).contains("half-typed"),
        "kept locally only"
    );

    // Edited: one copy in Drafts, the new one.
    d.subject = "Quote for 45 seats".into();
    let saved = outbox
        .save_draft(w.account, Some(saved.draft.id), &d, &mut mailbox.clone())
        .await
        .unwrap();
    assert_eq!(saved.draft.remote_uid, Some(2));
    assert_eq!(
        mailbox.state().drafts.keys().copied().collect::<Vec<_>>(),
        [2]
    );

    // Offline: saved here, the error noted, uploaded later.
    d.subject = "Quote for 50 seats".into();
    mailbox.state().fail_draft_saves.push_back(NetError::Closed);
    let saved = outbox
        .save_draft(w.account, Some(saved.draft.id), &d, &mut mailbox.clone())
        .await
        .unwrap();
    assert!(saved.remote_error.unwrap().contains("closed"));
    let local: switchboard_mail::compose::Draft =
        serde_json::from_str(&saved.draft.compose_json).unwrap();
    assert_eq!(local.subject, "Quote for 50 seats");
    assert_eq!(
        outbox
            .upload_drafts(w.account, &mut mailbox.clone())
            .await
            .unwrap(),
        1
    );
    let drafts = mailbox.state().drafts.clone();
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        parse_message(drafts.values().next().unwrap()).subject,
        "Quote for 50 seats"
    );

    // Sent from the draft: off the drafts list at once, out of Drafts once sent.
    d.cc.clear();
    outbox
        .queue_send(w.account, &d, Some(saved.draft.id), 5)
        .await
        .unwrap();
    assert!(w.store.drafts(w.account).await.unwrap().is_empty());
    assert_eq!(
        mailbox.state().drafts.len(),
        1,
        "still there until it is sent"
    );
    w.advance_secs(5);
    outbox
        .run_due(&imap_account(&w), &mut smtp.clone(), &mut mailbox.clone())
        .await
        .unwrap();
    assert!(mailbox.state().drafts.is_empty());

    // Discarding removes both copies.
    let saved = outbox
        .save_draft(w.account, None, &d, &mut mailbox.clone())
        .await
        .unwrap();
    outbox
        .discard_draft(saved.draft.id, &mut mailbox.clone())
        .await
        .unwrap();
    assert!(mailbox.state().drafts.is_empty());
    assert!(w.store.drafts(w.account).await.unwrap().is_empty());
}

/// Compiles only if the runner's futures can be spawned on the shared multi-thread
/// runtime with the real SMTP transport.
#[allow(dead_code)]
fn runner_futures_are_send(
    outbox: &switchboard_sync::outbox::Outbox,
    account: &SendAccount,
    smtp: &mut switchboard_sync::outbox::SmtpTransport,
    mailbox: &mut FakeMailbox,
    draft: &switchboard_mail::compose::Draft,
) {
    fn is_send<T: Send>(_: T) {}
    is_send(outbox.run_due(account, smtp, mailbox));
    is_send(outbox.queue_send(1, draft, None, 5));
    is_send(outbox.cancel_send(1));
    is_send(outbox.save_draft(1, None, draft, mailbox));
    is_send(outbox.upload_drafts(1, mailbox));
}
