#![allow(clippy::unwrap_used)]
//! IMAP sync against a real Dovecot: initial and incremental passes, another client's
//! changes, UIDVALIDITY resets, a dropped connection, IDLE push and malformed mail. After
//! every pass the local set (folder, UID, Message-ID, flags) must equal the server's.

use std::collections::BTreeSet;
use std::time::Duration;
use switchboard_core::SystemClock;
use switchboard_mail::imap::ImapAccountConfig;
use switchboard_mail::net::{Endpoint, Security};
use switchboard_store::Store;
use switchboard_sync::imap::{sync_once, watch_account, ImapAccount, Login, SyncProgress};
use switchboard_testkit::{wait_until, Dovecot, DovecotOptions, DropProxy};

type Row = (String, u32, Option<String>, bool, bool);

fn message(id: &str, refs: &[&str], subject: &str, day: u32, body: &str) -> Vec<u8> {
    let mut m = format!(
        "From: Dana Whitfield <dana@acme.test>\r\nTo: rep@example.test\r\nSubject: {subject}\r\n\
         Date: {day:02} Oct 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n"
    );
    if let Some(last) = refs.last() {
        m.push_str(&format!("In-Reply-To: <{last}>\r\n"));
        let all: Vec<String> = refs.iter().map(|r| format!("<{r}>")).collect();
        m.push_str(&format!("References: {}\r\n", all.join(" ")));
    }
    m.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    m.push_str(body);
    m.push_str("\r\n");
    m.into_bytes()
}

fn config(server: &Dovecot, port: u16, security: Security) -> ImapAccountConfig {
    let ep = |port, security| Endpoint {
        host: "127.0.0.1".into(),
        port,
        security,
        ca_file: Some(server.ca_pem().to_path_buf()),
    };
    ImapAccountConfig {
        email: server.user().into(),
        user: server.user().into(),
        imap: ep(port, security),
        smtp: ep(25, Security::None),
        body_window_days: 0,
        poll_minutes: 5,
        provider_saves_sent: false,
    }
}

async fn local_rows(store: &Store) -> BTreeSet<Row> {
    sqlx::query_as::<_, (String, i64, Option<String>, bool, bool)>(
        "SELECT f.name, m.uid, m.message_id, m.seen, m.flagged
         FROM messages m JOIN folders f ON f.id = m.folder_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|(f, uid, id, seen, flagged)| (f, uid as u32, id, seen, flagged))
    .collect()
}

fn server_rows(server: &Dovecot) -> BTreeSet<Row> {
    let mut out = BTreeSet::new();
    for (folder, _) in server.folders().unwrap() {
        for m in server.server_state(&folder).unwrap() {
            let has = |f: &str| m.flags.iter().any(|x| x == f);
            out.insert((
                folder.clone(),
                m.uid,
                m.message_id,
                has("\\Seen"),
                has("\\Flagged"),
            ));
        }
    }
    out
}

async fn open_store() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let id = store
        .upsert_account_config("work", "imap", Some("rep@example.test"), "{}", 0)
        .await
        .unwrap();
    (dir, store, id)
}

async fn pass(
    store: &Store,
    id: i64,
    config: &ImapAccountConfig,
    password: &str,
) -> switchboard_sync::imap::SyncReport {
    let account = ImapAccount {
        id,
        name: "work",
        config,
        login: Login::Password(password),
    };
    let mut progress = |_: &SyncProgress| {};
    sync_once(store, &SystemClock, &account, &mut progress)
        .await
        .unwrap()
}

fn seed(server: &Dovecot) {
    let mut inbox = Vec::new();
    for t in 0..10 {
        let root = format!("t{t}@acme.test");
        inbox.push(message(
            &root,
            &[],
            &format!("Renewal {t}"),
            1 + t,
            "hello zanzibarite",
        ));
        inbox.push(message(
            &format!("t{t}r1@acme.test"),
            &[&root],
            &format!("Re: Renewal {t}"),
            2 + t,
            "reply",
        ));
    }
    server.bulk_fill("INBOX", inbox).unwrap();
    // Our own reply, filed in Sent: must join its thread.
    server
        .append(
            "Sent",
            &message(
                "mine@example.test",
                &["t3@acme.test", "t3r1@acme.test"],
                "Re: Renewal 3",
                20,
                "ours",
            ),
            &["\\Seen"],
        )
        .unwrap();
}

/// Starts `watch_account` in the background; new unread Inbox mail is counted on the
/// returned channel. Send `true` to stop it, then await the handle.
fn start_watcher(
    store: &Store,
    id: i64,
    cfg: &ImapAccountConfig,
    password: &str,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::sync::mpsc::UnboundedReceiver<usize>,
    tokio::task::JoinHandle<Result<(), switchboard_sync::imap::SyncError>>,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (new_tx, new_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let store = store.clone();
    let cfg = cfg.clone();
    let password = password.to_owned();
    let watcher = tokio::spawn(async move {
        let account = ImapAccount {
            id,
            name: "work",
            config: &cfg,
            login: Login::Password(&password),
        };
        let mut progress = |_: &SyncProgress| {};
        let mut on_new = |fresh: &[(i64, i64)]| {
            let _ = new_tx.send(fresh.len());
        };
        watch_account(
            &store,
            &SystemClock,
            &account,
            &mut progress,
            &mut on_new,
            stop_rx,
        )
        .await
    });
    (stop_tx, new_rx, watcher)
}

/// Waits (bounded) until the local store holds `expected` messages.
async fn wait_for_first_pass(store: &Store, expected: usize) {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Handle::current();
        wait_until("the first pass", Duration::from_secs(30), || {
            rt.block_on(local_rows(&store)).len() == expected
        })
    })
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn initial_then_incremental_sync_mirrors_the_server() {
    let server = Dovecot::start().unwrap();
    seed(&server);
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, server.imaps_port(), Security::Tls);

    let report = pass(&store, id, &cfg, server.password()).await;
    assert_eq!(report.fetched, 21);
    assert_eq!(local_rows(&store).await, server_rows(&server));

    // Special-use folders are recognised.
    let roles: BTreeSet<(String, Option<String>)> = store
        .folders(Some(id))
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.name, f.role))
        .collect();
    for (name, role) in [
        ("INBOX", "inbox"),
        ("Sent", "sent"),
        ("Drafts", "drafts"),
        ("Trash", "trash"),
        ("Junk", "junk"),
        ("Archive", "archive"),
    ] {
        assert!(
            roles.contains(&(name.to_owned(), Some(role.to_owned()))),
            "{name}: {roles:?}"
        );
    }

    // Thread lists by folder role: the unified Inbox has the 10 conversations, Sent the
    // one we replied to (the whole conversation, counted once).
    use switchboard_store::FolderScope;
    let role = |r: &str| FolderScope::Role {
        role: r.into(),
        account: None,
    };
    assert_eq!(store.thread_count_in(&role("inbox")).await.unwrap(), 10);
    let sent = store.list_threads_in(&role("sent"), 0, 50).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].subject.as_str(), sent[0].message_count),
        ("Renewal 3", 3)
    );
    assert_eq!(store.thread_count_in(&role("trash")).await.unwrap(), 0);

    // The Sent reply shares its thread with the Inbox conversation.
    let threads: Vec<(String, i64)> = sqlx::query_as(
        "SELECT message_id, thread_id FROM messages WHERE message_id IN ('t3@acme.test', 'mine@example.test')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].1, threads[1].1);

    // Another client: flags, expunge, move, append.
    let inbox = server.server_state("INBOX").unwrap();
    server
        .store_flags(
            "INBOX",
            &[inbox[0].uid, inbox[1].uid],
            "+FLAGS",
            &["\\Seen"],
        )
        .unwrap();
    server
        .store_flags("INBOX", &[inbox[2].uid], "+FLAGS", &["\\Flagged"])
        .unwrap();
    server.expunge("INBOX", &[inbox[3].uid]).unwrap();
    server
        .move_messages("INBOX", &[inbox[4].uid], "Archive")
        .unwrap();
    server
        .append(
            "INBOX",
            &message("late@acme.test", &[], "Late news", 25, "new"),
            &[],
        )
        .unwrap();
    let report = pass(&store, id, &cfg, server.password()).await;
    assert_eq!(local_rows(&store).await, server_rows(&server));
    assert_eq!(report.new_inbox.len(), 1, "{report:?}");

    // Nothing changed: nothing fetched, still equal.
    let report = pass(&store, id, &cfg, server.password()).await;
    assert_eq!(
        (report.fetched, report.deleted, report.flags_changed),
        (0, 0, 0)
    );
    assert_eq!(local_rows(&store).await, server_rows(&server));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_condstore_a_uid_comparison_finds_every_change() {
    let server = Dovecot::start_with(DovecotOptions { qresync: false }).unwrap();
    seed(&server);
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, server.imap_port(), Security::StartTls);
    pass(&store, id, &cfg, server.password()).await;
    assert_eq!(local_rows(&store).await, server_rows(&server));

    let inbox = server.server_state("INBOX").unwrap();
    server
        .store_flags("INBOX", &[inbox[5].uid], "+FLAGS", &["\\Seen", "\\Flagged"])
        .unwrap();
    server
        .expunge("INBOX", &[inbox[6].uid, inbox[7].uid])
        .unwrap();
    server
        .append(
            "INBOX",
            &message("x@acme.test", &[], "X", 26, "x"),
            &["\\Seen"],
        )
        .unwrap();
    let report = pass(&store, id, &cfg, server.password()).await;
    assert_eq!(report.deleted, 2);
    assert_eq!(local_rows(&store).await, server_rows(&server));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_uidvalidity_change_resyncs_without_duplicates_and_keeps_thread_ids() {
    let server = Dovecot::start().unwrap();
    seed(&server);
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, server.imaps_port(), Security::Tls);
    pass(&store, id, &cfg, server.password()).await;
    let threads_before: BTreeSet<(String, i64)> =
        sqlx::query_as("SELECT message_id, thread_id FROM messages")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();

    server.reset_uidvalidity("INBOX").unwrap();
    pass(&store, id, &cfg, server.password()).await;
    assert_eq!(local_rows(&store).await, server_rows(&server));
    let threads_after: BTreeSet<(String, i64)> =
        sqlx::query_as("SELECT message_id, thread_id FROM messages")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(threads_before, threads_after);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_mid_fetch_loses_nothing_and_the_next_pass_completes() {
    let server = Dovecot::start().unwrap();
    let many: Vec<Vec<u8>> = (0..1500)
        .map(|i| {
            message(
                &format!("bulk{i}@acme.test"),
                &[],
                &format!("Bulk {i}"),
                1 + (i % 27),
                &"lorem ipsum ".repeat(40),
            )
        })
        .collect();
    server.bulk_fill("INBOX", many).unwrap();
    let proxy = DropProxy::start(server.imap_port()).unwrap();
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, proxy.port(), Security::None);
    // Die after ~300 KB of server output: in the middle of the first FETCH batches.
    proxy.cut_after_server_bytes(300_000);
    let account = ImapAccount {
        id,
        name: "work",
        config: &cfg,
        login: Login::Password(server.password()),
    };
    let mut progress = |_: &SyncProgress| {};
    let err = sync_once(&store, &SystemClock, &account, &mut progress)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let partial = local_rows(&store).await;
    let all = server_rows(&server);
    assert!(partial.is_subset(&all));
    assert!(partial.len() < all.len());

    pass(&store, id, &cfg, server.password()).await;
    assert_eq!(local_rows(&store).await, all);
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_brings_new_inbox_mail_without_a_poll() {
    let server = Dovecot::start().unwrap();
    seed(&server);
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, server.imaps_port(), Security::Tls);
    let (stop_tx, mut new_rx, watcher) = start_watcher(&store, id, &cfg, server.password());
    wait_for_first_pass(&store, server_rows(&server).len()).await;

    server
        .append(
            "INBOX",
            &message("pushed@acme.test", &[], "Pushed", 27, "push"),
            &[],
        )
        .unwrap();
    // poll_minutes is 5: only IDLE can bring it this soon.
    let got = tokio::time::timeout(Duration::from_secs(30), new_rx.recv())
        .await
        .unwrap();
    assert_eq!(got, Some(1));
    assert_eq!(local_rows(&store).await, server_rows(&server));
    stop_tx.send(true).unwrap();
    watcher.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_messages_are_stored_raw_and_flagged() {
    let server = Dovecot::start().unwrap();
    server.create_folder("Broken").unwrap();
    let huge_header = format!("X-Huge: {}\r\n", "a".repeat(200_000));
    let broken: Vec<Vec<u8>> = vec![
        b"Subject: no message id\r\n\r\nbody".to_vec(),
        b"Subject: broken mime\r\nMessage-ID: <b1@x>\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nunterminated".to_vec(),
        b"Subject: =?bogus-charset?Q?caf=E9?=\r\nMessage-ID: <b2@x>\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\ncaf\xe9".to_vec(),
        b"Subject: 8bit \xff\xfe header\r\nFrom: \xc3\x28 <bad@x>\r\nMessage-ID: <b3@x>\r\n\r\nhi".to_vec(),
        format!("Subject: huge\r\nMessage-ID: <b4@x>\r\n{huge_header}\r\nbody").into_bytes(),
        b"\r\n\r\n".to_vec(),
    ];
    let count = broken.len();
    server.bulk_fill("Broken", broken.clone()).unwrap();
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, server.imaps_port(), Security::Tls);
    pass(&store, id, &cfg, server.password()).await;
    assert_eq!(local_rows(&store).await, server_rows(&server));
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as(
        "SELECT r.raw FROM messages m JOIN message_raw r ON r.message_id = m.id
         JOIN folders f ON f.id = m.folder_id WHERE f.name = 'Broken' ORDER BY m.uid",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(stored.len(), count);
    for ((raw,), original) in stored.iter().zip(&broken) {
        // Dovecot stores CRLF as given; what we keep is exactly what the server sent.
        assert_eq!(raw.len(), original.len());
    }
    let flagged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id
         WHERE f.name = 'Broken' AND m.parse_error IS NOT NULL",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(
        flagged >= 1,
        "at least the message without a Message-ID is flagged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_idle_connection_reconnects_and_catches_up() {
    let server = Dovecot::start().unwrap();
    seed(&server);
    let proxy = DropProxy::start(server.imap_port()).unwrap();
    let (_dir, store, id) = open_store().await;
    let cfg = config(&server, proxy.port(), Security::None);
    let (stop_tx, mut new_rx, watcher) = start_watcher(&store, id, &cfg, server.password());
    wait_for_first_pass(&store, server_rows(&server).len()).await;
    let opened = proxy.connections_opened();

    // The network goes away under the idling connection; mail arrives meanwhile.
    proxy.cut_all();
    server
        .append(
            "INBOX",
            &message("while-down@acme.test", &[], "While down", 27, "x"),
            &[],
        )
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(60), new_rx.recv())
        .await
        .unwrap();
    assert_eq!(got, Some(1));
    assert!(proxy.connections_opened() > opened, "it reconnected");
    assert_eq!(local_rows(&store).await, server_rows(&server));
    stop_tx.send(true).unwrap();
    watcher.await.unwrap().unwrap();
}
