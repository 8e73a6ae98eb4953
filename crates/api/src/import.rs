//! Local mail imports and the script-facing thread listing.

use crate::dto::{ImportProblem, ImportReport};
use crate::{Api, ApiError, ApiResult};
use serde::Serialize;
use std::path::Path;
use switchboard_mail::ImportSummary;

/// One thread in `switchboard-cli threads --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadExport {
    pub id: i64,
    pub subject: String,
    /// Message-IDs of the thread's messages, oldest first (null where a message has none).
    pub message_ids: Vec<Option<String>>,
}

fn report(source: &Path, s: ImportSummary) -> ImportReport {
    ImportReport {
        source: source.display().to_string(),
        seen: s.seen as i64,
        imported: s.imported as i64,
        duplicates: s.duplicates as i64,
        malformed: s.malformed as i64,
        problems: s
            .problems
            .into_iter()
            .map(|p| ImportProblem {
                position: p.position,
                reason: p.reason,
            })
            .collect(),
    }
}

impl Api {
    async fn account_for_import(&self, account: &str) -> ApiResult<i64> {
        if account.trim().is_empty() {
            return Err(ApiError::invalid("an account name is required"));
        }
        Ok(self
            .store
            .ensure_account(account.trim(), "local", None, self.now_ms())
            .await?)
    }

    /// Imports an mbox file into the account's Inbox (the account is created if new).
    pub async fn import_mbox(&self, path: &Path, account: &str) -> ApiResult<ImportReport> {
        let account_id = self.account_for_import(account).await?;
        let folder_id = self
            .store
            .ensure_folder(account_id, "INBOX", Some("inbox"))
            .await?;
        let summary =
            switchboard_mail::import_mbox(&self.store, account_id, folder_id, path, self.now_ms())
                .await?;
        self.audit_import("import.mbox", path, account, &summary)
            .await?;
        Ok(report(path, summary))
    }

    /// Imports a Maildir (with Maildir++ subfolders) into the account.
    pub async fn import_maildir(&self, path: &Path, account: &str) -> ApiResult<ImportReport> {
        let account_id = self.account_for_import(account).await?;
        let summary =
            switchboard_mail::import_maildir(&self.store, account_id, path, self.now_ms()).await?;
        self.audit_import("import.maildir", path, account, &summary)
            .await?;
        Ok(report(path, summary))
    }

    async fn audit_import(
        &self,
        action: &str,
        path: &Path,
        account: &str,
        s: &ImportSummary,
    ) -> ApiResult<()> {
        tracing::info!(action, path = %path.display(), account, imported = s.imported,
            duplicates = s.duplicates, malformed = s.malformed, "import finished");
        self.store
            .audit(
                self.now_ms(),
                "user",
                action,
                Some(account),
                &serde_json::json!({
                    "path": path.display().to_string(),
                    "imported": s.imported,
                    "duplicates": s.duplicates,
                    "malformed": s.malformed,
                }),
            )
            .await?;
        Ok(())
    }

    /// Every thread with its messages' Message-IDs in order.
    pub async fn thread_listing(&self, account: Option<&str>) -> ApiResult<Vec<ThreadExport>> {
        let account_id = match account {
            Some(name) => Some(
                self.store
                    .account_id(name)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("no account named {name:?}")))?,
            ),
            None => None,
        };
        let mut out: Vec<ThreadExport> = Vec::new();
        for row in self.store.thread_listing(account_id).await? {
            match out.last_mut() {
                Some(t) if t.id == row.thread_id => t.message_ids.push(row.message_id),
                _ => out.push(ThreadExport {
                    id: row.thread_id,
                    subject: row.subject,
                    message_ids: vec![row.message_id],
                }),
            }
        }
        Ok(out)
    }
}
