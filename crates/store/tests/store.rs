#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
use sha2::{Digest, Sha256};
use switchboard_store::{
    NewMessage, NewTicket, SearchFilters, Store, StoreError, StoredOutcome, TicketFilter, DB_FILE,
};

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}

fn msg(folder: i64, id: &str, refs: &[&str], subject: &str, date: i64) -> NewMessage {
    let (key, reply) = {
        let lower = subject.to_lowercase();
        match lower.strip_prefix("re: ") {
            Some(rest) => (rest.to_owned(), true),
            None => (lower, false),
        }
    };
    NewMessage {
        account_id: 1,
        folder_id: folder,
        dedupe_key: id.to_owned(),
        message_id: Some(id.to_owned()),
        references: refs.iter().map(|r| r.to_string()).collect(),
        subject: subject.to_owned(),
        subject_key: key,
        is_reply_subject: reply,
        from_email: Some(format!("{id}@sender.example")),
        from_name: Some(format!("Sender {id}")),
        date,
        body_text: format!("body of {id}"),
        raw: format!("Message-ID: <{id}>\r\n\r\nbody").into_bytes(),
        ..Default::default()
    }
}

async fn setup_folder(store: &Store) -> i64 {
    let account = store
        .ensure_account("Work", "local", None, 0)
        .await
        .unwrap();
    assert_eq!(account, 1);
    store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap()
}

fn thread_of(outcome: StoredOutcome) -> i64 {
    match outcome {
        StoredOutcome::Inserted { thread_id, .. } => thread_id,
        StoredOutcome::Duplicate { .. } => panic!("unexpected duplicate"),
    }
}

#[tokio::test]
async fn late_parent_merges_threads_and_reimport_adds_nothing() {
    let (_dir, store) = fresh().await;
    let folder = setup_folder(&store).await;
    // Two replies arrive before their common parent; each starts a thread...
    let a = store
        .store_messages(&[msg(folder, "c1", &["root"], "Re: Plan", 2)], None, 0)
        .await
        .unwrap();
    let b = store
        .store_messages(
            &[msg(folder, "c2", &["other-parent"], "Re: Plan", 3)],
            None,
            0,
        )
        .await
        .unwrap();
    assert_ne!(thread_of(a[0]), thread_of(b[0]));
    // ...and the message referencing both joins and merges them.
    let c = store
        .store_messages(
            &[msg(folder, "c3", &["root", "other-parent"], "Re: Plan", 4)],
            None,
            0,
        )
        .await
        .unwrap();
    let merged = thread_of(c[0]);
    assert_eq!(merged, thread_of(a[0]).min(thread_of(b[0])));
    assert_eq!(store.thread_count(None).await.unwrap(), 1);
    let t = store.thread(merged).await.unwrap().unwrap();
    assert_eq!(t.message_count, 3);
    assert_eq!(t.last_date, 4);
    assert_eq!(
        t.participant_list(),
        vec!["Sender c1", "Sender c2", "Sender c3"]
    );

    let again = store
        .store_messages(&[msg(folder, "c1", &["root"], "Re: Plan", 2)], None, 0)
        .await
        .unwrap();
    assert!(matches!(again[0], StoredOutcome::Duplicate { .. }));
    assert_eq!(store.stats().await.unwrap().messages, 3);
}

#[tokio::test]
async fn subject_fallback_only_without_references() {
    let (_dir, store) = fresh().await;
    let folder = setup_folder(&store).await;
    let day = 86_400_000;
    let orphan = store
        .store_messages(&[msg(folder, "r1", &[], "Re: Budget", 10 * day)], None, 0)
        .await
        .unwrap();
    // The original arrives later and adopts the orphan reply.
    let original = store
        .store_messages(&[msg(folder, "o1", &[], "Budget", 9 * day)], None, 0)
        .await
        .unwrap();
    assert_eq!(thread_of(orphan[0]), thread_of(original[0]));
    // A second, unrelated original with the same subject does not join a thread that
    // already has one.
    let other = store
        .store_messages(&[msg(folder, "o2", &[], "Budget", 11 * day)], None, 0)
        .await
        .unwrap();
    assert_ne!(thread_of(other[0]), thread_of(original[0]));
    // A reply that has references never uses the subject.
    let referenced = store
        .store_messages(
            &[msg(folder, "r2", &["unknown"], "Re: Budget", 12 * day)],
            None,
            0,
        )
        .await
        .unwrap();
    assert_ne!(thread_of(referenced[0]), thread_of(original[0]));
    assert_ne!(thread_of(referenced[0]), thread_of(other[0]));
    // An old reply outside the window starts its own thread.
    let late = store
        .store_messages(&[msg(folder, "r3", &[], "Re: Budget", 400 * day)], None, 0)
        .await
        .unwrap();
    assert_ne!(thread_of(late[0]), thread_of(referenced[0]));
}

#[tokio::test]
async fn search_finds_body_words_and_marks_matches() {
    let (_dir, store) = fresh().await;
    let folder = setup_folder(&store).await;
    let mut m = msg(folder, "s1", &[], "Quarterly numbers", 5);
    m.body_text = "the zanzibarite clause stays".into();
    store
        .store_messages(&[m, msg(folder, "s2", &[], "Other", 6)], None, 0)
        .await
        .unwrap();
    let hits = store
        .search_messages("\"zanzibarite\"", &SearchFilters::default(), 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].subject, "Quarterly numbers");
    assert!(
        hits[0].snippet.contains("\u{2}zanzibarite\u{3}"),
        "{}",
        hits[0].snippet
    );
}

#[tokio::test]
async fn batch_and_cursor_commit_together() {
    let (_dir, store) = fresh().await;
    let folder = setup_folder(&store).await;
    // A batch whose second message violates a constraint rolls back entirely,
    // cursor included.
    let mut bad = msg(folder, "b2", &[], "x", 1);
    bad.folder_id = 999;
    let err = store
        .store_messages(
            &[msg(folder, "b1", &[], "x", 1), bad],
            Some((1, "folder:INBOX", "42")),
            0,
        )
        .await;
    assert!(err.is_err());
    assert_eq!(store.stats().await.unwrap().messages, 0);
    assert_eq!(store.cursor(1, "folder:INBOX").await.unwrap(), None);
    store
        .store_messages(
            &[msg(folder, "b1", &[], "x", 1)],
            Some((1, "folder:INBOX", "42")),
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        store.cursor(1, "folder:INBOX").await.unwrap().as_deref(),
        Some("42")
    );
}

#[tokio::test]
async fn tickets_filter_by_source_status_urgency_and_contact() {
    let (_dir, store) = fresh().await;
    let fs = store
        .ensure_ticket_source("FluentSupport", "fluentsupport")
        .await
        .unwrap();
    let mb = store
        .ensure_ticket_source("Support mailbox", "mailbox")
        .await
        .unwrap();
    let t = |id: &str, status: &str, urgency: &str, email: &str| NewTicket {
        external_id: id.into(),
        title: format!("ticket {id}"),
        status: status.into(),
        urgency: urgency.into(),
        customer_email: Some(email.into()),
        created_at: 1,
        updated_at: id.len() as i64,
        ..Default::default()
    };
    store
        .upsert_tickets(
            fs,
            &[
                t("1", "new", "high", "a@x.example"),
                t("2", "closed", "low", "b@y.example"),
            ],
            0,
        )
        .await
        .unwrap();
    store
        .upsert_tickets(mb, &[t("m1", "new", "high", "a@x.example")], 0)
        .await
        .unwrap();
    // Re-import updates in place.
    store
        .upsert_tickets(fs, &[t("1", "active", "high", "a@x.example")], 0)
        .await
        .unwrap();

    let count = |f: TicketFilter| {
        let store = store.clone();
        async move { store.list_tickets(&f, 0, 50).await.unwrap().0 }
    };
    assert_eq!(count(TicketFilter::default()).await, 3);
    assert_eq!(
        count(TicketFilter {
            source_id: Some(fs),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        count(TicketFilter {
            status: Some("new".into()),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(TicketFilter {
            urgency: Some("high".into()),
            ..Default::default()
        })
        .await,
        2
    );
    let contact = store
        .contact_id_for_email("a@x.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        count(TicketFilter {
            contact_id: Some(contact),
            ..Default::default()
        })
        .await,
        2
    );
    let sources = store.ticket_sources().await.unwrap();
    assert_eq!(sources.iter().map(|s| s.ticket_count).sum::<i64>(), 3);
}

#[tokio::test]
async fn jobs_are_idempotent_and_survive_interruption() {
    let (_dir, store) = fresh().await;
    let payload = serde_json::json!({"to": "x"});
    let a = store
        .enqueue_job("send", &payload, Some("msg-1"), 0)
        .await
        .unwrap();
    let b = store
        .enqueue_job("send", &payload, Some("msg-1"), 0)
        .await
        .unwrap();
    assert_eq!(a, b);
    let job = store.claim_job(10).await.unwrap().unwrap();
    assert_eq!(
        (job.id, job.state.as_str(), job.attempts),
        (a, "running", 1)
    );
    assert!(store.claim_job(10).await.unwrap().is_none());
    // The process dies; on restart the running job is queued again.
    assert_eq!(store.requeue_interrupted_jobs(20).await.unwrap(), 1);
    let job = store.claim_job(20).await.unwrap().unwrap();
    store
        .fail_job(job.id, "offline", Some(100), 21)
        .await
        .unwrap();
    assert!(store.claim_job(50).await.unwrap().is_none(), "not due yet");
    let job = store.claim_job(100).await.unwrap().unwrap();
    assert_eq!(job.attempts, 3);
    store.finish_job(job.id, 101).await.unwrap();
    assert_eq!(store.recent_jobs(5).await.unwrap()[0].state, "done");
}

fn digest(path: &std::path::Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[tokio::test]
async fn refuses_a_newer_schema_without_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', 1, x'00', 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
    }
    let path = dir.path().join(DB_FILE);
    let before = digest(&path);
    let err = Store::open(dir.path()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 9999, .. }),
        "{err}"
    );
    assert_eq!(err.code(), switchboard_core::ErrorCode::StoreUnusable);
    assert!(err.to_string().contains("newer version"));
    assert_eq!(digest(&path), before);
}

#[tokio::test]
async fn refuses_a_corrupt_file_without_touching_it() {
    let cases: &[&[u8]] = &[
        b"this is not a database at all, just some text that is long enough",
        b"SQLite format 3\0garbage garbage garbage garbage garbage garbage garbage",
    ];
    for bytes in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let mut content = bytes.to_vec();
        content.resize(8192, 0xAB);
        std::fs::write(&path, &content).unwrap();
        let err = Store::open(dir.path()).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), content);
        assert!(!dir.path().join(format!("{DB_FILE}-wal")).exists());
    }
}

#[tokio::test]
async fn database_is_in_wal_mode() {
    let (_dir, store) = fresh().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Threads are the connected components of the reference graph, whatever order the
/// messages arrive in and however they are split into batches.
#[tokio::test]
async fn any_arrival_order_and_batching_gives_the_same_threads() {
    // Three conversations, one of which is only connected through a missing parent.
    let specs: &[(&str, &[&str])] = &[
        ("a1", &[]),
        ("a2", &["a1"]),
        ("a3", &["a1", "a2"]),
        ("a4", &["a2"]),
        ("b1", &[]),
        ("b2", &["b1"]),
        ("c2", &["c-missing"]),
        ("c3", &["c-missing", "c2"]),
        ("c4", &["c-missing"]),
        ("d1", &["a4", "b2"]), // joins a and b into one
    ];
    let want: Vec<Vec<&str>> = vec![
        vec!["a1", "a2", "a3", "a4", "b1", "b2", "d1"],
        vec!["c2", "c3", "c4"],
    ];
    let mut seed: u64 = 42;
    for round in 0..12 {
        let (_dir, store) = fresh().await;
        let folder = setup_folder(&store).await;
        let mut order: Vec<usize> = (0..specs.len()).collect();
        for i in (1..order.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            order.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let batch_size = 1 + round % 4;
        let messages: Vec<NewMessage> = order
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let (id, refs) = specs[i];
                // Each conversation its own subject: this test is about references.
                let subject = format!("Topic {}", &id[..1]);
                msg(folder, id, refs, &subject, n as i64)
            })
            .collect();
        for chunk in messages.chunks(batch_size) {
            store.store_messages(chunk, None, 0).await.unwrap();
        }
        let mut got: Vec<Vec<String>> = Vec::new();
        let listing = store.thread_listing(None).await.unwrap();
        let mut by_thread: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
        for row in listing {
            by_thread
                .entry(row.thread_id)
                .or_default()
                .push(row.message_id.unwrap());
        }
        for (_, mut ids) in by_thread {
            ids.sort();
            got.push(ids);
        }
        got.sort();
        assert_eq!(got, want, "order {order:?}, batches of {batch_size}");
        let counts: i64 = store
            .list_threads(None, 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|t| t.message_count)
            .sum();
        assert_eq!(counts, 10, "thread summaries count every message once");
    }
}
