#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Local mail changes: applied at once, queued as `mail.*` jobs in the same transaction,
//! coalesced for messages whose move has not reached the server, claimed in order.

use serde_json::{json, Value};
use switchboard_store::{
    LocalChange, MailChange, MailFlag, NewMessage, Store, StoreError, MAIL_MOVE_JOB,
};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    account: i64,
    inbox: i64,
    archive: i64,
    trash: i64,
}

async fn fixture(kind: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store.ensure_account("work", kind, None, 0).await.unwrap();
    let inbox = store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let archive = store
        .ensure_folder(account, "Archive", Some("archive"))
        .await
        .unwrap();
    let trash = store
        .ensure_folder(account, "Trash", Some("trash"))
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        account,
        inbox,
        archive,
        trash,
    }
}

impl Fixture {
    /// Stores a server message (folder, UID) and returns its local id.
    async fn message(&self, folder: i64, uid: i64, id: &str, seen: bool) -> i64 {
        let m = NewMessage {
            account_id: self.account,
            folder_id: folder,
            uid: Some(uid),
            dedupe_key: id.to_owned(),
            message_id: Some(id.to_owned()),
            subject: format!("About {id}"),
            subject_key: format!("about {id}"),
            from_email: Some("dana@acme.test".into()),
            date: 1_000 + uid,
            seen,
            raw: format!("Message-ID: <{id}>\r\n\r\nbody").into_bytes(),
            ..Default::default()
        };
        match self.store.store_messages(&[m], None, 0).await.unwrap()[0] {
            switchboard_store::StoredOutcome::Inserted { id, .. } => id,
            other => panic!("not inserted: {other:?}"),
        }
    }

    /// (folder, uid, seen, flagged) of a message, None when it is gone.
    async fn row(&self, id: i64) -> Option<(i64, Option<i64>, bool, bool)> {
        sqlx::query_as("SELECT folder_id, uid, seen, flagged FROM messages WHERE id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await
            .unwrap()
    }

    /// Queued/running jobs, oldest first: (kind, payload).
    async fn jobs(&self) -> Vec<(String, Value)> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, payload_json FROM jobs WHERE state IN ('queued', 'running') ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap();
        rows.into_iter()
            .map(|(k, p)| (k, serde_json::from_str(&p).unwrap()))
            .collect()
    }

    async fn thread_unread(&self, message: i64) -> i64 {
        sqlx::query_scalar(
            "SELECT t.unread_count FROM threads t JOIN messages m ON m.thread_id = t.id
             WHERE m.id = ?",
        )
        .bind(message)
        .fetch_one(self.store.pool())
        .await
        .unwrap()
    }
}

fn applied(change: &LocalChange) {
    assert!(change.in_flight.is_empty(), "{change:?}");
}

#[tokio::test]
async fn flag_changes_apply_at_once_and_queue_one_delta_job_per_folder() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    let c = f.message(f.archive, 7, "c@x", false).await;
    let read = f.message(f.inbox, 3, "read@x", true).await;

    let change = f
        .store
        .set_messages_flag(&[a, b, c, read, 9999], MailFlag::Seen, true, 10)
        .await
        .unwrap();
    applied(&change);
    assert_eq!(
        change.changed, 3,
        "the read one and the unknown id change nothing"
    );
    assert_eq!(change.jobs.len(), 2);
    assert_eq!(change.accounts, vec![f.account]);
    assert_eq!(f.row(a).await, Some((f.inbox, Some(1), true, false)));
    assert_eq!(f.thread_unread(a).await, 0, "thread counters follow");
    assert_eq!(
        f.jobs().await,
        vec![
            (
                "mail.flags".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1, 2],
                       "message_ids": [a, b], "flag": "seen", "add": true})
            ),
            (
                "mail.flags".to_owned(),
                json!({"account_id": f.account, "folder_id": f.archive, "uids": [7],
                       "message_ids": [c], "flag": "seen", "add": true})
            ),
        ]
    );
    // Sync leaves these UIDs alone until the jobs are replayed.
    let mut pending = f.store.pending_uids(f.inbox).await.unwrap();
    pending.sort_unstable();
    assert_eq!(pending, vec![1, 2]);

    // Nothing changes: no job.
    let again = f
        .store
        .set_messages_flag(&[a, b], MailFlag::Seen, true, 11)
        .await
        .unwrap();
    assert_eq!((again.changed, again.jobs.len()), (0, 0));

    // Flagged is its own delta.
    f.store
        .set_messages_flag(&[a], MailFlag::Flagged, true, 12)
        .await
        .unwrap();
    let jobs = f.jobs().await;
    assert_eq!(jobs[2].1["flag"], "flagged");
    assert_eq!(jobs[2].1["add"], true);
    assert_eq!(f.row(a).await, Some((f.inbox, Some(1), true, true)));
}

#[tokio::test]
async fn a_move_takes_the_row_to_its_destination_without_uid_and_queues_the_server_move() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    let change = f
        .store
        .move_messages_to(&[a, b], f.archive, 10)
        .await
        .unwrap();
    applied(&change);
    assert_eq!(change.changed, 2);
    assert_eq!(f.row(a).await, Some((f.archive, None, false, false)));
    assert_eq!(
        f.jobs().await,
        vec![(
            "mail.move".to_owned(),
            json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1, 2],
                   "message_ids": [a, b], "dest_folder_id": f.archive})
        )]
    );
    let mut pending = f.store.pending_uids(f.inbox).await.unwrap();
    pending.sort_unstable();
    assert_eq!(pending, vec![1, 2], "the Inbox must not fetch them back");
    // Folder counts follow at once.
    let folders = f.store.folders(Some(f.account)).await.unwrap();
    let count = |id: i64| folders.iter().find(|x| x.id == id).unwrap().message_count;
    assert_eq!((count(f.inbox), count(f.archive)), (0, 2));
}

#[tokio::test]
async fn moving_a_uidless_message_again_coalesces_and_moving_it_back_restores_its_uid() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    f.store
        .move_messages_to(&[a, b], f.archive, 10)
        .await
        .unwrap();

    // a moves on to Trash before the first move reached the server: one move from the
    // Inbox straight to Trash, b's move stays as it was.
    let change = f
        .store
        .move_messages_to_role(&[a], "trash", 11)
        .await
        .unwrap();
    applied(&change);
    assert_eq!(f.row(a).await, Some((f.trash, None, false, false)));
    assert_eq!(
        f.jobs().await,
        vec![
            (
                "mail.move".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [2],
                       "message_ids": [b], "dest_folder_id": f.archive})
            ),
            (
                "mail.move".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1],
                       "message_ids": [a], "dest_folder_id": f.trash})
            ),
        ]
    );

    // Both go back to the Inbox: the server never saw them leave, nothing to send.
    let back = f
        .store
        .move_messages_to(&[a, b], f.inbox, 12)
        .await
        .unwrap();
    applied(&back);
    assert!(back.jobs.is_empty());
    assert_eq!(f.row(a).await, Some((f.inbox, Some(1), false, false)));
    assert_eq!(f.row(b).await, Some((f.inbox, Some(2), false, false)));
    assert!(f.jobs().await.is_empty(), "{:?}", f.jobs().await);
    assert!(f.store.pending_uids(f.inbox).await.unwrap().is_empty());
}

#[tokio::test]
async fn flagging_a_moved_message_flags_it_where_it_is_then_moves_it_again() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    f.store.move_messages_to(&[a], f.archive, 10).await.unwrap();
    let change = f
        .store
        .set_messages_flag(&[a], MailFlag::Seen, true, 11)
        .await
        .unwrap();
    applied(&change);
    assert_eq!(f.row(a).await, Some((f.archive, None, true, false)));
    assert_eq!(
        f.jobs().await,
        vec![
            (
                "mail.flags".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1],
                       "message_ids": [a], "flag": "seen", "add": true})
            ),
            (
                "mail.move".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1],
                       "message_ids": [a], "dest_folder_id": f.archive})
            ),
        ]
    );
    // And they are claimed in that order.
    let first = f
        .store
        .claim_mail_change(f.account, 20)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        first.change,
        MailChange::Flags {
            flag: MailFlag::Seen,
            add: true
        }
    ));
    assert!(
        f.store
            .claim_mail_change(f.account, 20)
            .await
            .unwrap()
            .is_none(),
        "the move waits for the flag job"
    );
    f.store.finish_job(first.id, 21).await.unwrap();
    let second = f
        .store
        .claim_mail_change(f.account, 21)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        second.change,
        MailChange::Move {
            dest_folder_id: f.archive
        }
    );
}

#[tokio::test]
async fn trash_and_archive_need_their_folder_and_change_nothing_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store.ensure_account("bare", "imap", None, 0).await.unwrap();
    let inbox = store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let m = NewMessage {
        account_id: account,
        folder_id: inbox,
        uid: Some(1),
        dedupe_key: "a@x".into(),
        message_id: Some("a@x".into()),
        raw: b"x".to_vec(),
        ..Default::default()
    };
    store.store_messages(&[m], None, 0).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM messages")
        .fetch_one(store.pool())
        .await
        .unwrap();
    for role in ["trash", "archive"] {
        let err = store
            .move_messages_to_role(&[id], role, 1)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(
            err.to_string().contains(&format!("no {role} folder")),
            "{err}"
        );
    }
    assert!(matches!(
        store.empty_trash(account, 1).await.unwrap_err(),
        StoreError::NotFound(_)
    ));
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(jobs, 0);
    let folder: i64 = sqlx::query_scalar("SELECT folder_id FROM messages WHERE id = ?")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(folder, inbox);
}

#[tokio::test]
async fn moves_stay_inside_their_account() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let other = f
        .store
        .ensure_account("home", "imap", None, 0)
        .await
        .unwrap();
    let elsewhere = f
        .store
        .ensure_folder(other, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let err = f
        .store
        .move_messages_to(&[a], elsewhere, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(matches!(
        f.store.move_messages_to(&[a], 4242, 1).await.unwrap_err(),
        StoreError::NotFound(_)
    ));
    assert_eq!(f.row(a).await, Some((f.inbox, Some(1), false, false)));
}

#[tokio::test]
async fn empty_trash_deletes_locally_and_expunges_each_message_where_the_server_has_it() {
    let f = fixture("imap").await;
    let old = f.message(f.trash, 5, "old@x", true).await;
    let fresh = f.message(f.inbox, 2, "fresh@x", false).await;
    let stays = f.message(f.inbox, 3, "stays@x", false).await;
    // Trashed offline: still in the Inbox on the server.
    f.store
        .move_messages_to_role(&[fresh], "trash", 10)
        .await
        .unwrap();
    let change = f.store.empty_trash(f.account, 11).await.unwrap();
    applied(&change);
    assert_eq!(change.changed, 2);
    assert_eq!(f.row(old).await, None);
    assert_eq!(f.row(fresh).await, None);
    assert!(f.row(stays).await.is_some());
    assert_eq!(
        f.jobs().await,
        vec![
            (
                "mail.expunge".to_owned(),
                json!({"account_id": f.account, "folder_id": f.inbox, "uids": [2],
                       "message_ids": [fresh]})
            ),
            (
                "mail.expunge".to_owned(),
                json!({"account_id": f.account, "folder_id": f.trash, "uids": [5],
                       "message_ids": [old]})
            ),
        ],
        "the queued move to Trash became an expunge in the Inbox"
    );
    assert_eq!(f.store.pending_uids(f.trash).await.unwrap(), vec![5]);
    // An empty Trash is nothing to do.
    let again = f.store.empty_trash(f.account, 12).await.unwrap();
    assert_eq!((again.changed, again.jobs.len()), (0, 0));
}

#[tokio::test]
async fn a_move_on_its_way_to_the_server_blocks_changes_to_its_messages_until_it_lands() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    f.store.move_messages_to(&[a], f.archive, 10).await.unwrap();
    let job = f
        .store
        .claim_mail_change(f.account, 20)
        .await
        .unwrap()
        .unwrap();

    // Nothing at all changes, b included.
    for change in [
        f.store
            .set_messages_flag(&[a, b], MailFlag::Flagged, true, 21)
            .await
            .unwrap(),
        f.store
            .move_messages_to(&[a, b], f.trash, 21)
            .await
            .unwrap(),
    ] {
        assert_eq!(change.in_flight, vec![a]);
        assert_eq!(change.changed, 0);
        assert!(change.jobs.is_empty());
    }
    assert_eq!(f.row(a).await, Some((f.archive, None, false, false)));
    assert_eq!(f.row(b).await, Some((f.inbox, Some(2), false, false)));

    // The server put it at UID 40: the row gets that UID and is an ordinary message again.
    f.store
        .finish_mail_move(&job, &[(a, 40)], 22)
        .await
        .unwrap();
    assert_eq!(f.row(a).await, Some((f.archive, Some(40), false, false)));
    let change = f
        .store
        .set_messages_flag(&[a], MailFlag::Flagged, true, 23)
        .await
        .unwrap();
    applied(&change);
    assert_eq!(f.jobs().await[0].1["folder_id"], f.archive);
    assert_eq!(f.jobs().await[0].1["uids"], json!([40]));
}

#[tokio::test]
async fn finishing_a_move_keeps_reported_uids_and_drops_rows_the_server_did_not_place() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    let c = f.message(f.inbox, 3, "c@x", false).await;
    // The Archive already holds UID 41 (synced meanwhile): c's reported UID is taken.
    f.message(f.archive, 41, "other@x", false).await;
    f.store
        .move_messages_to(&[a, b, c], f.archive, 10)
        .await
        .unwrap();
    let job = f
        .store
        .claim_mail_change(f.account, 20)
        .await
        .unwrap()
        .unwrap();
    f.store
        .finish_mail_move(&job, &[(a, 40), (c, 41)], 21)
        .await
        .unwrap();
    assert_eq!(f.row(a).await, Some((f.archive, Some(40), false, false)));
    assert_eq!(
        f.row(b).await,
        None,
        "no COPYUID for b: the next sync fetches it"
    );
    assert_eq!(f.row(c).await, None);
    assert!(f.jobs().await.is_empty());
    assert!(f.store.pending_uids(f.inbox).await.unwrap().is_empty());
    let state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE id = ?")
        .bind(job.id)
        .fetch_one(f.store.pool())
        .await
        .unwrap();
    assert_eq!(state, "done");
}

#[tokio::test]
async fn an_abandoned_move_leaves_the_server_state_to_the_next_sync() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    f.store.move_messages_to(&[a], f.archive, 10).await.unwrap();
    let job = f
        .store
        .claim_mail_change(f.account, 20)
        .await
        .unwrap()
        .unwrap();
    f.store
        .abandon_mail_change(&job, "NO [TRYCREATE] no such folder", 21)
        .await
        .unwrap();
    assert_eq!(f.row(a).await, None);
    assert!(f.store.pending_uids(f.inbox).await.unwrap().is_empty());
    let recent = f.store.recent_jobs(1).await.unwrap();
    assert_eq!(recent[0].state, "failed");
    assert_eq!(
        recent[0].last_error.as_deref(),
        Some("NO [TRYCREATE] no such folder")
    );
}

#[tokio::test]
async fn moving_into_a_folder_that_holds_the_same_message_keeps_one_copy() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "same@x", false).await;
    let twin = f.message(f.archive, 9, "same@x", false).await;
    let change = f.store.move_messages_to(&[a], f.archive, 10).await.unwrap();
    applied(&change);
    assert_eq!(f.row(a).await, None);
    assert!(f.row(twin).await.is_some());
    assert_eq!(
        f.jobs().await[0].0,
        MAIL_MOVE_JOB,
        "the server still moves its copy"
    );
}

#[tokio::test]
async fn accounts_without_a_server_change_locally_only() {
    let f = fixture("local").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let read = f
        .store
        .set_messages_flag(&[a], MailFlag::Seen, true, 10)
        .await
        .unwrap();
    assert_eq!((read.changed, read.jobs.len()), (1, 0));
    let moved = f.store.move_messages_to(&[a], f.archive, 11).await.unwrap();
    assert_eq!((moved.changed, moved.jobs.len()), (1, 0));
    assert_eq!(f.row(a).await, Some((f.archive, None, true, false)));
    assert!(f.jobs().await.is_empty());
}

#[tokio::test]
async fn claims_are_in_order_per_account_wait_for_retries_and_skip_other_work() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let b = f.message(f.inbox, 2, "b@x", false).await;
    let other = f
        .store
        .ensure_account("home", "imap", None, 0)
        .await
        .unwrap();
    let other_inbox = f
        .store
        .ensure_folder(other, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let m = NewMessage {
        account_id: other,
        folder_id: other_inbox,
        uid: Some(1),
        dedupe_key: "o@x".into(),
        raw: b"x".to_vec(),
        ..Default::default()
    };
    f.store.store_messages(&[m], None, 0).await.unwrap();
    let o: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE account_id = ?")
        .bind(other)
        .fetch_one(f.store.pool())
        .await
        .unwrap();
    // Someone else's job kind is never claimed here.
    f.store
        .enqueue_job("send", &json!({"account_id": f.account}), Some("k1"), 5)
        .await
        .unwrap();
    let first = f
        .store
        .set_messages_flag(&[a], MailFlag::Seen, true, 10)
        .await
        .unwrap()
        .jobs[0];
    let second = f
        .store
        .set_messages_flag(&[b], MailFlag::Seen, true, 10)
        .await
        .unwrap()
        .jobs[0];
    let theirs = f
        .store
        .set_messages_flag(&[o], MailFlag::Seen, true, 10)
        .await
        .unwrap()
        .jobs[0];

    let job = f
        .store
        .claim_mail_change(f.account, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.id, job.attempts), (first, 1));
    // Offline: retry at 100. Until then the account's queue waits; the other account's
    // does not.
    f.store
        .fail_job(job.id, "connection refused", Some(100), 11)
        .await
        .unwrap();
    assert!(f
        .store
        .claim_mail_change(f.account, 50)
        .await
        .unwrap()
        .is_none());
    let job_o = f.store.claim_mail_change(other, 50).await.unwrap().unwrap();
    assert_eq!(job_o.id, theirs);
    let job = f
        .store
        .claim_mail_change(f.account, 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.id, job.attempts), (first, 2));
    // A crash while running: requeued, claimed again.
    f.store.requeue_interrupted_jobs(101).await.unwrap();
    let job = f
        .store
        .claim_mail_change(f.account, 102)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.id, job.attempts), (first, 3));
    f.store.finish_job(job.id, 103).await.unwrap();
    let job = f
        .store
        .claim_mail_change(f.account, 103)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, second);
    f.store.finish_job(job.id, 104).await.unwrap();
    assert!(f
        .store
        .claim_mail_change(f.account, 104)
        .await
        .unwrap()
        .is_none());
    let send_state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE kind = 'send'")
        .fetch_one(f.store.pool())
        .await
        .unwrap();
    assert_eq!(send_state, "queued");
}

#[tokio::test]
async fn an_unreadable_job_fails_for_good_and_the_queue_goes_on() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let broken = f
        .store
        .enqueue_job(
            "mail.flags",
            &json!({"account_id": f.account, "folder_id": f.inbox, "uids": [1],
                    "message_ids": [a]}),
            None,
            1,
        )
        .await
        .unwrap();
    let good = f
        .store
        .set_messages_flag(&[a], MailFlag::Seen, true, 2)
        .await
        .unwrap()
        .jobs[0];
    let job = f
        .store
        .claim_mail_change(f.account, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, good);
    let state: (String, Option<String>) =
        sqlx::query_as("SELECT state, last_error FROM jobs WHERE id = ?")
            .bind(broken)
            .fetch_one(f.store.pool())
            .await
            .unwrap();
    assert_eq!(state.0, "failed");
    assert!(state.1.unwrap().contains("without flag"));
}

#[tokio::test]
async fn thread_message_ids_lists_a_thread_or_its_unread_part() {
    let f = fixture("imap").await;
    let a = f.message(f.inbox, 1, "a@x", false).await;
    let thread: i64 = sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(a)
        .fetch_one(f.store.pool())
        .await
        .unwrap();
    assert_eq!(
        f.store.thread_message_ids(thread, true).await.unwrap(),
        vec![a]
    );
    f.store
        .set_messages_flag(&[a], MailFlag::Seen, true, 1)
        .await
        .unwrap();
    assert!(f
        .store
        .thread_message_ids(thread, true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        f.store.thread_message_ids(thread, false).await.unwrap(),
        vec![a]
    );
}
