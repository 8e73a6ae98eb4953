//! Reminders as durable scheduled jobs (see migration 0009). The caller plans the firings
//! of a time window from the events; the store keeps them, drops planned ones that are no
//! longer in the plan (the event moved or went away), and hands out each one once.

use crate::{Result, Store};

/// One planned firing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReminderRow {
    pub key: String,
    pub calendar_id: i64,
    pub uid: String,
    pub recurrence_id: Option<i64>,
    pub summary: String,
    pub instance_start: i64,
    pub fire_at: i64,
    /// scheduled, fired or missed
    pub state: String,
}

impl Store {
    /// Makes the planned firings in [from, to) exactly `plan` (rows already shown stay as
    /// they are), in one transaction.
    pub async fn replan_reminders(&self, from: i64, to: i64, plan: &[ReminderRow]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let keys = serde_json::to_string(&plan.iter().map(|r| &r.key).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "DELETE FROM reminders WHERE state = 'scheduled' AND fire_at >= ? AND fire_at < ?
               AND key NOT IN (SELECT value FROM json_each(?))",
        )
        .bind(from)
        .bind(to)
        .bind(keys)
        .execute(&mut *tx)
        .await?;
        for r in plan {
            sqlx::query(
                "INSERT INTO reminders (key, calendar_id, uid, recurrence_id, summary,
                    instance_start, fire_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (key) DO UPDATE SET summary = excluded.summary",
            )
            .bind(&r.key)
            .bind(r.calendar_id)
            .bind(&r.uid)
            .bind(r.recurrence_id)
            .bind(&r.summary)
            .bind(r.instance_start)
            .bind(r.fire_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Takes every planned firing due at `now`: those due within `grace_ms` are marked
    /// `fired`, older ones `missed` (the app was not running); each is returned once.
    pub async fn take_due_reminders(&self, now: i64, grace_ms: i64) -> Result<Vec<ReminderRow>> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<ReminderRow> = sqlx::query_as(
            "SELECT key, calendar_id, uid, recurrence_id, summary, instance_start, fire_at, state
             FROM reminders WHERE state = 'scheduled' AND fire_at <= ? ORDER BY fire_at, key",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE reminders SET shown_at = ?1,
                state = CASE WHEN fire_at < ?1 - ?2 THEN 'missed' ELSE 'fired' END
             WHERE state = 'scheduled' AND fire_at <= ?1",
        )
        .bind(now)
        .bind(grace_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(due
            .into_iter()
            .map(|mut r| {
                r.state = if r.fire_at < now - grace_ms {
                    "missed".into()
                } else {
                    "fired".into()
                };
                r
            })
            .collect())
    }

    /// The next planned firing's time, for sleeping until it.
    pub async fn next_reminder_at(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT min(fire_at) FROM reminders WHERE state = 'scheduled'")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
