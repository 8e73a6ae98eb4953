//! Messages, threads and full-text search.
//!
//! Threading is applied here from keys the mail crate computed: a message joins every
//! thread that already owns one of its Message-IDs (its own or a referenced one), and
//! those threads merge. That makes the result independent of arrival order: threads are
//! the connected components of the reference graph. Where a message carries no
//! references at all, the normalised subject decides (see [`NewMessage::subject_key`]).

use crate::{Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};

/// Separates participant names inside `threads.participants`.
pub(crate) const PARTICIPANT_SEP: char = '\u{1f}';

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAttachment {
    pub name: String,
    pub mime_type: String,
    pub size: i64,
    pub content_id: Option<String>,
}

/// One parsed message, ready to store.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub account_id: i64,
    pub folder_id: i64,
    pub uid: Option<i64>,
    /// Message-ID when present, else a hash of the raw bytes: re-import key per folder.
    pub dedupe_key: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// Message-IDs from References and In-Reply-To (without the message's own).
    pub references: Vec<String>,
    pub subject: String,
    /// Subject with reply/forward prefixes and list tags removed, lower-cased.
    pub subject_key: String,
    /// Whether the subject carried a reply/forward prefix.
    pub is_reply_subject: bool,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    /// (display name, normalised address)
    pub to: Vec<(Option<String>, String)>,
    pub cc: Vec<(Option<String>, String)>,
    pub date: i64,
    pub snippet: String,
    /// Plain text of the body, for the full-text index.
    pub body_text: String,
    pub seen: bool,
    pub flagged: bool,
    pub attachments: Vec<NewAttachment>,
    pub parse_error: Option<String>,
    pub source_position: Option<String>,
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredOutcome {
    Inserted { id: i64, thread_id: i64 },
    Duplicate { id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: i64,
    pub subject: String,
    pub participants: String,
    pub last_date: i64,
    pub message_count: i64,
    pub unread_count: i64,
    pub snippet: String,
    pub has_attachments: bool,
    pub flagged: bool,
}

impl ThreadRow {
    pub fn participant_list(&self) -> Vec<String> {
        self.participants
            .split(PARTICIPANT_SEP)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub account_id: i64,
    pub folder_id: i64,
    pub thread_id: i64,
    pub message_id: Option<String>,
    pub subject: String,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub to_json: String,
    pub cc_json: String,
    pub date: i64,
    pub seen: bool,
    pub flagged: bool,
    pub has_attachments: bool,
    pub parse_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub message_id: i64,
    pub name: String,
    pub mime_type: String,
    pub size: i64,
    pub content_id: Option<String>,
}

impl Store {
    /// Stores a batch of messages in one transaction, threading each, and advances the
    /// given sync cursor in the same transaction. Messages already stored (same folder
    /// and dedupe key) are reported as duplicates and left untouched.
    pub async fn store_messages(
        &self,
        batch: &[NewMessage],
        cursor: Option<(i64, &str, &str)>,
        now_ms: i64,
    ) -> Result<Vec<StoredOutcome>> {
        let mut tx = self.pool.begin().await?;
        let out = crate::ingest::store_batch(&mut tx, batch, now_ms).await?;
        if let Some((account_id, scope, value)) = cursor {
            crate::jobs::put_cursor(&mut tx, account_id, scope, value, now_ms).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn thread_count(&self, account_id: Option<i64>) -> Result<i64> {
        let n = match account_id {
            None => {
                // Threads whose messages were all deleted stay for their ids, unlisted.
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM threads WHERE message_count > 0")
                    .fetch_one(&self.pool)
                    .await?
            }
            Some(a) => {
                sqlx::query_scalar!(
                    "SELECT count(DISTINCT thread_id) FROM messages WHERE account_id = ?",
                    a
                )
                .fetch_one(&self.pool)
                .await?
            }
        };
        Ok(n)
    }

    /// A page of threads, newest activity first.
    pub async fn list_threads(
        &self,
        account_id: Option<i64>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ThreadRow>> {
        let rows = match account_id {
            None => {
                sqlx::query_as::<_, ThreadRow>(
                    "SELECT id, subject, participants, last_date, message_count, unread_count,
                        snippet, has_attachments, flagged
                 FROM threads WHERE message_count > 0
                 ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
            Some(account) => {
                sqlx::query_as::<_, ThreadRow>(
                    "SELECT id, subject, participants, last_date, message_count, unread_count,
                        snippet, has_attachments, flagged
                 FROM threads t
                 WHERE EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id AND m.account_id = ?)
                 ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
                )
                .bind(account)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows)
    }

    pub async fn thread(&self, id: i64) -> Result<Option<ThreadRow>> {
        Ok(sqlx::query_as::<_, ThreadRow>(
            "SELECT id, subject, participants, last_date, message_count, unread_count,
                    snippet, has_attachments, flagged FROM threads WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A thread's messages, oldest first.
    pub async fn thread_messages(&self, thread_id: i64) -> Result<Vec<MessageRow>> {
        Ok(sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_COLUMNS} WHERE thread_id = ? ORDER BY date, id"
        ))
        .bind(thread_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn message(&self, id: i64) -> Result<Option<MessageRow>> {
        Ok(
            sqlx::query_as::<_, MessageRow>(&format!("{MESSAGE_COLUMNS} WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn message_raw(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar!("SELECT raw FROM message_raw WHERE message_id = ?", id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn message_attachments(&self, message_id: i64) -> Result<Vec<AttachmentRow>> {
        Ok(sqlx::query_as::<_, AttachmentRow>(
            "SELECT message_id, name, mime_type, size, content_id FROM attachments
             WHERE message_id = ? ORDER BY id",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Marks every message of a thread read or unread.
    pub async fn set_thread_seen(&self, thread_id: i64, seen: bool) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "UPDATE messages SET seen = ? WHERE thread_id = ?",
            seen,
            thread_id
        )
        .execute(&mut *tx)
        .await?;
        refresh_threads(&mut tx, &[thread_id]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Messages sent from or to any of the addresses, newest first.
    pub async fn messages_for_addresses(
        &self,
        emails: &[String],
        limit: i64,
    ) -> Result<Vec<MessageRow>> {
        let json = serde_json::to_string(emails).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_COLUMNS} WHERE id IN (
                SELECT message_id FROM message_addresses
                WHERE email IN (SELECT value FROM json_each(?)))
             ORDER BY date DESC, id DESC LIMIT ?"
        ))
        .bind(json)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// What a mailbox ticket source needs of a message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketMailRow {
    pub message_id: Option<String>,
    pub from_email: Option<String>,
    pub from_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub date: i64,
}

/// One message of [`Store::thread_listing`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadListingRow {
    pub thread_id: i64,
    pub subject: String,
    pub message_id: Option<String>,
}

impl Store {
    /// Messages in the account's Inbox (or all its messages when it has no Inbox role),
    /// oldest first, with their indexed body text.
    pub async fn inbox_messages_for_tickets(&self, account_id: i64) -> Result<Vec<TicketMailRow>> {
        Ok(sqlx::query_as::<_, TicketMailRow>(
            "SELECT m.message_id, m.from_email, m.from_name, m.subject, f.body AS body_text, m.date
             FROM messages m JOIN messages_fts f ON f.rowid = m.id
             WHERE m.account_id = ?1 AND (m.folder_id IN (SELECT id FROM folders WHERE account_id = ?1 AND role = 'inbox')
                OR NOT EXISTS (SELECT 1 FROM folders WHERE account_id = ?1 AND role = 'inbox'))
             ORDER BY m.date, m.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every thread with its messages' Message-IDs in date order, threads newest first:
    /// the stable listing scripts read (`switchboard-cli threads --json`).
    pub async fn thread_listing(&self, account_id: Option<i64>) -> Result<Vec<ThreadListingRow>> {
        Ok(sqlx::query_as::<_, ThreadListingRow>(
            "SELECT m.thread_id, t.subject, m.message_id FROM messages m JOIN threads t ON t.id = m.thread_id
             WHERE ?1 IS NULL OR m.account_id = ?1
             ORDER BY t.last_date DESC, t.id DESC, m.date, m.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

const MESSAGE_COLUMNS: &str = "SELECT id, account_id, folder_id, thread_id, message_id, subject,
    from_name, from_email, to_json, cc_json, date, seen, flagged, has_attachments, parse_error
    FROM messages";

/// Recomputes threads' summaries from their messages.
pub(crate) async fn refresh_threads(tx: &mut Transaction<'_, Sqlite>, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE threads SET
            message_count = (SELECT count(*) FROM messages m WHERE m.thread_id = threads.id),
            unread_count = (SELECT count(*) FROM messages m WHERE m.thread_id = threads.id AND m.seen = 0),
            last_date = coalesce((SELECT max(date) FROM messages m WHERE m.thread_id = threads.id), last_date),
            has_attachments = coalesce((SELECT max(has_attachments) FROM messages m WHERE m.thread_id = threads.id), 0),
            flagged = coalesce((SELECT max(flagged) FROM messages m WHERE m.thread_id = threads.id), 0),
            snippet = coalesce((SELECT snippet FROM messages m WHERE m.thread_id = threads.id
                                ORDER BY date DESC, id DESC LIMIT 1), '')
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(&list)
    .execute(&mut **tx)
    .await?;
    let senders = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
        "SELECT thread_id, from_name, from_email FROM messages
         WHERE thread_id IN (SELECT value FROM json_each(?)) ORDER BY thread_id, date, id",
    )
    .bind(&list)
    .fetch_all(&mut **tx)
    .await?;
    let mut participants: Vec<(i64, Vec<String>)> = Vec::new();
    for (thread, name, email) in senders {
        if participants.last().is_none_or(|(t, _)| *t != thread) {
            participants.push((thread, Vec::new()));
        }
        let Some(p) = name.filter(|n| !n.trim().is_empty()).or(email) else {
            continue;
        };
        if let Some((_, list)) = participants.last_mut() {
            if !list.contains(&p) {
                list.push(p);
            }
        }
    }
    let joined: Vec<(i64, String)> = participants
        .into_iter()
        .map(|(t, list)| (t, list.join(&PARTICIPANT_SEP.to_string())))
        .collect();
    sqlx::query(
        "UPDATE threads SET participants = j.value ->> 1 FROM json_each(?) j WHERE threads.id = j.value ->> 0",
    )
    .bind(serde_json::to_string(&joined).unwrap_or_else(|_| "[]".into()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
