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
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use switchboard_core::ErrorCode;
use switchboard_mail::imap::{fetched_to_new_message, ImapSession};
use switchboard_mail::net::NetError;
use switchboard_mail::{message_for_reading, MessageForReading};
use switchboard_store::{BodyFetchTarget, MessageRow};

/// How long opening a message may wait for its server.
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// Header-only messages of the same thread fetched along with the one opened.
const SIBLINGS_PER_FETCH: i64 = 20;

/// Last connection failure of an account's body downloads; the mutex around it also
/// makes the downloads run one at a time.
type DownloadGate = Arc<tokio::sync::Mutex<Option<(Instant, ApiError)>>>;

/// One gate per workspace and account (several workspaces can be open in one process,
/// as in tests).
fn download_gate(data_dir: &Path, account_id: i64) -> DownloadGate {
    static GATES: LazyLock<std::sync::Mutex<HashMap<(PathBuf, i64), DownloadGate>>> =
        LazyLock::new(Default::default);
    let mut gates = GATES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    gates
        .entry((data_dir.to_path_buf(), account_id))
        .or_default()
        .clone()
}

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
            depth: None,
            parent_id: None,
        })
    }

    /// Downloads the whole message when only its header is stored (older mail), stores
    /// it, and returns the complete view. A message already complete is returned as is.
    /// Offline, this fails with `offline` and the stored header stays as it was.
    ///
    /// Downloads for one account run one at a time and take the thread's other
    /// header-only messages along on the same connection, so opening a long old thread
    /// (the pane asks for every message at once) makes one connection, not one per
    /// message. Callers that waited behind a failed connection get its error at once
    /// instead of each waiting out its own timeout.
    pub async fn fetch_body(&self, message_id: i64) -> ApiResult<MessageView> {
        let missing = || ApiError::not_found(format!("message {message_id} does not exist"));
        let target = self
            .store
            .body_fetch_target(message_id)
            .await?
            .ok_or_else(missing)?;
        if !target.body_complete {
            let asked = Instant::now();
            let gate = download_gate(&self.data_dir, target.account_id);
            let mut last_failure = gate.lock().await;
            if let Some((at, e)) = last_failure.as_ref() {
                if *at >= asked {
                    return Err(e.clone());
                }
            }
            // Whoever held the gate before may have fetched this one with its thread.
            let target = self
                .store
                .body_fetch_target(message_id)
                .await?
                .ok_or_else(missing)?;
            if !target.body_complete {
                match self.download_bodies(&target).await {
                    Ok(()) => *last_failure = None,
                    Err(e) => {
                        if matches!(
                            e.code,
                            ErrorCode::Offline | ErrorCode::AuthExpired | ErrorCode::RateLimited
                        ) {
                            *last_failure = Some((Instant::now(), e.clone()));
                        }
                        return Err(e);
                    }
                }
            }
        }
        let row = self.store.message(message_id).await?.ok_or_else(missing)?;
        self.message_view(row).await
    }

    /// Fetches `target` and the header-only messages of its thread in the same account
    /// over one connection, its own folder first. Only a failure for `target` itself is
    /// an error; its siblings are best effort.
    async fn download_bodies(&self, target: &BodyFetchTarget) -> ApiResult<()> {
        // A Graph message stored header-only: its MIME through the API.
        if let Some(remote) = self
            .store
            .remote_messages(&[target.message_id])
            .await?
            .into_iter()
            .next()
        {
            return crate::oauth_graph::fetch_body(self, &remote).await;
        }
        let uid = target
            .uid
            .and_then(|u| u32::try_from(u).ok())
            .ok_or_else(|| ApiError::not_found("this message has no server copy to fetch"))?;
        let mut batch: Vec<BodyFetchTarget> = self
            .store
            .header_only_in_thread(target.thread_id, target.account_id, SIBLINGS_PER_FETCH)
            .await?
            .into_iter()
            .filter(|t| t.message_id != target.message_id)
            .collect();
        batch.insert(0, target.clone());
        let mut folders: Vec<(i64, Vec<&BodyFetchTarget>)> = Vec::new();
        for t in &batch {
            match folders.iter_mut().find(|(f, _)| *f == t.folder_id) {
                Some((_, list)) => list.push(t),
                None => folders.push((t.folder_id, vec![t])),
            }
        }

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
        let mut outcome = Err(ApiError::not_found(
            "the message is no longer on the server (moved or deleted)",
        ));
        for (i, (_, list)) in folders.iter().enumerate() {
            let is_target_folder = i == 0;
            match self.download_folder(&mut session, list).await {
                Ok(stored) if is_target_folder => {
                    if stored.contains(&target.message_id) {
                        outcome = Ok(());
                    }
                }
                Ok(_) => {}
                Err(e) if is_target_folder => {
                    outcome = Err(e);
                    break;
                }
                Err(e) => {
                    tracing::warn!(folder = %list[0].folder_wire_name, error = %e, "sibling bodies not fetched");
                }
            }
        }
        let _ = session.logout().await;
        tracing::info!(
            message = target.message_id,
            uid,
            ok = outcome.is_ok(),
            "body fetched on open"
        );
        outcome
    }

    /// Fetches the given messages of one folder; returns the ids stored.
    async fn download_folder(
        &self,
        session: &mut ImapSession,
        targets: &[&BodyFetchTarget],
    ) -> ApiResult<Vec<i64>> {
        let Some(first) = targets.first() else {
            return Ok(Vec::new());
        };
        let selected = session
            .select(&first.folder_wire_name, None, true)
            .await
            .map_err(fetch_error)?;
        if first
            .uidvalidity
            .is_some_and(|v| v != i64::from(selected.uidvalidity))
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the folder was rebuilt on the server; sync it again to read this message",
            ));
        }
        let uids: Vec<u32> = targets
            .iter()
            .filter_map(|t| t.uid.and_then(|u| u32::try_from(u).ok()))
            .collect();
        let mut fetched = Vec::with_capacity(uids.len());
        session
            .uid_fetch_messages(&uids, false, |m| fetched.push(m))
            .await
            .map_err(fetch_error)?;
        let mut stored = Vec::with_capacity(fetched.len());
        for m in fetched {
            let Some(t) = targets.iter().find(|t| t.uid == Some(i64::from(m.uid))) else {
                continue;
            };
            let full = fetched_to_new_message(
                m,
                t.account_id,
                t.folder_id,
                selected.uidvalidity,
                self.now_ms(),
            );
            if self.store.replace_message_body(t.message_id, &full).await? {
                stored.push(t.message_id);
            }
        }
        Ok(stored)
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
