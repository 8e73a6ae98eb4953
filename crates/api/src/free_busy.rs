//! Attendees' busy times from the providers, beside what the workspace knows: Google's
//! `freeBusy` through each Gmail account, Microsoft Graph's `getSchedule` through each
//! Outlook account. A provider that cannot answer (offline, no permission, an address it
//! does not know) adds nothing; the workspace's own events still count.

use chrono::{DateTime, Utc};
use switchboard_calendar::availability::{Busy, BusyKind};
use switchboard_mail::rest::BudgetLimits;
use switchboard_sync::gcal::{GcalClient, GCAL_LIMITS};
use switchboard_sync::graph_cal::GraphCalendarClient;

use crate::oauth_accounts::GRAPH;
use crate::oauth_calendar::GCAL_API_ROOT;
use crate::{Api, ApiResult};

impl Api {
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
