#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! API-account mail (Gmail, Graph): one row per provider id, labels as extra folders,
//! batches with their cursor, and local changes queued as `mail.remote` jobs.

use switchboard_store::{
    FolderScope, MailFlag, NewMessage, RemoteChanges, RemoteOp, RemoteState, Store,
};

struct Gmail {
    account: i64,
    inbox: i64,
    sent: i64,
    all: i64,
    trash: i64,
    label: i64,
}

async fn gmail(store: &Store) -> Gmail {
    let account = store
        .ensure_account("Gmail", "gmail", Some("rep@example.test"), 0)
        .await
        .unwrap();
    let f = |name: &'static str, role: Option<&'static str>| async move {
        store.ensure_folder(account, name, role).await.unwrap()
    };
    Gmail {
        account,
        inbox: f("INBOX", Some("inbox")).await,
        sent: f("Sent", Some("sent")).await,
        all: f("All Mail", Some("archive")).await,
        trash: f("Trash", Some("trash")).await,
        label: f("Customers", None).await,
    }
}

fn message(id: &str, refs: &[&str]) -> NewMessage {
    NewMessage {
        dedupe_key: format!("gmail:{id}"),
        message_id: Some(format!("{id}@example.test")),
        references: refs.iter().map(|r| r.to_string()).collect(),
        subject: format!("subject {id}"),
        subject_key: format!("subject {id}"),
        date: 1_000,
        raw: format!("Message-ID: <{id}@example.test>\r\n\r\nbody").into_bytes(),
        ..Default::default()
    }
}

fn state(id: &str, home: i64, labels: &[i64], seen: bool) -> RemoteState {
    RemoteState {
        remote_id: id.to_owned(),
        home_folder_id: home,
        label_folder_ids: labels.to_vec(),
        seen,
        flagged: false,
    }
}

async fn threads_in(store: &Store, folder: i64) -> usize {
    store
        .list_threads_in(&FolderScope::Folder(folder), 0, 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_labelled_message_is_one_row_listed_in_each_label_and_replays_add_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let g = gmail(&store).await;
    let batch = || RemoteChanges {
        account_id: g.account,
        insert: vec![
            (
                message("m1", &[]),
                state("m1", g.all, &[g.inbox, g.label], false),
                true,
            ),
            (
                message("m2", &["m1@example.test"]),
                state("m2", g.all, &[g.sent], true),
                true,
            ),
        ],
        cursor: Some(("gmail:history".into(), "100".into())),
        ..Default::default()
    };
    let first = store.apply_remote_changes(batch(), 1).await.unwrap();
    assert_eq!(first.changes.inserted.len(), 2);
    assert_eq!(
        first.changes.inserted[0].1, first.changes.inserted[1].1,
        "one thread"
    );
    // The same page again (a crash before the next cursor): no second row.
    let again = store.apply_remote_changes(batch(), 2).await.unwrap();
    assert!(again.changes.inserted.is_empty());
    assert_eq!(again.changes.duplicates, 2);
    assert_eq!(store.remote_ids(g.account).await.unwrap().len(), 2);
    assert_eq!(
        store
            .cursor(g.account, "gmail:history")
            .await
            .unwrap()
            .as_deref(),
        Some("100")
    );

    for folder in [g.inbox, g.sent, g.all, g.label] {
        assert_eq!(threads_in(&store, folder).await, 1, "folder {folder}");
    }
    assert_eq!(threads_in(&store, g.trash).await, 0);
    let folders = store.folders(Some(g.account)).await.unwrap();
    let inbox = folders.iter().find(|f| f.id == g.inbox).unwrap();
    assert_eq!((inbox.message_count, inbox.unread_count), (1, 1));
    let thread = store
        .thread_message_ids(first.changes.inserted[0].1, false)
        .await;
    assert_eq!(thread.unwrap().len(), 2, "thread counts each message once");

    // The server's new state: m1 read and out of the Inbox; m3 unknown.
    let applied = store
        .apply_remote_changes(
            RemoteChanges {
                account_id: g.account,
                update: vec![
                    state("m1", g.all, &[g.label], true),
                    state("m3", g.all, &[g.inbox], false),
                ],
                ..Default::default()
            },
            3,
        )
        .await
        .unwrap();
    assert_eq!(applied.missing, vec!["m3".to_owned()]);
    assert_eq!(applied.changes.flags_changed, 1);
    assert_eq!(threads_in(&store, g.inbox).await, 0);
    assert_eq!(threads_in(&store, g.label).await, 1);

    // Removed from the Sent folder's view while it lives in All Mail: kept.
    let kept = store
        .apply_remote_changes(
            RemoteChanges {
                account_id: g.account,
                delete: vec!["m2".into()],
                delete_only_in_folder: Some(g.sent),
                ..Default::default()
            },
            4,
        )
        .await
        .unwrap();
    assert_eq!(kept.changes.deleted, 0);

    // Deleted on the server.
    let gone = store
        .apply_remote_changes(
            RemoteChanges {
                account_id: g.account,
                delete: vec!["m2".into(), "never-seen".into()],
                ..Default::default()
            },
            4,
        )
        .await
        .unwrap();
    assert_eq!(gone.changes.deleted, 1);
    assert_eq!(threads_in(&store, g.sent).await, 0);
}

#[tokio::test]
async fn gmail_moves_are_label_changes_and_are_queued_once_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let g = gmail(&store).await;
    let applied = store
        .apply_remote_changes(
            RemoteChanges {
                account_id: g.account,
                insert: vec![(
                    message("m1", &[]),
                    state("m1", g.all, &[g.inbox], false),
                    true,
                )],
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    let id = applied.changes.inserted[0].0;

    // Read: local at once, one job naming the provider id.
    let change = store
        .remote_set_flag(&[id], MailFlag::Seen, true, 2)
        .await
        .unwrap();
    assert_eq!((change.changed, change.jobs.len()), (1, 1));
    assert!(store
        .pending_remote_ids(g.account)
        .await
        .unwrap()
        .contains("m1"));
    let job = store
        .claim_remote_change(g.account, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload.remote_ids, vec!["m1".to_owned()]);
    assert_eq!(
        job.payload.op,
        RemoteOp::Flag {
            flag: MailFlag::Seen,
            add: true
        }
    );
    store.finish_job(job.id, 3).await.unwrap();
    assert!(store
        .pending_remote_ids(g.account)
        .await
        .unwrap()
        .is_empty());

    // "Move to Customers" from the Inbox: +Customers, -INBOX.
    store.remote_move(&[id], g.label, 4).await.unwrap();
    assert_eq!(
        store.message_label_folders(id).await.unwrap(),
        vec![g.label]
    );
    let job = store
        .claim_remote_change(g.account, 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.payload.op,
        RemoteOp::Move {
            dest_folder_id: g.label,
            add_folder_ids: vec![g.label],
            remove_folder_ids: vec![g.inbox],
        }
    );
    store.finish_job(job.id, 5).await.unwrap();

    // Trash: home becomes Trash, labels go.
    store.remote_move_to_role(&[id], "trash", 6).await.unwrap();
    let row = store
        .remote_message(g.account, "m1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.folder_id, g.trash);
    assert!(store.message_label_folders(id).await.unwrap().is_empty());
    assert_eq!(threads_in(&store, g.label).await, 0);
    let job = store
        .claim_remote_change(g.account, 6)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.payload.op,
        RemoteOp::Move {
            dest_folder_id: g.trash,
            add_folder_ids: vec![g.trash],
            remove_folder_ids: vec![g.label],
        }
    );
    store.finish_job(job.id, 7).await.unwrap();

    // Empty Trash: gone locally, a delete job for the server.
    let change = store.remote_empty_trash(g.account, 8).await.unwrap();
    assert_eq!(change.changed, 1);
    assert!(store.remote_ids(g.account).await.unwrap().is_empty());
    let job = store
        .claim_remote_change(g.account, 8)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload.op, RemoteOp::Delete);
}

#[tokio::test]
async fn graph_moves_change_the_folder_and_status_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Outlook", "graph", Some("rep@example.test"), 0)
        .await
        .unwrap();
    let inbox = store
        .ensure_folder(account, "Inbox", Some("inbox"))
        .await
        .unwrap();
    let archive = store
        .ensure_folder(account, "Archive", Some("archive"))
        .await
        .unwrap();
    let applied = store
        .apply_remote_changes(
            RemoteChanges {
                account_id: account,
                insert: vec![(message("g1", &[]), state("g1", inbox, &[], false), false)],
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    let id = applied.changes.inserted[0].0;
    store
        .remote_move_to_role(&[id], "archive", 2)
        .await
        .unwrap();
    assert_eq!(
        store
            .remote_message(account, "g1")
            .await
            .unwrap()
            .unwrap()
            .folder_id,
        archive
    );
    let job = store
        .claim_remote_change(account, 2)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(job.payload.op, RemoteOp::Move { dest_folder_id, .. } if dest_folder_id == archive)
    );
    // Strict order: the next job waits while this one runs.
    store
        .remote_set_flag(&[id], MailFlag::Flagged, true, 3)
        .await
        .unwrap();
    assert!(store
        .claim_remote_change(account, 3)
        .await
        .unwrap()
        .is_none());

    store
        .set_account_status(
            account,
            "rate_limited",
            Some("429 from Graph"),
            Some(60_000),
            4,
        )
        .await
        .unwrap();
    let status = store.account_status(account).await.unwrap().unwrap();
    assert_eq!(status.state, "rate_limited");
    assert_eq!(status.until_ms, Some(60_000));
    store
        .set_account_status(account, "up_to_date", None, None, 5)
        .await
        .unwrap();
    assert_eq!(
        store.account_statuses().await.unwrap()[0].state,
        "up_to_date"
    );
}

#[tokio::test]
async fn provider_draft_ids_get_outbox_numbers_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let g = gmail(&store).await;
    let other = store
        .ensure_account("Other", "graph", None, 0)
        .await
        .unwrap();
    let a = store.remember_remote_draft(g.account, "r-1").await.unwrap();
    let b = store.remember_remote_draft(g.account, "r-2").await.unwrap();
    let c = store.remember_remote_draft(other, "AAMk-1").await.unwrap();
    assert_eq!((a, b, c), (1, 2, 1));
    store
        .replace_remote_draft(g.account, a, "r-3")
        .await
        .unwrap();
    assert_eq!(
        store
            .remote_draft_id(g.account, a)
            .await
            .unwrap()
            .as_deref(),
        Some("r-3")
    );
    assert_eq!(
        store.remote_draft_id(other, 1).await.unwrap().as_deref(),
        Some("AAMk-1")
    );
    store.forget_remote_draft(g.account, a).await.unwrap();
    assert_eq!(store.remote_draft_id(g.account, a).await.unwrap(), None);
}
