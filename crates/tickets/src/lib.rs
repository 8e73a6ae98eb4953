//! Tickets for Switchboard: the one [`Ticket`] model every helpdesk source maps into, and
//! the pure mappings from each source: FluentSupport's REST list response
//! ([`parse_fluentsupport_tickets`]) and mail sent to a support mailbox
//! ([`ticket_from_email`], with keyword urgency from [`urgency_from_text`]).
//!
//! This crate never does I/O and never reads the clock: fetching pages, cursors and
//! storing tickets belong to `sync` and `store`. A source record that cannot be mapped is
//! reported as a [`Problem`] with its position while the rest still import.

mod email;
mod fluentsupport;
mod html;
mod model;

pub use email::{ticket_from_email, urgency_from_text};
pub use fluentsupport::{
    fluentsupport_status, fluentsupport_urgency, parse_fluentsupport_tickets, TicketsError,
};
pub use html::html_to_text;
pub use model::{ParseStatusError, ParseUrgencyError, Problem, Status, Ticket, Urgency};
