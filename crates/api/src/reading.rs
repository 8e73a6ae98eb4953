//! Reading a message: the view the reading pane shows (sanitised HTML with its inline
//! images, remote content per sender, tracking pixels removed, the plain text when there
//! is no HTML, attachments by index), the body of older mail fetched from the server
//! when it is opened, and the per-sender remote content list. Attachments are saved
//! and opened in [`attachments`]; links and files go to the desktop's own applications
//! through [`desktop`].

mod attachments;
mod desktop;

use crate::dto::{Address, AttachmentInfo, MessageView};
use crate::{Api, ApiError, ApiResult};
use std::time::Duration;
use switchboard_core::ErrorCode;
use switchboard_mail::imap::{fetched_to_new_message, ImapSession};
use switchboard_mail::net::NetError;
use switchboard_mail::{message_for_reading, MessageForReading};
use switchboard_store::{BodyFetchTarget, MessageRow};

/// How long opening a message may wait for its server.
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

fn addresses(json: &str) -> Vec<Address> {
    serde_json::from_str::<Vec<serde_json::Value>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| {
            Some(Address {
                name: v.get("name").and_then(|n| n.as_str()).map(str::to_owned),
                email: v.get("email")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// A network failure while fetching a body. An account that synced before and now
/// cannot resolve its host is offline, not misconfigured.
fn fetch_error(e: NetError) -> ApiError {
    let code = match &e {
        NetError::HostNotFound { .. } => ErrorCode::Offline,
        other => other.code(),
    };
    ApiError::new(code, e.to_string())
}

impl Api {
    /// One message as the reading pane shows it. Header-only messages come back with
    /// `body_complete: false` and no body; `fetch_body` completes them.
    pub(crate) async fn message_view(&self, row: MessageRow) -> ApiResult<MessageView> {
        let body_complete = self.store.body_complete(row.id).await?.unwrap_or(true);
        let remote_allowed = match row.from_email.as_deref() {
            Some(email) => self.store.remote_content_allowed(email).await?,
            None => false,
        };
        let reading = if body_complete {
            let raw = self.store.message_raw(row.id).await?.unwrap_or_default();
            // Parsing and inlining images of a large message is CPU work.
            tokio::task::spawn_blocking(move || message_for_reading(&raw, remote_allowed))
                .await
                .map_err(internal)?
        } else {
            MessageForReading::default()
        };
        let (html, blocked_remote, trackers_removed) = match reading.html {
            Some(h) => (
                Some(h.html),
                h.blocked_remote as i64,
                h.trackers_removed as i64,
            ),
            None => (None, 0, 0),
        };
        Ok(MessageView {
            id: row.id,
            message_id: row.message_id,
            subject: row.subject,
            from: row.from_email.clone().map(|email| Address {
                name: row.from_name.clone(),
                email,
            }),
            to: addresses(&row.to_json),
            cc: addresses(&row.cc_json),
            date: row.date,
            unread: !row.seen,
            flagged: row.flagged,
            html,
            blocked_remote,
            trackers_removed,
            remote_allowed,
            body_complete,
            text: reading.text,
            attachments: reading
                .attachments
                .into_iter()
                .map(|a| AttachmentInfo {
                    index: a.index as i64,
                    name: a.name,
                    mime_type: a.mime_type,
                    size: a.size as i64,
                    inline: a.inline,
                })
                .collect(),
            parse_error: row.parse_error,
        })
    }

    /// Downloads the whole message when only its header is stored (older mail), stores
    /// it, and returns the complete view. A message already complete is returned as is.
    /// Offline, this fails with `offline` and the stored header stays as it was.
    pub async fn fetch_body(&self, message_id: i64) -> ApiResult<MessageView> {
        let missing = || ApiError::not_found(format!("message {message_id} does not exist"));
        let target = self
            .store
            .body_fetch_target(message_id)
            .await?
            .ok_or_else(missing)?;
        if !target.body_complete {
            self.download_body(&target).await?;
        }
        let row = self.store.message(message_id).await?.ok_or_else(missing)?;
        self.message_view(row).await
    }

    async fn download_body(&self, target: &BodyFetchTarget) -> ApiResult<()> {
        let uid = target
            .uid
            .and_then(|u| u32::try_from(u).ok())
            .ok_or_else(|| ApiError::not_found("this message has no server copy to fetch"))?;
        let (row, config) = self
            .imap_accounts(None)
            .await?
            .into_iter()
            .find(|(row, _)| row.id == target.account_id)
            .ok_or_else(|| {
                ApiError::not_found("the message's account is not an IMAP account any more")
            })?;
        let password = self.account_password(&row).await?;
        let mut session =
            ImapSession::connect(&config.imap, &config.user, password.expose(), FETCH_TIMEOUT)
                .await
                .map_err(fetch_error)?;
        let selected = session
            .select(&target.folder_wire_name, None, true)
            .await
            .map_err(fetch_error)?;
        if target
            .uidvalidity
            .is_some_and(|v| v != i64::from(selected.uidvalidity))
        {
            let _ = session.logout().await;
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the folder was rebuilt on the server; sync it again to read this message",
            ));
        }
        let mut fetched = None;
        session
            .uid_fetch_messages(&[uid], false, |m| {
                if m.uid == uid {
                    fetched = Some(m);
                }
            })
            .await
            .map_err(fetch_error)?;
        let _ = session.logout().await;
        let fetched = fetched.ok_or_else(|| {
            ApiError::not_found("the message is no longer on the server (moved or deleted)")
        })?;
        let full = fetched_to_new_message(
            fetched,
            target.account_id,
            target.folder_id,
            selected.uidvalidity,
            self.now_ms(),
        );
        if !self
            .store
            .replace_message_body(target.message_id, &full)
            .await?
        {
            return Err(ApiError::not_found(
                "the message was deleted while its body was downloading",
            ));
        }
        tracing::info!(
            message = target.message_id,
            bytes = full.raw.len(),
            "body fetched on open"
        );
        Ok(())
    }

    /// Shows remote content (images) from this sender from now on.
    pub async fn allow_remote_content(&self, email: &str) -> ApiResult<()> {
        let email = checked_email(email)?;
        self.store
            .allow_remote_content(&email, self.now_ms())
            .await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                "remote_content.allow",
                None,
                &serde_json::json!({ "email": email }),
            )
            .await?;
        Ok(())
    }

    /// Blocks this sender's remote content again.
    pub async fn forget_remote_content(&self, email: &str) -> ApiResult<()> {
        let email = checked_email(email)?;
        if self.store.forget_remote_content(&email).await? {
            self.store
                .audit(
                    self.now_ms(),
                    "user",
                    "remote_content.forget",
                    None,
                    &serde_json::json!({ "email": email }),
                )
                .await?;
        }
        Ok(())
    }
}

fn checked_email(email: &str) -> ApiResult<String> {
    let e = email.trim().to_lowercase();
    if e.contains('@') && !e.contains(char::is_whitespace) {
        Ok(e)
    } else {
        Err(ApiError::invalid(format!(
            "{email:?} is not an email address"
        )))
    }
}
