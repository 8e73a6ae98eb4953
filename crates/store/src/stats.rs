use crate::{Result, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct StoreStats {
    pub accounts: i64,
    pub messages: i64,
    pub malformed_messages: i64,
    pub threads: i64,
    pub contacts: i64,
    pub calendars: i64,
    pub events: i64,
    pub ticket_sources: i64,
    pub tickets: i64,
    pub unread: i64,
}

impl Store {
    pub async fn stats(&self) -> Result<StoreStats> {
        // Runtime-checked: threads emptied by deletions stay for their ids, unlisted.
        Ok(sqlx::query_as::<_, StoreStats>(
            "SELECT
                (SELECT count(*) FROM accounts) AS accounts,
                (SELECT count(*) FROM messages) AS messages,
                (SELECT count(*) FROM messages WHERE parse_error IS NOT NULL) AS malformed_messages,
                (SELECT count(*) FROM threads WHERE message_count > 0) AS threads,
                (SELECT count(*) FROM contacts) AS contacts,
                (SELECT count(*) FROM calendars) AS calendars,
                (SELECT count(*) FROM events) AS events,
                (SELECT count(*) FROM ticket_sources) AS ticket_sources,
                (SELECT count(*) FROM tickets) AS tickets,
                (SELECT count(*) FROM messages WHERE seen = 0) AS unread",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Unread messages across all threads, from the thread summaries (no message scan:
    /// this runs on every start and every tray refresh).
    pub async fn unread_total(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT coalesce(sum(unread_count), 0) FROM threads")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Whether anything has been stored yet (false shows the first-run screen).
    pub async fn has_data(&self) -> Result<bool> {
        let n = sqlx::query_scalar!(
            r#"SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM ticket_sources) AS "n!: i64""#
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}
