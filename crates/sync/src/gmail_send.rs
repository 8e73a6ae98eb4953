//! Sending through the Gmail API for the outbox: the [`MailTransport`] and
//! [`RemoteMailbox`] halves the outbox runner drives.
//!
//! `messages.send` is one call, so "begin" only keeps the message and looks up the Gmail
//! thread it replies to (so Gmail keeps the reply in its conversation), and "finish"
//! sends it. Gmail files every sent message in Sent itself, so the outbox is run with
//! `provider_saves_sent` and a resumed send asks Sent (`rfc822msgid:`) before sending
//! again: a retried send never sends twice. Drafts go to Gmail's Drafts through the drafts
//! API, each under the number the outbox keeps for its copy.

use switchboard_mail::compose::RemoteMailbox;
use switchboard_mail::gmail::{GmailClient, GmailError};
use switchboard_mail::net::NetError;
use switchboard_mail::smtp::{Envelope, SmtpError};

use crate::api_mail::{rest_to_net, rest_to_smtp, store_to_net};
use crate::outbox::MailTransport;

const DURING: &str = "sending through the Gmail API";

fn gmail_to_smtp(e: GmailError) -> SmtpError {
    match e {
        GmailError::Rest(r) => rest_to_smtp(r, DURING),
        other => SmtpError::Refused {
            during: DURING.into(),
            reply: other.to_string(),
        },
    }
}

fn gmail_to_net(e: GmailError) -> NetError {
    match e {
        GmailError::Rest(r) => rest_to_net(r),
        other => NetError::Rejected(other.to_string()),
    }
}

/// The first Message-ID named by In-Reply-To (or the last of References).
fn replied_to(raw: &[u8]) -> Option<String> {
    let parsed = switchboard_mail::parse_message(raw);
    parsed
        .in_reply_to
        .clone()
        .or_else(|| parsed.references.last().cloned())
}

/// Gmail's `messages.send` as the outbox transport.
pub struct GmailTransport {
    client: GmailClient,
    pending: Option<(Vec<u8>, Option<String>)>,
}

impl GmailTransport {
    pub fn new(client: GmailClient) -> Self {
        Self {
            client,
            pending: None,
        }
    }
}

impl MailTransport for GmailTransport {
    async fn begin(&mut self, _envelope: &Envelope, raw: &[u8]) -> Result<(), SmtpError> {
        // Gmail takes the recipients from the headers (Bcc included, and removed).
        let thread = match replied_to(raw) {
            Some(parent) => self
                .client
                .find_by_message_id(&parent, None)
                .await
                .map_err(gmail_to_smtp)?
                .into_iter()
                .next()
                .map(|m| m.thread_id)
                .filter(|t| !t.is_empty()),
            None => None,
        };
        self.pending = Some((raw.to_vec(), thread));
        Ok(())
    }

    async fn finish(&mut self) -> Result<String, SmtpError> {
        let (raw, thread) = self
            .pending
            .take()
            .ok_or_else(|| SmtpError::Invalid("nothing to send: begin() was not called".into()))?;
        let sent = self
            .client
            .send(&raw, thread.as_deref())
            .await
            .map_err(gmail_to_smtp)?;
        Ok(format!("Gmail message {}", sent.id))
    }
}

/// Gmail's Sent and Drafts as the outbox's mailbox.
pub struct GmailMailbox {
    client: GmailClient,
    /// Where the outbox's draft numbers map to Gmail draft ids.
    drafts: Option<(switchboard_store::Store, i64)>,
}

impl GmailMailbox {
    /// Sent only: drafts are not copied to the server.
    pub fn new(client: GmailClient) -> Self {
        Self {
            client,
            drafts: None,
        }
    }

    /// Also keeps the account's drafts in Gmail's Drafts (drafts.create/update/delete),
    /// numbered for the outbox in `store`.
    pub fn with_drafts(
        client: GmailClient,
        store: switchboard_store::Store,
        account_id: i64,
    ) -> Self {
        Self {
            client,
            drafts: Some((store, account_id)),
        }
    }
}

impl RemoteMailbox for GmailMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        Ok(!self
            .client
            .find_by_message_id(message_id, Some("sent"))
            .await
            .map_err(gmail_to_net)?
            .is_empty())
    }

    async fn append_sent(&mut self, _raw: &[u8]) -> Result<(), NetError> {
        // Gmail files what messages.send sent; a second copy would be a duplicate.
        Ok(())
    }

    async fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> Result<Option<u32>, NetError> {
        let Some((store, account)) = &self.drafts else {
            return Ok(None);
        };
        let thread = match replied_to(raw) {
            Some(parent) => self
                .client
                .find_by_message_id(&parent, None)
                .await
                .map_err(gmail_to_net)?
                .into_iter()
                .next()
                .map(|m| m.thread_id)
                .filter(|t| !t.is_empty()),
            None => None,
        };
        if let Some(key) = replaces {
            if let Some(id) = store
                .remote_draft_id(*account, key)
                .await
                .map_err(store_to_net)?
            {
                let draft = match self.client.update_draft(&id, raw, thread.as_deref()).await {
                    Ok(draft) => draft,
                    // Deleted in Gmail meanwhile: a new draft takes its number.
                    Err(GmailError::NotFound(_)) => self
                        .client
                        .create_draft(raw, thread.as_deref())
                        .await
                        .map_err(gmail_to_net)?,
                    Err(e) => return Err(gmail_to_net(e)),
                };
                if draft.id != id {
                    store
                        .replace_remote_draft(*account, key, &draft.id)
                        .await
                        .map_err(store_to_net)?;
                }
                return Ok(Some(key));
            }
        }
        let draft = self
            .client
            .create_draft(raw, thread.as_deref())
            .await
            .map_err(gmail_to_net)?;
        Ok(Some(
            store
                .remember_remote_draft(*account, &draft.id)
                .await
                .map_err(store_to_net)?,
        ))
    }

    async fn delete_draft(&mut self, key: u32) -> Result<(), NetError> {
        let Some((store, account)) = &self.drafts else {
            return Ok(());
        };
        if let Some(id) = store
            .remote_draft_id(*account, key)
            .await
            .map_err(store_to_net)?
        {
            match self.client.delete_draft(&id).await {
                Ok(()) | Err(GmailError::NotFound(_)) => {}
                Err(e) => return Err(gmail_to_net(e)),
            }
        }
        store
            .forget_remote_draft(*account, key)
            .await
            .map_err(store_to_net)
    }
}
