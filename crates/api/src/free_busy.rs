//! Busy times from the servers, beside what the workspace holds: for attendees, Google's
//! `freeBusy` through each Gmail account and Microsoft Graph's `getSchedule` through each
//! Outlook account; for the user, CalDAV `free-busy-query` (RFC 4791 §7.10) on each
//! visible CalDAV calendar, so an event another client added since the last sync counts.
//! A server that cannot answer (offline, slow, no permission, an unknown address) adds
//! nothing; the workspace's own events still count.

use std::time::Duration;

use chrono::{DateTime, Utc};
use switchboard_calendar::availability::{Busy, BusyKind};
use switchboard_mail::rest::BudgetLimits;
use switchboard_sync::gcal::{GcalClient, GCAL_LIMITS};
use switchboard_sync::graph_cal::GraphCalendarClient;

use crate::calendar_accounts::CALDAV_KIND;
use crate::oauth_accounts::GRAPH;
use crate::oauth_calendar::GCAL_API_ROOT;
use crate::{Api, ApiResult};

/// How long a CalDAV server may take to answer a free-busy query before it is skipped.
const FREE_BUSY_WAIT: Duration = Duration::from_secs(5);

impl Api {
    /// The user's busy times in [from, to) as their CalDAV servers compute them, for the
    /// visible CalDAV calendars (only those named in `calendars`, when any are).
    pub(crate) async fn caldav_busy(
        &self,
        calendars: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ApiResult<Vec<Busy>> {
        let accounts = self.store.account_configs(Some(CALDAV_KIND)).await?;
        let mut out = Vec::new();
        if accounts.is_empty() {
            return Ok(out);
        }
        for cal in self.store.list_calendars().await? {
            let wanted = cal.visible && (calendars.is_empty() || calendars.contains(&cal.name));
            let (Some(href), Some(row), true) = (
                cal.remote_id.as_deref(),
                accounts.iter().find(|a| a.id == cal.account_id),
                wanted,
            ) else {
                continue;
            };
            let client = match self.caldav_client_for(row).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::info!(account = %row.name, "free-busy skipped: {}", e.message);
                    continue;
                }
            };
            match tokio::time::timeout(FREE_BUSY_WAIT, client.free_busy(href, from, to)).await {
                Ok(Ok(periods)) => {
                    out.extend(periods.into_iter().map(|(start, end, tentative)| Busy {
                        start,
                        end,
                        kind: if tentative {
                            BusyKind::Tentative
                        } else {
                            BusyKind::Busy
                        },
                    }))
                }
                Ok(Err(e)) => tracing::info!(calendar = %cal.name, "free-busy-query: {e}"),
                Err(_) => {
                    tracing::info!(calendar = %cal.name, "free-busy-query: no answer in time")
                }
            }
        }
        Ok(out)
    }

    /// Busy times of `email` in [from, to) as the user's Google and Microsoft accounts
    /// can see them.
    pub(crate) async fn provider_busy(
        &self,
        email: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ApiResult<Vec<Busy>> {
        let mut out = Vec::new();
        for (row, config) in self.api_accounts(None).await? {
            if row.kind == GRAPH {
                let rest = self.calendar_rest(&row, &config, BudgetLimits::GRAPH)?;
                let client = GraphCalendarClient::new(
                    rest,
                    &crate::oauth_graph::api_root(&config),
                    crate::oauth_graph::mailbox(&config),
                );
                match client.schedule(&[email.to_owned()], from, to, 15).await {
                    Ok(schedules) => {
                        for s in schedules.into_iter().filter(|s| s.error.is_none()) {
                            out.extend(s.busy.into_iter().filter_map(|b| {
                                let kind = match b.status.as_str() {
                                    "busy" | "oof" => BusyKind::Busy,
                                    "tentative" => BusyKind::Tentative,
                                    _ => return None,
                                };
                                Some(Busy {
                                    start: b.start,
                                    end: b.end,
                                    kind,
                                })
                            }));
                        }
                    }
                    Err(e) => tracing::info!(account = %row.name, "getSchedule: {e}"),
                }
            } else {
                let rest = self.calendar_rest(&row, &config, GCAL_LIMITS)?;
                let root = config
                    .calendar_api_root
                    .clone()
                    .unwrap_or_else(|| GCAL_API_ROOT.to_owned());
                let client = GcalClient::new(rest, &root);
                match client.free_busy(&[email], from, to).await {
                    Ok(answers) => {
                        for (_, result) in answers {
                            if let Ok(list) = result {
                                out.extend(list.into_iter().map(|(start, end)| Busy {
                                    start,
                                    end,
                                    kind: BusyKind::Busy,
                                }));
                            }
                        }
                    }
                    Err(e) => tracing::info!(account = %row.name, "freeBusy: {e}"),
                }
            }
        }
        Ok(out)
    }
}
