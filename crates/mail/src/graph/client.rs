//! The Microsoft Graph v1.0 mail calls Switchboard makes, as the CSDL names them:
//! mailFolders (with childFolders), messages/delta per folder, `$value` for MIME, PATCH
//! (isRead, flag), move, DELETE, drafts from MIME and their send, sendMail, reply, and a
//! folder's messages filtered by internetMessageId.
//!
//! Every request says `Prefer: IdType="ImmutableId"`, so a message keeps its id when it
//! moves and one store row follows it from folder to folder.

use crate::rest::{Priority, RestClient, RestError, RestRequest, RestResponse};
use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// Microsoft's production endpoint; tests point the client at the contract fake.
pub const GRAPH_API_ROOT: &str = "https://graph.microsoft.com/v1.0";

/// The largest page Graph documents for `$top` on messages (and the fake's delta maximum).
pub const MAX_PAGE: u32 = 1000;

const IMMUTABLE_IDS: &str = "IdType=\"ImmutableId\"";

/// The message properties a delta page asks for: enough for state, threading and a
/// header-only row.
pub const DELTA_SELECT: &str = "id,parentFolderId,conversationId,internetMessageId,isRead,\
flag,isDraft,receivedDateTime,sentDateTime,subject,from,toRecipients,ccRecipients,bodyPreview";

/// Whose mail: the signed-in user's, or a mailbox they may open (shared or delegated),
/// by id or user principal name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailbox {
    Me,
    User(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailFolder {
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub child_folder_count: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EmailAddress {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default)]
    pub email_address: EmailAddress,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowupFlag {
    #[serde(default)]
    pub flag_status: Option<String>,
}

/// A message as delta pages and GETs return it (only the selected properties are set).
/// A delta entry with `@removed` left the folder (deleted, or moved elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphMessage {
    pub id: String,
    #[serde(rename = "@removed", default)]
    pub removed: Option<serde_json::Value>,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub internet_message_id: Option<String>,
    #[serde(default)]
    pub is_read: Option<bool>,
    #[serde(default)]
    pub flag: Option<FollowupFlag>,
    #[serde(default)]
    pub is_draft: Option<bool>,
    #[serde(default)]
    pub received_date_time: Option<String>,
    #[serde(default)]
    pub sent_date_time: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub from: Option<Recipient>,
    #[serde(default)]
    pub to_recipients: Vec<Recipient>,
    #[serde(default)]
    pub cc_recipients: Vec<Recipient>,
    #[serde(default)]
    pub body_preview: Option<String>,
}

impl GraphMessage {
    pub fn is_removed(&self) -> bool {
        self.removed.is_some()
    }

    /// Flagged for follow-up (`flagged`; `complete` is a finished follow-up, not a flag).
    pub fn is_flagged(&self) -> bool {
        self.flag
            .as_ref()
            .and_then(|f| f.flag_status.as_deref())
            .is_some_and(|s| s.eq_ignore_ascii_case("flagged"))
    }

    /// `receivedDateTime` in ms since the epoch.
    pub fn received_ms(&self) -> Option<i64> {
        parse_date(self.received_date_time.as_deref())
    }

    pub fn sent_ms(&self) -> Option<i64> {
        parse_date(self.sent_date_time.as_deref())
    }
}

fn parse_date(value: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(value?)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// One page of a folder's delta round: a `next_link` to follow, or at the end of the
/// round the `delta_link` that asks for what changes next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DeltaPage {
    #[serde(default)]
    pub value: Vec<GraphMessage>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    pub delta_link: Option<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

/// What a Graph call can fail with beyond [`RestError`].
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// 410 `syncStateNotFound`: the delta token is gone. Only a new round helps.
    #[error("the folder's delta token is no longer valid")]
    SyncStateNotFound,
    /// The message, folder or mailbox is not there (404).
    #[error("not found on the server: {0}")]
    NotFound(String),
    #[error(transparent)]
    Rest(#[from] RestError),
}

impl GraphError {
    pub fn is_retryable(&self) -> bool {
        match self {
            GraphError::Rest(e) => e.is_retryable(),
            _ => false,
        }
    }
}

fn not_found(e: RestError, what: &str) -> GraphError {
    if e.status() == Some(404) {
        GraphError::NotFound(what.to_owned())
    } else {
        GraphError::Rest(e)
    }
}

/// A provider id or name as one URL path segment (ids hold `=`, `-`, `_`).
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// A query value, spaces as `%20` (OData's documented form).
fn query_value(value: &str) -> String {
    segment(value).replace('+', "%20")
}

/// The mail of one mailbox over Graph.
#[derive(Debug, Clone)]
pub struct GraphClient {
    rest: RestClient,
    base: String,
    page_size: u32,
}

impl GraphClient {
    /// `api_root` is [`GRAPH_API_ROOT`] (or a fake's root), with or without a final `/`.
    pub fn new(rest: RestClient, api_root: &str, mailbox: Mailbox) -> Self {
        let root = api_root.trim_end_matches('/');
        let base = match &mailbox {
            Mailbox::Me => format!("{root}/me"),
            Mailbox::User(id) => format!("{root}/users/{}", segment(id)),
        };
        Self {
            rest,
            base,
            page_size: 100,
        }
    }

    /// Messages per delta page (`Prefer: odata.maxpagesize`), 1 to [`MAX_PAGE`].
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE);
        self
    }

    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    fn request(&self, method: Method, url: String, priority: Priority) -> RestRequest {
        RestRequest::new(method, url)
            .header("Prefer", IMMUTABLE_IDS)
            .priority(priority)
    }

    /// Sends a request about one message or folder (`id` names it in a 404).
    async fn call(&self, req: &RestRequest, id: &str) -> Result<RestResponse, GraphError> {
        self.rest.execute(req).await.map_err(|e| not_found(e, id))
    }

    fn get(&self, path: &str, priority: Priority) -> RestRequest {
        self.request(Method::GET, format!("{}/{path}", self.base), priority)
    }

    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        first: String,
        priority: Priority,
    ) -> Result<Vec<T>, GraphError> {
        let mut out = Vec::new();
        let mut url = Some(first);
        while let Some(u) = url.take() {
            let page: Page<T> = self
                .rest
                .json(&self.request(Method::GET, u, priority))
                .await?;
            out.extend(page.value);
            url = page.next_link;
        }
        Ok(out)
    }

    /// Every mail folder, parents before their children.
    pub async fn folders(&self) -> Result<Vec<MailFolder>, GraphError> {
        let select = "$select=id,displayName,parentFolderId,childFolderCount&$top=100";
        let mut out: Vec<MailFolder> = self
            .all_pages(
                format!("{}/mailFolders?{select}", self.base),
                Priority::Backfill,
            )
            .await?;
        let mut i = 0;
        while i < out.len() {
            if out[i].child_folder_count.unwrap_or(0) > 0 {
                let url = format!(
                    "{}/mailFolders/{}/childFolders?{select}",
                    self.base,
                    segment(&out[i].id)
                );
                let children: Vec<MailFolder> = self.all_pages(url, Priority::Backfill).await?;
                out.extend(children);
            }
            i += 1;
        }
        Ok(out)
    }

    /// The id of a well-known folder (`inbox`, `sentitems`, …); None if the mailbox has
    /// none.
    pub async fn well_known_folder_id(&self, name: &str) -> Result<Option<String>, GraphError> {
        let req = self.get(
            &format!("mailFolders/{}?$select=id", segment(name)),
            Priority::Backfill,
        );
        match self.rest.json::<MailFolder>(&req).await {
            Ok(f) => Ok(Some(f.id)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The URL that starts a folder's delta round.
    pub fn delta_start(&self, folder_id: &str) -> String {
        format!(
            "{}/mailFolders/{}/messages/delta?$select={DELTA_SELECT}",
            self.base,
            segment(folder_id)
        )
    }

    /// One delta page: from [`delta_start`](Self::delta_start) or a stored next/delta
    /// link, followed verbatim.
    pub async fn delta(&self, url: &str) -> Result<DeltaPage, GraphError> {
        let req = RestRequest::get(url).header(
            "Prefer",
            &format!("{IMMUTABLE_IDS}, odata.maxpagesize={}", self.page_size),
        );
        match self.rest.json(&req).await {
            Err(e)
                if e.status() == Some(410)
                    || e.code()
                        .is_some_and(|c| c.eq_ignore_ascii_case("syncStateNotFound")) =>
            {
                Err(GraphError::SyncStateNotFound)
            }
            other => Ok(other?),
        }
    }

    /// The ids of every message in a folder (a resync compares them with ours).
    pub async fn folder_message_ids(&self, folder_id: &str) -> Result<Vec<String>, GraphError> {
        let url = format!(
            "{}/mailFolders/{}/messages?$select=id&$top={MAX_PAGE}",
            self.base,
            segment(folder_id)
        );
        let all: Vec<GraphMessage> = self.all_pages(url, Priority::Backfill).await?;
        Ok(all.into_iter().map(|m| m.id).collect())
    }

    /// Where a message is and how it is flagged ([`GraphError::NotFound`] when gone).
    pub async fn message_state(&self, id: &str) -> Result<GraphMessage, GraphError> {
        let req = self.get(
            &format!(
                "messages/{}?$select=id,parentFolderId,isRead,flag,conversationId",
                segment(id)
            ),
            Priority::Backfill,
        );
        self.rest.json(&req).await.map_err(|e| not_found(e, id))
    }

    /// The message as RFC 5322 bytes (`$value`). `Interactive` when the user opens it.
    pub async fn mime(&self, id: &str, priority: Priority) -> Result<Vec<u8>, GraphError> {
        let req = self.get(&format!("messages/{}/$value", segment(id)), priority);
        Ok(self.call(&req, id).await?.body)
    }

    async fn patch(
        &self,
        id: &str,
        body: serde_json::Value,
        priority: Priority,
    ) -> Result<(), GraphError> {
        let req = self
            .request(
                Method::PATCH,
                format!("{}/messages/{}", self.base, segment(id)),
                priority,
            )
            .json(&body);
        self.call(&req, id).await.map(drop)
    }

    pub async fn set_read(
        &self,
        id: &str,
        read: bool,
        priority: Priority,
    ) -> Result<(), GraphError> {
        self.patch(id, json!({ "isRead": read }), priority).await
    }

    pub async fn set_flagged(
        &self,
        id: &str,
        flagged: bool,
        priority: Priority,
    ) -> Result<(), GraphError> {
        let status = if flagged { "flagged" } else { "notFlagged" };
        self.patch(id, json!({ "flag": { "flagStatus": status } }), priority)
            .await
    }

    /// Moves a message to a folder (id or well-known name); returns its id there (the
    /// same id, with immutable ids).
    pub async fn move_to(
        &self,
        id: &str,
        destination: &str,
        priority: Priority,
    ) -> Result<String, GraphError> {
        let req = self
            .request(
                Method::POST,
                format!("{}/messages/{}/move", self.base, segment(id)),
                priority,
            )
            .json(&json!({ "destinationId": destination }));
        let moved: GraphMessage = self.rest.json(&req).await.map_err(|e| not_found(e, id))?;
        Ok(moved.id)
    }

    /// Deletes a message (Graph moves it to Deleted Items unless it is already there).
    pub async fn delete(&self, id: &str, priority: Priority) -> Result<(), GraphError> {
        let req = self.request(
            Method::DELETE,
            format!("{}/messages/{}", self.base, segment(id)),
            priority,
        );
        self.call(&req, id).await.map(drop)
    }

    /// A draft in Drafts made from RFC 5322 bytes; returns it (id, internetMessageId).
    pub async fn create_draft(&self, raw: &[u8]) -> Result<GraphMessage, GraphError> {
        let req = self
            .request(
                Method::POST,
                format!("{}/messages", self.base),
                Priority::Interactive,
            )
            .body("text/plain", base64_mime(raw));
        Ok(self.rest.json(&req).await?)
    }

    /// Sends a draft; Graph files it in Sent Items.
    pub async fn send_draft(&self, id: &str) -> Result<(), GraphError> {
        let req = self.request(
            Method::POST,
            format!("{}/messages/{}/send", self.base, segment(id)),
            Priority::Interactive,
        );
        self.call(&req, id).await.map(drop)
    }

    /// Sends RFC 5322 bytes in one call (`sendMail`), filed in Sent Items.
    pub async fn send_mime(&self, raw: &[u8]) -> Result<(), GraphError> {
        let req = self
            .request(
                Method::POST,
                format!("{}/sendMail", self.base),
                Priority::Interactive,
            )
            .body("text/plain", base64_mime(raw));
        self.rest.execute(&req).await?;
        Ok(())
    }

    /// Replies to a message with a comment (Graph writes the quote and the headers).
    pub async fn reply(&self, id: &str, comment: &str) -> Result<(), GraphError> {
        let req = self
            .request(
                Method::POST,
                format!("{}/messages/{}/reply", self.base, segment(id)),
                Priority::Interactive,
            )
            .json(&json!({ "comment": comment }));
        self.call(&req, id).await.map(drop)
    }

    /// Messages in a folder (id or well-known name) whose internetMessageId is
    /// `message_id` (given with or without angle brackets).
    pub async fn find_by_internet_message_id(
        &self,
        folder: &str,
        message_id: &str,
    ) -> Result<Vec<GraphMessage>, GraphError> {
        let bare = message_id.trim_start_matches('<').trim_end_matches('>');
        let filter = format!("internetMessageId eq '<{}>'", bare.replace('\'', "''"));
        let url = format!(
            "{}/mailFolders/{}/messages?$filter={}&$select=id,isDraft,internetMessageId",
            self.base,
            segment(folder),
            query_value(&filter)
        );
        self.all_pages(url, Priority::Interactive).await
    }
}

/// Graph takes MIME as base64 text in a `text/plain` body.
fn base64_mime(raw: &[u8]) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .encode(raw)
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_filters_are_escaped() {
        assert_eq!(segment("AAMkAGI2-_x="), "AAMkAGI2-_x%3D");
        assert_eq!(segment("a/b+c"), "a%2Fb%2Bc");
        assert_eq!(
            query_value("internetMessageId eq '<a+b@x>'"),
            "internetMessageId%20eq%20%27%3Ca%2Bb%40x%3E%27"
        );
    }

    #[test]
    fn delta_entries_are_read() {
        let page: DeltaPage = serde_json::from_str(
            r#"{"value":[
                {"id":"A","isRead":true,"flag":{"flagStatus":"flagged"},
                 "receivedDateTime":"2024-01-01T10:00:00Z","conversationId":"C1"},
                {"id":"B","@removed":{"reason":"deleted"}},
                {"id":"C","flag":{"flagStatus":"complete"}}],
              "@odata.deltaLink":"http://x/delta?$deltatoken=1"}"#,
        )
        .unwrap_or_default();
        assert_eq!(page.value.len(), 3);
        assert!(page.value[0].is_flagged() && !page.value[0].is_removed());
        assert_eq!(page.value[0].received_ms(), Some(1_704_103_200_000));
        assert!(page.value[1].is_removed());
        assert!(
            !page.value[2].is_flagged(),
            "a completed follow-up is not a flag"
        );
        assert!(page.next_link.is_none() && page.delta_link.is_some());
    }
}
