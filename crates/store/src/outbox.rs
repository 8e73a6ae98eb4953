//! The outbox (messages on their way out, step by step) and local drafts.
//!
//! Every step of a send is its own committed write, so whatever stops the process, the
//! next run knows how far the message got: `queued` (nothing sent), `sending` (talking to
//! SMTP; `data_committed` says whether the end-of-data mark may have left),
//! `smtp_accepted` (the server took it; only the Sent copy is left), `done`. A runner
//! works on a row under a claim with a lease, so a crashed runner's row is picked up again
//! once the lease runs out (or at once after [`Store::release_outbox_claims`] at start-up).
//! Each row has a `send` job (idempotency key = Message-ID) kept in step for the
//! sync-health view.

use crate::{Result, Store, StoreError};
use sqlx::Row;

/// Where a message is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting for its undo window to end (or for a retry after nothing was sent).
    Queued,
    /// A runner is, or was when it stopped, talking to the SMTP server.
    Sending,
    /// The server accepted it; the copy in Sent may still be missing.
    SmtpAccepted,
    Done,
    Cancelled,
    /// Stopped: needs the user (wrong password, refused address, too many attempts).
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::SmtpAccepted => "smtp_accepted",
            OutboxState::Done => "done",
            OutboxState::Cancelled => "cancelled",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "smtp_accepted" => OutboxState::SmtpAccepted,
            "done" => OutboxState::Done,
            "cancelled" => OutboxState::Cancelled,
            "failed" => OutboxState::Failed,
            _ => return None,
        })
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewOutboxMessage<'a> {
    pub account_id: i64,
    /// Without angle brackets.
    pub message_id: &'a str,
    pub raw: &'a [u8],
    /// The compose state, returned if the send is undone.
    pub draft_json: &'a str,
    /// The local draft this was written in: removed now, its Drafts copy once sent.
    pub draft_id: Option<i64>,
    pub envelope_from: &'a str,
    pub recipients: &'a [String],
    /// Not before this (the end of the undo window).
    pub send_after: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub account_id: i64,
    pub message_id: String,
    pub state: OutboxState,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub send_after: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The end-of-data mark may have reached the server (only meaningful while sending).
    pub data_committed: bool,
    /// For a failed row: the state a retry resumes from.
    pub resume_state: Option<OutboxState>,
    pub smtp_reply: Option<String>,
    pub remote_draft_uid: Option<u32>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A row a runner has claimed, with the bytes to send.
#[derive(Debug, Clone)]
pub struct ClaimedSend {
    pub row: OutboxRow,
    pub raw: Vec<u8>,
    /// Every later step names this claim; a step on a claim that is no longer current
    /// changes nothing.
    pub claim: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    pub id: i64,
    pub account_id: i64,
    pub compose_json: String,
    pub revision: i64,
    pub remote_uid: Option<u32>,
    pub remote_revision: i64,
    pub remote_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DraftRow {
    /// The copy in Drafts is older than this one.
    pub fn needs_upload(&self) -> bool {
        self.remote_revision < self.revision
    }
}

const OUTBOX_COLUMNS: &str = "id, account_id, message_id, state, envelope_from, recipients_json,
    send_after, attempts, last_error, data_committed_at, resume_state, smtp_reply,
    remote_draft_uid, sent_at, created_at, updated_at";

const DRAFT_COLUMNS: &str = "id, account_id, compose_json, revision, remote_uid, remote_revision,
    remote_error, created_at, updated_at";

/// States a runner can still move forward.
const LIVE: &str = "('queued', 'sending', 'smtp_accepted')";

/// Mirrors an outbox step onto its `send` job (keyed by the row's Message-ID, from the
/// `RETURNING message_id` of the outbox update), so Sync health shows the same state and
/// error. `run_after` is kept unless given.
async fn mirror_send_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    outbox: &sqlx::sqlite::SqliteRow,
    state: &str,
    last_error: Option<&str>,
    run_after: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    let message_id: String = outbox.try_get("message_id")?;
    sqlx::query(
        "UPDATE jobs SET state = ?1, last_error = ?2, run_after = coalesce(?3, run_after),
             updated_at = ?4
         WHERE idempotency_key = ?5 AND kind = 'send'",
    )
    .bind(state)
    .bind(last_error)
    .bind(run_after)
    .bind(now_ms)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn outbox_row(row: &sqlx::sqlite::SqliteRow) -> Result<OutboxRow> {
    let state: String = row.try_get("state")?;
    let state = OutboxState::parse(&state)
        .ok_or_else(|| StoreError::Invalid(format!("unknown outbox state {state:?}")))?;
    let recipients: String = row.try_get("recipients_json")?;
    let recipients: Vec<String> = serde_json::from_str(&recipients)
        .map_err(|e| StoreError::Invalid(format!("outbox recipients: {e}")))?;
    let resume: Option<String> = row.try_get("resume_state")?;
    let uid: Option<i64> = row.try_get("remote_draft_uid")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        message_id: row.try_get("message_id")?,
        state,
        envelope_from: row.try_get("envelope_from")?,
        recipients,
        send_after: row.try_get("send_after")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        data_committed: row
            .try_get::<Option<i64>, _>("data_committed_at")?
            .is_some(),
        resume_state: resume.as_deref().and_then(OutboxState::parse),
        smtp_reply: row.try_get("smtp_reply")?,
        remote_draft_uid: uid.and_then(|u| u32::try_from(u).ok()),
        sent_at: row.try_get("sent_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn draft_row(row: &sqlx::sqlite::SqliteRow) -> Result<DraftRow> {
    let uid: Option<i64> = row.try_get("remote_uid")?;
    Ok(DraftRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        compose_json: row.try_get("compose_json")?,
        revision: row.try_get("revision")?,
        remote_uid: uid.and_then(|u| u32::try_from(u).ok()),
        remote_revision: row.try_get("remote_revision")?,
        remote_error: row.try_get("remote_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Queues a message and its `send` job in one transaction, and takes the draft it was
    /// written in off the drafts list (its Drafts copy goes once the message is sent).
    /// Returns the outbox id. The same Message-ID twice is a conflict.
    pub async fn queue_outbox(&self, m: &NewOutboxMessage<'_>, now_ms: i64) -> Result<i64> {
        let recipients =
            serde_json::to_string(m.recipients).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let remote_draft_uid: Option<i64> = match m.draft_id {
            Some(draft_id) => {
                let row = sqlx::query(
                    "DELETE FROM drafts WHERE id = ? AND account_id = ? RETURNING remote_uid",
                )
                .bind(draft_id)
                .bind(m.account_id)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(row) => row.try_get("remote_uid")?,
                    None => return Err(StoreError::NotFound(format!("draft {draft_id}"))),
                }
            }
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (account_id, message_id, raw, draft_json, remote_draft_uid,
                 envelope_from, recipients_json, send_after, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(m.account_id)
        .bind(m.message_id)
        .bind(m.raw)
        .bind(m.draft_json)
        .bind(remote_draft_uid)
        .bind(m.envelope_from)
        .bind(&recipients)
        .bind(m.send_after)
        .bind(now_ms)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let payload = serde_json::json!({
            "outbox_id": id,
            "account_id": m.account_id,
            "message_id": m.message_id,
        })
        .to_string();
        sqlx::query(
            "INSERT INTO jobs (kind, payload_json, idempotency_key, run_after, created_at, updated_at)
             VALUES ('send', ?, ?, ?, ?, ?)",
        )
        .bind(payload)
        .bind(m.message_id)
        .bind(m.send_after)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Undoes a send that has not started: only while the row is `queued` and no runner
    /// holds it. The row becomes `cancelled`, its job goes, and the message comes back as
    /// a local draft (returned). `None` when it is too late (or there is no such row).
    pub async fn cancel_outbox(&self, id: i64, now_ms: i64) -> Result<Option<DraftRow>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE outbox SET state = 'cancelled', updated_at = ?1
             WHERE id = ?2 AND state = 'queued' AND (lease_until IS NULL OR lease_until <= ?1)
             RETURNING account_id, message_id, draft_json, remote_draft_uid",
        )
        .bind(now_ms)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let account_id: i64 = row.try_get("account_id")?;
        let message_id: String = row.try_get("message_id")?;
        let draft_json: String = row.try_get("draft_json")?;
        let remote_uid: Option<i64> = row.try_get("remote_draft_uid")?;
        sqlx::query("DELETE FROM jobs WHERE idempotency_key = ? AND kind = 'send'")
            .bind(&message_id)
            .execute(&mut *tx)
            .await?;
        // The Drafts copy (if any) is older than what was queued: revision 1 over remote
        // revision 0 makes the next upload replace it.
        let draft = sqlx::query(&format!(
            "INSERT INTO drafts (account_id, compose_json, revision, remote_uid, remote_revision,
                 created_at, updated_at)
             VALUES (?, ?, 1, ?, 0, ?, ?) RETURNING {DRAFT_COLUMNS}"
        ))
        .bind(account_id)
        .bind(&draft_json)
        .bind(remote_uid)
        .bind(now_ms)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let draft = draft_row(&draft)?;
        tx.commit().await?;
        Ok(Some(draft))
    }

    /// Claims the account's next due row (its undo window over, not held by a live
    /// claim) for `lease_ms`, counting an attempt. The row's state says where to resume.
    pub async fn claim_outbox(
        &self,
        account_id: i64,
        claim: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<ClaimedSend>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE outbox SET claim = ?1, lease_until = ?2 + ?3, attempts = attempts + 1,
                 updated_at = ?2
             WHERE id = (SELECT id FROM outbox WHERE account_id = ?4 AND state IN {LIVE}
                           AND send_after <= ?2 AND (lease_until IS NULL OR lease_until <= ?2)
                         ORDER BY send_after, id LIMIT 1)
             RETURNING {OUTBOX_COLUMNS}, raw"
        ))
        .bind(claim)
        .bind(now_ms)
        .bind(lease_ms)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let claimed = ClaimedSend {
            row: outbox_row(&row)?,
            raw: row.try_get("raw")?,
            claim: claim.to_owned(),
        };
        sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?
             WHERE idempotency_key = ? AND kind = 'send'",
        )
        .bind(now_ms)
        .bind(&claimed.row.message_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(claimed))
    }

    /// Step: about to talk to SMTP. False if the claim is no longer current.
    pub async fn mark_outbox_sending(
        &self,
        id: i64,
        claim: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET state = 'sending', lease_until = ?1 + ?2, updated_at = ?1
             WHERE id = ?3 AND claim = ?4 AND state IN ('queued', 'sending')",
        )
        .bind(now_ms)
        .bind(lease_ms)
        .bind(id)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Step: the end-of-data mark is about to leave; from now on the server may have it.
    pub async fn mark_outbox_data_committed(
        &self,
        id: i64,
        claim: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET data_committed_at = ?1, lease_until = ?1 + ?2, updated_at = ?1
             WHERE id = ?3 AND claim = ?4 AND state = 'sending'",
        )
        .bind(now_ms)
        .bind(lease_ms)
        .bind(id)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Step: the server accepted the message (or Sent shows it already went).
    pub async fn mark_outbox_accepted(
        &self,
        id: i64,
        claim: &str,
        smtp_reply: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET state = 'smtp_accepted', smtp_reply = ?1, sent_at = ?2,
                 lease_until = ?2 + ?3, updated_at = ?2
             WHERE id = ?4 AND claim = ?5 AND state = 'sending'",
        )
        .bind(smtp_reply)
        .bind(now_ms)
        .bind(lease_ms)
        .bind(id)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Last step: sent and filed. `note` records something worth seeing that did not
    /// stop the send (the Drafts copy could not be removed, say).
    pub async fn complete_outbox(
        &self,
        id: i64,
        claim: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE outbox SET state = 'done', last_error = ?1, claim = NULL, lease_until = NULL,
                 updated_at = ?2
             WHERE id = ?3 AND claim = ?4 AND state = 'smtp_accepted' RETURNING message_id",
        )
        .bind(note)
        .bind(now_ms)
        .bind(id)
        .bind(claim)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        mirror_send_job(&mut tx, &row, "done", note, None, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A temporary failure: released, to be tried again at `retry_at`. With
    /// `nothing_sent` (the server cannot have the message) it goes back to `queued`, where
    /// it can be undone again; otherwise it resumes from the state it reached (never back
    /// before `smtp_accepted`).
    pub async fn defer_outbox(
        &self,
        id: i64,
        claim: &str,
        error: &str,
        retry_at: i64,
        nothing_sent: bool,
        now_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE outbox SET send_after = ?1, last_error = ?2, claim = NULL, lease_until = NULL,
                 updated_at = ?3,
                 data_committed_at = CASE WHEN ?6 AND state IN ('queued', 'sending') THEN NULL
                                          ELSE data_committed_at END,
                 state = CASE WHEN ?6 AND state IN ('queued', 'sending') THEN 'queued'
                              ELSE state END
             WHERE id = ?4 AND claim = ?5 AND state IN {LIVE} RETURNING message_id"
        ))
        .bind(retry_at)
        .bind(error)
        .bind(now_ms)
        .bind(id)
        .bind(claim)
        .bind(nothing_sent)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        mirror_send_job(&mut tx, &row, "queued", Some(error), Some(retry_at), now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A failure someone has to look at: `failed`, remembering where a retry resumes
    /// (`queued` when `nothing_sent`). The message stays in the outbox with its bytes.
    pub async fn fail_outbox(
        &self,
        id: i64,
        claim: &str,
        error: &str,
        nothing_sent: bool,
        now_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE outbox SET
                 resume_state = CASE WHEN ?5 AND state IN ('queued', 'sending') THEN 'queued'
                                     ELSE state END,
                 data_committed_at = CASE WHEN ?5 AND state IN ('queued', 'sending') THEN NULL
                                          ELSE data_committed_at END,
                 state = 'failed', last_error = ?1, claim = NULL, lease_until = NULL,
                 updated_at = ?2
             WHERE id = ?3 AND claim = ?4 AND state IN {LIVE} RETURNING message_id"
        ))
        .bind(error)
        .bind(now_ms)
        .bind(id)
        .bind(claim)
        .bind(nothing_sent)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        mirror_send_job(&mut tx, &row, "failed", Some(error), None, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The user's "try again" on a failed row: it resumes where it stopped, with a fresh
    /// attempt budget. `resend` is for a message that may already have been delivered
    /// (its end-of-data mark left but no answer came): it is sent again from the start,
    /// which the user has accepted might deliver a second copy. A message the server
    /// accepted is never sent again, whatever `resend` says.
    pub async fn retry_outbox(&self, id: i64, resend: bool, now_ms: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE outbox SET
                 state = CASE
                     WHEN resume_state = 'smtp_accepted' THEN 'smtp_accepted'
                     WHEN ?1 THEN 'queued'
                     ELSE coalesce(resume_state, 'queued') END,
                 data_committed_at = CASE
                     WHEN ?1 AND coalesce(resume_state, '') <> 'smtp_accepted' THEN NULL
                     ELSE data_committed_at END,
                 resume_state = NULL, attempts = 0, last_error = NULL, send_after = ?2,
                 updated_at = ?2
             WHERE id = ?3 AND state = 'failed' RETURNING message_id",
        )
        .bind(resend)
        .bind(now_ms)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let message_id: String = row.try_get("message_id")?;
        sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, last_error = NULL, run_after = ?,
                 updated_at = ? WHERE idempotency_key = ? AND kind = 'send'",
        )
        .bind(now_ms)
        .bind(now_ms)
        .bind(&message_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// At start-up, before any runner: every claim belongs to a process that is gone, so
    /// its rows may be resumed now instead of when their leases run out. Do not call it
    /// while a runner on this database is alive.
    pub async fn release_outbox_claims(&self, now_ms: i64) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE outbox SET claim = NULL, lease_until = NULL, updated_at = ?
             WHERE claim IS NOT NULL",
        )
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    pub async fn outbox_item(&self, id: i64) -> Result<Option<OutboxRow>> {
        let row = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(outbox_row).transpose()
    }

    /// The outbox, newest first (cancelled rows left out), for one account or all.
    pub async fn outbox_items(
        &self,
        account_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox
             WHERE (?1 IS NULL OR account_id = ?1) AND state <> 'cancelled'
             ORDER BY created_at DESC, id DESC LIMIT ?2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    /// The bytes queued for sending.
    pub async fn outbox_raw(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT raw FROM outbox WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The compose state a row was queued with.
    pub async fn outbox_draft_json(&self, id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT draft_json FROM outbox WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// When the account's outbox next has something to do (a window ending, a retry, a
    /// lease running out), so a scheduler can sleep until then.
    pub async fn next_outbox_due(&self, account_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT min(max(send_after, coalesce(lease_until, 0))) FROM outbox
             WHERE account_id = ? AND state IN {LIVE}"
        ))
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Saves a draft locally: a new one when `id` is None, else the next revision of it.
    pub async fn save_local_draft(
        &self,
        id: Option<i64>,
        account_id: i64,
        compose_json: &str,
        now_ms: i64,
    ) -> Result<DraftRow> {
        let row = match id {
            None => {
                sqlx::query(&format!(
                    "INSERT INTO drafts (account_id, compose_json, created_at, updated_at)
                     VALUES (?, ?, ?, ?) RETURNING {DRAFT_COLUMNS}"
                ))
                .bind(account_id)
                .bind(compose_json)
                .bind(now_ms)
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await?
            }
            Some(id) => sqlx::query(&format!(
                "UPDATE drafts SET compose_json = ?, revision = revision + 1, updated_at = ?
                 WHERE id = ? AND account_id = ? RETURNING {DRAFT_COLUMNS}"
            ))
            .bind(compose_json)
            .bind(now_ms)
            .bind(id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("draft {id}")))?,
        };
        draft_row(&row)
    }

    /// Records that Drafts now holds `revision` as `uid`. Ignored (false) when a newer
    /// revision was already uploaded.
    pub async fn record_remote_draft(
        &self,
        id: i64,
        revision: i64,
        uid: Option<u32>,
        now_ms: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE drafts SET remote_uid = ?, remote_revision = ?, remote_error = NULL,
                 updated_at = max(updated_at, ?)
             WHERE id = ? AND remote_revision < ?",
        )
        .bind(uid.map(i64::from))
        .bind(revision)
        .bind(now_ms)
        .bind(id)
        .bind(revision)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records why the Drafts copy could not be written (the local draft is safe).
    pub async fn record_remote_draft_error(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE drafts SET remote_error = ? WHERE id = ?")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn draft(&self, id: i64) -> Result<Option<DraftRow>> {
        let row = sqlx::query(&format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(draft_row).transpose()
    }

    /// The account's drafts, last edited first.
    pub async fn drafts(&self, account_id: i64) -> Result<Vec<DraftRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts WHERE account_id = ?
             ORDER BY updated_at DESC, id DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(draft_row).collect()
    }

    /// Drafts whose Drafts-folder copy is missing or older than the local one.
    pub async fn drafts_to_upload(&self, account_id: i64) -> Result<Vec<DraftRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts WHERE account_id = ? AND remote_revision < revision
             ORDER BY updated_at, id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(draft_row).collect()
    }

    /// Deletes a local draft, returning it (its `remote_uid` names the copy to remove).
    pub async fn delete_local_draft(&self, id: i64) -> Result<Option<DraftRow>> {
        let row = sqlx::query(&format!(
            "DELETE FROM drafts WHERE id = ? RETURNING {DRAFT_COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(draft_row).transpose()
    }
}
