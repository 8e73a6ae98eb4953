#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Gmail sync against the Gmail contract fake: local state must equal the fake's after
//! every pass (one row per Gmail id, labels as folders, read/starred), whatever happened
//! in between (another client, expired history, expired tokens, rate limits, a pass cut
//! off in the middle). Every test ends by checking our requests against the discovery
//! document.

mod api_support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use switchboard_core::SystemClock;
use switchboard_mail::gmail::{label_state, GmailClient};
use switchboard_mail::rest::BudgetLimits;
use switchboard_store::{FolderScope, MailFlag, Store};
use switchboard_sync::gmail::{sync_once, GmailAccount, HISTORY_CURSOR};
use switchboard_sync::imap::SyncReport;
use switchboard_testkit::{GmailFake, GmailFakeConfig, GmailFakeOptions};

struct Setup {
    fake: GmailFake,
    store: Store,
    _dir: tempfile::TempDir,
    client: GmailClient,
    account: i64,
}

fn raw(id: &str, subject: &str, reply_to: Option<&str>) -> Vec<u8> {
    let refs = reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Dana Buyer <dana@customer.example>\r\nTo: rep@example.test\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}>\r\n{refs}\
         Date: Tue, 10 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nbody of {id}\r\n"
    )
    .into_bytes()
}

async fn setup_with(options: GmailFakeOptions) -> Setup {
    let fake = GmailFake::start(options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Gmail", "gmail", Some(fake.user()), 0)
        .await
        .unwrap();
    let client = client_for(&fake, account);
    Setup {
        fake,
        store,
        _dir: dir,
        client,
        account,
    }
}

async fn setup() -> Setup {
    setup_with(GmailFakeOptions::default()).await
}

fn client_for(fake: &GmailFake, account: i64) -> GmailClient {
    let grant = fake.grant().unwrap();
    let grant = api_support::Grant {
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        expires_in: grant.expires_in,
    };
    let rest = api_support::rest_client(fake.token_url(), grant, account, BudgetLimits::GMAIL, 4);
    GmailClient::new(rest, fake.api_root())
}

impl Setup {
    async fn sync(&self) -> SyncReport {
        self.try_sync().await.unwrap()
    }

    async fn try_sync(&self) -> Result<SyncReport, switchboard_sync::api_mail::ApiSyncError> {
        sync_once(
            &self.store,
            &SystemClock,
            &self.client,
            &GmailAccount {
                id: self.account,
                name: "Gmail",
            },
            &mut |_| {},
        )
        .await
    }

    /// Gmail id → (home folder, label folders, seen, flagged) stored locally.
    async fn local(&self) -> BTreeMap<String, (i64, Vec<i64>, bool, bool)> {
        let rows: Vec<(i64, String, i64, bool, bool)> = sqlx::query_as(
            "SELECT id, remote_id, folder_id, seen, flagged FROM messages WHERE account_id = ?",
        )
        .bind(self.account)
        .fetch_all(self.store.pool())
        .await
        .unwrap();
        let mut out = BTreeMap::new();
        for (id, remote, folder, seen, flagged) in rows {
            let labels = self.store.message_label_folders(id).await.unwrap();
            assert!(
                out.insert(remote.clone(), (folder, labels, seen, flagged))
                    .is_none(),
                "{remote} stored twice"
            );
        }
        out
    }

    /// The same, computed from the fake's state with the label mapping.
    async fn expected(&self) -> BTreeMap<String, (i64, Vec<i64>, bool, bool)> {
        let folders: HashMap<String, i64> = self
            .store
            .folders(Some(self.account))
            .await
            .unwrap()
            .into_iter()
            .filter_map(|f| f.wire_name.map(|w| (w, f.id)))
            .collect();
        let state = self.fake.state().unwrap();
        let mut out = BTreeMap::new();
        for m in state["messages"].as_array().unwrap() {
            let labels: Vec<String> = m["labelIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_owned())
                .collect();
            let s = label_state(&labels, &folders).unwrap();
            out.insert(
                m["id"].as_str().unwrap().to_owned(),
                (s.home_folder_id, s.label_folder_ids, s.seen, s.flagged),
            );
        }
        out
    }

    async fn assert_equal_to_fake(&self) {
        assert_eq!(self.local().await, self.expected().await);
    }

    fn assert_contract(&self) {
        let violations = self.fake.contract_violations().unwrap();
        assert!(violations.is_empty(), "{violations:#?}");
    }

    async fn folder(&self, wire: &str) -> i64 {
        self.store
            .folders(Some(self.account))
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.wire_name.as_deref() == Some(wire))
            .unwrap()
            .id
    }

    async fn local_id(&self, gmail_id: &str) -> i64 {
        self.store
            .remote_message(self.account, gmail_id)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    fn statuses(&self) -> Vec<u64> {
        let requests: Value = self.fake.requests().unwrap();
        requests
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect()
    }
}

#[tokio::test]
async fn initial_sync_maps_labels_flags_and_gmail_threads() {
    let s = setup().await;
    let label = s.fake.create_label("Customers/Acme").unwrap();
    let first = s
        .fake
        .insert(
            &raw("q1@customer.example", "Quote", None),
            &["INBOX", "UNREAD", &label],
        )
        .unwrap();
    // Our reply (Sent) and a message Gmail put in the same thread without references.
    s.fake
        .insert(
            &raw("r1@example.test", "Re: Quote", Some("q1@customer.example")),
            &["SENT"],
        )
        .unwrap();
    s.fake
        .insert_with(
            &raw("x1@customer.example", "Quote v2", None),
            &["INBOX", "STARRED"],
            Some(&first.thread_id),
            None,
        )
        .unwrap();
    s.fake
        .insert(&raw("t1@spam.example", "Win", None), &["TRASH"])
        .unwrap();
    s.fake
        .insert(
            &raw("s1@spam.example", "Win big", None),
            &["SPAM", "UNREAD"],
        )
        .unwrap();

    let report = s.sync().await;
    assert_eq!(report.fetched, 5);
    s.assert_equal_to_fake().await;
    assert!(s
        .store
        .cursor(s.account, HISTORY_CURSOR)
        .await
        .unwrap()
        .is_some());

    // One conversation of three, listed in the Inbox, the label and Sent.
    let inbox = s.folder("INBOX").await;
    let threads = s
        .store
        .list_threads_in(&FolderScope::Folder(inbox), 0, 10)
        .await
        .unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].message_count, 3);
    for wire in [label.as_str(), "SENT", "@all"] {
        let folder = s.folder(wire).await;
        assert_eq!(
            s.store
                .list_threads_in(&FolderScope::Folder(folder), 0, 10)
                .await
                .unwrap()
                .len(),
            1,
            "{wire}"
        );
    }
    // A second pass with nothing new changes nothing.
    assert_eq!(
        s.sync().await,
        SyncReport {
            folders: report.folders,
            ..Default::default()
        }
    );
    s.assert_contract();
}

#[tokio::test]
async fn another_clients_changes_arrive_through_history() {
    let s = setup().await;
    let a = s
        .fake
        .insert(&raw("a@x.example", "A", None), &["INBOX", "UNREAD"])
        .unwrap();
    let b = s
        .fake
        .insert(&raw("b@x.example", "B", None), &["INBOX"])
        .unwrap();
    let c = s
        .fake
        .insert(&raw("c@x.example", "C", None), &["INBOX"])
        .unwrap();
    s.sync().await;

    s.fake.modify(&a.id, &["STARRED"], &["UNREAD"]).unwrap(); // read + starred elsewhere
    s.fake.modify(&b.id, &[], &["INBOX"]).unwrap(); // archived elsewhere
    s.fake.delete(&c.id).unwrap();
    let d = s
        .fake
        .insert(&raw("d@x.example", "D", None), &["INBOX", "UNREAD"])
        .unwrap();
    let report = s.sync().await;
    assert_eq!(report.fetched, 1);
    assert_eq!(report.deleted, 1);
    assert_eq!(
        report.new_inbox.len(),
        1,
        "the new unread Inbox message is announced"
    );
    assert_eq!(report.new_inbox[0].0, s.local_id(&d.id).await);
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

#[tokio::test]
async fn expired_history_means_a_full_resync_without_duplicates() {
    let s = setup().await;
    for i in 0..6 {
        s.fake
            .insert(
                &raw(&format!("m{i}@x.example"), "M", None),
                &["INBOX", "UNREAD"],
            )
            .unwrap();
    }
    s.sync().await;
    let ids: Vec<String> = s.local().await.keys().cloned().collect();
    s.fake.modify(&ids[0], &[], &["UNREAD"]).unwrap();
    s.fake.delete(&ids[1]).unwrap();
    s.fake
        .insert(&raw("late@x.example", "Late", None), &["INBOX"])
        .unwrap();
    s.fake.expire_history().unwrap();
    s.fake.clear_requests().unwrap();

    let report = s.sync().await;
    assert_eq!(
        (report.fetched, report.deleted),
        (1, 1),
        "only the new one is fetched"
    );
    s.assert_equal_to_fake().await;
    assert!(s.statuses().contains(&404), "history.list said 404 first");
    // And incremental again afterwards.
    s.fake.modify(&ids[2], &["STARRED"], &[]).unwrap();
    s.sync().await;
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_a_revoked_grant_stops() {
    let s = setup().await;
    s.fake
        .insert(&raw("a@x.example", "A", None), &["INBOX"])
        .unwrap();
    s.fake.expire_tokens().unwrap();
    s.sync().await;
    assert_eq!(
        s.statuses().iter().filter(|st| **st == 401).count(),
        1,
        "one 401, then a refreshed token"
    );
    s.assert_equal_to_fake().await;

    s.fake.expire_tokens().unwrap();
    s.fake.revoke().unwrap();
    s.fake.clear_requests().unwrap();
    let err = s.try_sync().await.unwrap_err();
    assert!(err.needs_sign_in(), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        s.statuses(),
        vec![401],
        "no retry loop after the refresh was refused"
    );
    s.assert_contract();
}

#[tokio::test]
async fn rate_limits_are_waited_out_and_the_pass_completes() {
    // A small quota in a 1 s window: 20 messages need ~100 units of gets alone.
    let s = setup_with(GmailFakeOptions {
        quota_units: 60,
        window_ms: 1000,
        ..Default::default()
    })
    .await;
    s.fake
        .set_config(&GmailFakeConfig {
            quota_units: Some(100_000),
            ..Default::default()
        })
        .unwrap();
    for i in 0..20 {
        s.fake
            .insert(&raw(&format!("m{i}@x.example"), "M", None), &["INBOX"])
            .unwrap();
    }
    s.fake
        .set_config(&GmailFakeConfig {
            quota_units: Some(60),
            ..Default::default()
        })
        .unwrap();
    s.fake.clear_requests().unwrap();
    let report = s.sync().await;
    assert_eq!(report.fetched, 20);
    let statuses = s.statuses();
    assert!(
        statuses.contains(&429),
        "the fake did rate-limit: {statuses:?}"
    );
    s.assert_equal_to_fake().await;

    // Gmail's older answer: 403 userRateLimitExceeded, honoured the same way.
    s.fake
        .set_config(&GmailFakeConfig {
            rate_limit_status: Some(403),
            ..Default::default()
        })
        .unwrap();
    for i in 0..15 {
        s.fake
            .insert(&raw(&format!("n{i}@x.example"), "N", None), &["INBOX"])
            .unwrap();
    }
    s.fake.clear_requests().unwrap();
    assert_eq!(s.sync().await.fetched, 15);
    assert!(s.statuses().contains(&403));
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let s = setup().await;
    s.fake
        .insert(&raw("a@x.example", "A", None), &["INBOX"])
        .unwrap();
    s.fake.fail_next(503, 2, Some("/messages"), None).unwrap();
    s.sync().await;
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

#[tokio::test]
async fn local_changes_are_replayed_as_label_changes_also_after_being_offline() {
    let s = setup().await;
    let label = s.fake.create_label("Deals").unwrap();
    let a = s
        .fake
        .insert(&raw("a@x.example", "A", None), &["INBOX", "UNREAD"])
        .unwrap();
    let b = s
        .fake
        .insert(&raw("b@x.example", "B", None), &["INBOX"])
        .unwrap();
    let c = s
        .fake
        .insert(&raw("c@x.example", "C", None), &["INBOX"])
        .unwrap();
    let d = s
        .fake
        .insert(&raw("d@x.example", "D", None), &["INBOX"])
        .unwrap();
    s.sync().await;
    let (la, lb, lc, ld) = (
        s.local_id(&a.id).await,
        s.local_id(&b.id).await,
        s.local_id(&c.id).await,
        s.local_id(&d.id).await,
    );
    let now = 1;
    s.store
        .remote_set_flag(&[la], MailFlag::Seen, true, now)
        .await
        .unwrap();
    s.store
        .remote_set_flag(&[la], MailFlag::Flagged, true, now)
        .await
        .unwrap();
    s.store
        .remote_move_to_role(&[lb], "archive", now)
        .await
        .unwrap();
    let deals = s.folder(&label).await;
    s.store.remote_move(&[lc], deals, now).await.unwrap();
    s.store
        .remote_move_to_role(&[ld], "trash", now)
        .await
        .unwrap();

    // Offline: the replay fails, the changes stay queued and local.
    // (the first change is tried 1 + 4 times, then the pass gives up)
    s.fake.fail_next(503, 5, Some("batchModify"), None).unwrap();
    let err = s.try_sync().await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(
        s.store.pending_remote_ids(s.account).await.unwrap().len(),
        4
    );

    // Back online (jobs become due again after their retry delay: claim them now).
    sqlx::query("UPDATE jobs SET run_after = 0 WHERE state = 'queued'")
        .execute(s.store.pool())
        .await
        .unwrap();
    s.sync().await;
    assert!(s
        .store
        .pending_remote_ids(s.account)
        .await
        .unwrap()
        .is_empty());
    let state = s.fake.state().unwrap();
    let labels_of = |id: &str| -> Vec<String> {
        let m = state["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap();
        let mut l: Vec<String> = m["labelIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect();
        l.sort();
        l
    };
    assert_eq!(labels_of(&a.id), vec!["INBOX", "STARRED"]);
    assert!(labels_of(&b.id).is_empty(), "archived: no Inbox");
    assert_eq!(labels_of(&c.id), vec![label.clone()]);
    assert!(labels_of(&d.id).contains(&"TRASH".to_owned()));
    s.assert_equal_to_fake().await;

    // Empty Trash deletes it on the server.
    s.store.remote_empty_trash(s.account, 2).await.unwrap();
    s.sync().await;
    assert_eq!(
        s.fake.state().unwrap()["messages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

#[tokio::test]
async fn a_pass_cut_off_in_the_middle_resumes_without_loss_or_duplicates() {
    let s = setup().await;
    s.fake.bulk(700).unwrap();
    // Cut the first pass off once its first batch is stored (like a kill: the future is
    // dropped wherever it is).
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let account = GmailAccount {
        id: s.account,
        name: "Gmail",
    };
    let mut on_progress = |p: &switchboard_sync::imap::SyncProgress| {
        if p.done > 0 {
            if let Some(tx) = tx.take() {
                let _ = tx.send(());
            }
        }
    };
    let pass = sync_once(
        &s.store,
        &SystemClock,
        &s.client,
        &account,
        &mut on_progress,
    );
    tokio::select! {
        r = pass => panic!("the pass finished before it was cut off: {r:?}"),
        _ = rx => {}
    }
    let partial = s.local().await.len();
    assert!(partial > 0 && partial < 700, "cut in the middle: {partial}");
    assert!(s
        .store
        .cursor(s.account, HISTORY_CURSOR)
        .await
        .unwrap()
        .is_none());

    let report = s.sync().await;
    assert_eq!(report.fetched, 700 - partial, "only the rest is fetched");
    s.assert_equal_to_fake().await;
    s.assert_contract();
}

/// The outbox through messages.send: a reply keeps its Gmail thread, and a crash at any
/// point of the send (before the call, after it, before recording it) never sends twice.
#[tokio::test]
async fn outbox_sends_through_gmail_once_whatever_the_crash_point() {
    use chrono::TimeZone;
    use switchboard_core::{Clock, FixedClock};
    use switchboard_mail::compose::{Draft, Mailbox};
    use switchboard_sync::gmail_send::{GmailMailbox, GmailTransport};
    use switchboard_sync::outbox::{Checkpoint, Outbox, SendAccount};

    let s = setup().await;
    let original = s
        .fake
        .insert(&raw("q1@customer.example", "Quote", None), &["INBOX"])
        .unwrap();
    let t0 = chrono::Utc.timestamp_millis_opt(1_800_000_000_000).unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let account = SendAccount {
        account_id: s.account,
        provider_saves_sent: true,
    };
    let crashes = [
        None,
        Some(Checkpoint::MarkedSending),
        Some(Checkpoint::DataCommitted),
        Some(Checkpoint::SmtpAnswered),
        Some(Checkpoint::AcceptedRecorded),
    ];
    for (i, crash) in crashes.into_iter().enumerate() {
        let mut draft = Draft::new(Mailbox::named("Rep", s.fake.user()));
        draft.to.push(Mailbox::new("dana@customer.example"));
        draft.subject = format!("Re: Quote ({i})");
        draft.in_reply_to = Some("q1@customer.example".into());
        draft.references = vec!["q1@customer.example".into()];
        draft.text = "Thanks, here it is.\n".into();
        let outbox = || {
            Outbox::new(
                s.store.clone(),
                clock.clone(),
                fastrand::Rng::with_seed(i as u64 * 1000 + 7),
            )
        };
        let queued = outbox()
            .queue_send(s.account, &draft, None, 5)
            .await
            .unwrap();
        clock.set(clock.now() + chrono::Duration::seconds(6));
        let (mut transport, mut mailbox) = (
            GmailTransport::new(s.client.clone()),
            GmailMailbox::new(s.client.clone()),
        );
        if let Some(point) = crash {
            let err = outbox()
                .crash_at(point)
                .run_due(&account, &mut transport, &mut mailbox)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("simulated crash"), "{err}");
            // The restarted runner takes over the abandoned claim.
            clock.set(clock.now() + chrono::Duration::minutes(30));
        }
        let report = outbox()
            .run_due(&account, &mut transport, &mut mailbox)
            .await
            .unwrap();
        assert_eq!(report.sent, [queued.message_id.as_str()], "{crash:?}");
        let sends: Vec<_> = s
            .fake
            .sends()
            .unwrap()
            .into_iter()
            .filter(|m| m.raw_message_id.as_deref() == Some(queued.message_id.as_str()))
            .collect();
        assert_eq!(sends.len(), 1, "{crash:?}: sent exactly once");
        assert_eq!(
            sends[0].thread_id, original.thread_id,
            "{crash:?}: same Gmail thread"
        );
    }
    s.assert_contract();
}
