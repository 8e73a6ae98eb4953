//! What reading a message needs from the store: where a header-only message's body can
//! be fetched from, replacing that header with the whole message in one transaction,
//! and the senders whose remote content the user allowed.

use crate::mail::{refresh_threads, NewMessage};
use crate::{Result, Store};

/// A stored message and the server copy its whole body can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BodyFetchTarget {
    pub message_id: i64,
    pub account_id: i64,
    pub thread_id: i64,
    pub folder_id: i64,
    /// The folder's name as the server spells it (mUTF-7), for SELECT.
    pub folder_wire_name: String,
    /// UIDVALIDITY the UID belongs to; a different one on the server means the UID is
    /// stale.
    pub uidvalidity: Option<i64>,
    pub uid: Option<i64>,
    /// False while only the header is stored.
    pub body_complete: bool,
}

const TARGET_COLUMNS: &str = "SELECT m.id AS message_id, m.account_id, m.thread_id, m.folder_id,
        coalesce(f.wire_name, f.name) AS folder_wire_name, f.uidvalidity, m.uid,
        m.body_complete != 0 AS body_complete
    FROM messages m JOIN folders f ON f.id = m.folder_id";

impl Store {
    /// Where message `id` lives on its server, and whether its body is already here.
    pub async fn body_fetch_target(&self, id: i64) -> Result<Option<BodyFetchTarget>> {
        Ok(
            sqlx::query_as::<_, BodyFetchTarget>(&format!("{TARGET_COLUMNS} WHERE m.id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The header-only messages of a thread in one account that have a server UID, by
    /// folder then UID (at most `limit`): opening one fetches its siblings on the same
    /// connection.
    pub async fn header_only_in_thread(
        &self,
        thread_id: i64,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<BodyFetchTarget>> {
        Ok(sqlx::query_as::<_, BodyFetchTarget>(&format!(
            "{TARGET_COLUMNS} WHERE m.thread_id = ? AND m.account_id = ? AND m.body_complete = 0
               AND m.uid IS NOT NULL ORDER BY m.folder_id, m.uid LIMIT ?"
        ))
        .bind(thread_id)
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether message `id`'s whole body is stored (None: no such message).
    pub async fn body_complete(&self, id: i64) -> Result<Option<bool>> {
        Ok(
            sqlx::query_scalar::<_, bool>("SELECT body_complete != 0 FROM messages WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Replaces a header-only message with the whole message in one transaction: raw
    /// bytes, snippet, indexed body text, attachments, the thread's summary, and
    /// `body_complete`. Headers, flags, thread and folder stay as they are. Returns false
    /// when the message no longer exists (deleted while its body was being fetched).
    pub async fn replace_message_body(&self, id: i64, full: &NewMessage) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let thread: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET snippet = ?, has_attachments = ?, parse_error = ?, size = ?,
                    body_complete = 1
             WHERE id = ? RETURNING thread_id",
        )
        .bind(&full.snippet)
        .bind(!full.attachments.is_empty())
        .bind(&full.parse_error)
        .bind(full.raw.len() as i64)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(thread) = thread else {
            return Ok(false);
        };
        sqlx::query("INSERT OR REPLACE INTO message_raw (message_id, raw) VALUES (?, ?)")
            .bind(id)
            .bind(&full.raw)
            .execute(&mut *tx)
            .await?;
        let names: Vec<&str> = full.attachments.iter().map(|a| a.name.as_str()).collect();
        sqlx::query("UPDATE messages_fts SET body = ?, attachments = ? WHERE rowid = ?")
            .bind(&full.body_text)
            .bind(names.join(" "))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM attachments WHERE message_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for a in &full.attachments {
            sqlx::query(
                "INSERT INTO attachments (message_id, name, mime_type, size, content_id)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&a.name)
            .bind(&a.mime_type)
            .bind(a.size)
            .bind(&a.content_id)
            .execute(&mut *tx)
            .await?;
        }
        refresh_threads(&mut tx, &[thread]).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the user allowed remote content (images) from this sender.
    pub async fn remote_content_allowed(&self, email: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM remote_content_allowed WHERE email = ?",
        )
        .bind(normalize(email))
        .fetch_one(&self.pool)
        .await?
            > 0)
    }

    /// Allows remote content from this sender from now on (idempotent).
    pub async fn allow_remote_content(&self, email: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO remote_content_allowed (email, allowed_at) VALUES (?, ?)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(normalize(email))
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Blocks this sender's remote content again; returns whether it was allowed.
    pub async fn forget_remote_content(&self, email: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM remote_content_allowed WHERE email = ?")
            .bind(normalize(email))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Addresses are stored lower-cased, as `messages.from_email` is.
fn normalize(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::NewAttachment;

    async fn store_with_header_only() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let account = store
            .upsert_account_config("work", "imap", Some("me@x.test"), "{}", 0)
            .await
            .unwrap();
        let folder = store
            .ensure_folder(account, "INBOX", Some("inbox"))
            .await
            .unwrap();
        let header = NewMessage {
            account_id: account,
            folder_id: folder,
            uid: Some(7),
            dedupe_key: "imap:1:7".into(),
            message_id: Some("old@x.test".into()),
            subject: "Old quote".into(),
            subject_key: "old quote".into(),
            from_email: Some("dana@acme.test".into()),
            date: 1_000,
            raw: b"Subject: Old quote\r\n\r\n".to_vec(),
            ..Default::default()
        };
        let id = match store.store_messages(&[header], None, 0).await.unwrap()[0] {
            crate::StoredOutcome::Inserted { id, .. } => id,
            other => panic!("{other:?}"),
        };
        sqlx::query("UPDATE messages SET body_complete = 0 WHERE id = ?")
            .bind(id)
            .execute(store.pool())
            .await
            .unwrap();
        (dir, store, id)
    }

    #[tokio::test]
    async fn a_fetched_body_replaces_the_header_in_every_place_it_shows() {
        let (_dir, store, id) = store_with_header_only().await;
        let target = store.body_fetch_target(id).await.unwrap().unwrap();
        assert_eq!(target.folder_wire_name, "INBOX");
        assert_eq!(target.uid, Some(7));
        assert!(!target.body_complete);
        let siblings = store
            .header_only_in_thread(target.thread_id, target.account_id, 10)
            .await
            .unwrap();
        assert_eq!(siblings, vec![target.clone()]);

        let full = NewMessage {
            snippet: "The zanzibarite quote is attached".into(),
            body_text: "The zanzibarite quote is attached".into(),
            attachments: vec![NewAttachment {
                name: "quote.pdf".into(),
                mime_type: "application/pdf".into(),
                size: 10,
                content_id: None,
            }],
            raw: b"Subject: Old quote\r\n\r\nThe zanzibarite quote is attached\r\n".to_vec(),
            ..Default::default()
        };
        assert!(store.replace_message_body(id, &full).await.unwrap());
        assert_eq!(store.body_complete(id).await.unwrap(), Some(true));
        assert_eq!(store.message_raw(id).await.unwrap().unwrap(), full.raw);
        let attachments = store.message_attachments(id).await.unwrap();
        assert_eq!(attachments.len(), 1);
        let row = store.message(id).await.unwrap().unwrap();
        assert!(row.has_attachments);
        let thread = store.thread(row.thread_id).await.unwrap().unwrap();
        assert_eq!(thread.snippet, full.snippet);
        assert!(thread.has_attachments);
        let hits: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zanzibarite' AND rowid = ?",
        )
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(hits, 1);

        assert!(!store.replace_message_body(id + 100, &full).await.unwrap());
        assert!(store
            .header_only_in_thread(target.thread_id, target.account_id, 10)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn remote_content_is_allowed_per_sender_case_insensitively() {
        let (_dir, store, _) = store_with_header_only().await;
        assert!(!store
            .remote_content_allowed("dana@acme.test")
            .await
            .unwrap());
        store
            .allow_remote_content("Dana@Acme.test", 5)
            .await
            .unwrap();
        store
            .allow_remote_content("dana@acme.test", 6)
            .await
            .unwrap();
        assert!(store
            .remote_content_allowed("dana@acme.test")
            .await
            .unwrap());
        assert!(!store.remote_content_allowed("eve@acme.test").await.unwrap());
        assert!(store.forget_remote_content("dana@acme.test").await.unwrap());
        assert!(!store.forget_remote_content("dana@acme.test").await.unwrap());
        assert!(!store
            .remote_content_allowed("dana@acme.test")
            .await
            .unwrap());
    }
}
