//! Gmail over its REST API (v1): the calls ([`GmailClient`]), labels as folders
//! ([`label_state`]) and the message conversion shared by sync and the outbox.
//!
//! Gmail identifies a message by its id and files it by labels, so a Gmail message is one
//! store row (found by `remote_id`) listed in every folder whose label it carries; its
//! `threadId` joins our threading as an extra reference ([`thread_reference`]).

mod client;
mod labels;

pub use client::{
    units, Draft, GmailClient, GmailError, HistoryMessage, HistoryPage, HistoryRecord, Label,
    MessagePage, MessageRef, Profile, RawMessage, BATCH_MODIFY_MAX, GMAIL_API_ROOT, LIST_PAGE,
};
pub use labels::{
    all_mail_folder, folder_for_label, label_state, LabelFolder, LabelState, ALL_MAIL,
};

use switchboard_store::NewMessage;

/// The reference that puts every message of one Gmail thread (of one account) into one
/// Switchboard thread, whatever their headers say.
pub fn thread_reference(account_id: i64, thread_id: &str) -> String {
    format!("gmail-thread.{account_id}.{thread_id}@switchboard.invalid")
}

/// The store's dedupe key of a Gmail message.
pub fn dedupe_key(id: &str) -> String {
    format!("gmail:{id}")
}

/// A fetched Gmail message as a store message (folder and flags come from its labels).
pub fn raw_to_new_message(message: RawMessage, account_id: i64, now_ms: i64) -> NewMessage {
    let parsed = crate::parse_message(&message.raw);
    let position = format!("Gmail {}", message.id);
    let mut m = parsed.into_new_message(
        message.raw,
        account_id,
        0,
        message.internal_date.unwrap_or(now_ms),
        Some(position),
    );
    m.dedupe_key = dedupe_key(&message.id);
    if !message.thread_id.is_empty() {
        m.references
            .push(thread_reference(account_id, &message.thread_id));
    }
    m
}
