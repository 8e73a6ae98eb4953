//! Ticket sources and the ticket table.

use crate::dto::{ListTicketsArgs, TicketPage, TicketSourceView, TicketSummary};
use crate::{Api, ApiError, ApiResult};
use std::path::Path;
use switchboard_store::{NewTicket, TicketFilter, TicketRow};
use switchboard_tickets::{
    parse_fluentsupport_tickets, ticket_from_email, Status, Ticket, Urgency,
};

pub(crate) fn summary(t: TicketRow) -> TicketSummary {
    TicketSummary {
        id: t.id,
        source_id: t.source_id,
        source_name: t.source_name,
        source_kind: t.source_kind,
        external_id: t.external_id,
        title: t.title,
        status: t.status,
        urgency: t.urgency,
        customer_name: t.customer_name,
        customer_email: t.customer_email,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

fn new_ticket(t: Ticket) -> NewTicket {
    NewTicket {
        external_id: t.external_id,
        title: t.title,
        content: t.content_text,
        status: t.status.as_str().to_owned(),
        urgency: t.urgency.as_str().to_owned(),
        customer_email: t
            .customer_email
            .map(|e| switchboard_core::address::normalize_email(&e)),
        customer_name: t.customer_name,
        created_at: t.created_at.timestamp_millis(),
        updated_at: t.updated_at.timestamp_millis(),
    }
}

fn checked<T: std::str::FromStr>(value: Option<String>, what: &str) -> ApiResult<Option<String>> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) if v.parse::<T>().is_err() => {
            Err(ApiError::invalid(format!("unknown {what} {v:?}")))
        }
        other => Ok(other),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketImport {
    pub tickets: usize,
    pub problems: Vec<(String, String)>,
}

impl Api {
    pub async fn list_ticket_sources(&self) -> ApiResult<Vec<TicketSourceView>> {
        Ok(self
            .store
            .ticket_sources()
            .await?
            .into_iter()
            .map(|s| TicketSourceView {
                id: s.id,
                name: s.name,
                kind: s.kind,
                ticket_count: s.ticket_count,
            })
            .collect())
    }

    pub async fn list_tickets(&self, args: ListTicketsArgs) -> ApiResult<TicketPage> {
        let filter = TicketFilter {
            source_id: args.source_id,
            status: checked::<Status>(args.status, "status")?,
            urgency: checked::<Urgency>(args.urgency, "urgency")?,
            contact_id: args.contact_id,
        };
        let limit = if args.limit <= 0 {
            100
        } else {
            args.limit.min(500)
        };
        let offset = args.offset.max(0);
        let (total, rows) = self.store.list_tickets(&filter, offset, limit).await?;
        Ok(TicketPage {
            total,
            offset,
            items: rows.into_iter().map(summary).collect(),
        })
    }

    /// Imports a FluentSupport ticket list response (as returned by its REST API).
    pub async fn import_fluentsupport(
        &self,
        path: &Path,
        source: &str,
        site_tz: chrono_tz::Tz,
    ) -> ApiResult<TicketImport> {
        let json = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| ApiError::invalid(format!("cannot read {}: {e}", path.display())))?;
        let (tickets, problems) = parse_fluentsupport_tickets(&json, site_tz)
            .map_err(|e| ApiError::invalid(format!("{}: {e}", path.display())))?;
        let source_id = self
            .store
            .ensure_ticket_source(source, "fluentsupport")
            .await?;
        let rows: Vec<NewTicket> = tickets.into_iter().map(new_ticket).collect();
        self.store
            .upsert_tickets(source_id, &rows, self.now_ms())
            .await?;
        Ok(TicketImport {
            tickets: rows.len(),
            problems: problems
                .into_iter()
                .map(|p| (p.position, p.reason))
                .collect(),
        })
    }

    /// Turns every message in an account's Inbox into a ticket of a mailbox source.
    pub async fn tickets_from_mailbox(
        &self,
        account: &str,
        source: &str,
    ) -> ApiResult<TicketImport> {
        let account_id = self
            .store
            .account_id(account)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no account named {account:?}")))?;
        let source_id = self.store.ensure_ticket_source(source, "mailbox").await?;
        let mut rows = Vec::new();
        for m in self.store.inbox_messages_for_tickets(account_id).await? {
            let Some(from) = m.from_email.as_deref() else {
                continue;
            };
            let date = chrono::DateTime::from_timestamp_millis(m.date).unwrap_or_default();
            let t = ticket_from_email(
                m.message_id.as_deref(),
                from,
                m.from_name.as_deref(),
                &m.subject,
                &m.body_text,
                date,
            );
            rows.push(new_ticket(t));
        }
        self.store
            .upsert_tickets(source_id, &rows, self.now_ms())
            .await?;
        Ok(TicketImport {
            tickets: rows.len(),
            problems: Vec::new(),
        })
    }
}
