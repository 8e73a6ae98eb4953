//! Applying a server folder's changes: the folder list, and per folder a batch of
//! deletions, flag changes and new messages together with the sync cursor — all in ONE
//! transaction, so a crash between batches resumes from a cursor that matches the rows.

use crate::mail::{refresh_threads, NewMessage, StoredOutcome};
use crate::{Result, Store};
use sqlx::{Sqlite, Transaction};

/// A folder as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFolder {
    pub name: String,
    pub wire_name: String,
    pub delimiter: Option<String>,
    /// inbox, sent, drafts, archive, trash, junk (or None).
    pub role: Option<String>,
    pub selectable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FolderRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub wire_name: Option<String>,
    pub delimiter: Option<String>,
    pub role: Option<String>,
    pub uidvalidity: Option<i64>,
    pub selectable: bool,
    pub message_count: i64,
    pub unread_count: i64,
}

/// A locally stored server message: its UID and the flags we hold for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct LocalUid {
    pub uid: i64,
    pub seen: bool,
    pub flagged: bool,
}

/// One batch of changes to one folder.
#[derive(Debug, Default)]
pub struct FolderChanges {
    pub account_id: i64,
    pub folder_id: i64,
    /// The folder's UIDVALIDITY changed to this: every local message of the folder is
    /// dropped first (threads keep their ids) and the new value is stored.
    pub reset_uidvalidity: Option<i64>,
    /// Set the folder's UIDVALIDITY (first sync) without dropping anything.
    pub uidvalidity: Option<i64>,
    pub delete_uids: Vec<i64>,
    /// (uid, seen, flagged)
    pub flags: Vec<(i64, bool, bool)>,
    /// New messages; `false` beside one means only its header is stored yet.
    pub insert: Vec<(NewMessage, bool)>,
    /// The folder's cursor after this batch.
    pub cursor: Option<String>,
}

/// What a batch did, for progress and notifications.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AppliedChanges {
    /// (message id, thread id, seen)
    pub inserted: Vec<(i64, i64, bool)>,
    pub duplicates: usize,
    pub deleted: usize,
    pub flags_changed: usize,
}

pub fn folder_cursor_scope(folder_id: i64) -> String {
    format!("folder:{folder_id}")
}

impl Store {
    /// Makes the local folder list match the server's: adds and updates folders, and
    /// removes folders the server no longer has (with their messages).
    pub async fn sync_folders(
        &self,
        account_id: i64,
        remote: &[RemoteFolder],
    ) -> Result<Vec<FolderRow>> {
        let mut tx = self.pool.begin().await?;
        for f in remote {
            sqlx::query(
                "INSERT INTO folders (account_id, name, role, wire_name, delimiter, selectable)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (account_id, name) DO UPDATE SET role = excluded.role,
                     wire_name = excluded.wire_name, delimiter = excluded.delimiter,
                     selectable = excluded.selectable",
            )
            .bind(account_id)
            .bind(&f.name)
            .bind(&f.role)
            .bind(&f.wire_name)
            .bind(&f.delimiter)
            .bind(f.selectable)
            .execute(&mut *tx)
            .await?;
        }
        let names: Vec<&str> = remote.iter().map(|f| f.name.as_str()).collect();
        let gone: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM folders WHERE account_id = ?1
               AND name NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(account_id)
        .bind(serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut *tx)
        .await?;
        for folder in gone {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE folder_id = ?")
                .bind(folder)
                .fetch_all(&mut *tx)
                .await?;
            crate::delete_messages_tx(&mut tx, &ids).await?;
            sqlx::query("DELETE FROM sync_cursors WHERE account_id = ? AND scope = ?")
                .bind(account_id)
                .bind(folder_cursor_scope(folder))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM folders WHERE id = ?")
                .bind(folder)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.folders(Some(account_id)).await
    }

    /// Folders with their message and unread counts (all accounts with `None`).
    pub async fn folders(&self, account_id: Option<i64>) -> Result<Vec<FolderRow>> {
        Ok(sqlx::query_as::<_, FolderRow>(
            "SELECT f.id, f.account_id, f.name, f.wire_name, f.delimiter, f.role, f.uidvalidity,
                    f.selectable,
                    (SELECT count(*) FROM messages m WHERE m.folder_id = f.id)
                      + (SELECT count(*) FROM message_labels l WHERE l.folder_id = f.id)
                        AS message_count,
                    (SELECT count(*) FROM messages m WHERE m.folder_id = f.id AND m.seen = 0)
                      + (SELECT count(*) FROM message_labels l JOIN messages m
                           ON m.id = l.message_id WHERE l.folder_id = f.id AND m.seen = 0)
                        AS unread_count
             FROM folders f WHERE ?1 IS NULL OR f.account_id = ?1
             ORDER BY f.account_id,
                CASE f.role WHEN 'inbox' THEN 0 WHEN 'drafts' THEN 1 WHEN 'sent' THEN 2
                    WHEN 'archive' THEN 3 WHEN 'junk' THEN 4 WHEN 'trash' THEN 5 ELSE 6 END,
                f.name",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many server messages (with a UID) a folder holds locally; with `among`, only
    /// those of these UIDs. The no-change check of a sync pass needs only this, not the
    /// whole UID list.
    pub async fn folder_uid_count(&self, folder_id: i64, among: Option<&[i64]>) -> Result<i64> {
        Ok(match among {
            None => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM messages WHERE folder_id = ? AND uid IS NOT NULL",
                )
                .bind(folder_id)
                .fetch_one(&self.pool)
                .await?
            }
            Some(uids) => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM messages WHERE folder_id = ?1
                   AND uid IN (SELECT value FROM json_each(?2))",
                )
                .bind(folder_id)
                .bind(serde_json::to_string(uids).unwrap_or_else(|_| "[]".into()))
                .fetch_one(&self.pool)
                .await?
            }
        })
    }

    /// The role of the folder each message is in (None for a folder without one).
    pub async fn message_folder_roles(
        &self,
        message_ids: &[i64],
    ) -> Result<Vec<(i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT m.id, f.role FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE m.id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The UIDs (and flags) stored for a folder, ascending.
    pub async fn folder_uids(&self, folder_id: i64) -> Result<Vec<LocalUid>> {
        Ok(sqlx::query_as::<_, LocalUid>(
            "SELECT uid, seen, flagged FROM messages
             WHERE folder_id = ? AND uid IS NOT NULL ORDER BY uid",
        )
        .bind(folder_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// UIDs of this folder with local changes (flag, move, delete) not yet replayed to
    /// the server: jobs of kind `mail.*` whose payload names the folder and the UIDs.
    pub async fn pending_uids(&self, folder_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT u.value FROM jobs, json_each(jobs.payload_json, '$.uids') u
             WHERE jobs.kind LIKE 'mail.%' AND jobs.state IN ('queued', 'running')
               AND jobs.payload_json ->> '$.folder_id' = ?",
        )
        .bind(folder_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Applies one batch of a folder's changes and its cursor in one transaction.
    pub async fn apply_folder_changes(
        &self,
        changes: FolderChanges,
        now_ms: i64,
    ) -> Result<AppliedChanges> {
        let mut tx = self.pool.begin().await?;
        let out = apply_in(&mut tx, changes, now_ms).await?;
        tx.commit().await?;
        Ok(out)
    }
}

async fn apply_in(
    tx: &mut Transaction<'_, Sqlite>,
    changes: FolderChanges,
    now_ms: i64,
) -> Result<AppliedChanges> {
    let mut out = AppliedChanges::default();
    let folder = changes.folder_id;
    if let Some(validity) = changes.reset_uidvalidity {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE folder_id = ?")
            .bind(folder)
            .fetch_all(&mut **tx)
            .await?;
        out.deleted += ids.len();
        crate::delete_messages_tx(tx, &ids).await?;
        set_validity(tx, folder, validity).await?;
    } else if let Some(validity) = changes.uidvalidity {
        set_validity(tx, folder, validity).await?;
    }

    if !changes.delete_uids.is_empty() {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE folder_id = ?1
               AND uid IN (SELECT value FROM json_each(?2))",
        )
        .bind(folder)
        .bind(serde_json::to_string(&changes.delete_uids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut **tx)
        .await?;
        out.deleted += ids.len();
        crate::delete_messages_tx(tx, &ids).await?;
    }

    if !changes.flags.is_empty() {
        let rows: Vec<(i64, i64, i64)> = changes
            .flags
            .iter()
            .map(|(uid, seen, flagged)| (*uid, i64::from(*seen), i64::from(*flagged)))
            .collect();
        let threads: Vec<i64> = sqlx::query_scalar(
            "UPDATE messages SET seen = j.value ->> 1, flagged = j.value ->> 2
             FROM json_each(?2) j
             WHERE messages.folder_id = ?1 AND messages.uid = j.value ->> 0
               AND (messages.seen != j.value ->> 1 OR messages.flagged != j.value ->> 2)
             RETURNING messages.thread_id",
        )
        .bind(folder)
        .bind(serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut **tx)
        .await?;
        out.flags_changed = threads.len();
        let mut threads = threads;
        threads.sort_unstable();
        threads.dedup();
        refresh_threads(tx, &threads).await?;
    }

    if !changes.insert.is_empty() {
        let (messages, complete): (Vec<NewMessage>, Vec<bool>) = changes.insert.into_iter().unzip();
        let outcomes = crate::ingest::store_batch(tx, &messages, now_ms).await?;
        let mut partial: Vec<i64> = Vec::new();
        for ((outcome, full), m) in outcomes.iter().zip(&complete).zip(&messages) {
            match outcome {
                StoredOutcome::Inserted { id, thread_id } => {
                    out.inserted.push((*id, *thread_id, m.seen));
                    if !full {
                        partial.push(*id);
                    }
                }
                StoredOutcome::Duplicate { .. } => out.duplicates += 1,
            }
        }
        if !partial.is_empty() {
            sqlx::query(
                "UPDATE messages SET body_complete = 0 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(serde_json::to_string(&partial).unwrap_or_else(|_| "[]".into()))
            .execute(&mut **tx)
            .await?;
        }
    }

    if let Some(cursor) = &changes.cursor {
        crate::jobs::put_cursor(
            tx,
            changes.account_id,
            &folder_cursor_scope(folder),
            cursor,
            now_ms,
        )
        .await?;
    }
    Ok(out)
}

async fn set_validity(tx: &mut Transaction<'_, Sqlite>, folder: i64, validity: i64) -> Result<()> {
    sqlx::query("UPDATE folders SET uidvalidity = ? WHERE id = ?")
        .bind(validity)
        .bind(folder)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
