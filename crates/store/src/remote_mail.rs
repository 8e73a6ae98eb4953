//! Mail from HTTP APIs (Gmail, Microsoft Graph): one row per provider message, found by
//! its `remote_id`; Gmail labels as extra folders a message is listed in; and each
//! account's sync status.
//!
//! A batch of remote changes (deletions, new state of known messages, new messages) and
//! the account's cursor (Gmail `historyId`, a Graph delta link) are applied in ONE
//! transaction, like an IMAP folder batch: a crash between batches resumes from a cursor
//! that matches the rows. A message the batch inserts that is already stored (a replayed
//! page, a full resync) only has its state updated — never a second row.

use crate::folder_sync::AppliedChanges;
use crate::mail::{refresh_threads, NewMessage, StoredOutcome};
use crate::{Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};
use std::collections::{HashMap, HashSet};

/// Where a remote message is and how it is flagged, as the provider says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteState {
    pub remote_id: String,
    /// The folder row the message lives in (Graph: its folder; Gmail: Trash, Spam or All
    /// Mail).
    pub home_folder_id: i64,
    /// Further folders listing it (Gmail labels: Inbox, Sent, Drafts, user labels).
    pub label_folder_ids: Vec<i64>,
    pub seen: bool,
    pub flagged: bool,
}

/// One batch of an API account's changes.
#[derive(Debug, Default)]
pub struct RemoteChanges {
    pub account_id: i64,
    /// Provider ids gone from the server (deleted, or out of sync scope).
    pub delete: Vec<String>,
    /// Delete only those of `delete` that are (still) in this folder: Graph reports a
    /// message moved elsewhere as removed from its old folder, and the row may already
    /// live in the new one.
    pub delete_only_in_folder: Option<i64>,
    /// New state of messages we hold; ids we do not hold come back in
    /// [`AppliedRemote::missing`] so the caller can fetch them.
    pub update: Vec<RemoteState>,
    /// New messages with their state; `false` beside one means only its header is stored
    /// yet (the body is fetched when it is opened). `NewMessage::folder_id` is replaced by
    /// the state's home folder.
    pub insert: Vec<(NewMessage, RemoteState, bool)>,
    /// (scope, value) of the account's sync cursor after this batch.
    pub cursor: Option<(String, String)>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AppliedRemote {
    pub changes: AppliedChanges,
    /// `update` ids that are not stored.
    pub missing: Vec<String>,
}

/// An account's sync status, for the account list and Sync health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AccountStatusRow {
    pub account_id: i64,
    /// syncing, up_to_date, needs_sign_in, rate_limited, offline, error
    pub state: String,
    pub detail: Option<String>,
    /// rate_limited: when requests may resume (ms since the epoch).
    pub until_ms: Option<i64>,
    pub updated_at: i64,
}

/// A stored remote message, as the replay of local changes needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RemoteMessageRow {
    pub id: i64,
    pub account_id: i64,
    pub remote_id: String,
    pub folder_id: i64,
    pub seen: bool,
    pub flagged: bool,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Applies one batch of an API account's changes and its cursor in one transaction.
    pub async fn apply_remote_changes(
        &self,
        changes: RemoteChanges,
        now_ms: i64,
    ) -> Result<AppliedRemote> {
        let mut tx = self.pool.begin().await?;
        let out = apply_in(&mut tx, changes, now_ms).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every provider id stored for the account (a full resync compares with these).
    pub async fn remote_ids(&self, account_id: i64) -> Result<HashSet<String>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT remote_id FROM messages WHERE account_id = ? AND remote_id IS NOT NULL",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// The provider ids stored in one folder (as its home: Graph folders, Gmail Trash).
    pub async fn remote_ids_in_folder(
        &self,
        account_id: i64,
        folder_id: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT remote_id FROM messages
             WHERE account_id = ? AND folder_id = ? AND remote_id IS NOT NULL ORDER BY remote_id",
        )
        .bind(account_id)
        .bind(folder_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stored remote messages by local id (ids without a remote id are left out).
    pub async fn remote_messages(&self, message_ids: &[i64]) -> Result<Vec<RemoteMessageRow>> {
        Ok(sqlx::query_as::<_, RemoteMessageRow>(
            "SELECT id, account_id, remote_id, folder_id, seen, flagged FROM messages
             WHERE id IN (SELECT value FROM json_each(?)) AND remote_id IS NOT NULL
             ORDER BY id",
        )
        .bind(json(&message_ids))
        .fetch_all(&self.pool)
        .await?)
    }

    /// A stored remote message by provider id.
    pub async fn remote_message(
        &self,
        account_id: i64,
        remote_id: &str,
    ) -> Result<Option<RemoteMessageRow>> {
        Ok(sqlx::query_as::<_, RemoteMessageRow>(
            "SELECT id, account_id, remote_id, folder_id, seen, flagged FROM messages
             WHERE account_id = ? AND remote_id = ?",
        )
        .bind(account_id)
        .bind(remote_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The label folders of a stored message (Gmail), ascending.
    pub async fn message_label_folders(&self, message_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT folder_id FROM message_labels WHERE message_id = ? ORDER BY folder_id",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records what an account's sync is doing now.
    pub async fn set_account_status(
        &self,
        account_id: i64,
        state: &str,
        detail: Option<&str>,
        until_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO account_status (account_id, state, detail, until_ms, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account_id) DO UPDATE SET state = excluded.state,
                 detail = excluded.detail, until_ms = excluded.until_ms,
                 updated_at = excluded.updated_at",
        )
        .bind(account_id)
        .bind(state)
        .bind(detail)
        .bind(until_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every account's last recorded sync status.
    pub async fn account_statuses(&self) -> Result<Vec<AccountStatusRow>> {
        Ok(sqlx::query_as::<_, AccountStatusRow>(
            "SELECT account_id, state, detail, until_ms, updated_at FROM account_status
             ORDER BY account_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn account_status(&self, account_id: i64) -> Result<Option<AccountStatusRow>> {
        Ok(sqlx::query_as::<_, AccountStatusRow>(
            "SELECT account_id, state, detail, until_ms, updated_at FROM account_status
             WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}

async fn apply_in(
    tx: &mut Transaction<'_, Sqlite>,
    changes: RemoteChanges,
    now_ms: i64,
) -> Result<AppliedRemote> {
    let mut out = AppliedRemote::default();
    let account = changes.account_id;

    if !changes.delete.is_empty() {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE account_id = ?1
               AND remote_id IN (SELECT value FROM json_each(?2))
               AND (?3 IS NULL OR folder_id = ?3)",
        )
        .bind(account)
        .bind(json(&changes.delete))
        .bind(changes.delete_only_in_folder)
        .fetch_all(&mut **tx)
        .await?;
        out.changes.deleted += ids.len();
        crate::delete_messages_tx(tx, &ids).await?;
    }

    // Inserts of messages we already hold become state updates.
    let insert_ids: Vec<&str> = changes
        .insert
        .iter()
        .map(|(_, s, _)| s.remote_id.as_str())
        .collect();
    let held: HashSet<String> = if insert_ids.is_empty() {
        HashSet::new()
    } else {
        sqlx::query_scalar::<_, String>(
            "SELECT remote_id FROM messages WHERE account_id = ?1
               AND remote_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(account)
        .bind(json(&insert_ids))
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect()
    };
    let mut updates = changes.update;
    let mut inserts = Vec::new();
    let mut seen_in_batch: HashSet<String> = HashSet::new();
    for (message, state, complete) in changes.insert {
        if held.contains(&state.remote_id) || !seen_in_batch.insert(state.remote_id.clone()) {
            out.changes.duplicates += 1;
            updates.push(state);
        } else {
            inserts.push((message, state, complete));
        }
    }

    if !updates.is_empty() {
        let (changed, missing) = update_states(tx, account, &updates).await?;
        out.changes.flags_changed = changed;
        out.missing = missing;
    }

    if !inserts.is_empty() {
        insert_new(tx, account, inserts, now_ms, &mut out.changes).await?;
    }

    if let Some((scope, value)) = &changes.cursor {
        crate::jobs::put_cursor(tx, account, scope, value, now_ms).await?;
    }
    Ok(out)
}

/// Sets home folder, flags and labels of held messages; returns how many changed and
/// the ids not held.
async fn update_states(
    tx: &mut Transaction<'_, Sqlite>,
    account: i64,
    updates: &[RemoteState],
) -> Result<(usize, Vec<String>)> {
    let rows: Vec<(&str, i64, i64, i64)> = updates
        .iter()
        .map(|s| {
            (
                s.remote_id.as_str(),
                s.home_folder_id,
                i64::from(s.seen),
                i64::from(s.flagged),
            )
        })
        .collect();
    let before: HashMap<String, (i64, i64, i64, bool, bool)> =
        sqlx::query_as::<_, (String, i64, i64, i64, bool, bool)>(
            "SELECT m.remote_id, m.id, m.thread_id, m.folder_id, m.seen, m.flagged
             FROM json_each(?2) j JOIN messages m
               ON m.account_id = ?1 AND m.remote_id = j.value ->> 0",
        )
        .bind(account)
        .bind(json(&rows))
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(r, id, t, f, s, fl)| (r, (id, t, f, s, fl)))
        .collect();
    let missing: Vec<String> = updates
        .iter()
        .filter(|s| !before.contains_key(&s.remote_id))
        .map(|s| s.remote_id.clone())
        .collect();

    let mut threads: Vec<i64> = Vec::new();
    let mut changed = 0;
    let mut label_rows: Vec<(i64, i64)> = Vec::new();
    let mut touched: Vec<i64> = Vec::new();
    for s in updates {
        let Some(&(id, thread, folder, seen, flagged)) = before.get(&s.remote_id) else {
            continue;
        };
        touched.push(id);
        label_rows.extend(s.label_folder_ids.iter().map(|f| (id, *f)));
        if folder != s.home_folder_id || seen != s.seen || flagged != s.flagged {
            changed += 1;
            threads.push(thread);
        }
    }
    sqlx::query(
        "UPDATE messages SET folder_id = j.value ->> 1, seen = j.value ->> 2,
                flagged = j.value ->> 3
         FROM json_each(?2) j
         WHERE messages.account_id = ?1 AND messages.remote_id = j.value ->> 0
           AND (messages.folder_id != j.value ->> 1 OR messages.seen != j.value ->> 2
                OR messages.flagged != j.value ->> 3)",
    )
    .bind(account)
    .bind(json(&rows))
    .execute(&mut **tx)
    .await?;
    replace_labels(tx, &touched, &label_rows).await?;
    threads.sort_unstable();
    threads.dedup();
    refresh_threads(tx, &threads).await?;
    Ok((changed, missing))
}

async fn replace_labels(
    tx: &mut Transaction<'_, Sqlite>,
    message_ids: &[i64],
    rows: &[(i64, i64)],
) -> Result<()> {
    if message_ids.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM message_labels WHERE message_id IN (SELECT value FROM json_each(?))")
        .bind(json(&message_ids))
        .execute(&mut **tx)
        .await?;
    if !rows.is_empty() {
        sqlx::query(
            "INSERT OR IGNORE INTO message_labels (message_id, folder_id)
             SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) j",
        )
        .bind(json(&rows))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_new(
    tx: &mut Transaction<'_, Sqlite>,
    account: i64,
    inserts: Vec<(NewMessage, RemoteState, bool)>,
    now_ms: i64,
    out: &mut AppliedChanges,
) -> Result<()> {
    let mut messages = Vec::with_capacity(inserts.len());
    let mut states = Vec::with_capacity(inserts.len());
    for (mut m, state, complete) in inserts {
        m.account_id = account;
        m.folder_id = state.home_folder_id;
        m.uid = None;
        m.seen = state.seen;
        m.flagged = state.flagged;
        messages.push(m);
        states.push((state, complete));
    }
    let outcomes = crate::ingest::store_batch(tx, &messages, now_ms).await?;
    let mut remote_rows: Vec<(i64, &str, bool)> = Vec::new();
    let mut label_rows: Vec<(i64, i64)> = Vec::new();
    let mut ids = Vec::new();
    for ((outcome, (state, complete)), m) in outcomes.iter().zip(&states).zip(&messages) {
        match outcome {
            StoredOutcome::Inserted { id, thread_id } => {
                out.inserted.push((*id, *thread_id, m.seen));
                remote_rows.push((*id, state.remote_id.as_str(), *complete));
                label_rows.extend(state.label_folder_ids.iter().map(|f| (*id, *f)));
                ids.push(*id);
            }
            StoredOutcome::Duplicate { .. } => out.duplicates += 1,
        }
    }
    sqlx::query(
        "UPDATE messages SET remote_id = j.value ->> 1, body_complete = j.value ->> 2
         FROM json_each(?) j WHERE messages.id = j.value ->> 0",
    )
    .bind(json(&remote_rows))
    .execute(&mut **tx)
    .await?;
    replace_labels(tx, &ids, &label_rows).await?;
    Ok(())
}

impl Store {
    /// Records a provider draft id and returns the number the outbox keeps for it.
    pub async fn remember_remote_draft(&self, account_id: i64, remote_id: &str) -> Result<u32> {
        let key: i64 = sqlx::query_scalar(
            "INSERT INTO remote_drafts (account_id, local_key, remote_id)
             VALUES (?1, (SELECT coalesce(max(local_key), 0) + 1 FROM remote_drafts
                          WHERE account_id = ?1), ?2)
             RETURNING local_key",
        )
        .bind(account_id)
        .bind(remote_id)
        .fetch_one(&self.pool)
        .await?;
        u32::try_from(key).map_err(|_| crate::StoreError::Invalid("draft key overflow".into()))
    }

    /// The provider draft id behind an outbox draft number.
    pub async fn remote_draft_id(&self, account_id: i64, key: u32) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT remote_id FROM remote_drafts WHERE account_id = ? AND local_key = ?",
        )
        .bind(account_id)
        .bind(i64::from(key))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Points an outbox draft number at another provider draft (a replaced copy).
    pub async fn replace_remote_draft(
        &self,
        account_id: i64,
        key: u32,
        remote_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE remote_drafts SET remote_id = ? WHERE account_id = ? AND local_key = ?",
        )
        .bind(remote_id)
        .bind(account_id)
        .bind(i64::from(key))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn forget_remote_draft(&self, account_id: i64, key: u32) -> Result<()> {
        sqlx::query("DELETE FROM remote_drafts WHERE account_id = ? AND local_key = ?")
            .bind(account_id)
            .bind(i64::from(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
