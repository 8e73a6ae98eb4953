//! Calendar accounts: adding a CalDAV account (checked by discovering its calendars before
//! anything is stored; the password goes to the keychain only), the calendar list with
//! colour and visibility, and one sync pass over every calendar account.

use serde::{Deserialize, Serialize};
use switchboard_calendar::caldav::{http_client, CalDavClient, CalDavError};
use switchboard_core::ErrorCode;
use switchboard_secrets::Secret;
use switchboard_store::AccountConfigRow;
use switchboard_sync::caldav::{sync_caldav_once, CalSyncError, CalSyncReport};

use crate::dto::{CalDavAccountInput, CalendarInfo, CalendarSyncSummary, UpdateCalendarArgs};
use crate::{Api, ApiError, ApiResult};

/// The account kind of CalDAV accounts.
pub const CALDAV_KIND: &str = "caldav";

/// A CalDAV account's settings (no secret: the password is in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalDavSettings {
    pub url: String,
    pub user: String,
}

pub(crate) fn caldav_error(e: CalDavError) -> ApiError {
    let code = match &e {
        CalDavError::Network(_) => ErrorCode::Offline,
        CalDavError::Unauthorized => ErrorCode::AuthExpired,
        CalDavError::PreconditionFailed => ErrorCode::Conflict,
        CalDavError::Status { status, .. } if *status == 429 => ErrorCode::RateLimited,
        CalDavError::Status { status, .. } if *status >= 500 => ErrorCode::Offline,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

/// The calendar kind of an account kind: Gmail accounts hold Google calendars, Graph
/// accounts Microsoft ones.
pub fn calendar_kind(account_kind: &str) -> &str {
    match account_kind {
        "gmail" => "gcal",
        "graph" => "graphcal",
        other => other,
    }
}

impl From<CalSyncError> for ApiError {
    fn from(e: CalSyncError) -> Self {
        match e {
            CalSyncError::CalDav(c) => caldav_error(c),
            CalSyncError::Store(s) => s.into(),
        }
    }
}

fn summary(account: &str, report: &CalSyncReport) -> CalendarSyncSummary {
    CalendarSyncSummary {
        account: account.to_owned(),
        calendars: report.calendars as u32,
        fetched: report.fetched as u32,
        deleted: report.deleted as u32,
        pushed: report.pushed as u32,
        conflicts: report.conflicts as u32,
        full_resyncs: report.full_resyncs as u32,
        error: None,
    }
}

/// The account status a failed pass leaves (as mail accounts report it).
fn failure_state(e: &ApiError) -> &'static str {
    match e.code {
        ErrorCode::AuthExpired => "needs_sign_in",
        ErrorCode::Offline => "offline",
        ErrorCode::RateLimited => "rate_limited",
        _ => "error",
    }
}

impl Api {
    /// Adds (or updates) a CalDAV account once discovery with these credentials finds its
    /// calendars. Nothing is stored when it does not.
    pub async fn add_caldav_account(&self, input: CalDavAccountInput) -> ApiResult<usize> {
        if input.name.trim().is_empty() {
            return Err(ApiError::invalid("the account needs a name"));
        }
        let url = url::Url::parse(input.url.trim())
            .map_err(|e| ApiError::invalid(format!("server URL {:?}: {e}", input.url)))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(ApiError::invalid("the server URL must start with https://"));
        }
        let password = Secret::new(input.password);
        let client = caldav_client(url.as_str(), &input.user, password.clone())?;
        let found = client.discover().await.map_err(caldav_error)?;
        let settings = CalDavSettings {
            url: url.to_string(),
            user: input.user.clone(),
        };
        let json = serde_json::to_string(&settings)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let email = input.user.contains('@').then_some(input.user.as_str());
        self.store
            .upsert_account_config(&input.name, CALDAV_KIND, email, &json, self.now_ms())
            .await?;
        self.set_account_secret(&input.name, password).await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                "account.add",
                None,
                &serde_json::json!({"account": input.name, "kind": CALDAV_KIND}),
            )
            .await?;
        Ok(found.calendars.len())
    }

    /// Every calendar with its account; `kind` says which server holds it (local,
    /// caldav, gcal for a Google account, graphcal for a Microsoft one).
    pub async fn list_calendars(&self) -> ApiResult<Vec<CalendarInfo>> {
        Ok(self
            .store
            .list_calendars()
            .await?
            .into_iter()
            .map(|c| CalendarInfo {
                id: c.id,
                account_id: c.account_id,
                account_name: c.account_name,
                name: c.name,
                color: c.color,
                visible: c.visible,
                read_only: c.read_only,
                kind: calendar_kind(&c.account_kind).to_owned(),
            })
            .collect())
    }

    /// Shows/hides a calendar or sets its colour (kept over the server's from then on).
    pub async fn update_calendar(&self, args: UpdateCalendarArgs) -> ApiResult<CalendarInfo> {
        if let Some(color) = &args.color {
            let hex = color.strip_prefix('#').unwrap_or("");
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(ApiError::invalid(format!(
                    "{color:?} is not a colour like #3b82f6"
                )));
            }
        }
        self.store
            .update_calendar(args.id, args.visible, args.color.as_deref())
            .await?;
        self.list_calendars()
            .await?
            .into_iter()
            .find(|c| c.id == args.id)
            .ok_or_else(|| ApiError::not_found(format!("no calendar {}", args.id)))
    }

    /// One pass over every calendar account (or the one named): local edits pushed, then
    /// the servers' changes pulled. An account that fails is reported (and its status set)
    /// without stopping the others; its local copy is unchanged.
    pub async fn sync_calendars_once(
        &self,
        only: Option<&str>,
    ) -> ApiResult<Vec<CalendarSyncSummary>> {
        let mut rows = self.store.account_configs(Some(CALDAV_KIND)).await?;
        let providers = self.api_accounts(None).await?;
        rows.extend(providers.iter().map(|(r, _)| r.clone()));
        rows.sort_by_key(|r| r.id);
        if let Some(name) = only {
            if !rows.iter().any(|r| r.name == name) {
                return Err(ApiError::not_found(format!(
                    "no calendar account named {name:?}"
                )));
            }
        }
        let mut out = Vec::new();
        for row in rows.iter().filter(|r| only.is_none_or(|n| r.name == n)) {
            self.store
                .set_account_status(row.id, "syncing", None, None, self.now_ms())
                .await?;
            let result = match providers.iter().find(|(r, _)| r.id == row.id) {
                Some((r, config)) => self.sync_provider_calendars(r, config).await,
                None => self.sync_caldav_account(row).await,
            };
            let item = match result {
                Ok(report) => {
                    self.store
                        .set_account_status(row.id, "up_to_date", None, None, self.now_ms())
                        .await?;
                    summary(&row.name, &report)
                }
                Err(e) => {
                    tracing::warn!(account = %row.name, error = %e.message, "calendar sync failed");
                    self.store
                        .set_account_status(
                            row.id,
                            failure_state(&e),
                            Some(&e.message),
                            None,
                            self.now_ms(),
                        )
                        .await?;
                    CalendarSyncSummary {
                        error: Some(e.message),
                        ..summary(&row.name, &CalSyncReport::default())
                    }
                }
            };
            out.push(item);
        }
        Ok(out)
    }

    async fn sync_caldav_account(&self, row: &AccountConfigRow) -> ApiResult<CalSyncReport> {
        let client = self.caldav_client_for(row).await?;
        let clock = self.clock.clone();
        let now = move || clock.now().timestamp_millis();
        Ok(sync_caldav_once(&self.store, &client, row.id, &now).await?)
    }

    pub(crate) async fn caldav_client_for(
        &self,
        row: &AccountConfigRow,
    ) -> ApiResult<CalDavClient> {
        let settings: CalDavSettings = serde_json::from_str(&row.settings_json).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("account {:?} has unreadable settings: {e}", row.name),
            )
        })?;
        let password = self.account_password(row).await?;
        caldav_client(&settings.url, &settings.user, password)
    }
}

fn caldav_client(url: &str, user: &str, password: Secret<String>) -> ApiResult<CalDavClient> {
    let http = http_client().map_err(caldav_error)?;
    CalDavClient::new(http, url, user, password).map_err(caldav_error)
}
