//! Deleting messages while keeping what threading learned from them.
//!
//! A deleted message's row, raw source, full-text entry, addresses, attachments and
//! subject-fallback entry go. Its thread stays (hidden from lists while it has no
//! messages) and so do the Message-IDs the thread owns: when the same message is
//! stored again — an IMAP folder re-fetched after a UIDVALIDITY change — it lands in
//! the thread it left, under the same thread id.

use crate::ingest::{refresh_thread_heads, DELETED_ID_FLOOR};
use crate::mail::refresh_threads;
use crate::{Result, Store};
use sqlx::{Sqlite, Transaction};

impl Store {
    /// Deletes messages (ids that do not exist are ignored) in one transaction.
    pub async fn delete_messages(&self, ids: &[i64], now_ms: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Write first, as store_messages does: a transaction that reads before its
        // first write can fail to upgrade its lock when another writer got there first.
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('store.last_batch_at', ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(now_ms.to_string())
        .execute(&mut *tx)
        .await?;
        delete_messages_tx(&mut tx, ids).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Deletes messages inside the caller's transaction (a sync applies deletions, new
/// messages and its cursor together) and refreshes the summaries of their threads.
/// Threads and their Message-IDs are kept; see the module documentation.
pub async fn delete_messages_tx(tx: &mut Transaction<'_, Sqlite>, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    // New messages get ids above every deleted one (see DELETED_ID_FLOOR).
    sqlx::query(
        "INSERT INTO settings (key, value)
         SELECT ?1, max(id) FROM messages WHERE id IN (SELECT value FROM json_each(?2))
         HAVING max(id) IS NOT NULL
         ON CONFLICT (key) DO UPDATE
            SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
    )
    .bind(DELETED_ID_FLOOR)
    .bind(&list)
    .execute(&mut **tx)
    .await?;
    let threads: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT thread_id FROM messages WHERE id IN (SELECT value FROM json_each(?))
         ORDER BY thread_id",
    )
    .bind(&list)
    .fetch_all(&mut **tx)
    .await?;
    // messages_fts is a standalone FTS5 table (rowid = messages.id): no foreign key
    // reaches it. The others would cascade; deleting them here does not rely on the
    // connection's foreign_keys setting.
    for sql in [
        "DELETE FROM messages_fts WHERE rowid IN (SELECT value FROM json_each(?))",
        "DELETE FROM subject_fallback WHERE message_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM message_raw WHERE message_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM message_addresses WHERE message_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM attachments WHERE message_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))",
    ] {
        sqlx::query(sql).bind(&list).execute(&mut **tx).await?;
    }
    refresh_threads(tx, &threads).await?;
    refresh_thread_heads(tx, &threads).await?;
    Ok(())
}
