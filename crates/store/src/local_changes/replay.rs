//! The replay side of local changes: `switchboard-sync` claims the account's jobs in
//! order and records what the server did, each record in one transaction with the job.

use super::{json_list, MailChange, MailChangeJob, MailChangePayload};
use super::{MAIL_EXPUNGE_JOB, MAIL_FLAGS_JOB, MAIL_MOVE_JOB};
use crate::delete::delete_messages_tx;
use crate::{Result, Store, StoreError};

impl Store {
    /// Claims the account's next `mail.*` job. Jobs of one account run strictly in the
    /// order they were queued: while the oldest is running elsewhere or waiting for its
    /// retry time, nothing is claimed (a later change may depend on it, e.g. a flag job
    /// that must reach a message before it is moved).
    pub async fn claim_mail_change(
        &self,
        account_id: i64,
        now_ms: i64,
    ) -> Result<Option<MailChangeJob>> {
        loop {
            let row: Option<(i64, String, String, i64)> = sqlx::query_as(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1
                 WHERE id = (SELECT id FROM jobs
                             WHERE kind IN (?3, ?4, ?5) AND state IN ('queued', 'running')
                               AND payload_json ->> '$.account_id' = ?2
                             ORDER BY id LIMIT 1)
                   AND state = 'queued' AND run_after <= ?1
                 RETURNING id, kind, payload_json, attempts",
            )
            .bind(now_ms)
            .bind(account_id)
            .bind(MAIL_FLAGS_JOB)
            .bind(MAIL_MOVE_JOB)
            .bind(MAIL_EXPUNGE_JOB)
            .fetch_optional(&self.pool)
            .await?;
            let Some((id, kind, payload, attempts)) = row else {
                return Ok(None);
            };
            match parse_job(&kind, &payload) {
                Ok((change, payload)) => {
                    return Ok(Some(MailChangeJob {
                        id,
                        attempts,
                        change,
                        payload,
                    }))
                }
                Err(reason) => {
                    // Unreadable: fail it for good (visible in sync health) and go on.
                    self.fail_job(id, &reason, None, now_ms).await?;
                }
            }
        }
    }

    /// Whether the account has a `mail.*` job that [`claim_mail_change`](Self::claim_mail_change)
    /// would hand out now.
    pub async fn has_due_mail_changes(&self, account_id: i64, now_ms: i64) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) > 0 FROM jobs
             WHERE id = (SELECT id FROM jobs
                         WHERE kind IN (?3, ?4, ?5) AND state IN ('queued', 'running')
                           AND payload_json ->> '$.account_id' = ?2
                         ORDER BY id LIMIT 1)
               AND state = 'queued' AND run_after <= ?1",
        )
        .bind(now_ms)
        .bind(account_id)
        .bind(MAIL_FLAGS_JOB)
        .bind(MAIL_MOVE_JOB)
        .bind(MAIL_EXPUNGE_JOB)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records a replayed move: each message the server reported a new UID for gets it
    /// (`placed`: message id, UID in the destination); the other UID-less rows of the job
    /// are deleted so the next sync fetches the server's copy instead of a duplicate.
    /// The job is done, in the same transaction.
    pub async fn finish_mail_move(
        &self,
        job: &MailChangeJob,
        placed: &[(i64, i64)],
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.begin_change().await?;
        let MailChange::Move { dest_folder_id } = job.change else {
            return Err(StoreError::Invalid(format!("job {} is not a move", job.id)));
        };
        let mut stale = Vec::new();
        for &message in &job.payload.message_ids {
            let new_uid = placed.iter().find(|(m, _)| *m == message).map(|p| p.1);
            let still_waiting: bool = sqlx::query_scalar(
                "SELECT count(*) > 0 FROM messages WHERE id = ? AND folder_id = ? AND uid IS NULL",
            )
            .bind(message)
            .bind(dest_folder_id)
            .fetch_one(&mut *tx)
            .await?;
            if !still_waiting {
                continue;
            }
            let taken = match new_uid {
                Some(uid) => sqlx::query_scalar::<_, bool>(
                    "SELECT count(*) > 0 FROM messages WHERE folder_id = ? AND uid = ?",
                )
                .bind(dest_folder_id)
                .bind(uid)
                .fetch_one(&mut *tx)
                .await?
                .then_some(uid),
                None => None,
            };
            match (new_uid, taken) {
                (Some(uid), None) => {
                    sqlx::query("UPDATE messages SET uid = ? WHERE id = ?")
                        .bind(uid)
                        .bind(message)
                        .execute(&mut *tx)
                        .await?;
                }
                _ => stale.push(message),
            }
        }
        delete_messages_tx(&mut tx, &stale).await?;
        sqlx::query(
            "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(now_ms)
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a job up for good (the server refused it): it is `failed` with `error`, and
    /// the server's state wins — a move's UID-less rows are deleted (the next sync
    /// fetches the message where the server has it).
    pub async fn abandon_mail_change(
        &self,
        job: &MailChangeJob,
        error: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.begin_change().await?;
        if let MailChange::Move { dest_folder_id } = job.change {
            let stale: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM messages WHERE folder_id = ?1 AND uid IS NULL
                   AND id IN (SELECT value FROM json_each(?2))",
            )
            .bind(dest_folder_id)
            .bind(json_list(&job.payload.message_ids))
            .fetch_all(&mut *tx)
            .await?;
            delete_messages_tx(&mut tx, &stale).await?;
        }
        sqlx::query(
            "UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(now_ms)
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn parse_job(
    kind: &str,
    payload: &str,
) -> std::result::Result<(MailChange, MailChangePayload), String> {
    let p: MailChangePayload =
        serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
    if p.uids.len() != p.message_ids.len() {
        return Err("payload uids and message_ids differ in length".into());
    }
    let change = match kind {
        MAIL_FLAGS_JOB => match (p.flag, p.add) {
            (Some(flag), Some(add)) => MailChange::Flags { flag, add },
            _ => return Err("mail.flags payload without flag/add".into()),
        },
        MAIL_MOVE_JOB => match p.dest_folder_id {
            Some(dest_folder_id) => MailChange::Move { dest_folder_id },
            None => return Err("mail.move payload without dest_folder_id".into()),
        },
        MAIL_EXPUNGE_JOB => MailChange::Expunge,
        other => return Err(format!("not a mail change: {other}")),
    };
    Ok((change, p))
}
