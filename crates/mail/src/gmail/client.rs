//! The Gmail API v1 calls Switchboard makes (users.getProfile, labels.list,
//! messages.list/get/modify/batchModify/trash/untrash/delete/send, history.list,
//! drafts.create/update/delete/send), each with its documented quota cost.

use crate::rest::{Priority, RestClient, RestError, RestRequest};
use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// Google's production endpoint; tests point the client at the contract fake.
pub const GMAIL_API_ROOT: &str = "https://gmail.googleapis.com/";

/// Quota units per method (Gmail API "Usage limits").
pub mod units {
    pub const GET_PROFILE: u32 = 1;
    pub const LABELS_LIST: u32 = 1;
    pub const MESSAGES_LIST: u32 = 5;
    pub const MESSAGES_GET: u32 = 5;
    pub const MESSAGES_MODIFY: u32 = 5;
    pub const MESSAGES_BATCH_MODIFY: u32 = 50;
    pub const MESSAGES_TRASH: u32 = 5;
    pub const MESSAGES_DELETE: u32 = 10;
    pub const MESSAGES_SEND: u32 = 100;
    pub const HISTORY_LIST: u32 = 2;
    pub const DRAFTS_CREATE: u32 = 10;
    pub const DRAFTS_UPDATE: u32 = 15;
    pub const DRAFTS_DELETE: u32 = 10;
    pub const DRAFTS_SEND: u32 = 100;
}

/// Gmail allows up to 500 ids per messages.list page and 1,000 per batchModify.
pub const LIST_PAGE: u32 = 500;
pub const BATCH_MODIFY_MAX: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub email_address: String,
    pub history_id: String,
    #[serde(default)]
    pub messages_total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: String,
    pub name: String,
    /// "system" or "user".
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
}

/// A message in `format=raw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    /// Milliseconds since the epoch (Gmail's `internalDate`).
    pub internal_date: Option<i64>,
    pub raw: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessageJson {
    id: String,
    #[serde(default)]
    thread_id: String,
    #[serde(default)]
    label_ids: Vec<String>,
    internal_date: Option<String>,
    raw: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    pub next_page_token: Option<String>,
    pub history_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    pub id: String,
    #[serde(default)]
    pub messages_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub messages_deleted: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_removed: Vec<HistoryMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HistoryMessage {
    pub message: MessageRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub id: String,
    pub message: MessageRef,
}

/// What a Gmail call can fail with beyond [`RestError`].
#[derive(Debug, thiserror::Error)]
pub enum GmailError {
    /// history.list said 404: the stored `historyId` is older than the history Gmail
    /// keeps. Only a full resync helps.
    #[error("the mailbox history from {0} is no longer available")]
    HistoryExpired(String),
    /// The message or draft is gone (404).
    #[error("not found on the server: {0}")]
    NotFound(String),
    #[error(transparent)]
    Rest(#[from] RestError),
}

impl GmailError {
    pub fn is_retryable(&self) -> bool {
        match self {
            GmailError::Rest(e) => e.is_retryable(),
            _ => false,
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64url(text: &str) -> Result<Vec<u8>, RestError> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .map_err(|e| RestError::Protocol(format!("raw message is not base64url: {e}")))
}

fn not_found(e: RestError, what: &str) -> GmailError {
    if e.status() == Some(404) {
        GmailError::NotFound(what.to_owned())
    } else {
        GmailError::Rest(e)
    }
}

/// One Gmail mailbox (`users/me`).
#[derive(Debug, Clone)]
pub struct GmailClient {
    rest: RestClient,
    root: String,
}

impl GmailClient {
    /// `root` is [`GMAIL_API_ROOT`] (or a fake's root), ending in `/`.
    pub fn new(rest: RestClient, root: impl Into<String>) -> Self {
        let mut root = root.into();
        if !root.ends_with('/') {
            root.push('/');
        }
        Self { rest, root }
    }

    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}gmail/v1/users/me/{path}", self.root);
        if !query.is_empty() {
            let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            url.push('?');
            url.push_str(&encoded);
        }
        url
    }

    pub async fn profile(&self) -> Result<Profile, GmailError> {
        let req = RestRequest::get(self.url("profile", &[])).cost(units::GET_PROFILE);
        Ok(self.rest.json(&req).await?)
    }

    pub async fn labels(&self) -> Result<Vec<Label>, GmailError> {
        #[derive(Deserialize)]
        struct Labels {
            #[serde(default)]
            labels: Vec<Label>,
        }
        let req = RestRequest::get(self.url("labels", &[])).cost(units::LABELS_LIST);
        Ok(self.rest.json::<Labels>(&req).await?.labels)
    }

    /// One page of message ids, newest first. `label`: only messages with this label;
    /// `include_spam_trash`: also Spam and Trash.
    pub async fn list_messages(
        &self,
        page_token: Option<&str>,
        label: Option<&str>,
        include_spam_trash: bool,
        q: Option<&str>,
        priority: Priority,
    ) -> Result<MessagePage, GmailError> {
        let mut query = vec![("maxResults", LIST_PAGE.to_string())];
        if let Some(t) = page_token {
            query.push(("pageToken", t.to_owned()));
        }
        if let Some(l) = label {
            query.push(("labelIds", l.to_owned()));
        }
        if include_spam_trash {
            query.push(("includeSpamTrash", "true".into()));
        }
        if let Some(q) = q {
            query.push(("q", q.to_owned()));
        }
        let req = RestRequest::get(self.url("messages", &query))
            .cost(units::MESSAGES_LIST)
            .priority(priority);
        Ok(self.rest.json(&req).await?)
    }

    /// Every message id (with `label`, only those carrying it), across all pages.
    pub async fn all_message_ids(
        &self,
        label: Option<&str>,
        include_spam_trash: bool,
    ) -> Result<Vec<MessageRef>, GmailError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .list_messages(
                    token.as_deref(),
                    label,
                    include_spam_trash,
                    None,
                    Priority::Backfill,
                )
                .await?;
            out.extend(page.messages);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// A whole message (`format=raw`).
    pub async fn get_raw(&self, id: &str, priority: Priority) -> Result<RawMessage, GmailError> {
        let req = RestRequest::get(self.url(
            &format!("messages/{}", path_segment(id)),
            &[("format", "raw".into())],
        ))
        .cost(units::MESSAGES_GET)
        .priority(priority);
        let m: RawMessageJson = self.rest.json(&req).await.map_err(|e| not_found(e, id))?;
        let raw = unb64url(m.raw.as_deref().unwrap_or(""))?;
        Ok(RawMessage {
            id: m.id,
            thread_id: m.thread_id,
            label_ids: m.label_ids,
            internal_date: m.internal_date.and_then(|d| d.parse().ok()),
            raw,
        })
    }

    /// Labels and thread of a message (`format=minimal`).
    pub async fn get_labels(&self, id: &str) -> Result<MessageRef, GmailError> {
        let req = RestRequest::get(self.url(
            &format!("messages/{}", path_segment(id)),
            &[("format", "minimal".into())],
        ))
        .cost(units::MESSAGES_GET);
        self.rest.json(&req).await.map_err(|e| not_found(e, id))
    }

    /// A page of the mailbox history after `start` ([`GmailError::HistoryExpired`] when
    /// Gmail no longer has it).
    pub async fn history(
        &self,
        start: &str,
        page_token: Option<&str>,
    ) -> Result<HistoryPage, GmailError> {
        let mut query = vec![
            ("startHistoryId", start.to_owned()),
            ("maxResults", LIST_PAGE.to_string()),
        ];
        if let Some(t) = page_token {
            query.push(("pageToken", t.to_owned()));
        }
        for kind in [
            "messageAdded",
            "messageDeleted",
            "labelAdded",
            "labelRemoved",
        ] {
            query.push(("historyTypes", kind.into()));
        }
        let req = RestRequest::get(self.url("history", &query)).cost(units::HISTORY_LIST);
        match self.rest.json(&req).await {
            Err(e) if e.status() == Some(404) => Err(GmailError::HistoryExpired(start.into())),
            other => Ok(other?),
        }
    }

    /// Adds and removes labels on many messages (≤ [`BATCH_MODIFY_MAX`] per call).
    pub async fn batch_modify(
        &self,
        ids: &[String],
        add: &[String],
        remove: &[String],
        priority: Priority,
    ) -> Result<(), GmailError> {
        for chunk in ids.chunks(BATCH_MODIFY_MAX) {
            let req = RestRequest::new(Method::POST, self.url("messages/batchModify", &[]))
                .json(&json!({"ids": chunk, "addLabelIds": add, "removeLabelIds": remove}))
                .cost(units::MESSAGES_BATCH_MODIFY)
                .priority(priority);
            self.rest.execute(&req).await?;
        }
        Ok(())
    }

    /// messages.trash or messages.untrash.
    pub async fn trash(&self, id: &str, trash: bool, priority: Priority) -> Result<(), GmailError> {
        let verb = if trash { "trash" } else { "untrash" };
        let req = RestRequest::new(
            Method::POST,
            self.url(&format!("messages/{}/{verb}", path_segment(id)), &[]),
        )
        .cost(units::MESSAGES_TRASH)
        .priority(priority);
        self.rest
            .execute(&req)
            .await
            .map_err(|e| not_found(e, id))?;
        Ok(())
    }

    /// Deletes a message for good.
    pub async fn delete(&self, id: &str, priority: Priority) -> Result<(), GmailError> {
        let req = RestRequest::new(
            Method::DELETE,
            self.url(&format!("messages/{}", path_segment(id)), &[]),
        )
        .cost(units::MESSAGES_DELETE)
        .priority(priority);
        self.rest
            .execute(&req)
            .await
            .map_err(|e| not_found(e, id))?;
        Ok(())
    }

    /// Sends an RFC 822 message; `thread_id` keeps a reply in its Gmail thread.
    pub async fn send(
        &self,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<MessageRef, GmailError> {
        let mut body = json!({"raw": b64url(raw)});
        if let Some(t) = thread_id {
            body["threadId"] = json!(t);
        }
        let req = RestRequest::new(Method::POST, self.url("messages/send", &[]))
            .json(&body)
            .cost(units::MESSAGES_SEND)
            .priority(Priority::Interactive);
        Ok(self.rest.json(&req).await?)
    }

    /// Messages whose Message-ID header is `message_id` (without angle brackets),
    /// optionally only in `folder` ("sent", "drafts") — how a retried send finds out it
    /// already went, and how a reply finds its Gmail thread.
    pub async fn find_by_message_id(
        &self,
        message_id: &str,
        folder: Option<&str>,
    ) -> Result<Vec<MessageRef>, GmailError> {
        let q = match folder {
            Some(f) => format!("rfc822msgid:{message_id} in:{f}"),
            None => format!("rfc822msgid:{message_id}"),
        };
        Ok(self
            .list_messages(None, None, false, Some(&q), Priority::Interactive)
            .await?
            .messages)
    }

    pub async fn create_draft(
        &self,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<Draft, GmailError> {
        let mut message = json!({"raw": b64url(raw)});
        if let Some(t) = thread_id {
            message["threadId"] = json!(t);
        }
        let req = RestRequest::new(Method::POST, self.url("drafts", &[]))
            .json(&json!({"message": message}))
            .cost(units::DRAFTS_CREATE)
            .priority(Priority::Interactive);
        Ok(self.rest.json(&req).await?)
    }

    pub async fn update_draft(
        &self,
        draft_id: &str,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<Draft, GmailError> {
        let mut message = json!({"raw": b64url(raw)});
        if let Some(t) = thread_id {
            message["threadId"] = json!(t);
        }
        let req = RestRequest::new(
            Method::PUT,
            self.url(&format!("drafts/{}", path_segment(draft_id)), &[]),
        )
        .json(&json!({"message": message}))
        .cost(units::DRAFTS_UPDATE)
        .priority(Priority::Interactive);
        self.rest
            .json(&req)
            .await
            .map_err(|e| not_found(e, draft_id))
    }

    pub async fn delete_draft(&self, draft_id: &str) -> Result<(), GmailError> {
        let req = RestRequest::new(
            Method::DELETE,
            self.url(&format!("drafts/{}", path_segment(draft_id)), &[]),
        )
        .cost(units::DRAFTS_DELETE)
        .priority(Priority::Interactive);
        self.rest
            .execute(&req)
            .await
            .map_err(|e| not_found(e, draft_id))?;
        Ok(())
    }
}

/// Provider ids are plain tokens, but never put one into a path unescaped.
pub(crate) fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_is_base64url_without_padding_both_ways() {
        let raw = b"Subject: ??>\r\n\r\n\xff\xfe";
        let encoded = b64url(raw);
        assert!(!encoded.contains(['+', '/', '=']));
        assert_eq!(unb64url(&encoded).unwrap(), raw);
        assert_eq!(unb64url("YQ==").unwrap(), b"a", "padding is tolerated");
        assert!(unb64url("!!").is_err());
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(path_segment("18c2f0a1b2"), "18c2f0a1b2");
        assert_eq!(path_segment("../x y"), "..%2Fx%20y");
    }
}
