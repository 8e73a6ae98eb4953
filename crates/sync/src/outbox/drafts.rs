//! Drafts: saved here at once, then copied to the server's Drafts folder, replacing
//! the previous copy; a failed upload is kept for later, never lost.

use super::{Outbox, OutboxError};
use switchboard_mail::compose::{is_valid_address, new_message_id, to_mime, Draft, RemoteMailbox};
use switchboard_store::DraftRow;

/// A draft saved locally, and how its Drafts copy fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDraft {
    pub draft: DraftRow,
    /// Why the Drafts copy could not be written (the local draft is saved either way).
    pub remote_error: Option<String>,
}

impl Outbox {
    /// Saves a draft locally (at once), then its copy in Drafts, replacing the previous
    /// copy. A failed upload is recorded and returned, never lost: the local draft is
    /// saved and [`upload_drafts`](Self::upload_drafts) tries again later.
    pub async fn save_draft<M: RemoteMailbox>(
        &self,
        account_id: i64,
        draft_id: Option<i64>,
        draft: &Draft,
        mailbox: &mut M,
    ) -> Result<SavedDraft, OutboxError> {
        let row = self.save_draft_locally(account_id, draft_id, draft).await?;
        let remote_error = self.upload_draft(&row, mailbox).await.err();
        let draft = self.store.draft(row.id).await?.unwrap_or(row);
        Ok(SavedDraft {
            draft,
            remote_error: remote_error.map(|e| e.to_string()),
        })
    }

    /// The local half of [`save_draft`](Self::save_draft), for when the server is not
    /// reachable.
    pub async fn save_draft_locally(
        &self,
        account_id: i64,
        draft_id: Option<i64>,
        draft: &Draft,
    ) -> Result<DraftRow, OutboxError> {
        let json =
            serde_json::to_string(draft).map_err(|e| OutboxError::BadDraft(e.to_string()))?;
        Ok(self
            .store
            .save_local_draft(draft_id, account_id, &json, self.now_ms())
            .await?)
    }

    /// Uploads every draft of the account whose Drafts copy is missing or stale; returns
    /// how many were uploaded. Stops at the first server error.
    pub async fn upload_drafts<M: RemoteMailbox>(
        &self,
        account_id: i64,
        mailbox: &mut M,
    ) -> Result<usize, OutboxError> {
        let mut uploaded = 0;
        for row in self.store.drafts_to_upload(account_id).await? {
            self.upload_draft(&row, mailbox).await?;
            uploaded += 1;
        }
        Ok(uploaded)
    }

    async fn upload_draft<M: RemoteMailbox>(
        &self,
        row: &DraftRow,
        mailbox: &mut M,
    ) -> Result<(), OutboxError> {
        if !row.needs_upload() {
            return Ok(());
        }
        let mut draft: Draft = serde_json::from_str(&row.compose_json)
            .map_err(|e| OutboxError::BadDraft(e.to_string()))?;
        // A draft may hold half-typed addresses; the local copy keeps them, the server
        // copy leaves them out.
        for list in [&mut draft.to, &mut draft.cc, &mut draft.bcc] {
            list.retain(|m| is_valid_address(&m.email));
        }
        let result = async {
            let message_id = new_message_id(&self.token(), &draft.from.email);
            let raw = to_mime(&draft, &message_id, self.now_ms())?;
            let uid = mailbox.save_draft(&raw, row.remote_uid).await?;
            Ok::<_, OutboxError>(uid)
        }
        .await;
        match result {
            Ok(uid) => {
                self.store
                    .record_remote_draft(row.id, row.revision, uid, self.now_ms())
                    .await?;
                Ok(())
            }
            Err(e) => {
                self.store
                    .record_remote_draft_error(row.id, &e.to_string())
                    .await?;
                Err(e)
            }
        }
    }

    /// Deletes a draft here and its copy in Drafts. The local draft is gone even when the
    /// server copy could not be removed (that error is returned).
    pub async fn discard_draft<M: RemoteMailbox>(
        &self,
        draft_id: i64,
        mailbox: &mut M,
    ) -> Result<(), OutboxError> {
        let row = self
            .store
            .delete_local_draft(draft_id)
            .await?
            .ok_or(OutboxError::NotFound(draft_id))?;
        if let Some(uid) = row.remote_uid {
            mailbox.delete_draft(uid).await?;
        }
        Ok(())
    }
}
