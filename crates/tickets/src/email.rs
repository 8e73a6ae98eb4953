//! Support-mailbox source: an email sent to the support address becomes a new ticket.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::model::{Status, Ticket, Urgency};

/// Builds a ticket from an inbound support email. `external_id` is the Message-ID
/// (without angle brackets) or, when there is none, a stable hash of sender, date,
/// subject and body, so importing the same mail twice gives the same id.
pub fn ticket_from_email(
    message_id: Option<&str>,
    from_email: &str,
    from_name: Option<&str>,
    subject: &str,
    body_text: &str,
    date: DateTime<Utc>,
) -> Ticket {
    let message_id = message_id
        .map(|m| {
            m.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
        })
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let from_email = from_email.trim().to_ascii_lowercase();
    let external_id = match &message_id {
        Some(id) => id.clone(),
        None => {
            let mut hash = Sha256::new();
            for part in [from_email.as_str(), &date.to_rfc3339(), subject, body_text] {
                hash.update(part.as_bytes());
                hash.update([0u8]);
            }
            format!("mail-{}", &hex::encode(hash.finalize())[..32])
        }
    };
    let title = subject.trim();
    Ticket {
        external_id,
        title: if title.is_empty() {
            "(no subject)".to_string()
        } else {
            title.to_string()
        },
        content_text: Some(body_text.trim().to_string()).filter(|b| !b.is_empty()),
        status: Status::New,
        urgency: urgency_from_text(subject, body_text),
        customer_email: Some(from_email).filter(|e| !e.is_empty()),
        customer_name: from_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        created_at: date,
        updated_at: date,
        message_id,
    }
}

/// Phrases (as lower-case word sequences) and the urgency they signal. Earlier rows win
/// at the same position, so "not urgent" is read before "urgent".
const URGENCY_PHRASES: &[(&[&str], Urgency)] = &[
    (&["not", "urgent"], Urgency::Low),
    (&["no", "rush"], Urgency::Low),
    (&["low", "priority"], Urgency::Low),
    (&["whenever", "you", "can"], Urgency::Low),
    (&["outage"], Urgency::Critical),
    (&["emergency"], Urgency::Critical),
    (&["data", "loss"], Urgency::Critical),
    (&["security", "breach"], Urgency::Critical),
    (&["is", "down"], Urgency::Critical),
    (&["are", "down"], Urgency::Critical),
    (&["went", "down"], Urgency::Critical),
    (&["goes", "down"], Urgency::Critical),
    (&["gone", "down"], Urgency::Critical),
    (&["site", "down"], Urgency::Critical),
    (&["server", "down"], Urgency::Critical),
    (&["service", "down"], Urgency::Critical),
    (&["system", "down"], Urgency::Critical),
    (&["production", "down"], Urgency::Critical),
    (&["dashboard", "down"], Urgency::Critical),
    (&["api", "down"], Urgency::Critical),
    (&["urgent"], Urgency::High),
    (&["urgently"], Urgency::High),
    (&["asap"], Urgency::High),
    (&["as", "soon", "as", "possible"], Urgency::High),
    (&["immediately"], Urgency::High),
    (&["blocker"], Urgency::High),
    (&["blocking"], Urgency::High),
    (&["high", "priority"], Urgency::High),
];

/// Urgency of a message from keywords in its subject and body: the most urgent signal
/// wins; only "calm" phrases ("not urgent", "no rush") make it low; nothing gives normal.
/// Words are matched whole, so "download" or "countdown" are not "down".
pub fn urgency_from_text(subject: &str, body: &str) -> Urgency {
    let text = format!("{subject}\n{body}").to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut strongest: Option<Urgency> = None;
    let mut calm = false;
    let mut i = 0;
    while i < words.len() {
        let hit = URGENCY_PHRASES
            .iter()
            .find(|(phrase, _)| words[i..].starts_with(phrase));
        match hit {
            Some((phrase, urgency)) => {
                if *urgency == Urgency::Low {
                    calm = true;
                } else {
                    strongest = strongest.max(Some(*urgency));
                }
                i += phrase.len();
            }
            None => i += 1,
        }
    }
    match strongest {
        Some(u) => u,
        None if calm => Urgency::Low,
        None => Urgency::Normal,
    }
}
