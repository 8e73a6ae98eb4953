//! The outbox's and drafts' view of an IMAP account ([`RemoteMailbox`]): is a
//! Message-ID already in Sent, append to Sent, save and replace drafts.

use super::client::ImapSession;
use super::uidset::quote;
use crate::compose::RemoteMailbox;
use crate::net::NetError;

pub struct ImapMailbox {
    session: ImapSession,
    sent: String,
    drafts: String,
}

impl ImapMailbox {
    /// `sent` and `drafts` are the folders' wire names (as LIST spells them).
    pub fn new(session: ImapSession, sent: impl Into<String>, drafts: impl Into<String>) -> Self {
        Self {
            session,
            sent: sent.into(),
            drafts: drafts.into(),
        }
    }

    pub fn into_session(self) -> ImapSession {
        self.session
    }
}

impl RemoteMailbox for ImapMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        let id = message_id.trim_start_matches('<').trim_end_matches('>');
        self.session.select(&self.sent, None, true).await?;
        let found = self
            .session
            .uid_search(&format!("HEADER Message-ID {}", quote(&format!("<{id}>"))))
            .await?;
        Ok(!found.is_empty())
    }

    async fn append_sent(&mut self, raw: &[u8]) -> Result<(), NetError> {
        self.session.append(&self.sent, &["\\Seen"], raw).await?;
        Ok(())
    }

    async fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> Result<Option<u32>, NetError> {
        let uid = self
            .session
            .append(&self.drafts, &["\\Draft", "\\Seen"], raw)
            .await?;
        if let Some(old) = replaces {
            self.delete_draft(old).await?;
        }
        Ok(uid)
    }

    async fn delete_draft(&mut self, uid: u32) -> Result<(), NetError> {
        self.session.select(&self.drafts, None, false).await?;
        self.session.uid_expunge(&[uid]).await
    }
}
