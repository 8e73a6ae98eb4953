//! Durable jobs and sync cursors: the two halves of "never lose work".

use crate::{Result, Store};
use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload_json: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorRow {
    pub account: String,
    pub scope: String,
    pub cursor: String,
    pub updated_at: i64,
}

pub(crate) async fn put_cursor(
    conn: &mut SqliteConnection,
    account_id: i64,
    scope: &str,
    value: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query!(
        "INSERT INTO sync_cursors (account_id, scope, cursor, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, scope) DO UPDATE SET cursor = excluded.cursor,
             updated_at = excluded.updated_at",
        account_id,
        scope,
        value,
        now_ms
    )
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Queues a job. With an idempotency key, queuing the same work twice returns the
    /// existing job instead of adding another.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        idempotency_key: Option<&str>,
        now_ms: i64,
    ) -> Result<i64> {
        let payload = payload.to_string();
        sqlx::query!(
            "INSERT INTO jobs (kind, payload_json, idempotency_key, run_after, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            kind,
            payload,
            idempotency_key,
            now_ms,
            now_ms,
            now_ms
        )
        .execute(&self.pool)
        .await?;
        let id = match idempotency_key {
            Some(key) => {
                sqlx::query_scalar!(
                    "SELECT id AS \"id!\" FROM jobs WHERE idempotency_key = ?",
                    key
                )
                .fetch_one(&self.pool)
                .await?
            }
            None => {
                sqlx::query_scalar!("SELECT max(id) AS \"id!: i64\" FROM jobs")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        Ok(id)
    }

    /// Claims the oldest runnable job (queued, due) and marks it running.
    pub async fn claim_job(&self, now_ms: i64) -> Result<Option<JobRow>> {
        let row = sqlx::query_as!(
            JobRow,
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= ?1
                         ORDER BY run_after, id LIMIT 1)
             RETURNING id AS \"id!\", kind, payload_json, state, attempts, last_error, updated_at",
            now_ms
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn finish_job(&self, id: i64, now_ms: i64) -> Result<()> {
        sqlx::query!(
            "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = ? WHERE id = ?",
            now_ms,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failure: retried at `retry_at`, or failed for good when None.
    pub async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
        now_ms: i64,
    ) -> Result<()> {
        let state = if retry_at.is_some() {
            "queued"
        } else {
            "failed"
        };
        let run_after = retry_at.unwrap_or(now_ms);
        sqlx::query!(
            "UPDATE jobs SET state = ?, last_error = ?, run_after = ?, updated_at = ? WHERE id = ?",
            state,
            error,
            run_after,
            now_ms,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Jobs still running after a crash go back to the queue.
    pub async fn requeue_interrupted_jobs(&self, now_ms: i64) -> Result<u64> {
        let r = sqlx::query!(
            "UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running'",
            now_ms
        )
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// The most recently touched jobs, for the sync-health view.
    pub async fn recent_jobs(&self, limit: i64) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as!(
            JobRow,
            "SELECT id, kind, payload_json, state, attempts, last_error, updated_at FROM jobs
             ORDER BY updated_at DESC, id DESC LIMIT ?",
            limit
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn cursor(&self, account_id: i64, scope: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar!(
            "SELECT cursor FROM sync_cursors WHERE account_id = ? AND scope = ?",
            account_id,
            scope
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn set_cursor(
        &self,
        account_id: i64,
        scope: &str,
        value: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        put_cursor(&mut conn, account_id, scope, value, now_ms).await
    }

    pub async fn cursors(&self) -> Result<Vec<CursorRow>> {
        Ok(sqlx::query_as!(
            CursorRow,
            "SELECT a.name AS account, c.scope, c.cursor, c.updated_at FROM sync_cursors c
             JOIN accounts a ON a.id = c.account_id ORDER BY a.name, c.scope"
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
