#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Threading across folders and accounts, the subject fallback's rules, and thread ids
//! that survive deleting and re-storing messages (an IMAP UIDVALIDITY reset).

use std::collections::BTreeMap;
use switchboard_store::{delete_messages_tx, NewAttachment, NewMessage, Store, StoredOutcome};

const DAY: i64 = 86_400_000;

struct Mailboxes {
    _dir: tempfile::TempDir,
    store: Store,
    /// Account A's INBOX and Sent, account B's INBOX and Sent.
    a_inbox: i64,
    a_sent: i64,
    b_inbox: i64,
    b_sent: i64,
}

async fn mailboxes() -> Mailboxes {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let a = store
        .ensure_account("A", "imap", Some("a@x.example"), 0)
        .await
        .unwrap();
    let b = store
        .ensure_account("B", "imap", Some("b@y.example"), 0)
        .await
        .unwrap();
    let folder = |account, name: &'static str, role: &'static str| {
        let store = store.clone();
        async move {
            store
                .ensure_folder(account, name, Some(role))
                .await
                .unwrap()
        }
    };
    Mailboxes {
        a_inbox: folder(a, "INBOX", "inbox").await,
        a_sent: folder(a, "Sent", "sent").await,
        b_inbox: folder(b, "INBOX", "inbox").await,
        b_sent: folder(b, "Sent", "sent").await,
        _dir: dir,
        store,
    }
}

/// A message in `folder` (the account is looked up from it by the caller's choice of
/// folder: A's folders are 1 and 2, B's 3 and 4).
fn msg(folder: i64, id: &str, refs: &[&str], subject: &str, date: i64) -> NewMessage {
    let (key, reply) = match subject.strip_prefix("Re: ") {
        Some(rest) => (rest.to_lowercase(), true),
        None => (subject.to_lowercase(), false),
    };
    NewMessage {
        account_id: if folder <= 2 { 1 } else { 2 },
        folder_id: folder,
        dedupe_key: id.to_owned(),
        message_id: Some(id.to_owned()),
        in_reply_to: refs.last().map(|r| r.to_string()),
        references: refs.iter().map(|r| r.to_string()).collect(),
        subject: subject.to_owned(),
        subject_key: key,
        is_reply_subject: reply,
        from_email: Some(format!("{id}@sender.example")),
        to: vec![(None, "a@x.example".into())],
        date,
        body_text: format!("body of {id} with word{id}"),
        attachments: vec![NewAttachment {
            name: format!("{id}.pdf"),
            mime_type: "application/pdf".into(),
            size: 3,
            content_id: None,
        }],
        raw: format!("Message-ID: <{id}>\r\n\r\nbody").into_bytes(),
        ..Default::default()
    }
}

/// Without a Message-ID the dedupe key is a hash of the raw bytes.
fn without_id(mut m: NewMessage) -> NewMessage {
    m.dedupe_key = format!("sha256:{}", m.dedupe_key);
    m.message_id = None;
    m
}

async fn store(store: &Store, batch: &[NewMessage]) -> Vec<i64> {
    store
        .store_messages(batch, None, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|o| match o {
            StoredOutcome::Inserted { thread_id, .. } => thread_id,
            StoredOutcome::Duplicate { .. } => panic!("unexpected duplicate"),
        })
        .collect()
}

/// (folder, dedupe key) -> thread id, for every stored message.
async fn threads_by_message(store: &Store) -> BTreeMap<(i64, String), i64> {
    sqlx::query_as::<_, (i64, String, i64)>("SELECT folder_id, dedupe_key, thread_id FROM messages")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(f, k, t)| ((f, k), t))
        .collect()
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reply_from_another_account_joins_the_original() {
    let m = mailboxes().await;
    // A receives the original; B (another of the user's accounts) replies from Sent,
    // and A receives that reply too.
    let original = store(&m.store, &[msg(m.a_inbox, "o", &[], "Offer", DAY)]).await;
    let reply = store(
        &m.store,
        &[
            msg(m.b_sent, "r", &["o"], "Re: Offer", 2 * DAY),
            msg(m.a_inbox, "r", &["o"], "Re: Offer", 2 * DAY),
        ],
    )
    .await;
    assert_eq!(reply, vec![original[0], original[0]]);
    // A reply without references from B's Sent joins by subject, across accounts.
    let loose = store(&m.store, &[msg(m.b_sent, "l", &[], "Re: Offer", 3 * DAY)]).await;
    assert_eq!(loose[0], original[0]);
    // A copy of the original in B's INBOX is the same conversation.
    let copy = store(&m.store, &[msg(m.b_inbox, "o", &[], "Offer", DAY)]).await;
    assert_eq!(copy[0], original[0]);

    assert_eq!(m.store.thread_count(None).await.unwrap(), 1);
    assert_eq!(m.store.thread_count(Some(1)).await.unwrap(), 1);
    assert_eq!(m.store.thread_count(Some(2)).await.unwrap(), 1);
    let t = m.store.thread(original[0]).await.unwrap().unwrap();
    assert_eq!((t.message_count, t.subject.as_str()), (5, "Offer"));
    // Each account's listing shows the thread with that account's messages.
    let b = m.store.thread_listing(Some(2)).await.unwrap();
    let ids: Vec<_> = b.iter().map(|r| r.message_id.clone().unwrap()).collect();
    assert_eq!(ids, vec!["o", "r", "l"]);
}

#[tokio::test]
async fn the_subject_fallback_is_a_rule_between_two_messages() {
    let m = mailboxes().await;
    let f = m.a_inbox;
    let t = store(
        &m.store,
        &[
            msg(f, "o1", &[], "Budget", 10 * DAY),
            // Two originals with one subject are two conversations...
            msg(f, "o2", &[], "Budget", 11 * DAY),
            // ...a reply dated before an original does not answer it...
            msg(f, "early", &[], "Re: Budget", 9 * DAY),
            // ...replies without references find each other within 90 days...
            msg(f, "late1", &[], "Re: Budget", 200 * DAY),
            msg(f, "late2", &[], "Re: Budget", 250 * DAY),
            // ...a reply with references never looks at the subject...
            msg(f, "refd", &["elsewhere"], "Re: Budget", 12 * DAY),
            // ...and an empty key never matches.
            msg(f, "e1", &[], "Re:", 10 * DAY),
            msg(f, "e2", &[], "Re:", 10 * DAY),
        ],
    )
    .await;
    let [o1, o2, early, late1, late2, refd, e1, e2] = t[..] else {
        panic!("{t:?}")
    };
    let distinct = [o1, o2, early, late1, refd, e1, e2];
    let mut unique = distinct.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), distinct.len(), "{t:?}");
    assert_eq!(late1, late2);

    // A reply that answers both originals in the window links them all (and the orphan
    // reply near it): no original is preferred over another, so arrival order cannot
    // matter.
    let both = store(&m.store, &[msg(f, "r2", &[], "Re: Budget", 20 * DAY)]).await;
    let listed = threads_by_message(&m.store).await;
    for id in ["o1", "o2", "early"] {
        assert_eq!(listed[&(f, id.to_owned())], both[0], "{id}");
    }
    assert_ne!(listed[&(f, "late1".to_owned())], both[0]);
    assert_eq!(
        m.store.thread(both[0]).await.unwrap().unwrap().subject,
        "Re: Budget",
        "a thread's subject is its oldest message's"
    );
}

#[tokio::test]
async fn thread_ids_survive_deleting_and_restoring_a_folder() {
    let m = mailboxes().await;
    let inbox = vec![
        msg(m.a_inbox, "a1", &[], "Alpha", DAY),
        msg(m.a_inbox, "a2", &["a1"], "Re: Alpha", 2 * DAY),
        msg(m.a_inbox, "b1", &["b0-missing"], "Re: Beta", 3 * DAY),
        msg(m.a_inbox, "c1", &[], "Gamma", 4 * DAY),
        without_id(msg(m.a_inbox, "c2", &[], "Re: Gamma", 5 * DAY)),
        without_id(msg(m.a_inbox, "d1", &[], "Delta alone", 6 * DAY)),
        msg(m.a_inbox, "e1", &[], "Epsilon", 7 * DAY),
    ];
    let sent = vec![
        msg(m.a_sent, "a3", &["a1", "a2"], "Re: Alpha", 3 * DAY),
        msg(m.a_sent, "e2", &["e1"], "Re: Epsilon", 8 * DAY),
    ];
    store(&m.store, &inbox).await;
    store(&m.store, &sent).await;
    let before = threads_by_message(&m.store).await;
    assert_eq!(m.store.thread_count(None).await.unwrap(), 5);
    let max_id = count(&m.store, "SELECT max(id) FROM messages").await;
    for (table, column) in [
        ("message_raw", "message_id"),
        ("message_addresses", "message_id"),
        ("attachments", "message_id"),
        ("messages_fts", "rowid"),
    ] {
        let n = count(
            &m.store,
            &format!("SELECT count(DISTINCT {column}) FROM {table}"),
        )
        .await;
        assert_eq!(n, 9, "{table} before");
    }
    let fts_hits = |word: &'static str| {
        let store = m.store.clone();
        async move {
            count(
                &store,
                &format!("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '{word}'"),
            )
            .await
        }
    };
    assert_eq!(fts_hits("worda1").await, 1);

    // The folder's UIDVALIDITY changed: its messages go, inside the caller's transaction.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE folder_id = ?")
        .bind(m.a_inbox)
        .fetch_all(m.store.pool())
        .await
        .unwrap();
    let mut tx = m.store.pool().begin().await.unwrap();
    delete_messages_tx(&mut tx, &ids).await.unwrap();
    tx.commit().await.unwrap();

    for (table, column) in [
        ("messages", "id"),
        ("message_raw", "message_id"),
        ("message_addresses", "message_id"),
        ("attachments", "message_id"),
        ("messages_fts", "rowid"),
    ] {
        let n = count(
            &m.store,
            &format!("SELECT count(DISTINCT {column}) FROM {table}"),
        )
        .await;
        assert_eq!(n, 2, "{table} after deleting");
    }
    assert_eq!(
        fts_hits("worda1").await,
        0,
        "search forgets deleted messages"
    );
    assert_eq!(fts_hits("worda3").await, 1);
    // Only the threads that still hold a message (Alpha and Epsilon, through Sent) are
    // listed and counted; the others keep their rows, empty.
    let listed: Vec<(i64, i64)> = m
        .store
        .list_threads(None, 0, 50)
        .await
        .unwrap()
        .iter()
        .map(|t| (t.id, t.message_count))
        .collect();
    assert_eq!(
        listed,
        vec![
            (before[&(m.a_sent, "e2".into())], 1),
            (before[&(m.a_sent, "a3".into())], 1)
        ]
    );
    assert_eq!(m.store.thread_count(None).await.unwrap(), 2);
    assert_eq!(m.store.thread_count(Some(1)).await.unwrap(), 2);
    assert_eq!(m.store.stats().await.unwrap().threads, 2);
    assert_eq!(m.store.thread_listing(None).await.unwrap().len(), 2);
    let emptied = m
        .store
        .thread(before[&(m.a_inbox, "c1".into())])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((emptied.message_count, emptied.unread_count), (0, 0));
    assert_eq!(count(&m.store, "SELECT count(*) FROM threads").await, 5);

    // Re-fetched under new UIDs, newest first and in two batches: same threads.
    let mut again = inbox.clone();
    again.reverse();
    for (i, msg) in again.iter_mut().enumerate() {
        msg.uid = Some(100 + i as i64);
    }
    store(&m.store, &again[..3]).await;
    store(&m.store, &again[3..]).await;
    assert_eq!(threads_by_message(&m.store).await, before);
    assert_eq!(m.store.thread_count(None).await.unwrap(), 5);
    let alpha = m
        .store
        .thread(before[&(m.a_inbox, "a1".into())])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((alpha.message_count, alpha.subject.as_str()), (3, "Alpha"));
    assert_eq!(fts_hits("worda1").await, 1);
    // Ids of deleted messages are not handed out again.
    let min_new = count(
        &m.store,
        &format!(
            "SELECT min(id) FROM messages WHERE folder_id = {}",
            m.a_inbox
        ),
    )
    .await;
    assert!(min_new > max_id, "{min_new} <= {max_id}");
}

#[tokio::test]
async fn deleting_part_of_a_thread_refreshes_its_summary() {
    let m = mailboxes().await;
    let mut unread = msg(m.a_inbox, "x2", &["x1"], "Re: Xi", 2 * DAY);
    unread.from_name = Some("Zed".into());
    let mut read = msg(m.a_inbox, "x1", &[], "Xi", DAY);
    read.seen = true;
    let t = store(&m.store, &[read, unread]).await;
    let x2: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE dedupe_key = 'x2'")
        .fetch_one(m.store.pool())
        .await
        .unwrap();
    m.store.delete_messages(&[x2, 9999], 0).await.unwrap();
    m.store.delete_messages(&[], 0).await.unwrap();
    let thread = m.store.thread(t[0]).await.unwrap().unwrap();
    assert_eq!(
        (
            thread.message_count,
            thread.unread_count,
            thread.last_date,
            thread.has_attachments
        ),
        (1, 0, DAY, true)
    );
    assert_eq!(thread.participant_list(), vec!["x1@sender.example"]);
    assert_eq!(m.store.unread_total().await.unwrap(), 0);
}
