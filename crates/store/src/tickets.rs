//! Ticket sources and tickets.

use crate::contacts::ensure_contact;
use crate::{Result, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTicket {
    pub external_id: String,
    pub title: String,
    pub content: Option<String>,
    pub status: String,
    pub urgency: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub source_kind: String,
    pub external_id: String,
    pub title: String,
    pub status: String,
    pub urgency: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketSourceRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub ticket_count: i64,
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub source_id: Option<i64>,
    pub status: Option<String>,
    pub urgency: Option<String>,
    /// Only tickets whose customer address belongs to this contact.
    pub contact_id: Option<i64>,
}

const TICKET_SELECT: &str =
    "SELECT t.id, t.source_id, s.name AS source_name, s.kind AS source_kind,
    t.external_id, t.title, t.status, t.urgency, t.customer_email, t.customer_name,
    t.created_at, t.updated_at
    FROM tickets t JOIN ticket_sources s ON s.id = t.source_id";

const TICKET_FILTER: &str = "WHERE (?1 IS NULL OR t.source_id = ?1) AND (?2 IS NULL OR t.status = ?2)
    AND (?3 IS NULL OR t.urgency = ?3)
    AND (?4 IS NULL OR t.customer_email IN (SELECT email FROM contact_emails WHERE contact_id = ?4))";

impl Store {
    pub async fn ensure_ticket_source(&self, name: &str, kind: &str) -> Result<i64> {
        sqlx::query!(
            "INSERT INTO ticket_sources (name, kind) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            name,
            kind
        )
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar!(
            "SELECT id AS \"id!\" FROM ticket_sources WHERE name = ?",
            name
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Inserts or updates tickets by (source, external id) in one transaction.
    pub async fn upsert_tickets(
        &self,
        source_id: i64,
        tickets: &[NewTicket],
        now_ms: i64,
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for t in tickets {
            sqlx::query!(
                "INSERT INTO tickets (source_id, external_id, title, content, status, urgency,
                    customer_email, customer_name, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (source_id, external_id) DO UPDATE SET title = excluded.title,
                    content = excluded.content, status = excluded.status, urgency = excluded.urgency,
                    customer_email = excluded.customer_email, customer_name = excluded.customer_name,
                    updated_at = excluded.updated_at",
                source_id,
                t.external_id,
                t.title,
                t.content,
                t.status,
                t.urgency,
                t.customer_email,
                t.customer_name,
                t.created_at,
                t.updated_at
            )
            .execute(&mut *tx)
            .await?;
            if let Some(email) = &t.customer_email {
                ensure_contact(&mut tx, email, t.customer_name.as_deref(), now_ms).await?;
            }
        }
        tx.commit().await?;
        Ok(tickets.len())
    }

    pub async fn ticket_sources(&self) -> Result<Vec<TicketSourceRow>> {
        Ok(sqlx::query_as!(
            TicketSourceRow,
            r#"SELECT s.id AS "id!", s.name, s.kind,
                (SELECT count(*) FROM tickets t WHERE t.source_id = s.id) AS "ticket_count!: i64"
               FROM ticket_sources s ORDER BY s.name"#
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A page of tickets, most recently updated first, and the total matching.
    pub async fn list_tickets(
        &self,
        filter: &TicketFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<TicketRow>)> {
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM tickets t {TICKET_FILTER}"))
                .bind(filter.source_id)
                .bind(&filter.status)
                .bind(&filter.urgency)
                .bind(filter.contact_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query_as::<_, TicketRow>(&format!(
            "{TICKET_SELECT} {TICKET_FILTER} ORDER BY t.updated_at DESC, t.id DESC LIMIT ?5 OFFSET ?6"
        ))
        .bind(filter.source_id)
        .bind(&filter.status)
        .bind(&filter.urgency)
        .bind(filter.contact_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((total, rows))
    }
}
