//! Running provider sync: the durable job queue, schedules, retry with backoff and the
//! per-account loops that fetch remote changes, plan them and hand the plan to `store`.
//!
//! This crate decides *when* and *in what order* work happens; it never parses mail or
//! talks a wire protocol itself (that is `mail`), and it never writes SQL (that is `store`).

pub mod api_mail;
pub mod caldav;
pub mod calendar_store;
pub mod changes;
pub mod gcal;
pub mod gmail;
pub mod gmail_send;
pub mod graph;
pub mod graph_cal;
pub mod graph_send;
pub mod imap;
pub mod outbox;
