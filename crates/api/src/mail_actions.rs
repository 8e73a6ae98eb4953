//! What the user does to mail: read/unread, flag, move, archive, Trash, empty Trash.
//!
//! Each call changes the local store in one transaction — the UI can refetch at once —
//! and queues the server's side as a durable job; it never waits for a server. The jobs
//! are replayed at the start of the account's next sync pass (or by
//! [`Api::send_mail_changes`]); the rule for concurrent edits on the server is in
//! `switchboard_sync::changes`. Message ids that do not exist are ignored.

use crate::{Api, ApiError, ApiResult};
use switchboard_core::ErrorCode;
use switchboard_store::{LocalChange, MailFlag};

fn accepted(change: LocalChange) -> ApiResult<()> {
    if change.in_flight.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        format!(
            "{} of these messages {} being moved on the server right now; nothing was \
             changed — try again in a moment",
            change.in_flight.len(),
            if change.in_flight.len() == 1 {
                "is"
            } else {
                "are"
            }
        ),
    ))
}

impl Api {
    /// Applies one [`MailAction`](crate::dto::MailAction) (the UI's single entry point).
    pub async fn apply_mail_action(&self, action: crate::dto::MailAction) -> ApiResult<()> {
        use crate::dto::MailAction as A;
        match action {
            A::SetSeen { message_ids, seen } => self.set_seen(message_ids, seen).await,
            A::SetFlagged {
                message_ids,
                flagged,
            } => self.set_flagged(message_ids, flagged).await,
            A::MarkThreadRead { thread_id } => self.mark_thread_read(thread_id).await,
            A::Move {
                message_ids,
                folder_id,
            } => self.move_messages(message_ids, folder_id).await,
            A::Archive { message_ids } => self.archive(message_ids).await,
            A::Trash { message_ids } => self.trash(message_ids).await,
            A::EmptyTrash { account_id } => self.empty_trash(account_id).await,
        }
    }

    /// Splits ids into (IMAP or local messages, messages of API accounts): the two take
    /// different paths to the server (`mail.*` UID jobs, `mail.remote` jobs).
    async fn split_remote(&self, message_ids: &[i64]) -> ApiResult<(Vec<i64>, Vec<i64>)> {
        let remote = self.store.remote_message_ids(message_ids).await?;
        Ok(message_ids.iter().partition(|id| !remote.contains(id)))
    }

    async fn set_flag(&self, message_ids: Vec<i64>, flag: MailFlag, value: bool) -> ApiResult<()> {
        let (uid_based, remote) = self.split_remote(&message_ids).await?;
        let now = self.now_ms();
        if !remote.is_empty() {
            self.store
                .remote_set_flag(&remote, flag, value, now)
                .await?;
        }
        accepted(
            self.store
                .set_messages_flag(&uid_based, flag, value, now)
                .await?,
        )
    }

    /// Marks messages read (`seen`) or unread.
    pub async fn set_seen(&self, message_ids: Vec<i64>, seen: bool) -> ApiResult<()> {
        self.set_flag(message_ids, MailFlag::Seen, seen).await
    }

    /// Flags (stars) or unflags messages.
    pub async fn set_flagged(&self, message_ids: Vec<i64>, flagged: bool) -> ApiResult<()> {
        self.set_flag(message_ids, MailFlag::Flagged, flagged).await
    }

    /// Marks every unread message of a thread read.
    pub async fn mark_thread_read(&self, thread_id: i64) -> ApiResult<()> {
        if self.store.thread(thread_id).await?.is_none() {
            return Err(ApiError::not_found(format!("no thread {thread_id}")));
        }
        let unread = self.store.thread_message_ids(thread_id, true).await?;
        self.set_seen(unread, true).await
    }

    /// Moves messages to a folder of their own account.
    pub async fn move_messages(&self, message_ids: Vec<i64>, folder_id: i64) -> ApiResult<()> {
        let (uid_based, remote) = self.split_remote(&message_ids).await?;
        if !remote.is_empty() {
            self.store
                .remote_move(&remote, folder_id, self.now_ms())
                .await?;
        }
        if uid_based.is_empty() {
            return Ok(());
        }
        accepted(
            self.store
                .move_messages_to(&uid_based, folder_id, self.now_ms())
                .await?,
        )
    }

    async fn move_to_role(&self, message_ids: &[i64], role: &str) -> ApiResult<()> {
        let (uid_based, remote) = self.split_remote(message_ids).await?;
        if !remote.is_empty() {
            self.store
                .remote_move_to_role(&remote, role, self.now_ms())
                .await?;
        }
        if uid_based.is_empty() {
            return Ok(());
        }
        accepted(
            self.store
                .move_messages_to_role(&uid_based, role, self.now_ms())
                .await?,
        )
    }

    /// Moves messages to their account's Archive (`not_found` when it has none).
    /// Archives: takes messages out of the Inbox (or a folder of the user's) into the
    /// account's Archive. A conversation's copies in Sent, Drafts, Archive, Trash or Junk
    /// stay where they are — archiving a thread must not file your own sent replies away
    /// or pull a message back out of Trash.
    pub async fn archive(&self, message_ids: Vec<i64>) -> ApiResult<()> {
        let keep_out = ["sent", "drafts", "archive", "trash", "junk"];
        // Gmail keeps every message in All Mail: archiving removes the Inbox label, so
        // only Trash and Spam stay out.
        let gmail_keep_out = ["trash", "junk"];
        let gmail_accounts: Vec<i64> = self
            .store
            .accounts()
            .await?
            .into_iter()
            .filter(|a| a.kind == crate::oauth_accounts::GMAIL)
            .map(|a| a.id)
            .collect();
        let gmail_messages: std::collections::HashSet<i64> = self
            .store
            .remote_messages(&message_ids)
            .await?
            .into_iter()
            .filter(|m| gmail_accounts.contains(&m.account_id))
            .map(|m| m.id)
            .collect();
        let to_move: Vec<i64> = self
            .store
            .message_folder_roles(&message_ids)
            .await?
            .into_iter()
            .filter(|(id, role)| {
                let excluded: &[&str] = if gmail_messages.contains(id) {
                    &gmail_keep_out
                } else {
                    &keep_out
                };
                !role.as_deref().is_some_and(|r| excluded.contains(&r))
            })
            .map(|(id, _)| id)
            .collect();
        if to_move.is_empty() {
            return Ok(());
        }
        self.move_to_role(&to_move, "archive").await
    }

    /// Moves messages to their account's Trash (`not_found` when it has none). Messages
    /// already in Trash stay there; [`empty_trash`](Self::empty_trash) deletes for good.
    pub async fn trash(&self, message_ids: Vec<i64>) -> ApiResult<()> {
        self.move_to_role(&message_ids, "trash").await
    }

    /// Deletes every message in the account's Trash for good, here and on the server.
    pub async fn empty_trash(&self, account_id: i64) -> ApiResult<()> {
        let now = self.now_ms();
        let kind = self
            .store
            .accounts()
            .await?
            .into_iter()
            .find(|a| a.id == account_id)
            .map(|a| a.kind);
        let change = match kind.as_deref() {
            Some(crate::oauth_accounts::GMAIL | crate::oauth_accounts::GRAPH) => {
                self.store.remote_empty_trash(account_id, now).await?
            }
            _ => self.store.empty_trash(account_id, now).await?,
        };
        let deleted = change.changed;
        accepted(change)?;
        self.store
            .audit(
                now,
                "user",
                "mail.empty_trash",
                Some(&format!("account:{account_id}")),
                &serde_json::json!({ "deleted": deleted }),
            )
            .await?;
        Ok(())
    }

    /// Sends the queued mail changes of every account (or the one named) now,
    /// without a sync pass; returns how many were carried out. An account that is not
    /// reachable keeps its changes queued and reports `offline`.
    pub async fn send_mail_changes(&self, only: Option<&str>) -> ApiResult<u32> {
        let mut done = 0u32;
        let kind = match only {
            Some(name) => Some(self.account_kind(name).await?),
            None => None,
        };
        if kind.as_deref().is_none_or(|k| k != "imap") {
            for (row, config) in self.api_accounts(only).await? {
                let n = match row.kind.as_str() {
                    crate::oauth_accounts::GMAIL => {
                        let client = self.gmail_client(&row, &config)?;
                        switchboard_sync::gmail::replay_pending(
                            &self.store,
                            self.clock.as_ref(),
                            &client,
                            row.id,
                        )
                        .await
                        .map_err(crate::oauth_accounts::sync_error)?
                    }
                    _ => crate::oauth_graph::replay(self, &row, &config).await?,
                };
                done += u32::try_from(n).unwrap_or(u32::MAX);
            }
            if kind.is_some() {
                return Ok(done);
            }
        }
        for (row, config) in self.imap_accounts(only).await? {
            if !self
                .store
                .has_due_mail_changes(row.id, self.now_ms())
                .await?
            {
                continue;
            }
            let login = self.imap_login(&row).await?;
            let account = switchboard_sync::imap::ImapAccount {
                id: row.id,
                name: &row.name,
                config: &config,
                login: login.login(),
            };
            let report = switchboard_sync::changes::replay_account(
                &self.store,
                self.clock.as_ref(),
                &account,
            )
            .await?;
            done += u32::try_from(report.done).unwrap_or(u32::MAX);
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Arc;
    use switchboard_core::FixedClock;
    use switchboard_secrets::MemoryStore;
    use switchboard_store::{MessageRow, NewMessage, StoredOutcome};

    struct Fixture {
        _dir: tempfile::TempDir,
        api: Api,
        account: i64,
        inbox: i64,
        trash: i64,
        /// Two messages of one thread, both unread, in the Inbox.
        ids: Vec<i64>,
        thread: i64,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
        let api = Api::open_with_clock(dir.path(), Arc::new(MemoryStore::new()), clock)
            .await
            .unwrap();
        let store = api.store();
        let account = store.ensure_account("work", "imap", None, 0).await.unwrap();
        let inbox = store
            .ensure_folder(account, "INBOX", Some("inbox"))
            .await
            .unwrap();
        let trash = store
            .ensure_folder(account, "Trash", Some("trash"))
            .await
            .unwrap();
        let batch: Vec<NewMessage> = (1..=2)
            .map(|uid| NewMessage {
                account_id: account,
                folder_id: inbox,
                uid: Some(uid),
                dedupe_key: format!("m{uid}@x"),
                message_id: Some(format!("m{uid}@x")),
                references: if uid == 2 {
                    vec!["m1@x".into()]
                } else {
                    vec![]
                },
                subject: "Renewal".into(),
                subject_key: "renewal".into(),
                date: uid,
                raw: b"x".to_vec(),
                ..Default::default()
            })
            .collect();
        let mut ids = Vec::new();
        let mut thread = 0;
        for outcome in store.store_messages(&batch, None, 0).await.unwrap() {
            if let StoredOutcome::Inserted { id, thread_id } = outcome {
                ids.push(id);
                thread = thread_id;
            }
        }
        assert_eq!(ids.len(), 2);
        Fixture {
            _dir: dir,
            api,
            account,
            inbox,
            trash,
            ids,
            thread,
        }
    }

    impl Fixture {
        async fn message(&self, id: i64) -> Option<MessageRow> {
            self.api.store().message(id).await.unwrap()
        }

        async fn open_jobs(&self) -> Vec<String> {
            self.api
                .store()
                .recent_jobs(100)
                .await
                .unwrap()
                .into_iter()
                .filter(|j| j.state == "queued")
                .map(|j| j.kind)
                .collect()
        }
    }

    #[tokio::test]
    async fn actions_change_the_store_at_once_and_queue_the_server_side() {
        let f = fixture().await;
        f.api.mark_thread_read(f.thread).await.unwrap();
        let t = f.api.store().thread(f.thread).await.unwrap().unwrap();
        assert_eq!(t.unread_count, 0);
        f.api.set_flagged(vec![f.ids[0]], true).await.unwrap();
        assert!(f.message(f.ids[0]).await.unwrap().flagged);
        f.api.set_seen(vec![f.ids[1]], false).await.unwrap();
        assert!(!f.message(f.ids[1]).await.unwrap().seen);
        f.api.trash(vec![f.ids[1]]).await.unwrap();
        assert_eq!(f.message(f.ids[1]).await.unwrap().folder_id, f.trash);
        f.api.move_messages(vec![f.ids[1]], f.inbox).await.unwrap();
        assert_eq!(f.message(f.ids[1]).await.unwrap().folder_id, f.inbox);
        f.api.trash(vec![f.ids[1]]).await.unwrap();
        f.api.empty_trash(f.account).await.unwrap();
        assert!(f.message(f.ids[1]).await.is_none());
        assert_eq!(
            f.open_jobs().await.len(),
            4,
            "read, flag, unread, expunge (the Trash round trip coalesced into the expunge)"
        );
        // Nothing to do is fine.
        f.api.set_seen(Vec::new(), true).await.unwrap();
        f.api.empty_trash(f.account).await.unwrap();
    }

    #[tokio::test]
    async fn archiving_a_thread_leaves_its_sent_copy_in_sent() {
        let f = fixture().await;
        let store = f.api.store();
        let archive = store
            .ensure_folder(f.account, "Archive", Some("archive"))
            .await
            .unwrap();
        let sent = store
            .ensure_folder(f.account, "Sent", Some("sent"))
            .await
            .unwrap();
        let reply = NewMessage {
            account_id: f.account,
            folder_id: sent,
            uid: Some(1),
            dedupe_key: "mine@x".into(),
            message_id: Some("mine@x".into()),
            references: vec!["m1@x".into(), "m2@x".into()],
            subject: "Re: Renewal".into(),
            subject_key: "renewal".into(),
            date: 3,
            seen: true,
            raw: b"x".to_vec(),
            ..Default::default()
        };
        let mine = match store.store_messages(&[reply], None, 0).await.unwrap()[0] {
            StoredOutcome::Inserted { id, thread_id } => {
                assert_eq!(thread_id, f.thread);
                id
            }
            other => panic!("{other:?}"),
        };
        let whole_thread = vec![f.ids[0], f.ids[1], mine];
        f.api.archive(whole_thread.clone()).await.unwrap();
        assert_eq!(f.message(f.ids[0]).await.unwrap().folder_id, archive);
        assert_eq!(f.message(f.ids[1]).await.unwrap().folder_id, archive);
        assert_eq!(
            f.message(mine).await.unwrap().folder_id,
            sent,
            "the sent reply stays"
        );
        // Archiving again changes nothing and queues nothing more.
        let jobs = f.open_jobs().await.len();
        f.api.archive(whole_thread).await.unwrap();
        assert_eq!(f.open_jobs().await.len(), jobs);
    }

    #[tokio::test]
    async fn errors_carry_codes_the_ui_branches_on() {
        let f = fixture().await;
        let e = f.api.archive(vec![f.ids[0]]).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "{e}");
        assert!(e.message.contains("no archive folder"), "{e}");
        let e = f.api.mark_thread_read(424242).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e = f
            .api
            .move_messages(vec![f.ids[0]], 424242)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);

        // A message whose move is on the wire: conflict, nothing changed.
        f.api.trash(vec![f.ids[0]]).await.unwrap();
        let claimed = f
            .api
            .store()
            .claim_mail_change(f.account, i64::MAX)
            .await
            .unwrap();
        assert!(claimed.is_some());
        let e = f.api.set_seen(vec![f.ids[0]], true).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e}");
        assert!(!f.message(f.ids[0]).await.unwrap().seen);
    }
}
