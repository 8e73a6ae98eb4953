//! Local changes to mail of API accounts (Gmail, Microsoft Graph): applied to the store at
//! once and queued as durable `mail.remote` jobs that the account's sync replays before
//! it pulls, like the IMAP `mail.*` jobs.
//!
//! A message is one row found by its provider id, so there is no UID bookkeeping: the
//! job names the provider ids and what to do. Moves follow the provider's model:
//! Graph moves a message between folders; Gmail changes labels — "move to Trash/Spam"
//! makes that the message's home and drops its labels (Gmail hides trashed mail from every
//! label), "archive" removes the Inbox label, "move to a label" adds that label and removes
//! the Inbox label.
//!
//! The rule for concurrent edits is the IMAP one: a pending local change wins until it is
//! replayed (sync leaves [`Store::pending_remote_ids`] alone), and the replay sends only
//! the change (one flag, these labels), so another client's change to something else
//! survives.

use crate::delete::delete_messages_tx;
use crate::local_changes::{LocalChange, MailFlag};
use crate::mail::refresh_threads;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};
use std::collections::{BTreeMap, HashSet};

pub const MAIL_REMOTE_JOB: &str = "mail.remote";

/// What a `mail.remote` job asks the provider to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RemoteOp {
    Flag {
        flag: MailFlag,
        add: bool,
    },
    /// Graph: move to `dest_folder_id`. Gmail: add and remove these label folders (and
    /// trash/untrash when Trash is among them).
    Move {
        dest_folder_id: i64,
        #[serde(default)]
        add_folder_ids: Vec<i64>,
        #[serde(default)]
        remove_folder_ids: Vec<i64>,
    },
    /// Delete for good (emptying Trash).
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteChangePayload {
    pub account_id: i64,
    pub message_ids: Vec<i64>,
    /// Provider ids, one per message id in the same order.
    pub remote_ids: Vec<String>,
    #[serde(flatten)]
    pub op: RemoteOp,
}

/// A claimed `mail.remote` job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteChangeJob {
    pub id: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
    pub payload: RemoteChangePayload,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Target {
    id: i64,
    account_id: i64,
    remote_id: String,
    thread_id: i64,
    folder_id: i64,
    seen: bool,
    flagged: bool,
    kind: String,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

async fn targets(tx: &mut Transaction<'_, Sqlite>, ids: &[i64]) -> Result<Vec<Target>> {
    Ok(sqlx::query_as::<_, Target>(
        "SELECT m.id, m.account_id, m.remote_id, m.thread_id, m.folder_id, m.seen, m.flagged,
                a.kind
         FROM messages m JOIN accounts a ON a.id = m.account_id
         WHERE m.id IN (SELECT value FROM json_each(?)) AND m.remote_id IS NOT NULL
         ORDER BY m.id",
    )
    .bind(json(&ids))
    .fetch_all(&mut **tx)
    .await?)
}

/// Queues one job per account for these targets.
async fn enqueue(
    tx: &mut Transaction<'_, Sqlite>,
    targets: &[&Target],
    op: impl Fn(i64) -> RemoteOp,
    now_ms: i64,
    out: &mut LocalChange,
) -> Result<()> {
    let mut by_account: BTreeMap<i64, (Vec<i64>, Vec<String>)> = BTreeMap::new();
    for t in targets {
        let entry = by_account.entry(t.account_id).or_default();
        entry.0.push(t.id);
        entry.1.push(t.remote_id.clone());
    }
    for (account_id, (message_ids, remote_ids)) in by_account {
        let payload = RemoteChangePayload {
            account_id,
            message_ids,
            remote_ids,
            op: op(account_id),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload_json, run_after, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?3, ?3) RETURNING id",
        )
        .bind(MAIL_REMOTE_JOB)
        .bind(serde_json::to_string(&payload).map_err(|e| StoreError::Invalid(e.to_string()))?)
        .bind(now_ms)
        .fetch_one(&mut **tx)
        .await?;
        out.jobs.push(id);
        if !out.accounts.contains(&account_id) {
            out.accounts.push(account_id);
        }
    }
    Ok(())
}

async fn folder_role(
    tx: &mut Transaction<'_, Sqlite>,
    folder: i64,
) -> Result<(i64, Option<String>)> {
    sqlx::query_as::<_, (i64, Option<String>)>("SELECT account_id, role FROM folders WHERE id = ?")
        .bind(folder)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("folder {folder}")))
}

async fn role_folder_of(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: i64,
    role: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM folders WHERE account_id = ? AND role = ? ORDER BY id LIMIT 1",
    )
    .bind(account_id)
    .bind(role)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn labels_of(tx: &mut Transaction<'_, Sqlite>, message: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT folder_id FROM message_labels WHERE message_id = ? ORDER BY 1")
            .bind(message)
            .fetch_all(&mut **tx)
            .await?,
    )
}

impl Store {
    /// Of these message ids, those that belong to API accounts (they have a provider id).
    pub async fn remote_message_ids(&self, message_ids: &[i64]) -> Result<HashSet<i64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?))
               AND remote_id IS NOT NULL",
        )
        .bind(json(&message_ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// Sets or clears a flag on API-account messages and queues the change.
    pub async fn remote_set_flag(
        &self,
        message_ids: &[i64],
        flag: MailFlag,
        value: bool,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let all = targets(&mut tx, message_ids).await?;
        let changing: Vec<&Target> = all
            .iter()
            .filter(|t| match flag {
                MailFlag::Seen => t.seen != value,
                MailFlag::Flagged => t.flagged != value,
            })
            .collect();
        let mut out = LocalChange::default();
        if changing.is_empty() {
            return Ok(out);
        }
        let ids: Vec<i64> = changing.iter().map(|t| t.id).collect();
        let column = match flag {
            MailFlag::Seen => "seen",
            MailFlag::Flagged => "flagged",
        };
        sqlx::query(&format!(
            "UPDATE messages SET {column} = ? WHERE id IN (SELECT value FROM json_each(?))"
        ))
        .bind(value)
        .bind(json(&ids))
        .execute(&mut *tx)
        .await?;
        let mut threads: Vec<i64> = changing.iter().map(|t| t.thread_id).collect();
        threads.sort_unstable();
        threads.dedup();
        refresh_threads(&mut tx, &threads).await?;
        out.changed = ids.len();
        enqueue(
            &mut tx,
            &changing,
            |_| RemoteOp::Flag { flag, add: value },
            now_ms,
            &mut out,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves API-account messages to a folder of their own account (see the module
    /// documentation for what a move means on Gmail).
    pub async fn remote_move(
        &self,
        message_ids: &[i64],
        dest_folder_id: i64,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (dest_account, dest_role) = folder_role(&mut tx, dest_folder_id).await?;
        let all = targets(&mut tx, message_ids).await?;
        if all.iter().any(|t| t.account_id != dest_account) {
            return Err(StoreError::Invalid(
                "messages can only be moved to a folder of their own account".into(),
            ));
        }
        let mut out = LocalChange::default();
        let Some(kind) = all.first().map(|t| t.kind.clone()) else {
            return Ok(out);
        };
        let mut threads: Vec<i64> = Vec::new();
        if kind == "gmail" {
            let inbox = role_folder_of(&mut tx, dest_account, "inbox").await?;
            let archive = role_folder_of(&mut tx, dest_account, "archive").await?;
            let home_role = matches!(dest_role.as_deref(), Some("trash" | "junk"));
            let mut add: Vec<i64> = Vec::new();
            let mut remove: Vec<i64> = Vec::new();
            let mut moved: Vec<&Target> = Vec::new();
            for t in &all {
                let labels = labels_of(&mut tx, t.id).await?;
                let (home, new_labels): (i64, Vec<i64>) = if home_role {
                    (dest_folder_id, Vec::new())
                } else {
                    let mut l: Vec<i64> = labels
                        .iter()
                        .copied()
                        .filter(|f| Some(*f) != inbox)
                        .collect();
                    if Some(dest_folder_id) != archive && !l.contains(&dest_folder_id) {
                        l.push(dest_folder_id);
                    }
                    l.sort_unstable();
                    (archive.unwrap_or(t.folder_id), l)
                };
                if home == t.folder_id && new_labels == labels {
                    continue;
                }
                // As Gmail sees it: every folder but All Mail is a label.
                let as_labels = |home: i64, labels: &[i64]| -> Vec<i64> {
                    let mut all: Vec<i64> = labels.to_vec();
                    if Some(home) != archive {
                        all.push(home);
                    }
                    all
                };
                let before = as_labels(t.folder_id, &labels);
                let after = as_labels(home, &new_labels);
                for f in &after {
                    if !before.contains(f) && !add.contains(f) {
                        add.push(*f);
                    }
                }
                for f in &before {
                    if !after.contains(f) && !remove.contains(f) {
                        remove.push(*f);
                    }
                }
                sqlx::query("UPDATE messages SET folder_id = ? WHERE id = ?")
                    .bind(home)
                    .bind(t.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM message_labels WHERE message_id = ?")
                    .bind(t.id)
                    .execute(&mut *tx)
                    .await?;
                for f in &new_labels {
                    sqlx::query("INSERT INTO message_labels (message_id, folder_id) VALUES (?, ?)")
                        .bind(t.id)
                        .bind(f)
                        .execute(&mut *tx)
                        .await?;
                }
                threads.push(t.thread_id);
                moved.push(t);
            }
            out.changed = moved.len();
            let op = RemoteOp::Move {
                dest_folder_id,
                add_folder_ids: add,
                remove_folder_ids: remove,
            };
            if !moved.is_empty() {
                enqueue(&mut tx, &moved, |_| op.clone(), now_ms, &mut out).await?;
            }
        } else {
            let moved: Vec<&Target> = all
                .iter()
                .filter(|t| t.folder_id != dest_folder_id)
                .collect();
            let ids: Vec<i64> = moved.iter().map(|t| t.id).collect();
            sqlx::query(
                "UPDATE messages SET folder_id = ? WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(dest_folder_id)
            .bind(json(&ids))
            .execute(&mut *tx)
            .await?;
            threads.extend(moved.iter().map(|t| t.thread_id));
            out.changed = moved.len();
            if !moved.is_empty() {
                enqueue(
                    &mut tx,
                    &moved,
                    |_| RemoteOp::Move {
                        dest_folder_id,
                        add_folder_ids: Vec::new(),
                        remove_folder_ids: Vec::new(),
                    },
                    now_ms,
                    &mut out,
                )
                .await?;
            }
        }
        threads.sort_unstable();
        threads.dedup();
        refresh_threads(&mut tx, &threads).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`remote_move`](Self::remote_move) to the account's folder with this role.
    pub async fn remote_move_to_role(
        &self,
        message_ids: &[i64],
        role: &str,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let rows = self.remote_messages(message_ids).await?;
        let mut out = LocalChange::default();
        let mut accounts: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
        accounts.sort_unstable();
        accounts.dedup();
        for account in accounts {
            let folder: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM folders WHERE account_id = ? AND role = ? ORDER BY id LIMIT 1",
            )
            .bind(account)
            .bind(role)
            .fetch_optional(&self.pool)
            .await?;
            let Some(folder) = folder else {
                return Err(StoreError::NotFound(format!(
                    "account {account} has no {role} folder"
                )));
            };
            let ids: Vec<i64> = rows
                .iter()
                .filter(|r| r.account_id == account)
                .map(|r| r.id)
                .collect();
            let change = self.remote_move(&ids, folder, now_ms).await?;
            out.changed += change.changed;
            out.jobs.extend(change.jobs);
            out.accounts.extend(change.accounts);
        }
        Ok(out)
    }

    /// Deletes an API account's Trash for good: locally at once, on the server by a job.
    pub async fn remote_empty_trash(&self, account_id: i64, now_ms: i64) -> Result<LocalChange> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut out = LocalChange::default();
        let Some(trash) = role_folder_of(&mut tx, account_id, "trash").await? else {
            return Err(StoreError::NotFound(format!(
                "account {account_id} has no trash folder"
            )));
        };
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE folder_id = ? AND remote_id IS NOT NULL ORDER BY id",
        )
        .bind(trash)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Ok(out);
        }
        let all = targets(&mut tx, &ids).await?;
        let refs: Vec<&Target> = all.iter().collect();
        enqueue(&mut tx, &refs, |_| RemoteOp::Delete, now_ms, &mut out).await?;
        delete_messages_tx(&mut tx, &ids).await?;
        out.changed = ids.len();
        tx.commit().await?;
        Ok(out)
    }

    /// Claims the account's oldest `mail.remote` job (strictly in queue order, like
    /// [`claim_mail_change`](Self::claim_mail_change)).
    pub async fn claim_remote_change(
        &self,
        account_id: i64,
        now_ms: i64,
    ) -> Result<Option<RemoteChangeJob>> {
        loop {
            let row: Option<(i64, String, i64)> = sqlx::query_as(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1
                 WHERE id = (SELECT id FROM jobs
                             WHERE kind = ?3 AND state IN ('queued', 'running')
                               AND payload_json ->> '$.account_id' = ?2
                             ORDER BY id LIMIT 1)
                   AND state = 'queued' AND run_after <= ?1
                 RETURNING id, payload_json, attempts",
            )
            .bind(now_ms)
            .bind(account_id)
            .bind(MAIL_REMOTE_JOB)
            .fetch_optional(&self.pool)
            .await?;
            let Some((id, payload, attempts)) = row else {
                return Ok(None);
            };
            match serde_json::from_str::<RemoteChangePayload>(&payload) {
                Ok(payload) if payload.message_ids.len() == payload.remote_ids.len() => {
                    return Ok(Some(RemoteChangeJob {
                        id,
                        attempts,
                        payload,
                    }))
                }
                Ok(_) => {
                    self.fail_job(id, "payload ids differ in length", None, now_ms)
                        .await?
                }
                Err(e) => {
                    self.fail_job(id, &format!("unreadable payload: {e}"), None, now_ms)
                        .await?
                }
            }
        }
    }

    /// Provider ids with queued or running `mail.remote` jobs: sync leaves their local
    /// state alone until the job is replayed.
    pub async fn pending_remote_ids(&self, account_id: i64) -> Result<HashSet<String>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT r.value FROM jobs, json_each(jobs.payload_json, '$.remote_ids') r
             WHERE jobs.kind = ?1 AND jobs.state IN ('queued', 'running')
               AND jobs.payload_json ->> '$.account_id' = ?2",
        )
        .bind(MAIL_REMOTE_JOB)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().collect())
    }
}
