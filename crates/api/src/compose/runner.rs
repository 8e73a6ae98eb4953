//! One pass of the outbox for an account: remove discarded drafts from Drafts, upload
//! drafts that changed, then send what is due (SMTP, then the copy in Sent).
//!
//! The pass connects only when there is something to do, so a scheduler can call
//! [`Api::outbox_due_at`] and [`Api::run_outbox_once`] as often as it likes. An account
//! without a Sent (or Drafts) folder still sends: the copy is skipped, a warning is
//! logged and the pass's result says so.

use crate::dto::OutboxRunView;
use crate::{Api, ApiResult};
use std::time::Duration;
use switchboard_mail::compose::RemoteMailbox;
use switchboard_mail::imap::{ImapMailbox, ImapSession};
use switchboard_mail::net::NetError;
use switchboard_store::{FolderRow, Store};
use switchboard_sync::outbox::{SendAccount, SmtpTransport};

const IMAP_TIMEOUT: Duration = Duration::from_secs(30);
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Drafts discarded here whose copy in Drafts is still to be removed: a JSON list of
/// `[account_id, uid]` in the settings table, so a discard works offline and survives a
/// restart.
const PENDING_DELETES_KEY: &str = "outbox.pending_draft_deletes";

/// Discards and runner passes read-modify-write the same setting.
static PENDING_DELETES_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn pending_deletes(store: &Store) -> ApiResult<Vec<(i64, u32)>> {
    Ok(store
        .setting(PENDING_DELETES_KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

async fn write_pending_deletes(store: &Store, list: &[(i64, u32)]) -> ApiResult<()> {
    let json = serde_json::to_string(list).map_err(|e| {
        crate::dto::ApiError::new(switchboard_core::ErrorCode::Internal, e.to_string())
    })?;
    store.set_setting(PENDING_DELETES_KEY, &json).await?;
    Ok(())
}

pub(super) async fn queue_remote_draft_delete(
    store: &Store,
    account_id: i64,
    uid: u32,
) -> ApiResult<()> {
    let _guard = PENDING_DELETES_LOCK.lock().await;
    let mut list = pending_deletes(store).await?;
    if !list.contains(&(account_id, uid)) {
        list.push((account_id, uid));
    }
    write_pending_deletes(store, &list).await
}

async fn forget_remote_draft_deletes(store: &Store, done: &[(i64, u32)]) -> ApiResult<()> {
    if done.is_empty() {
        return Ok(());
    }
    let _guard = PENDING_DELETES_LOCK.lock().await;
    let mut list = pending_deletes(store).await?;
    list.retain(|d| !done.contains(d));
    write_pending_deletes(store, &list).await
}

/// The folder's name on the wire for the first folder with `role`.
fn wire_name_for(folders: &[FolderRow], role: &str) -> Option<String> {
    folders
        .iter()
        .find(|f| f.role.as_deref() == Some(role))
        .map(|f| f.wire_name.clone().unwrap_or_else(|| f.name.clone()))
}

/// The account's IMAP mailbox, minus the folders it does not have: without Sent the
/// copy is skipped (and counted), without Drafts drafts stay local only.
struct AccountMailbox {
    imap: ImapMailbox,
    has_sent: bool,
    has_drafts: bool,
    skipped_sent: u32,
    skipped_drafts: u32,
}

impl RemoteMailbox for AccountMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        if !self.has_sent {
            return Ok(false);
        }
        self.imap.sent_contains(message_id).await
    }

    async fn append_sent(&mut self, raw: &[u8]) -> Result<(), NetError> {
        if !self.has_sent {
            self.skipped_sent += 1;
            return Ok(());
        }
        self.imap.append_sent(raw).await
    }

    async fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> Result<Option<u32>, NetError> {
        if !self.has_drafts {
            self.skipped_drafts += 1;
            return Ok(None);
        }
        self.imap.save_draft(raw, replaces).await
    }

    async fn delete_draft(&mut self, uid: u32) -> Result<(), NetError> {
        if !self.has_drafts {
            return Ok(());
        }
        self.imap.delete_draft(uid).await
    }
}

impl Api {
    /// The outbox of a Gmail or Graph account: discarded drafts leave the provider's
    /// Drafts, changed drafts are uploaded through its drafts API, and due messages are
    /// sent through the provider, which files them in Sent itself.
    async fn run_api_outbox_once(
        &self,
        row: &switchboard_store::AccountConfigRow,
        config: &crate::oauth_accounts::ApiAccountConfig,
    ) -> ApiResult<OutboxRunView> {
        let view = OutboxRunView {
            account_id: row.id,
            ..OutboxRunView::default()
        };
        let deletes: Vec<(i64, u32)> = pending_deletes(&self.store)
            .await?
            .into_iter()
            .filter(|(a, _)| *a == row.id)
            .collect();
        let uploads = !self.store.drafts_to_upload(row.id).await?.is_empty();
        let due = self
            .store
            .next_outbox_due(row.id)
            .await?
            .is_some_and(|at| at <= self.now_ms());
        if deletes.is_empty() && !uploads && !due {
            return Ok(view);
        }
        if row.kind == crate::oauth_accounts::GMAIL {
            let client = self.gmail_client(row, config)?;
            let mut transport = switchboard_sync::gmail_send::GmailTransport::new(client.clone());
            let mut mailbox = switchboard_sync::gmail_send::GmailMailbox::with_drafts(
                client,
                self.store.clone(),
                row.id,
            );
            self.api_outbox_pass(view, deletes, due, &mut transport, &mut mailbox)
                .await
        } else {
            let client = self.graph_client(row, config)?;
            let mut transport = switchboard_sync::graph_send::GraphTransport::new(client.clone());
            let mut mailbox = switchboard_sync::graph_send::GraphMailbox::with_drafts(
                client,
                self.store.clone(),
                row.id,
            );
            self.api_outbox_pass(view, deletes, due, &mut transport, &mut mailbox)
                .await
        }
    }

    async fn api_outbox_pass<T, M>(
        &self,
        mut view: OutboxRunView,
        deletes: Vec<(i64, u32)>,
        sends_due: bool,
        transport: &mut T,
        mailbox: &mut M,
    ) -> ApiResult<OutboxRunView>
    where
        T: switchboard_sync::outbox::MailTransport,
        M: RemoteMailbox,
    {
        let account_id = view.account_id;
        let mut removed = Vec::new();
        for (account, key) in deletes {
            match mailbox.delete_draft(key).await {
                Ok(()) => removed.push((account, key)),
                Err(e) => {
                    view.warnings.push(format!(
                        "A discarded draft is still in Drafts (will try again): {e}"
                    ));
                    break;
                }
            }
        }
        view.drafts_deleted = removed.len() as u32;
        forget_remote_draft_deletes(&self.store, &removed).await?;
        let outbox = self.outbox();
        match outbox.upload_drafts(account_id, mailbox).await {
            Ok(n) => view.drafts_uploaded = n as u32,
            Err(e) => view.warnings.push(format!(
                "A draft could not be saved to the server's Drafts (kept here, will try again): {e}"
            )),
        }
        if sends_due {
            let account = SendAccount {
                account_id,
                provider_saves_sent: true,
            };
            let report = outbox.run_due(&account, transport, mailbox).await?;
            view.sent = report.sent;
            view.deferred = report.deferred as u32;
            view.failed = report.failed as u32;
        }
        Ok(view)
    }

    /// The accounts the outbox runs for (those that can send).
    pub async fn outbox_accounts(&self) -> ApiResult<Vec<i64>> {
        Ok(self
            .sending_accounts()
            .await?
            .into_iter()
            .map(|(row, _)| row.id)
            .collect())
    }

    /// When the account's outbox next has work (ms): now for a draft to upload or
    /// remove, else the next send's time (an undo window ending, a retry, a lease
    /// running out); None when there is nothing.
    pub async fn outbox_due_at(&self, account_id: i64) -> ApiResult<Option<i64>> {
        let now = self.now_ms();
        let deletes = pending_deletes(&self.store).await?;
        if deletes.iter().any(|(a, _)| *a == account_id)
            || !self.store.drafts_to_upload(account_id).await?.is_empty()
        {
            return Ok(Some(now));
        }
        Ok(self.store.next_outbox_due(account_id).await?)
    }

    /// One outbox pass for the account: discarded drafts leave Drafts, changed drafts
    /// are uploaded, due messages are sent and filed in Sent. Connects only when there
    /// is work. A failed draft upload is a warning in the result (the draft is kept and
    /// tried again); a send that fails is recorded on its outbox row (retried with
    /// backoff, or stopped for the user), never an error of the pass.
    pub async fn run_outbox_once(&self, account_id: i64) -> ApiResult<OutboxRunView> {
        let (row, config) = match self.sending_account(account_id).await? {
            (row, crate::compose::SendingConfig::Imap(config)) => (row, config),
            (row, crate::compose::SendingConfig::Api(config)) => {
                return self.run_api_outbox_once(&row, &config).await;
            }
        };
        let mut view = OutboxRunView {
            account_id,
            ..OutboxRunView::default()
        };
        let now = self.now_ms();
        let deletes: Vec<(i64, u32)> = pending_deletes(&self.store)
            .await?
            .into_iter()
            .filter(|(a, _)| *a == account_id)
            .collect();
        let uploads = self.store.drafts_to_upload(account_id).await?;
        let sends_due = self
            .store
            .next_outbox_due(account_id)
            .await?
            .is_some_and(|at| at <= now);
        if deletes.is_empty() && uploads.is_empty() && !sends_due {
            return Ok(view);
        }

        let login = self.imap_login(&row).await?;
        let folders = self.store.folders(Some(account_id)).await?;
        let sent = wire_name_for(&folders, "sent");
        let drafts = wire_name_for(&folders, "drafts");
        let session = match &login {
            crate::imap_oauth::LoginSource::Password(password) => {
                ImapSession::connect(&config.imap, &config.user, password.expose(), IMAP_TIMEOUT)
                    .await
            }
            crate::imap_oauth::LoginSource::OAuth(_) => {
                switchboard_sync::imap::connect_with(&config, login.login()).await
            }
        }
        .map_err(crate::accounts::net_error)?;
        let mut mailbox = AccountMailbox {
            imap: ImapMailbox::new(
                session,
                sent.clone().unwrap_or_default(),
                drafts.clone().unwrap_or_default(),
            ),
            has_sent: sent.is_some(),
            has_drafts: drafts.is_some(),
            skipped_sent: 0,
            skipped_drafts: 0,
        };

        let mut removed = Vec::new();
        for (account, uid) in deletes {
            match mailbox.delete_draft(uid).await {
                Ok(()) => removed.push((account, uid)),
                // Gone already, or refused: nothing more to try.
                Err(e) if !e.is_retryable() => {
                    tracing::warn!(
                        account_id,
                        uid,
                        "discarded draft not removed from Drafts: {e}"
                    );
                    view.warnings.push(format!(
                        "A discarded draft could not be removed from Drafts: {e}"
                    ));
                    removed.push((account, uid));
                }
                Err(e) => {
                    view.warnings.push(format!(
                        "A discarded draft is still in Drafts (will try again): {e}"
                    ));
                    break;
                }
            }
        }
        view.drafts_deleted = removed.len() as u32;
        forget_remote_draft_deletes(&self.store, &removed).await?;

        let outbox = self.outbox();
        if !uploads.is_empty() {
            match outbox.upload_drafts(account_id, &mut mailbox).await {
                Ok(n) => view.drafts_uploaded = n as u32,
                Err(e) => {
                    tracing::warn!(account_id, "draft upload failed: {e}");
                    view.warnings.push(format!(
                        "A draft could not be saved to the server's Drafts folder (kept here, will try again): {e}"
                    ));
                }
            }
        }

        if sends_due {
            let mut smtp = match login {
                crate::imap_oauth::LoginSource::Password(password) => SmtpTransport::new(
                    config.smtp.clone(),
                    config.user.clone(),
                    password,
                    SMTP_TIMEOUT,
                ),
                crate::imap_oauth::LoginSource::OAuth(tokens) => SmtpTransport::with_oauth(
                    config.smtp.clone(),
                    config.user.clone(),
                    tokens,
                    SMTP_TIMEOUT,
                ),
            };
            let account = SendAccount::from_settings(account_id, &row.settings_json);
            let report = outbox.run_due(&account, &mut smtp, &mut mailbox).await?;
            view.sent = report.sent;
            view.deferred = report.deferred as u32;
            view.failed = report.failed as u32;
        }

        if mailbox.skipped_sent > 0 {
            tracing::warn!(
                account_id,
                skipped = mailbox.skipped_sent,
                "no Sent folder: sent mail not copied to the server"
            );
            view.warnings.push(format!(
                "Sent {} message(s) without a copy on the server: this account has no Sent folder.",
                mailbox.skipped_sent
            ));
        }
        if mailbox.skipped_drafts > 0 {
            tracing::warn!(
                account_id,
                "no Drafts folder: drafts kept on this computer only"
            );
            view.warnings.push(
                "Drafts are kept on this computer only: this account has no Drafts folder."
                    .to_owned(),
            );
        }
        if let Err(e) = mailbox.imap.into_session().logout().await {
            tracing::debug!(account_id, "IMAP logout after the outbox pass: {e}");
        }
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, wire: Option<&str>, role: Option<&str>) -> FolderRow {
        FolderRow {
            id: 1,
            account_id: 1,
            name: name.into(),
            wire_name: wire.map(Into::into),
            delimiter: Some("/".into()),
            role: role.map(Into::into),
            uidvalidity: None,
            selectable: true,
            message_count: 0,
            unread_count: 0,
        }
    }

    #[test]
    fn sent_and_drafts_are_found_by_role_with_their_wire_names() {
        let folders = [
            folder("INBOX", None, Some("inbox")),
            folder("Gesendet", Some("Gesendet"), Some("sent")),
            folder("Entwürfe", Some("Entw&APw-rfe"), Some("drafts")),
        ];
        assert_eq!(wire_name_for(&folders, "sent").as_deref(), Some("Gesendet"));
        assert_eq!(
            wire_name_for(&folders, "drafts").as_deref(),
            Some("Entw&APw-rfe")
        );
        assert_eq!(wire_name_for(&folders[..1], "sent"), None);
    }
}
