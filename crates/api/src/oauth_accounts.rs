//! Accounts reached through a provider's API with OAuth2: Gmail (Google) and Outlook
//! (Microsoft Graph). Signing in (the browser flow with PKCE and a loopback redirect, or
//! a refresh token handed over by a script), keeping the tokens in the keychain, one
//! token source and one quota budget per account shared by sync, the outbox and the
//! user's actions, and sync passes with the account's status recorded.
//!
//! The settings JSON holds no secret: provider, address, optional endpoint overrides
//! (a self-hosted test server), a shared mailbox, the poll interval.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard_auth::{
    authorization_url, AccountTokens, AuthError, LoopbackListener, MicrosoftApi, Pkce,
    ProviderConfig, State, TokenClient, TokenSet,
};
use switchboard_core::ErrorCode;
use switchboard_mail::gmail::{GmailClient, GMAIL_API_ROOT};
use switchboard_mail::rest::{
    http_client, Budget, BudgetLimits, FixedBearer, RestClient, RestError,
};
use switchboard_secrets::Secret;
use switchboard_store::AccountConfigRow;
use switchboard_sync::api_mail::{record_outcome, ApiSyncError};
use switchboard_sync::imap::SyncProgress;

use crate::dto::{AccountStatusView, ApiAccountInput, SyncProgressView, SyncSummary};
use crate::{Api, ApiError, ApiResult};

/// Account kinds served here.
pub const GMAIL: &str = "gmail";
pub const GRAPH: &str = "graph";

/// How long the browser sign-in waits for the user.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// An API account's settings (`accounts.settings_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiAccountConfig {
    pub email: String,
    /// google or microsoft
    pub provider: String,
    /// Overrides for a non-production server (tests, a private deployment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Graph: a shared mailbox (`/users/{id}`) instead of the signed-in user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u32,
    /// Graph: messages received within this many days are fetched whole at sync time,
    /// older ones header-only (the body comes when opened); 0 fetches every body.
    /// Gmail always fetches whole messages (a header costs the same quota).
    #[serde(default = "default_body_window_days")]
    pub body_window_days: u32,
    /// Gmail: the project's per-user quota in units per minute when it is not the
    /// current default of 6,000 (projects older than May 2026 keep 15,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_units_per_minute: Option<u32>,
    /// Both providers file sent mail themselves.
    #[serde(default = "yes")]
    pub provider_saves_sent: bool,
    /// Gmail: the Google Calendar API root of a non-production server (tests); Graph
    /// calendars share `api_root`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_api_root: Option<String>,
}

fn default_poll_seconds() -> u32 {
    60
}

fn default_body_window_days() -> u32 {
    90
}

fn yes() -> bool {
    true
}

/// What every request of one account shares: its token source (one refresh for all) and
/// its quota budget (interactive work goes first).
#[derive(Clone)]
pub(crate) struct AccountHandles {
    pub tokens: Arc<AccountTokens>,
    pub budget: Arc<Budget>,
}

/// Per-account handles, created on first use.
#[derive(Clone, Default)]
pub(crate) struct ApiHandles(Arc<Mutex<HashMap<i64, AccountHandles>>>);

fn provider_for(kind: &str, config: &ApiAccountConfig) -> ApiResult<ProviderConfig> {
    let env = |k: &str| std::env::var(k).ok();
    let mut provider = match kind {
        GMAIL => match config.client_id.clone() {
            Some(id) => ProviderConfig::google(id, None),
            None => ProviderConfig::google_from_env(env).map_err(auth_error)?,
        },
        GRAPH => match config.client_id.clone() {
            Some(id) => ProviderConfig::microsoft(id, MicrosoftApi::Graph),
            None => {
                ProviderConfig::microsoft_from_env(env, MicrosoftApi::Graph).map_err(auth_error)?
            }
        },
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("{other:?} is not an API account kind (gmail, graph)"),
            ))
        }
    };
    if let Some(url) = &config.token_url {
        provider.token_url = url.clone();
    }
    Ok(provider)
}

fn limits_for(kind: &str, quota_units_per_minute: Option<u32>) -> BudgetLimits {
    match (kind, quota_units_per_minute) {
        (GRAPH, _) => BudgetLimits::GRAPH,
        (_, Some(units)) => BudgetLimits::gmail_units(units),
        _ => BudgetLimits::GMAIL,
    }
}

pub(crate) fn auth_error(e: AuthError) -> ApiError {
    let code = match &e {
        AuthError::NeedsSignIn { .. } => ErrorCode::AuthExpired,
        AuthError::Cancelled => ErrorCode::Conflict,
        AuthError::TimedOut | AuthError::Unavailable { .. } => ErrorCode::Offline,
        AuthError::Config(_) | AuthError::Provider { .. } => ErrorCode::InvalidInput,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

pub(crate) fn rest_error(e: RestError) -> ApiError {
    let code = match &e {
        RestError::NeedsSignIn(_) | RestError::Unauthorized(_) => ErrorCode::AuthExpired,
        RestError::RateLimited { .. } => ErrorCode::RateLimited,
        RestError::Network(_) => ErrorCode::Offline,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

pub(crate) fn sync_error(e: ApiSyncError) -> ApiError {
    match e {
        ApiSyncError::Rest(r) => rest_error(r),
        ApiSyncError::Store(s) => s.into(),
        ApiSyncError::Protocol(p) => ApiError::new(ErrorCode::Internal, p),
    }
}

fn parse_config(row: &AccountConfigRow) -> ApiResult<ApiAccountConfig> {
    serde_json::from_str(&row.settings_json).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("settings of account {:?} are unreadable: {e}", row.name),
        )
    })
}

fn gmail_root(config: &ApiAccountConfig) -> String {
    config
        .api_root
        .clone()
        .unwrap_or_else(|| GMAIL_API_ROOT.to_owned())
}

impl Api {
    fn handles(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<AccountHandles> {
        let mut map = self
            .api_handles
            .0
            .lock()
            .map_err(|_| ApiError::new(ErrorCode::Internal, "account handles poisoned"))?;
        if let Some(h) = map.get(&row.id) {
            return Ok(h.clone());
        }
        let provider = provider_for(&row.kind, config)?;
        let client = TokenClient::new().map_err(auth_error)?;
        let tokens = Arc::new(AccountTokens::new(
            provider,
            self.secrets.clone(),
            oauth_key(row.id),
            client,
        ));
        let handles = AccountHandles {
            tokens,
            budget: Arc::new(Budget::new(limits_for(
                &row.kind,
                config.quota_units_per_minute,
            ))),
        };
        map.insert(row.id, handles.clone());
        Ok(handles)
    }

    /// The account's token source (shared by its mail and calendar clients).
    pub(crate) fn account_token_source(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<Arc<AccountTokens>> {
        Ok(self.handles(row, config)?.tokens)
    }

    /// The REST client of an API account (shared token source and budget).
    pub(crate) fn rest_client(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<RestClient> {
        let h = self.handles(row, config)?;
        let store = self.store.clone();
        let clock = self.clock.clone();
        let account_id = row.id;
        let rest = RestClient::new(http_client().map_err(rest_error)?, h.tokens, h.budget)
            .with_rate_limit_observer(Arc::new(move |wait: Duration| {
                let (store, now) = (store.clone(), clock.now().timestamp_millis());
                let until = now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
                tokio::spawn(async move {
                    let _ = store
                        .set_account_status(
                            account_id,
                            switchboard_sync::api_mail::state::RATE_LIMITED,
                            Some("the provider asked us to slow down"),
                            Some(until),
                            now,
                        )
                        .await;
                });
            }));
        Ok(rest)
    }

    pub(crate) fn gmail_client(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<GmailClient> {
        Ok(GmailClient::new(
            self.rest_client(row, config)?,
            gmail_root(config),
        ))
    }

    /// The Gmail and Graph accounts with settings, optionally only the one named.
    pub(crate) async fn api_accounts(
        &self,
        only: Option<&str>,
    ) -> ApiResult<Vec<(AccountConfigRow, ApiAccountConfig)>> {
        let mut rows = self.store.account_configs(Some(GMAIL)).await?;
        rows.extend(self.store.account_configs(Some(GRAPH)).await?);
        rows.sort_by_key(|r| r.id);
        rows.into_iter()
            .filter(|r| only.is_none_or(|n| r.name == n))
            .map(|r| parse_config(&r).map(|c| (r, c)))
            .collect()
    }

    /// Adds (or renews) an API account from a refresh token a script or a test hands
    /// over (stdin, never an argument): the token is redeemed, the mailbox's address
    /// read, and the tokens stored in the keychain.
    pub async fn add_api_account(&self, input: ApiAccountInput) -> ApiResult<String> {
        let config = ApiAccountConfig {
            email: String::new(),
            provider: if input.kind == GRAPH {
                "microsoft"
            } else {
                "google"
            }
            .into(),
            api_root: input.api_root.clone(),
            token_url: input.token_url.clone(),
            client_id: input.client_id.clone(),
            mailbox: input.mailbox.clone(),
            poll_seconds: input.poll_seconds.unwrap_or_else(default_poll_seconds),
            body_window_days: input
                .body_window_days
                .unwrap_or_else(default_body_window_days),
            quota_units_per_minute: input.quota_units_per_minute,
            provider_saves_sent: true,
            calendar_api_root: input.calendar_api_root.clone(),
        };
        let provider = provider_for(&input.kind, &config)?;
        let client = TokenClient::new().map_err(auth_error)?;
        let refresh = Secret::new(input.refresh_token.clone());
        let mut tokens = client
            .refresh(&provider, &refresh, self.clock.now())
            .await
            .map_err(auth_error)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh);
        }
        self.finish_api_account(&input.name, &input.kind, config, tokens)
            .await
    }

    /// Signs in with the provider in the system browser (`open` opens the URL) and adds
    /// the account: PKCE, a loopback redirect on 127.0.0.1, `state` checked; cancel and
    /// a five-minute timeout end it with a clear error. Signing in again to an existing
    /// account renews its tokens.
    pub async fn sign_in_api_account(
        &self,
        name: &str,
        kind: &str,
        open: impl FnOnce(&str) -> Result<(), String>,
    ) -> ApiResult<String> {
        let config = ApiAccountConfig {
            email: String::new(),
            provider: if kind == GRAPH { "microsoft" } else { "google" }.into(),
            api_root: None,
            token_url: None,
            client_id: None,
            mailbox: None,
            poll_seconds: default_poll_seconds(),
            body_window_days: default_body_window_days(),
            quota_units_per_minute: None,
            provider_saves_sent: true,
            calendar_api_root: None,
        };
        let provider = provider_for(kind, &config)?;
        let tokens = browser_sign_in(&provider, open, self.clock.now()).await?;
        self.finish_api_account(name, kind, config, tokens).await
    }

    /// [`Api::sign_in_api_account`] with the sign-in page opened in the default browser,
    /// the way [`Api::open_link`] opens a link from a message (the URL checked, no shell).
    /// A browser that cannot be started ends the sign-in at once instead of after the
    /// five-minute wait.
    pub async fn sign_in_api_account_in_browser(
        &self,
        name: &str,
        kind: &str,
    ) -> ApiResult<String> {
        let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
        let sign_in = self.sign_in_api_account(name, kind, move |url| {
            url_tx
                .send(url.to_owned())
                .map_err(|_| "the sign-in was abandoned".to_owned())
        });
        // The sign-in hands the URL over before it waits for the redirect; open it then.
        let opened = async {
            match url_rx.await {
                Ok(url) => self.open_link(&url).await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::pin!(sign_in, opened);
        tokio::select! {
            result = &mut sign_in => result,
            Err(e) = &mut opened => Err(ApiError::new(
                ErrorCode::Internal,
                format!("could not open the browser: {}", e.message),
            )),
        }
    }

    /// Reads the mailbox's address with the fresh token, then stores the account and its
    /// tokens. Returns the address.
    async fn finish_api_account(
        &self,
        name: &str,
        kind: &str,
        mut config: ApiAccountConfig,
        tokens: TokenSet,
    ) -> ApiResult<String> {
        let bearer = Arc::new(FixedBearer(tokens.access_token.clone()));
        let probe = RestClient::new(
            http_client().map_err(rest_error)?,
            bearer,
            Arc::new(Budget::new(limits_for(kind, config.quota_units_per_minute))),
        );
        config.email = match kind {
            GMAIL => {
                GmailClient::new(probe, gmail_root(&config))
                    .profile()
                    .await
                    .map_err(|e| sync_error(e.into()))?
                    .email_address
            }
            _ => crate::oauth_graph::mailbox_address(probe, &config).await?,
        };
        let settings = serde_json::to_string(&config)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        self.store
            .upsert_account_config(name, kind, Some(&config.email), &settings, self.now_ms())
            .await?;
        let row = self
            .api_accounts(Some(name))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::not_found(format!("account {name:?} vanished")))?;
        // A renewed sign-in replaces the handles (their "needs sign-in" state with them).
        if let Ok(mut map) = self.api_handles.0.lock() {
            map.remove(&row.0.id);
        }
        let handles = self.handles(&row.0, &row.1)?;
        let store_tokens = handles.tokens.clone();
        tokio::task::spawn_blocking(move || store_tokens.save(&tokens))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(auth_error)?;
        self.store
            .set_account_secret_ref(row.0.id, &oauth_key(row.0.id))
            .await?;
        self.store
            .set_account_status(
                row.0.id,
                switchboard_sync::api_mail::state::SYNCING,
                None,
                None,
                self.now_ms(),
            )
            .await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                "account.add",
                None,
                &serde_json::json!({"account": name, "kind": kind}),
            )
            .await?;
        Ok(config.email)
    }

    /// One sync pass over every Gmail/Graph account (or the one named), each account's
    /// status recorded.
    pub async fn sync_api_once(
        &self,
        only: Option<&str>,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
    ) -> ApiResult<Vec<SyncSummary>> {
        let mut out = Vec::new();
        for (row, config) in self.api_accounts(only).await? {
            let report = self.sync_api_account(&row, &config, progress).await?;
            out.push(SyncSummary {
                account: row.name.clone(),
                folders: report.folders as u32,
                fetched: report.fetched as u32,
                deleted: report.deleted as u32,
                flags_changed: report.flags_changed as u32,
                new_inbox: report.new_inbox.len() as u32,
            });
        }
        Ok(out)
    }

    /// [`Api::sync_api_once`] for every Gmail/Graph account, where one account's failure
    /// does not stop the others: returns the summaries of the accounts that synced. A
    /// failure is recorded in that account's status (and logged), which is where the UI
    /// shows it.
    pub async fn sync_each_api_account(
        &self,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
    ) -> ApiResult<Vec<SyncSummary>> {
        let mut out = Vec::new();
        for (row, _) in self.api_accounts(None).await? {
            match self.sync_api_once(Some(&row.name), progress).await {
                Ok(summaries) => out.extend(summaries),
                Err(e) => {
                    tracing::warn!(account = %row.name, code = %e.code, "sync pass failed: {}", e.message)
                }
            }
        }
        Ok(out)
    }

    pub(crate) async fn sync_api_account(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
    ) -> ApiResult<switchboard_sync::imap::SyncReport> {
        let mut forward = |p: &SyncProgress| progress(&crate::accounts::to_progress_view(p));
        self.store
            .set_account_status(
                row.id,
                switchboard_sync::api_mail::state::SYNCING,
                None,
                None,
                self.now_ms(),
            )
            .await?;
        let result = match row.kind.as_str() {
            GMAIL => {
                let client = self.gmail_client(row, config)?;
                switchboard_sync::gmail::sync_once(
                    &self.store,
                    self.clock.as_ref(),
                    &client,
                    &switchboard_sync::gmail::GmailAccount {
                        id: row.id,
                        name: &row.name,
                    },
                    &mut forward,
                )
                .await
            }
            _ => crate::oauth_graph::sync_once(self, row, config, &mut forward).await,
        };
        record_outcome(&self.store, row.id, &result, self.now_ms()).await?;
        result.map_err(sync_error)
    }

    /// The kind of the account named (imap, gmail, graph, local, …).
    pub async fn account_kind(&self, name: &str) -> ApiResult<String> {
        self.store
            .account_configs(None)
            .await?
            .into_iter()
            .find(|r| r.name == name)
            .map(|r| r.kind)
            .ok_or_else(|| ApiError::not_found(format!("no account named {name:?}")))
    }

    /// Every API account's sync status (IMAP accounts have none recorded).
    pub async fn account_statuses(&self) -> ApiResult<Vec<AccountStatusView>> {
        Ok(self
            .store
            .account_statuses()
            .await?
            .into_iter()
            .map(|s| AccountStatusView {
                account_id: s.account_id,
                state: s.state,
                detail: s.detail,
                until_ms: s.until_ms,
                updated_at: s.updated_at,
            })
            .collect())
    }
}

/// The browser part of a sign-in: PKCE, a loopback redirect on 127.0.0.1, `state`
/// checked, the code redeemed. `open` opens the URL in the system browser.
pub(crate) async fn browser_sign_in(
    provider: &ProviderConfig,
    open: impl FnOnce(&str) -> Result<(), String>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<TokenSet> {
    let listener = LoopbackListener::bind().await.map_err(auth_error)?;
    let redirect = listener.redirect_uri();
    let pkce = Pkce::generate().map_err(auth_error)?;
    let state = State::generate().map_err(auth_error)?;
    let url = authorization_url(provider, &redirect, state.as_str(), &pkce.challenge)
        .map_err(auth_error)?;
    open(url.as_str()).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("could not open the browser: {e}"),
        )
    })?;
    let code = listener
        .wait_for_code(&state, SIGN_IN_TIMEOUT)
        .await
        .map_err(auth_error)?;
    TokenClient::new()
        .map_err(auth_error)?
        .exchange_code(provider, &code, &pkce.verifier, &redirect, now)
        .await
        .map_err(auth_error)
}

pub(crate) fn oauth_key(account_id: i64) -> String {
    format!("account/{account_id}/oauth")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_hold_no_secret_and_default_sensibly() {
        let config: ApiAccountConfig =
            serde_json::from_str(r#"{"email":"rep@example.test","provider":"google"}"#).unwrap();
        assert_eq!(config.poll_seconds, 60);
        assert!(config.provider_saves_sent);
        let text = serde_json::to_string(&config).unwrap();
        assert!(!text.contains("token\""), "{text}");
    }
}
