//! Microsoft Graph mail (v1.0): the calls ([`GraphClient`]), folders with their roles
//! ([`remote_folders`]), the plan of a delta page ([`plan_delta_page`]) and the message
//! conversion shared by sync and the outbox.
//!
//! Graph files a message in exactly one folder, so a Graph message is one store row (found
//! by its immutable id as `remote_id`) whose folder is its Graph folder. Its
//! `conversationId` joins our threading as an extra reference
//! ([`conversation_reference`]), so Outlook's conversations and our header threading agree.

mod client;
mod folders;
mod plan;

pub use client::{
    DeltaPage, EmailAddress, FollowupFlag, GraphClient, GraphError, GraphMessage, MailFolder,
    Mailbox, Recipient, DELTA_SELECT, GRAPH_API_ROOT, MAX_PAGE,
};
pub use folders::{remote_folders, role_for_well_known, WELL_KNOWN_ROLES};
pub use plan::{plan_delta_page, remote_state, PageContext, PagePlan};

use switchboard_store::NewMessage;

/// The reference that puts every message of one Graph conversation (of one account) into
/// one Switchboard thread, whatever their headers say.
pub fn conversation_reference(account_id: i64, conversation_id: &str) -> String {
    format!("graph-conv.{account_id}.{conversation_id}@switchboard.invalid")
}

/// The store's dedupe key of a Graph message.
pub fn dedupe_key(id: &str) -> String {
    format!("graph:{id}")
}

fn finish(mut m: NewMessage, message: &GraphMessage, account_id: i64) -> NewMessage {
    m.dedupe_key = dedupe_key(&message.id);
    if let Some(c) = message.conversation_id.as_deref().filter(|c| !c.is_empty()) {
        m.references.push(conversation_reference(account_id, c));
    }
    m
}

/// A message fetched as MIME (`$value`) as a store message; folder and flags come from
/// its Graph state.
pub fn mime_to_new_message(
    message: &GraphMessage,
    raw: Vec<u8>,
    account_id: i64,
    now_ms: i64,
) -> NewMessage {
    let parsed = crate::parse_message(&raw);
    let fallback = message.received_ms().unwrap_or(now_ms);
    let m = parsed.into_new_message(
        raw,
        account_id,
        0,
        fallback,
        Some(format!("Graph {}", message.id)),
    );
    finish(m, message, account_id)
}

/// A message known only from its delta entry, stored header-only (its body is fetched
/// when it is opened): a header block is written from the JSON and parsed like any
/// message; the preview stands in for the body in the list and the search index.
pub fn header_only_message(message: &GraphMessage, account_id: i64, now_ms: i64) -> NewMessage {
    let raw = synthetic_headers(message);
    let preview = message.body_preview.clone().unwrap_or_default();
    let mut m = mime_to_new_message(message, raw, account_id, now_ms);
    m.snippet = preview.chars().take(200).collect();
    m.body_text = preview;
    m
}

/// Removes what could end a header line early or confuse an address list.
fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn address(r: &Recipient) -> Option<String> {
    let addr = header_text(r.email_address.address.as_deref()?.trim());
    if addr.is_empty() || addr.contains(['<', '>', ',', ' ']) {
        return None;
    }
    Some(match r.email_address.name.as_deref().map(header_text) {
        Some(name) if !name.trim().is_empty() => {
            let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" <{addr}>")
        }
        _ => format!("<{addr}>"),
    })
}

fn synthetic_headers(message: &GraphMessage) -> Vec<u8> {
    let mut out = String::new();
    let mut line = |name: &str, value: String| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&value);
        out.push_str("\r\n");
    };
    if let Some(from) = message.from.as_ref().and_then(address) {
        line("From", from);
    }
    let list = |rs: &[Recipient]| rs.iter().filter_map(address).collect::<Vec<_>>().join(", ");
    let to = list(&message.to_recipients);
    if !to.is_empty() {
        line("To", to);
    }
    let cc = list(&message.cc_recipients);
    if !cc.is_empty() {
        line("Cc", cc);
    }
    if let Some(subject) = &message.subject {
        line("Subject", header_text(subject));
    }
    let date = message.sent_ms().or_else(|| message.received_ms());
    if let Some(d) = date.and_then(chrono::DateTime::from_timestamp_millis) {
        line("Date", d.to_rfc2822());
    }
    if let Some(id) = &message.internet_message_id {
        let id = header_text(id);
        if !id.trim().is_empty() {
            line("Message-ID", id);
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: Option<&str>, address: &str) -> Recipient {
        Recipient {
            email_address: EmailAddress {
                name: name.map(str::to_owned),
                address: Some(address.into()),
            },
        }
    }

    #[test]
    fn a_header_only_message_keeps_what_the_page_said() {
        let message = GraphMessage {
            id: "AAMk=".into(),
            conversation_id: Some("CONV1".into()),
            internet_message_id: Some("<m1@example.test>".into()),
            subject: Some("Re: Quote\r\nBcc: evil@example.test".into()),
            from: Some(person(Some("Ann \"A\" Lee"), "ann@example.test")),
            to_recipients: vec![
                person(None, "rep@example.test"),
                person(Some("x"), "bad address"),
            ],
            sent_date_time: Some("2024-01-01T10:00:00Z".into()),
            body_preview: Some("Thanks for the quote".into()),
            ..GraphMessage::default()
        };
        let m = header_only_message(&message, 7, 0);
        assert_eq!(m.dedupe_key, "graph:AAMk=");
        assert_eq!(m.message_id.as_deref(), Some("m1@example.test"));
        assert_eq!(m.subject, "Re: Quote  Bcc: evil@example.test");
        assert_eq!(m.from_email.as_deref(), Some("ann@example.test"));
        assert_eq!(m.from_name.as_deref(), Some("Ann \"A\" Lee"));
        assert_eq!(m.to.len(), 1, "an unusable address is left out: {:?}", m.to);
        assert!(m.cc.is_empty());
        assert_eq!(m.date, 1_704_103_200_000);
        assert_eq!(m.snippet, "Thanks for the quote");
        assert_eq!(
            m.references,
            ["graph-conv.7.CONV1@switchboard.invalid".to_owned()]
        );
    }

    #[test]
    fn a_fetched_message_joins_its_conversation() {
        let message = GraphMessage {
            id: "X1".into(),
            conversation_id: Some("C9".into()),
            ..GraphMessage::default()
        };
        let raw = b"Message-ID: <b@x>\r\nReferences: <a@x>\r\nSubject: hi\r\n\r\nbody".to_vec();
        let m = mime_to_new_message(&message, raw, 3, 5);
        assert_eq!(m.dedupe_key, "graph:X1");
        assert_eq!(
            m.references,
            [
                "a@x".to_owned(),
                "graph-conv.3.C9@switchboard.invalid".to_owned()
            ]
        );
        assert_eq!(m.date, 5, "no Date header and no receivedDateTime: now");
    }
}
