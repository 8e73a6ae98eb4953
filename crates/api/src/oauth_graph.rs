//! Outlook (Microsoft Graph) accounts: the calls `oauth_accounts` makes for them.

use switchboard_core::ErrorCode;
use switchboard_mail::rest::RestClient;
use switchboard_store::AccountConfigRow;
use switchboard_sync::api_mail::ApiSyncError;
use switchboard_sync::imap::{SyncProgress, SyncReport};

use crate::oauth_accounts::ApiAccountConfig;
use crate::{Api, ApiError, ApiResult};

/// The address of the mailbox the account syncs.
pub(crate) async fn mailbox_address(
    _probe: RestClient,
    _config: &ApiAccountConfig,
) -> ApiResult<String> {
    Err(ApiError::new(
        ErrorCode::InvalidInput,
        "Outlook accounts are not available in this build yet",
    ))
}

pub(crate) async fn sync_once(
    _api: &Api,
    _row: &AccountConfigRow,
    _config: &ApiAccountConfig,
    _progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, ApiSyncError> {
    Err(ApiSyncError::Protocol(
        "Outlook accounts are not available in this build yet".into(),
    ))
}

pub(crate) async fn run_outbox(
    _api: &Api,
    _outbox: &switchboard_sync::outbox::Outbox,
    _account: &switchboard_sync::outbox::SendAccount,
    _row: &AccountConfigRow,
    _config: &ApiAccountConfig,
) -> ApiResult<switchboard_sync::outbox::RunReport> {
    Err(ApiError::new(
        ErrorCode::InvalidInput,
        "Outlook accounts are not available in this build yet",
    ))
}
