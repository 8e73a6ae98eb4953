//! Sending through Microsoft Graph for the outbox: a [`MailTransport`] whose first half
//! uploads the MIME as a draft and whose second half sends that draft, and the
//! [`RemoteMailbox`] the outbox asks "is it in Sent Items already?".
//!
//! Why a draft and not one `sendMail`: the outbox records "about to send" between the two
//! halves. Until the draft's `send` is posted nothing has gone, and a crash before it
//! leaves a draft that the next attempt finds by its internetMessageId and sends instead
//! of making a second one. After the send, Graph files the message in Sent Items, where
//! [`GraphMailbox::sent_contains`] finds it, so a resumed send never goes twice.

use switchboard_mail::compose::RemoteMailbox;
use switchboard_mail::graph::{GraphClient, GraphError};
use switchboard_mail::net::NetError;
use switchboard_mail::rest::{Priority, RestError};
use switchboard_mail::smtp::{Envelope, SmtpError};

use crate::api_mail::store_to_net;
use crate::outbox::MailTransport;

/// The outbox's transport for a Graph account.
#[derive(Debug, Clone)]
pub struct GraphTransport {
    client: GraphClient,
    draft: Option<String>,
}

impl GraphTransport {
    pub fn new(client: GraphClient) -> Self {
        Self {
            client,
            draft: None,
        }
    }
}

fn message_id_of(raw: &[u8]) -> Option<String> {
    switchboard_mail::parse_message(raw).message_id
}

/// A Graph failure as SMTP would have said it: what may work later defers the send,
/// what will not fails it.
pub fn smtp_error(e: GraphError, during: &str) -> SmtpError {
    match e {
        GraphError::Rest(r) => match r {
            RestError::Network(_) | RestError::Auth(_) if r.is_retryable() => {
                SmtpError::Net(NetError::Io(std::io::Error::other(r.to_string())))
            }
            RestError::RateLimited { .. } => SmtpError::Deferred {
                during: during.into(),
                reply: r.to_string(),
            },
            RestError::Api { status, .. } if status >= 500 => SmtpError::Deferred {
                during: during.into(),
                reply: r.to_string(),
            },
            RestError::NeedsSignIn(_) | RestError::Unauthorized(_) | RestError::Auth(_) => {
                SmtpError::Net(NetError::AuthFailed(r.to_string()))
            }
            other => SmtpError::Refused {
                during: during.into(),
                reply: other.to_string(),
            },
        },
        // The draft vanished between the halves: a new attempt makes a new one.
        GraphError::NotFound(what) => SmtpError::Deferred {
            during: during.into(),
            reply: format!("the draft {what} is gone"),
        },
        other => SmtpError::Refused {
            during: during.into(),
            reply: other.to_string(),
        },
    }
}

/// A Graph failure for the mailbox side of the outbox.
pub fn net_error(e: GraphError) -> NetError {
    match e {
        GraphError::Rest(r) if r.is_retryable() => {
            NetError::Io(std::io::Error::other(r.to_string()))
        }
        GraphError::Rest(r @ (RestError::NeedsSignIn(_) | RestError::Unauthorized(_))) => {
            NetError::AuthFailed(r.to_string())
        }
        other => NetError::Rejected(other.to_string()),
    }
}

impl MailTransport for GraphTransport {
    async fn begin(&mut self, _envelope: &Envelope, raw: &[u8]) -> Result<(), SmtpError> {
        self.draft = None;
        if let Some(message_id) = message_id_of(raw) {
            let left = self
                .client
                .find_by_internet_message_id("drafts", &message_id)
                .await
                .map_err(|e| smtp_error(e, "looking for an earlier draft"))?;
            if let Some(draft) = left.into_iter().find(|m| m.is_draft != Some(false)) {
                self.draft = Some(draft.id);
                return Ok(());
            }
        }
        let draft = self
            .client
            .create_draft(raw)
            .await
            .map_err(|e| smtp_error(e, "the upload of the message"))?;
        self.draft = Some(draft.id);
        Ok(())
    }

    async fn finish(&mut self) -> Result<String, SmtpError> {
        let id = self.draft.take().ok_or(NetError::Closed)?;
        self.client
            .send_draft(&id)
            .await
            .map_err(|e| smtp_error(e, "the send"))?;
        Ok("accepted by Microsoft Graph".into())
    }
}

/// Sent Items and Drafts of a Graph account, for the outbox.
#[derive(Debug, Clone)]
pub struct GraphMailbox {
    client: GraphClient,
    /// Where the outbox's draft numbers map to Graph draft ids.
    drafts: Option<(switchboard_store::Store, i64)>,
}

impl GraphMailbox {
    /// Sent only: drafts are not copied to the server.
    pub fn new(client: GraphClient) -> Self {
        Self {
            client,
            drafts: None,
        }
    }

    /// Also keeps the account's drafts in Drafts, numbered for the outbox in `store`.
    pub fn with_drafts(
        client: GraphClient,
        store: switchboard_store::Store,
        account_id: i64,
    ) -> Self {
        Self {
            client,
            drafts: Some((store, account_id)),
        }
    }
}

impl RemoteMailbox for GraphMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        let found = self
            .client
            .find_by_internet_message_id("sentitems", message_id)
            .await
            .map_err(net_error)?;
        Ok(!found.is_empty())
    }

    /// Graph files sent mail itself (`provider_saves_sent`): nothing to do.
    async fn append_sent(&mut self, _raw: &[u8]) -> Result<(), NetError> {
        Ok(())
    }

    /// Graph cannot replace a draft's MIME in place: the new copy is created first, then
    /// the old one deleted, and the outbox's number follows the new id.
    async fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> Result<Option<u32>, NetError> {
        let Some((store, account)) = &self.drafts else {
            return Ok(None);
        };
        let created = self.client.create_draft(raw).await.map_err(net_error)?;
        let previous = match replaces {
            Some(key) => store
                .remote_draft_id(*account, key)
                .await
                .map_err(store_to_net)?
                .map(|id| (key, id)),
            None => None,
        };
        match previous {
            Some((key, old)) => {
                store
                    .replace_remote_draft(*account, key, &created.id)
                    .await
                    .map_err(store_to_net)?;
                match self.client.delete(&old, Priority::Interactive).await {
                    Ok(()) | Err(GraphError::NotFound(_)) => {}
                    Err(e) => return Err(net_error(e)),
                }
                Ok(Some(key))
            }
            None => Ok(Some(
                store
                    .remember_remote_draft(*account, &created.id)
                    .await
                    .map_err(store_to_net)?,
            )),
        }
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
            match self.client.delete(&id, Priority::Interactive).await {
                Ok(()) | Err(GraphError::NotFound(_)) => {}
                Err(e) => return Err(net_error(e)),
            }
        }
        store
            .forget_remote_draft(*account, key)
            .await
            .map_err(store_to_net)
    }
}
