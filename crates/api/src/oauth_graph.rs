//! Outlook / Microsoft 365 accounts over Microsoft Graph: the calls `oauth_accounts` and
//! the outbox runner make for them.

use serde::Deserialize;
use switchboard_core::ErrorCode;
use switchboard_mail::graph::{GraphClient, Mailbox};
use switchboard_mail::rest::{RestClient, RestRequest};
use switchboard_store::AccountConfigRow;
use switchboard_sync::api_mail::ApiSyncError;
use switchboard_sync::graph::GraphSyncOptions;
use switchboard_sync::imap::{SyncProgress, SyncReport};

use crate::oauth_accounts::{rest_error, ApiAccountConfig};
use crate::{Api, ApiError, ApiResult};

/// Microsoft's production endpoint; tests point the account at the contract fake.
pub const GRAPH_API_ROOT: &str = "https://graph.microsoft.com/v1.0";

pub(crate) fn api_root(config: &ApiAccountConfig) -> String {
    config
        .api_root
        .clone()
        .unwrap_or_else(|| GRAPH_API_ROOT.to_owned())
}

pub(crate) fn mailbox(config: &ApiAccountConfig) -> Mailbox {
    match &config.mailbox {
        Some(user) => Mailbox::User(user.clone()),
        None => Mailbox::Me,
    }
}

/// The address of the mailbox the account syncs (`GET /me` or `/users/{id}`).
pub(crate) async fn mailbox_address(
    probe: RestClient,
    config: &ApiAccountConfig,
) -> ApiResult<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct User {
        mail: Option<String>,
        user_principal_name: Option<String>,
    }
    let path = match &config.mailbox {
        Some(user) => format!("users/{}", url_segment(user)),
        None => "me".to_owned(),
    };
    let url = format!(
        "{}/{path}?$select=mail,userPrincipalName",
        api_root(config).trim_end_matches('/')
    );
    let user: User = probe
        .json(&RestRequest::get(url))
        .await
        .map_err(rest_error)?;
    user.mail
        .or(user.user_principal_name)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Internal,
                "Microsoft Graph did not say which address this mailbox has",
            )
        })
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Api {
    pub(crate) fn graph_client(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<GraphClient> {
        Ok(GraphClient::new(
            self.rest_client(row, config)?,
            &api_root(config),
            mailbox(config),
        ))
    }
}

pub(crate) async fn sync_once(
    api: &Api,
    row: &AccountConfigRow,
    config: &ApiAccountConfig,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, ApiSyncError> {
    let client = api
        .graph_client(row, config)
        .map_err(|e| ApiSyncError::Protocol(e.message))?;
    switchboard_sync::graph::sync_once(
        &api.store,
        &client,
        row.id,
        &GraphSyncOptions {
            body_window_days: config.body_window_days,
            ..GraphSyncOptions::default()
        },
        api.clock.as_ref(),
        progress,
    )
    .await
}

/// Replays the account's queued mail changes now.
pub(crate) async fn replay(
    api: &Api,
    row: &AccountConfigRow,
    config: &ApiAccountConfig,
) -> ApiResult<usize> {
    let client = api.graph_client(row, config)?;
    switchboard_sync::graph::replay_remote_changes(&api.store, &client, row.id, api.clock.as_ref())
        .await
        .map_err(crate::oauth_accounts::sync_error)
}

/// Fetches the MIME of a message stored header-only (older than the body window) when it
/// is opened, ahead of background sync.
pub(crate) async fn fetch_body(
    api: &Api,
    remote: &switchboard_store::RemoteMessageRow,
) -> ApiResult<()> {
    let (row, config) = api
        .api_accounts(None)
        .await?
        .into_iter()
        .find(|(row, _)| row.id == remote.account_id)
        .ok_or_else(|| ApiError::not_found("this message's account is gone"))?;
    let client = api.graph_client(&row, &config)?;
    let raw = client
        .mime(
            &remote.remote_id,
            switchboard_mail::rest::Priority::Interactive,
        )
        .await
        .map_err(|e| crate::oauth_accounts::sync_error(e.into()))?;
    let now = api.now_ms();
    let full = switchboard_mail::parse_message(&raw).into_new_message(
        raw,
        remote.account_id,
        remote.folder_id,
        now,
        None,
    );
    api.store.replace_message_body(remote.id, &full).await?;
    Ok(())
}
