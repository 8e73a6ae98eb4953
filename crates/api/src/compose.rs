//! Writing and sending mail: new / reply / reply-all / forward drafts, local drafts,
//! queuing a send with an undo window, undo, the outbox list and retry.
//!
//! Everything here is local and returns at once: a draft is saved in the database and a
//! send is queued there; the server work (Drafts uploads, SMTP, the Sent copy) happens
//! in [`Api::run_outbox_once`] (see [`runner`]), which the app runs in the background.
//! Addresses are checked here so the person gets a clear `invalid_input` naming the
//! field, before anything is queued.

mod runner;

use crate::dto::{
    Address, ApiError, DraftFile, DraftInlineImage, DraftInput, DraftView, OutboxItemView,
    QueuedSendView,
};
use crate::{Api, ApiResult};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use switchboard_core::ErrorCode;
use switchboard_mail::compose::{
    forward, is_valid_address, reply, AttachmentFile, ComposeError, Draft, Identity, InlineImage,
    Mailbox,
};
use switchboard_mail::imap::ImapAccountConfig;
use switchboard_store::{AccountConfigRow, DraftRow};
use switchboard_sync::outbox::{Outbox, OutboxError, UNDO_SECS};

/// The setting that holds the undo window, in seconds.
pub const UNDO_SEND_KEY: &str = "mail.undo_send_secs";
pub const DEFAULT_UNDO_SECS: u32 = 10;
/// Attachments and inline images together, decoded. Most providers refuse larger
/// messages (and base64 adds a third on the wire).
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;
/// How many outbox rows the Sync health view lists.
const OUTBOX_LIST_LIMIT: i64 = 100;

impl From<OutboxError> for ApiError {
    fn from(e: OutboxError) -> Self {
        match e {
            OutboxError::Store(s) => s.into(),
            OutboxError::Remote(n) => crate::accounts::net_error(n),
            other => {
                let code = other.code();
                if code == ErrorCode::Internal {
                    tracing::error!(error = %other, "outbox error");
                }
                ApiError::new(code, other.to_string())
            }
        }
    }
}

impl From<ComposeError> for ApiError {
    fn from(e: ComposeError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

fn to_mailbox(a: &Address) -> Mailbox {
    Mailbox {
        name: a
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        email: a.email.trim().to_owned(),
    }
}

fn to_address(m: &Mailbox) -> Address {
    Address {
        name: m.name.clone(),
        email: m.email.clone(),
    }
}

fn decode(what: &str, name: &str, data: &str) -> ApiResult<Vec<u8>> {
    BASE64
        .decode(data.trim().as_bytes())
        .map_err(|e| ApiError::invalid(format!("the {what} {name:?} could not be read: {e}")))
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// The form as a [`Draft`] from `from`: files decoded and held to
/// [`MAX_ATTACHMENT_BYTES`]. Addresses are not checked here (a draft may hold
/// half-typed ones); [`check_sendable`] does that before a send.
fn draft_from_input(input: &DraftInput, from: Mailbox) -> ApiResult<Draft> {
    let mut total = 0usize;
    let mut attachments = Vec::with_capacity(input.attachments.len());
    for f in &input.attachments {
        let data = decode("attachment", &f.name, &f.data_base64)?;
        total += data.len();
        attachments.push(AttachmentFile {
            name: f.name.clone(),
            mime_type: f.mime_type.clone(),
            data,
        });
    }
    let mut inline_images = Vec::with_capacity(input.inline_images.len());
    for i in &input.inline_images {
        let data = decode("inline image", &i.content_id, &i.data_base64)?;
        total += data.len();
        inline_images.push(InlineImage {
            content_id: i.content_id.trim_matches(['<', '>']).to_owned(),
            mime_type: i.mime_type.clone(),
            data,
        });
    }
    if total > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::invalid(format!(
            "the attachments come to {}; the limit is {} per message (share large files by link instead)",
            megabytes(total),
            megabytes(MAX_ATTACHMENT_BYTES)
        )));
    }
    let list = |l: &[Address]| {
        l.iter()
            .filter(|a| !a.email.trim().is_empty())
            .map(to_mailbox)
            .collect()
    };
    let html = input.html.clone().filter(|h| !h.trim().is_empty());
    Ok(Draft {
        from,
        to: list(&input.to),
        cc: list(&input.cc),
        bcc: list(&input.bcc),
        subject: input.subject.clone(),
        // With HTML the plain alternative is derived from it at send time, so it can
        // never disagree with what the person wrote.
        text: if html.is_some() {
            String::new()
        } else {
            input.text.clone()
        },
        html,
        attachments,
        inline_images,
        in_reply_to: input
            .in_reply_to
            .as_deref()
            .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
            .filter(|id| !id.is_empty()),
        references: input
            .references
            .iter()
            .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
            .filter(|id| !id.is_empty())
            .collect(),
        calendar: None,
    })
}

/// Every address valid and someone to send to, each problem named by its field.
fn check_sendable(draft: &Draft) -> ApiResult<()> {
    for (field, list) in [("To", &draft.to), ("Cc", &draft.cc), ("Bcc", &draft.bcc)] {
        if let Some(bad) = list.iter().find(|m| !is_valid_address(&m.email)) {
            return Err(ApiError::invalid(format!(
                "{field}: {:?} is not a valid email address (expected name@example.com)",
                bad.email
            )));
        }
    }
    if draft.to.is_empty() && draft.cc.is_empty() && draft.bcc.is_empty() {
        return Err(ComposeError::NoRecipients.into());
    }
    Ok(())
}

fn draft_view(draft: &Draft, account_id: i64, row: Option<&DraftRow>) -> DraftView {
    let list = |l: &[Mailbox]| l.iter().map(to_address).collect();
    DraftView {
        draft_id: row.map(|r| r.id),
        account_id,
        from: to_address(&draft.from),
        to: list(&draft.to),
        cc: list(&draft.cc),
        bcc: list(&draft.bcc),
        subject: draft.subject.clone(),
        text: draft.text.clone(),
        html: draft.html.clone(),
        attachments: draft
            .attachments
            .iter()
            .map(|a| DraftFile {
                name: a.name.clone(),
                mime_type: a.mime_type.clone(),
                data_base64: BASE64.encode(&a.data),
            })
            .collect(),
        inline_images: draft
            .inline_images
            .iter()
            .map(|i| DraftInlineImage {
                content_id: i.content_id.clone(),
                mime_type: i.mime_type.clone(),
                data_base64: BASE64.encode(&i.data),
            })
            .collect(),
        in_reply_to: draft.in_reply_to.clone(),
        references: draft.references.clone(),
        saved_at: row.map(|r| r.updated_at),
        remote_error: row.and_then(|r| r.remote_error.clone()),
    }
}

fn parse_draft(json: &str) -> ApiResult<Draft> {
    serde_json::from_str(json).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("a saved draft could not be read: {e}"),
        )
    })
}

/// What a sending account is configured as: IMAP/SMTP, or a provider API.
#[derive(Debug, Clone)]
pub(crate) enum SendingConfig {
    Imap(ImapAccountConfig),
    Api(crate::oauth_accounts::ApiAccountConfig),
}

impl SendingConfig {
    pub(crate) fn email(&self) -> &str {
        match self {
            SendingConfig::Imap(c) => &c.email,
            SendingConfig::Api(c) => &c.email,
        }
    }
}

fn identity(config: &SendingConfig) -> Identity {
    Identity::from(Mailbox::new(config.email().trim()))
}

impl Api {
    pub(crate) fn outbox(&self) -> Outbox {
        Outbox::new(self.store.clone(), self.clock.clone(), fastrand::Rng::new())
    }

    /// Every account that can send: IMAP/SMTP, Gmail and Graph, oldest first.
    pub(crate) async fn sending_accounts(
        &self,
    ) -> ApiResult<Vec<(AccountConfigRow, SendingConfig)>> {
        let mut out: Vec<(AccountConfigRow, SendingConfig)> = self
            .imap_accounts(None)
            .await?
            .into_iter()
            .map(|(r, c)| (r, SendingConfig::Imap(c)))
            .collect();
        out.extend(
            self.api_accounts(None)
                .await?
                .into_iter()
                .map(|(r, c)| (r, SendingConfig::Api(c))),
        );
        out.sort_by_key(|(r, _)| r.id);
        Ok(out)
    }

    /// The sending account with this id.
    pub(crate) async fn sending_account(
        &self,
        account_id: i64,
    ) -> ApiResult<(AccountConfigRow, SendingConfig)> {
        self.sending_accounts()
            .await?
            .into_iter()
            .find(|(row, _)| row.id == account_id)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "account {account_id} cannot send mail: add an IMAP/SMTP, Gmail or Outlook account in Settings"
                ))
            })
    }

    /// `preferred` if it can send, else the first account that can.
    async fn sending_account_or_first(
        &self,
        preferred: Option<i64>,
    ) -> ApiResult<(AccountConfigRow, SendingConfig)> {
        let mut accounts = self.sending_accounts().await?;
        if let Some(i) = preferred.and_then(|id| accounts.iter().position(|(r, _)| r.id == id)) {
            return Ok(accounts.swap_remove(i));
        }
        accounts.into_iter().next().ok_or_else(|| {
            ApiError::invalid(
                "no account can send mail yet: add an IMAP/SMTP, Gmail or Outlook account in Settings first",
            )
        })
    }

    /// An empty message from the account (or the first account that can send).
    pub async fn compose_new(&self, account_id: Option<i64>) -> ApiResult<DraftView> {
        let (row, config) = self.sending_account_or_first(account_id).await?;
        let draft = Draft::new(identity(&config).mailbox);
        Ok(draft_view(&draft, row.id, None))
    }

    /// The original stored message's raw bytes and the account to answer it from: its
    /// own when that can send, else the first that can.
    async fn original(
        &self,
        message_id: i64,
    ) -> ApiResult<(Vec<u8>, AccountConfigRow, SendingConfig)> {
        let message =
            self.store.message(message_id).await?.ok_or_else(|| {
                ApiError::not_found(format!("message {message_id} does not exist"))
            })?;
        let raw = self
            .store
            .message_raw(message_id)
            .await?
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "message {message_id} has not been downloaded yet; open it once, then reply"
                ))
            })?;
        let (row, config) = self
            .sending_account_or_first(Some(message.account_id))
            .await?;
        Ok((raw, row, config))
    }

    /// A reply (or reply-all) to a stored message, quoted and threaded; not saved yet.
    pub async fn compose_reply(&self, message_id: i64, all: bool) -> ApiResult<DraftView> {
        let (raw, row, config) = self.original(message_id).await?;
        let draft = reply(&raw, &identity(&config), all)?;
        Ok(draft_view(&draft, row.id, None))
    }

    /// A stored message forwarded with its attachments; not saved yet.
    pub async fn compose_forward(&self, message_id: i64) -> ApiResult<DraftView> {
        let (raw, row, config) = self.original(message_id).await?;
        let draft = forward(&raw, &identity(&config))?;
        Ok(draft_view(&draft, row.id, None))
    }

    /// Saves the draft here at once (a new one, or the next revision of `draft_id`). The
    /// copy in the server's Drafts folder follows on the next outbox run.
    pub async fn save_draft(&self, input: DraftInput) -> ApiResult<DraftView> {
        let (row, config) = self.sending_account(input.account_id).await?;
        let draft = draft_from_input(&input, identity(&config).mailbox)?;
        let mut draft_id = input.draft_id;
        if let Some(id) = draft_id {
            // Moved to another account: it is a new draft there, and the old one goes
            // (with its Drafts copy).
            if let Some(existing) = self.store.draft(id).await? {
                if existing.account_id != row.id {
                    self.discard_draft(id).await?;
                    draft_id = None;
                }
            }
        }
        let saved = self
            .outbox()
            .save_draft_locally(row.id, draft_id, &draft)
            .await?;
        Ok(draft_view(&draft, row.id, Some(&saved)))
    }

    /// Deletes a draft here at once; its copy in Drafts is removed on the next outbox run.
    pub async fn discard_draft(&self, draft_id: i64) -> ApiResult<()> {
        let row = self
            .store
            .delete_local_draft(draft_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("draft {draft_id} does not exist")))?;
        if let Some(uid) = row.remote_uid {
            runner::queue_remote_draft_delete(&self.store, row.account_id, uid).await?;
        }
        Ok(())
    }

    /// Queues the message to go when its undo window ends (`undo_secs`, else the
    /// setting; held to 5–30 s). Its draft, if saved, leaves the drafts list now.
    pub async fn send(
        &self,
        input: DraftInput,
        undo_secs: Option<u32>,
    ) -> ApiResult<QueuedSendView> {
        let (row, config) = self.sending_account(input.account_id).await?;
        let draft = draft_from_input(&input, identity(&config).mailbox)?;
        check_sendable(&draft)?;
        let undo = match undo_secs {
            Some(s) => s,
            None => self.undo_send_secs().await?,
        };
        let queued = self
            .outbox()
            .queue_send(row.id, &draft, input.draft_id, undo)
            .await?;
        tracing::info!(
            outbox_id = queued.outbox_id,
            send_after = queued.send_after,
            "message queued"
        );
        Ok(QueuedSendView {
            outbox_id: queued.outbox_id,
            message_id: queued.message_id,
            send_after: queued.send_after,
        })
    }

    /// Undo: the message comes back as a saved draft while its window is open. Once a
    /// runner has started on it, this is a `conflict` saying it is too late.
    pub async fn cancel_send(&self, outbox_id: i64) -> ApiResult<DraftView> {
        let cancelled = self.outbox().cancel_send(outbox_id).await?;
        let row = self.store.draft(cancelled.draft_id).await?;
        let account_id = row.as_ref().map(|r| r.account_id).unwrap_or_default();
        Ok(draft_view(&cancelled.draft, account_id, row.as_ref()))
    }

    /// Sends a failed message again; `resend` only for one that may already have gone.
    pub async fn retry_send(&self, outbox_id: i64, resend: bool) -> ApiResult<()> {
        self.outbox().retry(outbox_id, resend).await?;
        Ok(())
    }

    /// The outbox, newest first, with each message's state and last error.
    pub async fn list_outbox(&self) -> ApiResult<Vec<OutboxItemView>> {
        let rows = self.store.outbox_items(None, OUTBOX_LIST_LIMIT).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let subject = self
                .store
                .outbox_draft_json(row.id)
                .await?
                .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
                .and_then(|v| v.get("subject")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.push(OutboxItemView {
                id: row.id,
                account_id: row.account_id,
                message_id: row.message_id,
                subject,
                recipients: row.recipients,
                state: row.state.as_str().to_owned(),
                attempts: row.attempts,
                last_error: row.last_error,
                send_after: row.send_after,
                sent_at: row.sent_at,
                updated_at: row.updated_at,
            });
        }
        Ok(out)
    }

    /// The undo window in seconds (default 10).
    pub async fn undo_send_secs(&self) -> ApiResult<u32> {
        Ok(self
            .store
            .setting(UNDO_SEND_KEY)
            .await?
            .and_then(|v| v.trim().parse::<u32>().ok())
            .map(clamp_undo)
            .unwrap_or(DEFAULT_UNDO_SECS))
    }

    /// Sets the undo window, held to 5–30 s; returns the value kept.
    pub async fn set_undo_send_secs(&self, secs: u32) -> ApiResult<u32> {
        let secs = clamp_undo(secs);
        self.store
            .set_setting(UNDO_SEND_KEY, &secs.to_string())
            .await?;
        Ok(secs)
    }

    /// Call once at start-up before the first outbox run: sends a crashed process left
    /// half-way resume now instead of when their leases run out.
    pub async fn recover_outbox(&self) -> ApiResult<u64> {
        Ok(self.outbox().recover_after_restart().await?)
    }

    /// A saved draft, to reopen it.
    pub async fn get_draft(&self, draft_id: i64) -> ApiResult<DraftView> {
        let row = self
            .store
            .draft(draft_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("draft {draft_id} does not exist")))?;
        let draft = parse_draft(&row.compose_json)?;
        Ok(draft_view(&draft, row.account_id, Some(&row)))
    }
}

fn clamp_undo(secs: u32) -> u32 {
    secs.clamp(*UNDO_SECS.start(), *UNDO_SECS.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DraftInput {
        DraftInput {
            account_id: 1,
            to: vec![Address {
                name: Some(" Dana ".into()),
                email: " dana@acme.test ".into(),
            }],
            subject: "Hi".into(),
            text: "stale plain text".into(),
            ..DraftInput::default()
        }
    }

    #[test]
    fn html_bodies_derive_their_plain_text_and_ids_lose_their_brackets() {
        let mut i = input();
        i.html = Some("<p>Hello</p>".into());
        i.in_reply_to = Some("<a@x.test>".into());
        i.references = vec!["<r@x.test>".into(), " ".into()];
        let d = draft_from_input(&i, Mailbox::new("me@x.test")).unwrap();
        assert_eq!(d.text, "");
        assert_eq!(d.in_reply_to.as_deref(), Some("a@x.test"));
        assert_eq!(d.references, ["r@x.test"]);
        assert_eq!(d.to, [Mailbox::named("Dana", "dana@acme.test")]);
        let plain = draft_from_input(&input(), Mailbox::new("me@x.test")).unwrap();
        assert_eq!(plain.text, "stale plain text");
    }

    #[test]
    fn each_bad_address_is_named_with_its_field() {
        let cases: [(&str, &str, Option<&str>); 4] = [
            ("to", "dana@acme.test", None),
            ("cc", "bob@", Some("Cc: \"bob@\"")),
            ("bcc", "a b@c.test", Some("Bcc: \"a b@c.test\"")),
            ("none", "", Some("no recipients")),
        ];
        for (field, email, want) in cases {
            let mut i = input();
            let a = Address {
                name: None,
                email: email.into(),
            };
            match field {
                "cc" => i.cc.push(a),
                "bcc" => i.bcc.push(a),
                "none" => i.to.clear(),
                _ => {}
            }
            let d = draft_from_input(&i, Mailbox::new("me@x.test")).unwrap();
            match (check_sendable(&d), want) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => {
                    assert_eq!(e.code, ErrorCode::InvalidInput);
                    assert!(e.message.contains(w), "{field}: {}", e.message);
                }
                (got, want) => panic!("{field}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn attachments_are_decoded_and_held_to_the_limit() {
        let mut i = input();
        i.attachments.push(DraftFile {
            name: "a.txt".into(),
            mime_type: "text/plain".into(),
            data_base64: BASE64.encode(b"hello"),
        });
        let d = draft_from_input(&i, Mailbox::new("me@x.test")).unwrap();
        assert_eq!(d.attachments[0].data, b"hello");

        i.attachments[0].data_base64 = "not base64!".into();
        let e = draft_from_input(&i, Mailbox::new("me@x.test")).unwrap_err();
        assert!(e.message.contains("\"a.txt\""), "{}", e.message);

        i.attachments[0].data_base64 = BASE64.encode(vec![0u8; MAX_ATTACHMENT_BYTES + 1]);
        let e = draft_from_input(&i, Mailbox::new("me@x.test")).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("25.0 MB"), "{}", e.message);
    }

    #[test]
    fn the_undo_window_is_held_to_five_to_thirty_seconds() {
        for (given, kept) in [(0, 5), (5, 5), (12, 12), (30, 30), (600, 30)] {
            assert_eq!(clamp_undo(given), kept);
        }
    }
}
