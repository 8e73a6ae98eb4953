//! Messages, threads and full-text search.
//!
//! Threading is applied here from keys the mail crate computed: a message joins every
//! thread that already owns one of its Message-IDs (its own or a referenced one), and
//! those threads merge. That makes the result independent of arrival order: threads are
//! the connected components of the reference graph. Where a message carries no
//! references at all, the normalised subject decides (see [`NewMessage::subject_key`]).

use crate::contacts::ContactCache;
use crate::{Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};

/// Replies without references join a same-subject thread only if it was active this
/// recently; "Re: Hello" two years later is a new conversation.
const SUBJECT_FALLBACK_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;

/// Separates participant names inside `threads.participants`.
const PARTICIPANT_SEP: char = '\u{1f}';

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

#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    pub account_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchRow {
    pub id: i64,
    pub thread_id: i64,
    pub subject: String,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub date: i64,
    /// Excerpt with matches between U+0002 and U+0003.
    pub snippet: String,
}

/// Marks the start of a match inside [`SearchRow::snippet`].
pub const MATCH_START: char = '\u{2}';
/// Marks the end of a match inside [`SearchRow::snippet`].
pub const MATCH_END: char = '\u{3}';

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
        let mut contacts = ContactCache::default();
        let mut out = Vec::with_capacity(batch.len());
        for msg in batch {
            out.push(store_one(&mut tx, msg, &mut contacts, now_ms).await?);
        }
        if let Some((account_id, scope, value)) = cursor {
            crate::jobs::put_cursor(&mut tx, account_id, scope, value, now_ms).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn thread_count(&self, account_id: Option<i64>) -> Result<i64> {
        let n = match account_id {
            None => {
                sqlx::query_scalar!("SELECT count(*) FROM threads")
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
                 FROM threads ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
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
        refresh_thread(&mut tx, thread_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs an FTS5 MATCH expression, newest first. The caller builds `fts_query` from
    /// user input (quoting every term), so no raw user syntax reaches FTS5.
    pub async fn search_messages(
        &self,
        fts_query: &str,
        filters: &SearchFilters,
        limit: i64,
    ) -> Result<Vec<SearchRow>> {
        let rows = sqlx::query_as::<_, SearchRow>(
            "SELECT m.id, m.thread_id, m.subject, m.from_name, m.from_email, m.date,
                    snippet(messages_fts, -1, char(2), char(3), '…', 16) AS snippet
             FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
             WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR m.account_id = ?2)
             ORDER BY m.date DESC, m.id DESC LIMIT ?3",
        )
        .bind(fts_query)
        .bind(filters.account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
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

    /// (folder name, UID or None, Message-ID) for every message of an account, sorted:
    /// what crash-safety tests compare against the server.
    pub async fn message_keys(
        &self,
        account_id: i64,
    ) -> Result<Vec<(String, Option<i64>, Option<String>)>> {
        let rows = sqlx::query!(
            r#"SELECT f.name, m.uid, m.message_id FROM messages m JOIN folders f ON f.id = m.folder_id
               WHERE m.account_id = ? ORDER BY f.name, m.uid, m.message_id"#,
            account_id
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.name, r.uid, r.message_id))
            .collect())
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

async fn store_one(
    tx: &mut Transaction<'_, Sqlite>,
    msg: &NewMessage,
    contacts: &mut ContactCache,
    now_ms: i64,
) -> Result<StoredOutcome> {
    if let Some(id) = sqlx::query_scalar!(
        "SELECT id AS \"id!\" FROM messages WHERE folder_id = ? AND dedupe_key = ?",
        msg.folder_id,
        msg.dedupe_key
    )
    .fetch_optional(&mut **tx)
    .await?
    {
        return Ok(StoredOutcome::Duplicate { id });
    }

    let thread_id = assign_thread(tx, msg).await?;
    let to_json = address_json(&msg.to);
    let cc_json = address_json(&msg.cc);
    let has_attachments = !msg.attachments.is_empty();
    let size = msg.raw.len() as i64;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO messages (account_id, folder_id, uid, dedupe_key, message_id, in_reply_to,
            thread_id, subject, from_name, from_email, to_json, cc_json, date, snippet, seen,
            flagged, has_attachments, parse_error, source_position, size)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id AS "id!""#,
        msg.account_id,
        msg.folder_id,
        msg.uid,
        msg.dedupe_key,
        msg.message_id,
        msg.in_reply_to,
        thread_id,
        msg.subject,
        msg.from_name,
        msg.from_email,
        to_json,
        cc_json,
        msg.date,
        msg.snippet,
        msg.seen,
        msg.flagged,
        has_attachments,
        msg.parse_error,
        msg.source_position,
        size
    )
    .fetch_one(&mut **tx)
    .await?;

    sqlx::query!(
        "INSERT INTO message_raw (message_id, raw) VALUES (?, ?)",
        id,
        msg.raw
    )
    .execute(&mut **tx)
    .await?;

    let mut participants = String::new();
    let mut roles: Vec<(&str, &Option<String>, &str)> = Vec::new();
    if let Some(from) = &msg.from_email {
        roles.push((from.as_str(), &msg.from_name, "from"));
    }
    for (name, email) in &msg.to {
        roles.push((email.as_str(), name, "to"));
    }
    for (name, email) in &msg.cc {
        roles.push((email.as_str(), name, "cc"));
    }
    for (email, name, role) in &roles {
        if let Some(name) = name {
            participants.push_str(name);
            participants.push(' ');
        }
        participants.push_str(email);
        participants.push(' ');
        sqlx::query!(
            "INSERT OR IGNORE INTO message_addresses (message_id, email, role) VALUES (?, ?, ?)",
            id,
            email,
            role
        )
        .execute(&mut **tx)
        .await?;
        contacts.ensure(tx, email, name.as_deref(), now_ms).await?;
    }

    let mut attachment_names = String::new();
    for a in &msg.attachments {
        attachment_names.push_str(&a.name);
        attachment_names.push(' ');
        sqlx::query!(
            "INSERT INTO attachments (message_id, name, mime_type, size, content_id) VALUES (?, ?, ?, ?, ?)",
            id,
            a.name,
            a.mime_type,
            a.size,
            a.content_id
        )
        .execute(&mut **tx)
        .await?;
    }

    sqlx::query(
        "INSERT INTO messages_fts (rowid, subject, participants, body, attachments) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&msg.subject)
    .bind(participants)
    .bind(&msg.body_text)
    .bind(attachment_names)
    .execute(&mut **tx)
    .await?;

    add_to_thread(tx, thread_id, msg).await?;
    Ok(StoredOutcome::Inserted { id, thread_id })
}

fn address_json(list: &[(Option<String>, String)]) -> String {
    let v: Vec<serde_json::Value> = list
        .iter()
        .map(|(name, email)| serde_json::json!({ "name": name, "email": email }))
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// Finds (merging where needed) or creates the thread for a message, and records the
/// message's ids as belonging to it.
async fn assign_thread(tx: &mut Transaction<'_, Sqlite>, msg: &NewMessage) -> Result<i64> {
    let mut ids: Vec<&str> = Vec::with_capacity(msg.references.len() + 1);
    if let Some(own) = &msg.message_id {
        ids.push(own);
    }
    for r in &msg.references {
        if !ids.contains(&r.as_str()) {
            ids.push(r);
        }
    }

    let mut found: Vec<i64> = Vec::new();
    for id in &ids {
        if let Some(t) =
            sqlx::query_scalar!("SELECT thread_id FROM thread_ids WHERE message_id = ?", id)
                .fetch_optional(&mut **tx)
                .await?
        {
            if !found.contains(&t) {
                found.push(t);
            }
        }
    }

    let no_references = msg.references.is_empty();
    if found.is_empty() && no_references && !msg.subject_key.is_empty() {
        let since = msg.date - SUBJECT_FALLBACK_WINDOW_MS;
        let until = msg.date + SUBJECT_FALLBACK_WINDOW_MS;
        // A reply adopts the latest same-subject thread; an original adopts only a
        // thread made of orphan replies (one that has no original yet).
        let t = sqlx::query_scalar!(
            "SELECT id AS \"id!\" FROM threads WHERE subject_key = ? AND last_date BETWEEN ? AND ?
               AND (? OR has_root = 0)
             ORDER BY last_date DESC LIMIT 1",
            msg.subject_key,
            since,
            until,
            msg.is_reply_subject
        )
        .fetch_optional(&mut **tx)
        .await?;
        found.extend(t);
    }

    let thread_id = match found.iter().min() {
        Some(&keep) => {
            let others: Vec<i64> = found.iter().copied().filter(|t| *t != keep).collect();
            if !others.is_empty() {
                merge_threads(tx, keep, &others).await?;
            }
            keep
        }
        None => {
            sqlx::query_scalar!(
                "INSERT INTO threads (subject, subject_key, last_date) VALUES (?, ?, ?) RETURNING id AS \"id!\"",
                msg.subject,
                msg.subject_key,
                msg.date
            )
            .fetch_one(&mut **tx)
            .await?
        }
    };
    for id in ids {
        sqlx::query!(
            "INSERT OR IGNORE INTO thread_ids (message_id, thread_id) VALUES (?, ?)",
            id,
            thread_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(thread_id)
}

async fn merge_threads(tx: &mut Transaction<'_, Sqlite>, keep: i64, others: &[i64]) -> Result<()> {
    for other in others {
        sqlx::query!(
            "UPDATE messages SET thread_id = ? WHERE thread_id = ?",
            keep,
            other
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!(
            "UPDATE thread_ids SET thread_id = ? WHERE thread_id = ?",
            keep,
            other
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!(
            "UPDATE threads SET has_root = has_root | (SELECT has_root FROM threads WHERE id = ?)
             WHERE id = ?",
            other,
            keep
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!("DELETE FROM threads WHERE id = ?", other)
            .execute(&mut **tx)
            .await?;
    }
    refresh_thread(tx, keep).await
}

/// Folds a freshly inserted message into its thread's summary.
async fn add_to_thread(
    tx: &mut Transaction<'_, Sqlite>,
    thread_id: i64,
    msg: &NewMessage,
) -> Result<()> {
    let unread = i64::from(!msg.seen);
    let has_attachments = !msg.attachments.is_empty();
    let is_root = !msg.is_reply_subject && msg.references.is_empty();
    sqlx::query!(
        "UPDATE threads SET
            message_count = message_count + 1,
            unread_count = unread_count + ?,
            snippet = CASE WHEN ? >= last_date OR message_count = 0 THEN ? ELSE snippet END,
            last_date = max(last_date, ?),
            has_attachments = has_attachments | ?,
            flagged = flagged | ?,
            subject = CASE WHEN ? AND has_root = 0 THEN ? ELSE subject END,
            has_root = has_root | ?
         WHERE id = ?",
        unread,
        msg.date,
        msg.snippet,
        msg.date,
        has_attachments,
        msg.flagged,
        is_root,
        msg.subject,
        is_root,
        thread_id
    )
    .execute(&mut **tx)
    .await?;

    let sender = msg
        .from_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| msg.from_email.clone());
    if let Some(sender) = sender {
        let current: String =
            sqlx::query_scalar!("SELECT participants FROM threads WHERE id = ?", thread_id)
                .fetch_one(&mut **tx)
                .await?;
        if !current.split(PARTICIPANT_SEP).any(|p| p == sender) {
            let next = if current.is_empty() {
                sender
            } else {
                format!("{current}{PARTICIPANT_SEP}{sender}")
            };
            sqlx::query!(
                "UPDATE threads SET participants = ? WHERE id = ?",
                next,
                thread_id
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Recomputes a thread's summary from its messages.
async fn refresh_thread(tx: &mut Transaction<'_, Sqlite>, thread_id: i64) -> Result<()> {
    sqlx::query!(
        "UPDATE threads SET
            message_count = (SELECT count(*) FROM messages WHERE thread_id = ?1),
            unread_count = (SELECT count(*) FROM messages WHERE thread_id = ?1 AND seen = 0),
            last_date = coalesce((SELECT max(date) FROM messages WHERE thread_id = ?1), last_date),
            has_attachments = coalesce((SELECT max(has_attachments) FROM messages WHERE thread_id = ?1), 0),
            flagged = coalesce((SELECT max(flagged) FROM messages WHERE thread_id = ?1), 0),
            snippet = coalesce((SELECT snippet FROM messages WHERE thread_id = ?1
                                ORDER BY date DESC, id DESC LIMIT 1), '')
         WHERE id = ?1",
        thread_id
    )
    .execute(&mut **tx)
    .await?;
    let senders = sqlx::query!(
        "SELECT from_name, from_email FROM messages WHERE thread_id = ? ORDER BY date, id",
        thread_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut list: Vec<String> = Vec::new();
    for s in senders {
        if let Some(p) = s
            .from_name
            .filter(|n| !n.trim().is_empty())
            .or(s.from_email)
        {
            if !list.contains(&p) {
                list.push(p);
            }
        }
    }
    let joined = list.join(&PARTICIPANT_SEP.to_string());
    sqlx::query!(
        "UPDATE threads SET participants = ? WHERE id = ?",
        joined,
        thread_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
