#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The outbox and drafts tables: one transaction with the job, undo only while nothing
//! has started, claims and leases, steps that only the current claim can take, and
//! retries that never go back before an accepted send.

use switchboard_store::{NewOutboxMessage, OutboxState, Store};

const T0: i64 = 1_794_920_400_000;

async fn store() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("work", "imap", Some("priya@acme-analytics.example"), T0)
        .await
        .unwrap();
    (dir, store, account)
}

async fn queue(store: &Store, account: i64, message_id: &str, send_after: i64) -> i64 {
    let recipients = vec!["lena@northwind.example".to_owned()];
    store
        .queue_outbox(
            &NewOutboxMessage {
                account_id: account,
                message_id,
                raw: b"Subject: hi\r\n\r\nhello\r\n",
                draft_json: r#"{"from":{"email":"priya@acme-analytics.example"},"subject":"hi"}"#,
                draft_id: None,
                envelope_from: "priya@acme-analytics.example",
                recipients: &recipients,
                send_after,
            },
            T0,
        )
        .await
        .unwrap()
}

async fn job(store: &Store) -> switchboard_store::JobRow {
    store.recent_jobs(10).await.unwrap().remove(0)
}

#[tokio::test]
async fn queuing_writes_the_message_and_its_job_together() {
    let (_dir, store, account) = store().await;
    let id = queue(&store, account, "m1@acme-analytics.example", T0 + 10_000).await;
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Queued);
    assert_eq!(row.recipients, ["lena@northwind.example"]);
    assert_eq!(row.send_after, T0 + 10_000);
    let job = job(&store).await;
    assert_eq!((job.kind.as_str(), job.state.as_str()), ("send", "queued"));
    assert!(job.payload_json.contains("m1@acme-analytics.example"));

    // The same Message-ID twice is refused, and leaves nothing half-written.
    let recipients = vec!["x@y.example".to_owned()];
    let again = store
        .queue_outbox(
            &NewOutboxMessage {
                account_id: account,
                message_id: "m1@acme-analytics.example",
                raw: b"x",
                draft_json: "{}",
                draft_id: None,
                envelope_from: "priya@acme-analytics.example",
                recipients: &recipients,
                send_after: T0,
            },
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(again.code(), switchboard_core::ErrorCode::Conflict);
    assert_eq!(store.outbox_items(None, 10).await.unwrap().len(), 1);
    assert_eq!(store.recent_jobs(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn undo_works_only_before_a_runner_takes_it() {
    let (_dir, store, account) = store().await;
    let id = queue(&store, account, "m1@acme-analytics.example", T0 + 10_000).await;
    // Not due yet: no claim.
    assert!(store
        .claim_outbox(account, "c1", 60_000, T0 + 5_000)
        .await
        .unwrap()
        .is_none());
    let draft = store.cancel_outbox(id, T0 + 5_000).await.unwrap().unwrap();
    assert!(draft.compose_json.contains("\"subject\":\"hi\""));
    assert!(draft.needs_upload());
    assert_eq!(
        store.outbox_item(id).await.unwrap().unwrap().state,
        OutboxState::Cancelled
    );
    assert!(
        store.recent_jobs(10).await.unwrap().is_empty(),
        "the job went with it"
    );
    assert!(
        store.cancel_outbox(id, T0 + 5_000).await.unwrap().is_none(),
        "only once"
    );
    assert!(store
        .claim_outbox(account, "c1", 60_000, T0 + 20_000)
        .await
        .unwrap()
        .is_none());

    // Claimed (due, a runner holds it): too late, even though its state is still queued.
    let id = queue(&store, account, "m2@acme-analytics.example", T0 + 10_000).await;
    let claimed = store
        .claim_outbox(account, "c2", 60_000, T0 + 10_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.row.id, id);
    assert_eq!(claimed.raw, b"Subject: hi\r\n\r\nhello\r\n");
    assert!(store
        .cancel_outbox(id, T0 + 10_001)
        .await
        .unwrap()
        .is_none());
    assert_eq!(job(&store).await.state, "running");
}

#[tokio::test]
async fn steps_need_the_current_claim_and_leases_run_out() {
    let (_dir, store, account) = store().await;
    let id = queue(&store, account, "m1@acme-analytics.example", T0).await;
    let lease = 60_000;
    let c = store
        .claim_outbox(account, "first", lease, T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.row.attempts, 1);
    assert!(store
        .mark_outbox_sending(id, "first", lease, T0)
        .await
        .unwrap());
    // While the lease holds, nobody else gets it.
    assert!(store
        .claim_outbox(account, "second", lease, T0 + 1_000)
        .await
        .unwrap()
        .is_none());
    // The first runner dies; its lease runs out; the second resumes where it stopped.
    let c2 = store
        .claim_outbox(account, "second", lease, T0 + lease + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c2.row.state, c2.row.attempts), (OutboxState::Sending, 2));
    // The first claim can no longer change anything.
    assert!(!store
        .mark_outbox_data_committed(id, "first", lease, T0 + lease + 2)
        .await
        .unwrap());
    assert!(!store
        .mark_outbox_accepted(id, "first", "250", lease, T0 + lease + 2)
        .await
        .unwrap());
    assert!(store
        .mark_outbox_data_committed(id, "second", lease, T0 + lease + 2)
        .await
        .unwrap());
    assert!(store.outbox_item(id).await.unwrap().unwrap().data_committed);
    assert!(store
        .mark_outbox_accepted(id, "second", "250 queued", lease, T0 + lease + 3)
        .await
        .unwrap());
    assert!(store
        .complete_outbox(id, "second", None, T0 + lease + 4)
        .await
        .unwrap());
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Done);
    assert_eq!(row.smtp_reply.as_deref(), Some("250 queued"));
    assert_eq!(row.sent_at, Some(T0 + lease + 3));
    assert_eq!(job(&store).await.state, "done");
    assert_eq!(store.next_outbox_due(account).await.unwrap(), None);
}

#[tokio::test]
async fn release_at_start_up_resumes_at_once() {
    let (_dir, store, account) = store().await;
    queue(&store, account, "m1@acme-analytics.example", T0).await;
    store
        .claim_outbox(account, "dead", 60_000, T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.next_outbox_due(account).await.unwrap(),
        Some(T0 + 60_000)
    );
    assert_eq!(store.release_outbox_claims(T0 + 1).await.unwrap(), 1);
    assert!(store
        .claim_outbox(account, "alive", 60_000, T0 + 1)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn deferrals_and_failures_keep_the_message_and_resume_safely() {
    let (_dir, store, account) = store().await;
    let id = queue(&store, account, "m1@acme-analytics.example", T0).await;
    let lease = 60_000;

    // Nothing sent: back to queued (undoable again), due at the retry time.
    store
        .claim_outbox(account, "a", lease, T0)
        .await
        .unwrap()
        .unwrap();
    store.mark_outbox_sending(id, "a", lease, T0).await.unwrap();
    store
        .mark_outbox_data_committed(id, "a", lease, T0)
        .await
        .unwrap();
    assert!(store
        .defer_outbox(id, "a", "451 later", T0 + 30_000, true, T0)
        .await
        .unwrap());
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Queued, false)
    );
    assert_eq!(row.last_error.as_deref(), Some("451 later"));
    let j = job(&store).await;
    assert_eq!(
        (j.state.as_str(), j.last_error.as_deref()),
        ("queued", Some("451 later"))
    );
    assert!(store
        .claim_outbox(account, "b", lease, T0 + 29_999)
        .await
        .unwrap()
        .is_none());

    // Accepted, then filing the copy fails for good: failed, but a retry only files it.
    store
        .claim_outbox(account, "b", lease, T0 + 30_000)
        .await
        .unwrap()
        .unwrap();
    store
        .mark_outbox_sending(id, "b", lease, T0 + 30_000)
        .await
        .unwrap();
    store
        .mark_outbox_accepted(id, "b", "250 ok", lease, T0 + 30_000)
        .await
        .unwrap();
    assert!(store
        .fail_outbox(id, "b", "Sent folder gone", true, T0 + 30_001)
        .await
        .unwrap());
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.resume_state),
        (OutboxState::Failed, Some(OutboxState::SmtpAccepted))
    );
    assert_eq!(
        store.outbox_raw(id).await.unwrap().unwrap(),
        b"Subject: hi\r\n\r\nhello\r\n"
    );
    let j = job(&store).await;
    assert_eq!(
        (j.state.as_str(), j.last_error.as_deref()),
        ("failed", Some("Sent folder gone"))
    );
    assert!(store
        .cancel_outbox(id, T0 + 30_002)
        .await
        .unwrap()
        .is_none());
    assert!(store.retry_outbox(id, true, T0 + 40_000).await.unwrap());
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(
        row.state,
        OutboxState::SmtpAccepted,
        "even `resend` never sends an accepted message again"
    );
    assert_eq!(row.attempts, 0);
    assert_eq!(job(&store).await.state, "queued");
}

#[tokio::test]
async fn an_unknown_delivery_resumes_as_sending_unless_the_user_resends() {
    let (_dir, store, account) = store().await;
    let id = queue(&store, account, "m1@acme-analytics.example", T0).await;
    let lease = 60_000;
    store
        .claim_outbox(account, "a", lease, T0)
        .await
        .unwrap()
        .unwrap();
    store.mark_outbox_sending(id, "a", lease, T0).await.unwrap();
    store
        .mark_outbox_data_committed(id, "a", lease, T0)
        .await
        .unwrap();
    store
        .fail_outbox(id, "a", "may have been sent", false, T0)
        .await
        .unwrap();
    store.retry_outbox(id, false, T0 + 1).await.unwrap();
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Sending, true)
    );

    store
        .claim_outbox(account, "b", lease, T0 + 1)
        .await
        .unwrap()
        .unwrap();
    store
        .fail_outbox(id, "b", "may have been sent", false, T0 + 2)
        .await
        .unwrap();
    store.retry_outbox(id, true, T0 + 3).await.unwrap();
    let row = store.outbox_item(id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.data_committed),
        (OutboxState::Queued, false)
    );
}

#[tokio::test]
async fn drafts_track_which_revision_the_server_holds() {
    let (_dir, store, account) = store().await;
    let d = store
        .save_local_draft(None, account, "{\"v\":1}", T0)
        .await
        .unwrap();
    assert_eq!((d.revision, d.remote_revision, d.remote_uid), (1, 0, None));
    assert!(d.needs_upload());
    assert!(store
        .record_remote_draft(d.id, 1, Some(41), T0 + 1)
        .await
        .unwrap());
    let d2 = store
        .save_local_draft(Some(d.id), account, "{\"v\":2}", T0 + 2)
        .await
        .unwrap();
    assert_eq!((d2.revision, d2.remote_uid), (2, Some(41)));
    assert_eq!(store.drafts_to_upload(account).await.unwrap().len(), 1);
    // A late answer for an older upload does not overwrite a newer one.
    assert!(store
        .record_remote_draft(d.id, 2, Some(42), T0 + 3)
        .await
        .unwrap());
    assert!(!store
        .record_remote_draft(d.id, 1, Some(41), T0 + 4)
        .await
        .unwrap());
    assert_eq!(
        store.draft(d.id).await.unwrap().unwrap().remote_uid,
        Some(42)
    );
    assert!(store.drafts_to_upload(account).await.unwrap().is_empty());
    store
        .record_remote_draft_error(d.id, "offline")
        .await
        .unwrap();
    assert_eq!(
        store.drafts(account).await.unwrap()[0]
            .remote_error
            .as_deref(),
        Some("offline")
    );

    // Sending it takes it off the list; its Drafts copy is remembered for removal.
    let recipients = vec!["lena@northwind.example".to_owned()];
    let id = store
        .queue_outbox(
            &NewOutboxMessage {
                account_id: account,
                message_id: "m9@acme-analytics.example",
                raw: b"x",
                draft_json: "{\"v\":2}",
                draft_id: Some(d.id),
                envelope_from: "priya@acme-analytics.example",
                recipients: &recipients,
                send_after: T0 + 10_000,
            },
            T0 + 5,
        )
        .await
        .unwrap();
    assert!(store.drafts(account).await.unwrap().is_empty());
    assert_eq!(
        store
            .outbox_item(id)
            .await
            .unwrap()
            .unwrap()
            .remote_draft_uid,
        Some(42)
    );
    // Undone, it is a draft again, pointing at the same Drafts copy to replace.
    let back = store.cancel_outbox(id, T0 + 6).await.unwrap().unwrap();
    assert_eq!(
        (back.compose_json.as_str(), back.remote_uid),
        ("{\"v\":2}", Some(42))
    );
    assert!(back.needs_upload());
    assert!(store.delete_local_draft(back.id).await.unwrap().is_some());
    assert!(store
        .save_local_draft(Some(back.id), account, "{}", T0)
        .await
        .is_err());
}
