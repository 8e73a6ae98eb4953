//! Contacts and everything linked to them.

use crate::calendar::expand_rows;
use crate::dto::{
    ContactDetail, ContactPage, ContactSummary, ListContactsArgs, ListTicketsArgs, MessageRef,
};
use crate::mail::sender;
use crate::{Api, ApiError, ApiResult};
use switchboard_store::ContactRow;

fn summary(c: ContactRow) -> ContactSummary {
    ContactSummary {
        id: c.id,
        name: c.display_name,
        emails: c.emails,
        company: c.company,
        message_count: c.message_count,
        ticket_count: c.ticket_count,
    }
}

impl Api {
    pub async fn list_contacts(&self, args: ListContactsArgs) -> ApiResult<ContactPage> {
        let limit = if args.limit <= 0 {
            100
        } else {
            args.limit.min(500)
        };
        let offset = args.offset.max(0);
        let (total, rows) = self
            .store
            .list_contacts(args.query.as_deref(), offset, limit)
            .await?;
        Ok(ContactPage {
            total,
            offset,
            items: rows.into_iter().map(summary).collect(),
        })
    }

    /// A contact with their latest messages, their events and their tickets.
    pub async fn get_contact(&self, id: i64) -> ApiResult<ContactDetail> {
        let c = self
            .store
            .contact(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("contact {id} does not exist")))?;
        let messages = self
            .store
            .messages_for_addresses(&c.emails, 200)
            .await?
            .into_iter()
            .map(|m| MessageRef {
                from: sender(&m.from_name, &m.from_email),
                id: m.id,
                thread_id: m.thread_id,
                subject: m.subject,
                date: m.date,
            })
            .collect();
        let rows = self.store.events_for_addresses(&c.emails).await?;
        // Each event once, at its first occurrence (or its next, for a series).
        let now = self.now_ms();
        let mut events = Vec::new();
        for row in rows.iter().filter(|r| r.recurrence_id.is_empty()) {
            let window_start = if row.recurring {
                now.max(row.start_at)
            } else {
                row.start_at
            };
            let next = expand_rows(
                std::slice::from_ref(row),
                window_start,
                window_start + 400 * 86_400_000,
            )
            .into_iter()
            .next();
            events.push(next.unwrap_or_else(|| {
                expand_rows(
                    std::slice::from_ref(row),
                    row.start_at,
                    row.end_at.max(row.start_at + 1),
                )
                .into_iter()
                .next()
                .unwrap_or_else(|| crate::calendar::instance_of(row))
            }));
        }
        let tickets = self
            .list_tickets(ListTicketsArgs {
                contact_id: Some(id),
                limit: 200,
                ..Default::default()
            })
            .await?
            .items;
        Ok(ContactDetail {
            id: c.id,
            name: c.display_name,
            emails: c.emails,
            company: c.company,
            messages,
            events,
            tickets,
        })
    }
}
