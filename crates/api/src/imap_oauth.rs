//! IMAP/SMTP accounts that sign in with OAuth2 (SASL XOAUTH2) instead of a password:
//! Gmail and Outlook.com / Microsoft 365 over IMAP. The account's settings carry
//! `"auth": {"kind": "oauth", "provider": "google" | "microsoft"}` and, for a
//! non-production sign-in server, `oauth_token_url` / `oauth_client_id`; the tokens live
//! in the keychain under `account/<id>/oauth`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_auth::{AccountTokens, MicrosoftApi, ProviderConfig, TokenClient};
use switchboard_core::ErrorCode;
use switchboard_mail::imap::account::{AccountAuth, OAuthProvider};
use switchboard_secrets::Secret;
use switchboard_store::AccountConfigRow;
use switchboard_sync::imap::Login;

use crate::oauth_accounts::{auth_error, oauth_key};
use crate::{Api, ApiError, ApiResult};

/// How an IMAP account proves itself, owned for the length of a pass.
pub(crate) enum LoginSource {
    Password(Secret<String>),
    OAuth(Arc<AccountTokens>),
}

impl LoginSource {
    pub(crate) fn login(&self) -> Login<'_> {
        match self {
            LoginSource::Password(p) => Login::Password(p.expose()),
            LoginSource::OAuth(t) => Login::OAuth(t),
        }
    }
}

/// A sign-in server other than Google's or Microsoft's production one (a private
/// deployment, a test server), kept in the account's settings as `oauth_server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthServer {
    pub authorize_url: String,
    pub token_url: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub extra_auth_params: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct OAuthSettings {
    #[serde(default)]
    oauth_server: Option<OAuthServer>,
}

/// The sign-in server of an OAuth IMAP account: its `oauth_server`, else the provider's
/// production endpoints with the client id from the environment.
pub(crate) fn imap_provider(
    provider: OAuthProvider,
    server: Option<&OAuthServer>,
) -> ApiResult<ProviderConfig> {
    if let Some(s) = server {
        return Ok(ProviderConfig {
            authorize_url: s.authorize_url.clone(),
            token_url: s.token_url.clone(),
            client_id: s.client_id.clone(),
            client_secret: None,
            scopes: s.scopes.clone(),
            extra_auth_params: s.extra_auth_params.clone(),
        });
    }
    let env = |k: &str| std::env::var(k).ok();
    match provider {
        OAuthProvider::Google => ProviderConfig::google_from_env(env).map_err(auth_error),
        OAuthProvider::Microsoft => {
            ProviderConfig::microsoft_from_env(env, MicrosoftApi::ImapSmtp).map_err(auth_error)
        }
    }
}

fn settings_server(settings_json: &str) -> Option<OAuthServer> {
    serde_json::from_str::<OAuthSettings>(settings_json)
        .ok()
        .and_then(|s| s.oauth_server)
}

impl Api {
    /// The password or the OAuth tokens of an IMAP account.
    pub(crate) async fn imap_login(&self, row: &AccountConfigRow) -> ApiResult<LoginSource> {
        let auth = AccountAuth::from_settings_json(&row.settings_json).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("settings of account {:?} are unreadable: {e}", row.name),
            )
        })?;
        match auth {
            AccountAuth::Password => Ok(LoginSource::Password(self.account_password(row).await?)),
            AccountAuth::Oauth { provider } => {
                Ok(LoginSource::OAuth(self.imap_tokens(row, provider)?))
            }
        }
    }

    /// The account's shared token source (one refresh for sync and the outbox).
    pub(crate) fn imap_tokens(
        &self,
        row: &AccountConfigRow,
        provider: OAuthProvider,
    ) -> ApiResult<Arc<AccountTokens>> {
        let mut map = self
            .imap_token_sources
            .lock()
            .map_err(|_| ApiError::new(ErrorCode::Internal, "token sources poisoned"))?;
        if let Some(t) = map.get(&row.id) {
            return Ok(t.clone());
        }
        let tokens = Arc::new(AccountTokens::new(
            imap_provider(provider, settings_server(&row.settings_json).as_ref())?,
            self.secrets.clone(),
            oauth_key(row.id),
            TokenClient::new().map_err(auth_error)?,
        ));
        map.insert(row.id, tokens.clone());
        Ok(tokens)
    }
}

impl Api {
    /// Adds an IMAP/SMTP account that signs in with OAuth2 (Gmail or Outlook over IMAP):
    /// the browser sign-in (`open` opens the URL; PKCE, loopback redirect), then an IMAP
    /// login with the fresh token (XOAUTH2) before anything is stored. The tokens go to
    /// the keychain; `input.password` is ignored. `server` replaces the provider's
    /// production sign-in server (tests, private deployments).
    pub async fn sign_in_imap_account(
        &self,
        input: crate::dto::ImapAccountInput,
        provider: OAuthProvider,
        server: Option<OAuthServer>,
        open: impl FnOnce(&str) -> Result<(), String>,
    ) -> ApiResult<()> {
        let config = crate::accounts::config_from_input(&input)?;
        let provider_config = imap_provider(provider, server.as_ref())?;
        let tokens =
            crate::oauth_accounts::browser_sign_in(&provider_config, open, self.clock.now())
                .await?;
        // The server must take the token before the account exists.
        let session = switchboard_mail::imap::ImapSession::connect_with(
            &config.imap,
            &config.user,
            switchboard_mail::imap::account::Credential::Bearer(tokens.access_token.expose()),
            std::time::Duration::from_secs(30),
        )
        .await
        .map_err(crate::accounts::net_error)?;
        drop(session);
        let mut settings = serde_json::to_value(&config)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        settings["auth"] = serde_json::to_value(AccountAuth::Oauth { provider })
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        if let Some(s) = &server {
            settings["oauth_server"] = serde_json::to_value(s)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        }
        self.store
            .upsert_account_config(
                &input.name,
                "imap",
                Some(&config.email),
                &settings.to_string(),
                self.now_ms(),
            )
            .await?;
        let row = self
            .imap_accounts(Some(&input.name))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::not_found(format!("account {:?} vanished", input.name)))?
            .0;
        if let Ok(mut map) = self.imap_token_sources.lock() {
            map.remove(&row.id);
        }
        let source = self.imap_tokens(&row, provider)?;
        tokio::task::spawn_blocking(move || source.save(&tokens))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(auth_error)?;
        self.store
            .set_account_secret_ref(row.id, &oauth_key(row.id))
            .await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                "account.add",
                None,
                &serde_json::json!({"account": input.name, "kind": "imap", "auth": "oauth"}),
            )
            .await?;
        Ok(())
    }
}
