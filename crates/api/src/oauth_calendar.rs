//! Calendars of Gmail and Outlook accounts: the same sign-in (and token source) as their
//! mail, Google Calendar through `sync::gcal`, Graph calendars through `sync::graph_cal`.
//! A pass is part of `sync_calendars_once`.

use std::sync::Arc;

use switchboard_core::ErrorCode;
use switchboard_mail::rest::{http_client, Budget, RestClient};
use switchboard_store::AccountConfigRow;
use switchboard_sync::caldav::CalSyncReport;
use switchboard_sync::gcal::{sync_gcal_once, GcalClient, GcalError, GCAL_LIMITS};
use switchboard_sync::graph_cal::{
    sync_graph_calendars_once, GraphCalError, GraphCalOptions, GraphCalendarClient,
};

use crate::oauth_accounts::{rest_error, ApiAccountConfig, GRAPH};
use crate::{Api, ApiError, ApiResult};

/// Google Calendar API v3.
pub const GCAL_API_ROOT: &str = "https://www.googleapis.com/calendar/v3/";

fn gcal_error(e: GcalError) -> ApiError {
    match e {
        GcalError::Rest(r) => rest_error(r),
        GcalError::Store(s) => s.into(),
        other => ApiError::new(ErrorCode::Internal, other.to_string()),
    }
}

fn graph_cal_error(e: GraphCalError) -> ApiError {
    match e {
        GraphCalError::Rest(r) => rest_error(r),
        GraphCalError::Store(s) => s.into(),
        other => ApiError::new(ErrorCode::Internal, other.to_string()),
    }
}

impl Api {
    /// A REST client on the account's tokens with the calendar API's own budget.
    pub(crate) fn calendar_rest(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
        limits: switchboard_mail::rest::BudgetLimits,
    ) -> ApiResult<RestClient> {
        let tokens = self.account_token_source(row, config)?;
        Ok(RestClient::new(
            http_client().map_err(rest_error)?,
            tokens,
            Arc::new(Budget::new(limits)),
        ))
    }

    /// One calendar pass over a Gmail or Outlook account.
    pub(crate) async fn sync_provider_calendars(
        &self,
        row: &AccountConfigRow,
        config: &ApiAccountConfig,
    ) -> ApiResult<CalSyncReport> {
        let clock = self.clock.clone();
        let now = move || clock.now().timestamp_millis();
        if row.kind == GRAPH {
            let rest =
                self.calendar_rest(row, config, switchboard_mail::rest::BudgetLimits::GRAPH)?;
            let client = GraphCalendarClient::new(
                rest,
                &crate::oauth_graph::api_root(config),
                crate::oauth_graph::mailbox(config),
            );
            let options = GraphCalOptions {
                user_address: (!config.email.is_empty()).then(|| config.email.clone()),
                ..GraphCalOptions::default()
            };
            let r = sync_graph_calendars_once(&self.store, &client, row.id, &options, &now)
                .await
                .map_err(graph_cal_error)?;
            Ok(CalSyncReport {
                calendars: r.calendars,
                fetched: r.upserted,
                deleted: r.deleted,
                pushed: r.pushed,
                conflicts: r.conflicts,
                full_resyncs: r.full_resyncs,
            })
        } else {
            let rest = self.calendar_rest(row, config, GCAL_LIMITS)?;
            let root = config
                .calendar_api_root
                .clone()
                .unwrap_or_else(|| GCAL_API_ROOT.to_owned());
            let client = GcalClient::new(rest, &root);
            sync_gcal_once(&self.store, &client, row.id, &now)
                .await
                .map_err(gcal_error)
        }
    }
}
