#![allow(clippy::unwrap_used)]
//! Local mail changes against a real Dovecot: made while the server is unreachable they
//! show locally at once, wait as jobs, and after reconnecting one `sync_once` makes the
//! server equal the local state — with another client editing concurrently, with and
//! without COPYUID/MOVE, across a crash in the middle of a replay.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::{Clock, FixedClock, SystemClock};
use switchboard_mail::imap::ImapAccountConfig;
use switchboard_mail::net::{Endpoint, Security};
use switchboard_store::{MailFlag, Store};
use switchboard_sync::changes::{
    execute_change, record_change, replay_account, replay_pending, retry_delay,
};
use switchboard_sync::imap::{connect, sync_once, ImapAccount, Login, SyncError, SyncReport};
use switchboard_testkit::{free_port, Dovecot, DropProxy};

/// (folder, uid, Message-ID, seen, flagged); uid None = not yet on the server.
type Row = (String, Option<u32>, Option<String>, bool, bool);

fn message(id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Dana Whitfield <dana@acme.test>\r\nTo: rep@example.test\r\nSubject: {subject}\r\n\
         Date: 01 Oct 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody of {id}\r\n"
    )
    .into_bytes()
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

struct Setup {
    server: Dovecot,
    _dir: tempfile::TempDir,
    store: Store,
    id: i64,
    clock: FixedClock,
    online: ImapAccountConfig,
}

/// A Dovecot holding `inbox` (Message-IDs) in INBOX and `trash` in Trash, and a store
/// synced with it once.
async fn setup(inbox: &[&str], trash: &[&str]) -> Setup {
    let server = Dovecot::start().unwrap();
    for id in inbox {
        server
            .append("INBOX", &message(id, &format!("About {id}")), &[])
            .unwrap();
    }
    for id in trash {
        server
            .append("Trash", &message(id, &format!("Old {id}")), &["\\Seen"])
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let id = store
        .upsert_account_config("work", "imap", Some("rep@example.test"), "{}", 0)
        .await
        .unwrap();
    let online = config(&server, server.imaps_port(), Security::Tls);
    let s = Setup {
        server,
        _dir: dir,
        store,
        id,
        clock: FixedClock::new(SystemClock.now()),
        online,
    };
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    s
}

impl Setup {
    fn account<'a>(&'a self, config: &'a ImapAccountConfig) -> ImapAccount<'a> {
        ImapAccount {
            id: self.id,
            name: "work",
            config,
            login: Login::Password(self.server.password()),
        }
    }

    async fn sync(&self, config: &ImapAccountConfig) -> Result<SyncReport, SyncError> {
        sync_once(&self.store, &self.clock, &self.account(config), &mut |_| {}).await
    }

    /// An account whose server is unreachable (nothing listens on the port).
    fn offline(&self) -> ImapAccountConfig {
        config(&self.server, free_port(), Security::Tls)
    }

    fn advance(&self, by: Duration) {
        self.clock.set(self.clock.now() + by);
    }

    async fn folder(&self, name: &str) -> i64 {
        self.store
            .folders(Some(self.id))
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap()
            .id
    }

    async fn msg(&self, message_id: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM messages WHERE message_id = ?")
            .bind(message_id)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    async fn local_rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> =
            sqlx::query_as::<_, (String, Option<i64>, Option<String>, bool, bool)>(
                "SELECT f.name, m.uid, m.message_id, m.seen, m.flagged
                 FROM messages m JOIN folders f ON f.id = m.folder_id",
            )
            .fetch_all(self.store.pool())
            .await
            .unwrap()
            .into_iter()
            .map(|(f, uid, id, seen, flagged)| (f, uid.map(|u| u as u32), id, seen, flagged))
            .collect();
        rows.sort();
        rows
    }

    fn server_rows(&self) -> Vec<Row> {
        let mut out = Vec::new();
        for (folder, _) in self.server.folders().unwrap() {
            for m in self.server.server_state(&folder).unwrap() {
                let has = |f: &str| m.flags.iter().any(|x| x == f);
                out.push((
                    folder.clone(),
                    Some(m.uid),
                    m.message_id,
                    has("\\Seen"),
                    has("\\Flagged"),
                ));
            }
        }
        out.sort();
        out
    }

    /// Local rows equal the server's exactly: same folders, UIDs, Message-IDs and flags,
    /// no duplicates and nothing UID-less left.
    async fn assert_mirrors_server(&self) {
        assert_eq!(self.local_rows().await, self.server_rows());
    }

    /// Message-IDs of a folder on the server, sorted.
    fn server_ids(&self, folder: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .server
            .server_state(folder)
            .unwrap()
            .into_iter()
            .filter_map(|m| m.message_id)
            .collect();
        ids.sort();
        ids
    }

    fn server_flags(&self, folder: &str, message_id: &str) -> Vec<String> {
        self.server
            .server_state(folder)
            .unwrap()
            .into_iter()
            .find(|m| m.message_id.as_deref() == Some(message_id))
            .unwrap()
            .flags
    }

    /// Jobs given up for good: (kind, last_error).
    async fn failed_jobs(&self) -> Vec<(String, Option<String>)> {
        sqlx::query_as("SELECT kind, last_error FROM jobs WHERE state = 'failed' ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .unwrap()
    }

    async fn open_jobs(&self) -> Vec<(String, String, i64, Option<String>)> {
        sqlx::query_as(
            "SELECT kind, state, attempts, last_error FROM jobs
             WHERE state IN ('queued', 'running') ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_changes_show_at_once_and_one_sync_after_reconnect_makes_the_server_equal() {
    let s = setup(&["a@x", "b@x", "c@x", "d@x", "e@x", "f@x"], &["old@x"]).await;
    let junk = s.folder("Junk").await;
    let (a, b, c, d, e, f) = (
        s.msg("a@x").await,
        s.msg("b@x").await,
        s.msg("c@x").await,
        s.msg("d@x").await,
        s.msg("e@x").await,
        s.msg("f@x").await,
    );
    let now = || s.clock.now().timestamp_millis();

    // Offline: every kind of change.
    s.store
        .set_messages_flag(&[a, b], MailFlag::Seen, true, now())
        .await
        .unwrap();
    s.store
        .set_messages_flag(&[c], MailFlag::Flagged, true, now())
        .await
        .unwrap();
    s.store.move_messages_to(&[d], junk, now()).await.unwrap();
    s.store
        .move_messages_to_role(&[e], "archive", now())
        .await
        .unwrap();
    s.store
        .move_messages_to_role(&[f], "trash", now())
        .await
        .unwrap();
    // ... and f is trashed for good before anything reached the server.
    s.store.empty_trash(s.id, now()).await.unwrap();

    // Visible locally at once.
    let local = s.local_rows().await;
    let inbox: Vec<&Row> = local.iter().filter(|r| r.0 == "INBOX").collect();
    assert_eq!(inbox.len(), 3, "{local:?}");
    assert!(local.contains(&("INBOX".into(), Some(1), Some("a@x".into()), true, false)));
    assert!(local.contains(&("Junk".into(), None, Some("d@x".into()), false, false)));
    assert!(local.contains(&("Archive".into(), None, Some("e@x".into()), false, false)));
    assert!(!local.iter().any(|r| r.0 == "Trash"), "{local:?}");
    // Queued, not attempted: the server is unreachable.
    let err = s.sync(&s.offline()).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let jobs = s.open_jobs().await;
    let kinds: Vec<&str> = jobs.iter().map(|j| j.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "mail.flags",
            "mail.flags",
            "mail.move",
            "mail.move",
            "mail.expunge",
            "mail.expunge"
        ]
    );
    assert!(jobs.iter().all(|j| j.1 == "queued"));

    // Back online: one pass.
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    assert!(s.open_jobs().await.is_empty());
    assert!(
        s.failed_jobs().await.is_empty(),
        "{:?}",
        s.failed_jobs().await
    );
    assert_eq!(s.server_ids("INBOX"), ["a@x", "b@x", "c@x"]);
    assert_eq!(s.server_ids("Junk"), ["d@x"]);
    assert_eq!(s.server_ids("Archive"), ["e@x"]);
    assert!(
        s.server_ids("Trash").is_empty(),
        "{:?}",
        s.server_ids("Trash")
    );
    assert_eq!(s.server_flags("INBOX", "a@x"), ["\\Seen"]);
    assert_eq!(s.server_flags("INBOX", "c@x"), ["\\Flagged"]);

    // A second pass changes nothing.
    let report = s.sync(&s.online).await.unwrap();
    assert_eq!(
        (report.fetched, report.deleted, report.flags_changed),
        (0, 0, 0)
    );
    s.assert_mirrors_server().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_retries_later_and_sync_meanwhile_keeps_the_local_change() {
    let s = setup(&["a@x", "b@x"], &[]).await;
    let archive = s.folder("Archive").await;
    let (a, b) = (s.msg("a@x").await, s.msg("b@x").await);
    let now = s.clock.now().timestamp_millis();
    s.store.move_messages_to(&[a], archive, now).await.unwrap();
    s.store
        .set_messages_flag(&[b], MailFlag::Flagged, true, now)
        .await
        .unwrap();

    // The connection dies just before the replay.
    let proxy = DropProxy::start(s.server.imaps_port()).unwrap();
    let via_proxy = config(&s.server, proxy.port(), Security::Tls);
    let mut session = connect(&s.account(&via_proxy)).await.unwrap();
    proxy.cut_all();
    let err = replay_pending(&s.store, &s.clock, s.id, &mut session)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let jobs = s.open_jobs().await;
    assert_eq!(jobs[0].0, "mail.move");
    assert_eq!((jobs[0].1.as_str(), jobs[0].2), ("queued", 1));
    assert!(jobs[0].3.is_some(), "last_error is visible: {jobs:?}");
    let recent = s.store.recent_jobs(10).await.unwrap();
    assert!(recent
        .iter()
        .any(|j| j.kind == "mail.move" && j.attempts == 1 && j.last_error.is_some()));

    // Before the retry is due a sync pulls without replaying: the moved message is not
    // fetched back into the Inbox, and b stays flagged locally although the server's
    // b is not.
    s.sync(&s.online).await.unwrap();
    let local = s.local_rows().await;
    assert_eq!(
        local,
        vec![
            ("Archive".into(), None, Some("a@x".into()), false, false),
            ("INBOX".into(), Some(2), Some("b@x".into()), false, true),
        ]
    );
    assert_eq!(s.server_ids("INBOX"), ["a@x", "b@x"]);

    // Due again: replayed, then pulled.
    s.advance(retry_delay(1));
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    assert_eq!(s.server_ids("Archive"), ["a@x"]);
    assert_eq!(s.server_flags("INBOX", "b@x"), ["\\Flagged"]);
    assert!(s.open_jobs().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_edits_keep_both_flags_and_yield_to_the_servers_deletes_and_moves() {
    let s = setup(&["a@x", "b@x", "gone@x", "moved@x"], &[]).await;
    let (a, b, gone, moved) = (
        s.msg("a@x").await,
        s.msg("b@x").await,
        s.msg("gone@x").await,
        s.msg("moved@x").await,
    );
    let now = s.clock.now().timestamp_millis();
    // Offline we mark a read and flag b ...
    s.store
        .set_messages_flag(&[a, gone], MailFlag::Seen, true, now)
        .await
        .unwrap();
    s.store
        .set_messages_flag(&[b], MailFlag::Flagged, true, now)
        .await
        .unwrap();
    s.store
        .move_messages_to_role(&[moved], "archive", now)
        .await
        .unwrap();
    // ... while another client flags a, marks b read, deletes one and moves another.
    let uid = |id: &str| {
        s.server
            .server_state("INBOX")
            .unwrap()
            .into_iter()
            .find(|m| m.message_id.as_deref() == Some(id))
            .unwrap()
            .uid
    };
    s.server
        .store_flags("INBOX", &[uid("a@x")], "+FLAGS", &["\\Flagged"])
        .unwrap();
    s.server
        .store_flags("INBOX", &[uid("b@x")], "+FLAGS", &["\\Seen"])
        .unwrap();
    s.server.expunge("INBOX", &[uid("gone@x")]).unwrap();
    s.server
        .move_messages("INBOX", &[uid("moved@x")], "Junk")
        .unwrap();

    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    // Both changes survive on both sides.
    for id in ["a@x", "b@x"] {
        assert_eq!(s.server_flags("INBOX", id), ["\\Flagged", "\\Seen"], "{id}");
    }
    let local = s.local_rows().await;
    assert!(local.contains(&(
        "INBOX".into(),
        Some(uid("a@x")),
        Some("a@x".into()),
        true,
        true
    )));
    assert!(local.contains(&(
        "INBOX".into(),
        Some(uid("b@x")),
        Some("b@x".into()),
        true,
        true
    )));
    // The server's delete and move win over our flag and move: no-ops, done.
    assert!(!local.iter().any(|r| r.2.as_deref() == Some("gone@x")));
    assert_eq!(s.server_ids("Junk"), ["moved@x"]);
    assert!(s.server_ids("Archive").is_empty());
    assert!(s.open_jobs().await.is_empty());
    assert!(
        s.failed_jobs().await.is_empty(),
        "{:?}",
        s.failed_jobs().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_with_copyuid_keeps_the_row_and_its_new_uid() {
    let s = setup(&["a@x", "b@x"], &[]).await;
    let a = s.msg("a@x").await;
    s.store
        .move_messages_to_role(&[a], "archive", s.clock.now().timestamp_millis())
        .await
        .unwrap();
    let report = replay_account(&s.store, &s.clock, &s.account(&s.online))
        .await
        .unwrap();
    assert_eq!((report.done, report.failed), (1, 0));
    // Before any pull: the row already has the UID the server gave it.
    let archived = s.server.server_state("Archive").unwrap();
    assert_eq!(archived.len(), 1);
    let row: (i64, Option<i64>) =
        sqlx::query_as("SELECT id, uid FROM messages WHERE message_id = 'a@x'")
            .fetch_one(s.store.pool())
            .await
            .unwrap();
    assert_eq!(row, (a, Some(i64::from(archived[0].uid))));
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    let still: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE message_id = 'a@x'")
        .fetch_one(s.store.pool())
        .await
        .unwrap();
    assert_eq!(still, a, "the same row, not a re-fetched copy");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_without_move_or_copyuid_copies_expunges_and_the_next_sync_fetches_the_copy() {
    let s = setup(&["a@x", "b@x", "c@x"], &[]).await;
    let (a, b) = (s.msg("a@x").await, s.msg("b@x").await);
    s.store
        .move_messages_to_role(&[a, b], "archive", s.clock.now().timestamp_millis())
        .await
        .unwrap();
    s.store
        .set_messages_flag(
            &[a],
            MailFlag::Flagged,
            true,
            s.clock.now().timestamp_millis(),
        )
        .await
        .unwrap();
    let proxy = NoUidplusProxy::start(s.server.imap_port());
    let plain = config(&s.server, proxy.port, Security::None);
    let report = replay_account(&s.store, &s.clock, &s.account(&plain))
        .await
        .unwrap();
    assert_eq!((report.done, report.failed), (3, 0));
    let commands = proxy.commands();
    assert!(
        commands.iter().any(|c| c.contains("UID COPY")),
        "{commands:?}"
    );
    assert!(
        !commands.iter().any(|c| c.contains("UID MOVE")),
        "{commands:?}"
    );
    // Without COPYUID the UID-less rows go ...
    assert!(!s
        .local_rows()
        .await
        .iter()
        .any(|r| r.0 == "Archive" || r.2.as_deref() == Some("a@x")));
    assert_eq!(s.server_ids("Archive"), ["a@x", "b@x"]);
    assert_eq!(s.server_ids("INBOX"), ["c@x"]);
    // ... and one pass brings the server's copies, once.
    s.sync(&plain).await.unwrap();
    s.assert_mirrors_server().await;
    assert_eq!(s.server_flags("Archive", "a@x"), ["\\Flagged"]);
    let archive: Vec<Row> = s
        .local_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "Archive")
        .collect();
    assert_eq!(archive.len(), 2, "{archive:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_trash_empties_the_servers_trash() {
    let s = setup(&["a@x", "b@x", "c@x"], &["old1@x", "old2@x"]).await;
    let now = || s.clock.now().timestamp_millis();
    let a = s.msg("a@x").await;
    s.store
        .move_messages_to_role(&[a], "trash", now())
        .await
        .unwrap();
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    assert_eq!(s.server_ids("Trash"), ["a@x", "old1@x", "old2@x"]);

    // Offline: b goes to Trash, then Trash is emptied.
    let b = s.msg("b@x").await;
    s.store
        .move_messages_to_role(&[b], "trash", now())
        .await
        .unwrap();
    let change = s.store.empty_trash(s.id, now()).await.unwrap();
    assert_eq!(change.changed, 4);
    assert!(!s.local_rows().await.iter().any(|r| r.0 == "Trash"));

    s.sync(&s.online).await.unwrap();
    assert!(
        s.server_ids("Trash").is_empty(),
        "{:?}",
        s.server_ids("Trash")
    );
    assert_eq!(s.server_ids("INBOX"), ["c@x"]);
    s.assert_mirrors_server().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_interrupted_by_a_crash_runs_again_harmlessly() {
    let s = setup(&["a@x", "b@x", "c@x"], &[]).await;
    let now = || s.clock.now().timestamp_millis();
    let (a, b) = (s.msg("a@x").await, s.msg("b@x").await);
    s.store
        .set_messages_flag(&[a], MailFlag::Seen, true, now())
        .await
        .unwrap();
    s.store
        .move_messages_to_role(&[b], "archive", now())
        .await
        .unwrap();

    let mut session = connect(&s.account(&s.online)).await.unwrap();
    // The flag job reaches the server; the process dies before recording it.
    let job = s
        .store
        .claim_mail_change(s.id, now())
        .await
        .unwrap()
        .unwrap();
    execute_change(&s.store, &mut session, &job).await.unwrap();
    assert_eq!(s.store.requeue_interrupted_jobs(now()).await.unwrap(), 1);
    // Restarted: the flag job runs a second time (+FLAGS again), and is recorded.
    let again = s
        .store
        .claim_mail_change(s.id, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    let outcome = execute_change(&s.store, &mut session, &again)
        .await
        .unwrap();
    record_change(&s.store, &s.clock, &again, outcome)
        .await
        .unwrap();
    // The move reaches the server; the process dies again.
    let mv = s
        .store
        .claim_mail_change(s.id, now())
        .await
        .unwrap()
        .unwrap();
    execute_change(&s.store, &mut session, &mv).await.unwrap();
    let _ = session.logout().await;
    assert_eq!(s.store.requeue_interrupted_jobs(now()).await.unwrap(), 1);
    assert_eq!(s.server_ids("Archive"), ["b@x"]);

    // The next pass moves nothing twice: the UID is gone, the job is a no-op, and the
    // server's copy in Archive is fetched once.
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    assert_eq!(s.server_ids("Archive"), ["b@x"]);
    assert_eq!(s.server_flags("INBOX", "a@x"), ["\\Seen"]);
    assert!(s.open_jobs().await.is_empty());
    assert!(
        s.failed_jobs().await.is_empty(),
        "{:?}",
        s.failed_jobs().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_move_fails_visibly_and_the_server_state_comes_back() {
    let s = setup(&["a@x", "b@x"], &[]).await;
    s.server.create_folder("Projects").unwrap();
    s.sync(&s.online).await.unwrap();
    let projects = s.folder("Projects").await;
    let a = s.msg("a@x").await;
    s.store
        .move_messages_to(&[a], projects, s.clock.now().timestamp_millis())
        .await
        .unwrap();
    // Another client deletes the destination before we replay.
    s.server.delete_folder("Projects").unwrap();
    s.sync(&s.online).await.unwrap();
    s.assert_mirrors_server().await;
    assert_eq!(s.server_ids("INBOX"), ["a@x", "b@x"]);
    let recent = s.store.recent_jobs(5).await.unwrap();
    let job = recent.iter().find(|j| j.kind == "mail.move").unwrap();
    assert_eq!(job.state, "failed");
    assert!(job.last_error.is_some());
}

/// A proxy to Dovecot's plaintext port that hides MOVE from the capabilities and strips
/// COPYUID from responses, as a server without MOVE and UIDPLUS would answer. Records the
/// commands the client sends.
struct NoUidplusProxy {
    port: u16,
    commands: Arc<Mutex<Vec<String>>>,
    stopping: Arc<AtomicBool>,
}

impl NoUidplusProxy {
    fn start(target: u16) -> NoUidplusProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let (log, stop) = (commands.clone(), stopping.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let server = TcpStream::connect(("127.0.0.1", target)).unwrap();
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let log = log.clone();
                std::thread::spawn(move || {
                    pump_lines(client, server, |line| {
                        log.lock().unwrap().push(line.to_owned());
                        line.to_owned()
                    })
                });
                std::thread::spawn(move || pump_lines(s2, c2, rewrite_response));
            }
        });
        NoUidplusProxy {
            port,
            commands,
            stopping,
        }
    }

    fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

impl Drop for NoUidplusProxy {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn rewrite_response(line: &str) -> String {
    let mut line = line.to_owned();
    if line.contains("CAPABILITY") {
        line = line
            .replace(" MOVE ", " ")
            .replace(" MOVE]", "]")
            .replace(" MOVE\r\n", "\r\n");
    }
    if let Some(start) = line.find("[COPYUID ") {
        if let Some(len) = line[start..].find("] ") {
            line.replace_range(start..start + len + 2, "");
        }
    }
    line
}

/// Copies `from` to `to` line by line (CRLF-terminated), passing each line through `map`.
fn pump_lines(mut from: TcpStream, mut to: TcpStream, mut map: impl FnMut(&str) -> String) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = pending.drain(..end + 2).collect();
            let out = match std::str::from_utf8(&line) {
                Ok(text) => map(text).into_bytes(),
                Err(_) => line,
            };
            if to.write_all(&out).is_err() {
                return;
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
