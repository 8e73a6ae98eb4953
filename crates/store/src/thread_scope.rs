//! Thread lists limited to folders: one folder, or every folder with a role (the
//! unified Inbox is role "inbox" across accounts), optionally within one account.

use crate::mail::ThreadRow;
use crate::{Result, Store};

/// Which folders a thread list covers. A thread is listed when any of its messages is
/// in one of them (or, for Gmail, carries one of them as a label); its counts stay those of the whole conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderScope {
    Folder(i64),
    /// inbox, sent, drafts, archive, trash, junk — across accounts unless `account`.
    Role {
        role: String,
        account: Option<i64>,
    },
}

impl Store {
    async fn scope_folder_ids(&self, scope: &FolderScope) -> Result<Vec<i64>> {
        Ok(match scope {
            FolderScope::Folder(id) => vec![*id],
            FolderScope::Role { role, account } => {
                sqlx::query_scalar(
                    "SELECT id FROM folders WHERE role = ?1 AND (?2 IS NULL OR account_id = ?2)",
                )
                .bind(role)
                .bind(account)
                .fetch_all(&self.pool)
                .await?
            }
        })
    }

    pub async fn thread_count_in(&self, scope: &FolderScope) -> Result<i64> {
        let ids = self.scope_folder_ids(scope).await?;
        Ok(sqlx::query_scalar(
            "SELECT count(DISTINCT thread_id) FROM messages
             WHERE folder_id IN (SELECT value FROM json_each(?1))
                OR id IN (SELECT message_id FROM message_labels
                          WHERE folder_id IN (SELECT value FROM json_each(?1)))",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_one(&self.pool)
        .await?)
    }

    /// A page of the threads with a message in the scope, newest activity first.
    pub async fn list_threads_in(
        &self,
        scope: &FolderScope,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ThreadRow>> {
        let ids = self.scope_folder_ids(scope).await?;
        Ok(sqlx::query_as::<_, ThreadRow>(
            "SELECT id, subject, participants, last_date, message_count, unread_count,
                    snippet, has_attachments, flagged
             FROM threads t
             WHERE message_count > 0 AND EXISTS (
                 SELECT 1 FROM messages m WHERE m.thread_id = t.id
                   AND (m.folder_id IN (SELECT value FROM json_each(?1))
                        OR m.id IN (SELECT message_id FROM message_labels
                                    WHERE folder_id IN (SELECT value FROM json_each(?1)))))
             ORDER BY last_date DESC, id DESC LIMIT ?2 OFFSET ?3",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }
}
