//! The command surface shared by the desktop app and the CLI.
//!
//! [`Api`] owns an open [`Store`] and turns store rows and domain-crate results into
//! the DTOs of [`dto`], which have generated TypeScript twins ([`bindings`]). Every
//! fallible call returns [`ApiError`] — `{ code, message }` — never a panic. Nothing
//! here knows about Tauri; `src-tauri` and `cli` are thin adapters over these methods.

mod accounts;
pub mod availability;
pub mod bindings;
mod calendar;
pub mod calendar_accounts;
mod calendar_dto;
mod calendar_edit;
mod calendar_settings;
mod compose;
mod contacts;
mod demo;
pub mod dto;
mod error;
mod free_busy;
pub mod imap_oauth;
mod import;
mod invitations;
pub mod logging;
mod mail;
mod mail_actions;
mod oauth_accounts;
mod oauth_calendar;
mod oauth_graph;
mod oauth_watch;
mod reading;
pub mod reminders;
pub mod search;
mod tickets;

pub use error::ApiResult;
pub use import::ThreadExport;

use dto::{ApiError, AppStatus, CursorView, JobView, Stats, SyncHealth};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_core::{Clock, SystemClock};
use switchboard_secrets::SecretStore;
use switchboard_store::Store;

const SYNC_PAUSED_KEY: &str = "sync_paused";

/// An open workspace: the store plus the services commands need.
#[derive(Clone)]
pub struct Api {
    store: Store,
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretStore>,
    api_handles: oauth_accounts::ApiHandles,
    /// OAuth token sources of IMAP accounts that sign in with XOAUTH2, by account id.
    imap_token_sources:
        Arc<std::sync::Mutex<std::collections::HashMap<i64, Arc<switchboard_auth::AccountTokens>>>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl Api {
    /// Opens the workspace in `data_dir` with the system clock.
    pub async fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> ApiResult<Self> {
        Self::open_with_clock(data_dir, secrets, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> ApiResult<Self> {
        let store = Store::open(data_dir).await?;
        let api = Self {
            store,
            data_dir: data_dir.to_path_buf(),
            clock,
            secrets,
            api_handles: Default::default(),
            imap_token_sources: Default::default(),
        };
        // Work that was running when the process died goes back to the queue.
        api.store.requeue_interrupted_jobs(api.now_ms()).await?;
        Ok(api)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.secrets
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub async fn app_status(&self) -> ApiResult<AppStatus> {
        Ok(AppStatus {
            data_dir: self.data_dir.display().to_string(),
            has_data: self.store.has_data().await?,
            store_error: None,
            sync_paused: self.sync_paused().await?,
            unread_total: self.store.unread_total().await?,
        })
    }

    pub async fn stats(&self) -> ApiResult<Stats> {
        let s = self.store.stats().await?;
        Ok(Stats {
            accounts: s.accounts,
            messages: s.messages,
            malformed_messages: s.malformed_messages,
            threads: s.threads,
            contacts: s.contacts,
            calendars: s.calendars,
            events: s.events,
            ticket_sources: s.ticket_sources,
            tickets: s.tickets,
        })
    }

    pub async fn sync_paused(&self) -> ApiResult<bool> {
        Ok(self.store.setting(SYNC_PAUSED_KEY).await?.as_deref() == Some("true"))
    }

    pub async fn set_sync_paused(&self, paused: bool) -> ApiResult<()> {
        self.store
            .set_setting(SYNC_PAUSED_KEY, if paused { "true" } else { "false" })
            .await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                if paused { "sync.pause" } else { "sync.resume" },
                None,
                &serde_json::json!({}),
            )
            .await?;
        Ok(())
    }

    pub async fn sync_health(&self) -> ApiResult<SyncHealth> {
        let jobs = self
            .store
            .recent_jobs(200)
            .await?
            .into_iter()
            .map(|j| JobView {
                id: j.id,
                kind: j.kind,
                state: j.state,
                attempts: j.attempts,
                last_error: j.last_error,
                updated_at: j.updated_at,
            })
            .collect();
        let cursors = self
            .store
            .cursors()
            .await?
            .into_iter()
            .map(|c| CursorView {
                account: c.account,
                scope: c.scope,
                updated_at: c.updated_at,
            })
            .collect();
        Ok(SyncHealth {
            paused: self.sync_paused().await?,
            jobs,
            cursors,
        })
    }
}

impl Api {
    /// Stores an account's password or token in the keychain and records only the
    /// entry's name in the database.
    pub async fn set_account_secret(
        &self,
        account: &str,
        secret: switchboard_secrets::Secret<String>,
    ) -> ApiResult<String> {
        let account_id = self
            .store
            .account_id(account)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no account named {account:?}")))?;
        let key = format!("account/{account_id}/password");
        let secrets = self.secrets.clone();
        let key_for_store = key.clone();
        tokio::task::spawn_blocking(move || secrets.set(&key_for_store, &secret))
            .await
            .map_err(|e| ApiError::new(switchboard_core::ErrorCode::Internal, e.to_string()))??;
        self.store.set_account_secret_ref(account_id, &key).await?;
        tracing::info!(account, key = %key, "account secret stored in the keychain");
        Ok(key)
    }
}

/// What the UI gets when the workspace could not be opened: the reason, and no data.
pub fn unusable_status(data_dir: &Path, error: ApiError) -> AppStatus {
    AppStatus {
        data_dir: data_dir.display().to_string(),
        has_data: false,
        store_error: Some(error),
        sync_paused: true,
        unread_total: 0,
    }
}
