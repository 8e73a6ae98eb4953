//! CalDAV calendar sync: discover the account's calendars, push local edits (PUT/DELETE
//! with `If-Match`, a 412 kept as a conflict), then pull what changed: RFC 6578
//! `sync-collection` from the stored token, or, for servers without it, the ctag and a
//! PROPFIND etag listing compared with what we hold. An invalid token (403/409/412 with
//! `valid-sync-token`) starts a full resync that replaces by href, so nothing doubles.
//!
//! Crash safety: changed objects are fetched and stored in batches without the token; the
//! token (and, on a full listing, the deletion of objects the server no longer has) comes
//! with the last batch. A pass killed anywhere and run again ends with the server's state.

use std::collections::{HashMap, HashSet};

use switchboard_calendar::caldav::{
    CalDavClient, CalDavError, CalendarInfo, CalendarObject, Precondition,
};
use switchboard_store::{RemoteCalendar, ResourceChange, Store, StoreError, SyncedCalendar};
use thiserror::Error;

use crate::calendar_store::events_from_ics;

/// Objects fetched per `calendar-multiget` and stored per transaction.
pub const MULTIGET_BATCH: usize = 100;

/// Prefix of a stored token that is a ctag (servers without sync-collection).
const CTAG_PREFIX: &str = "ctag:";

#[derive(Debug, Error)]
pub enum CalSyncError {
    #[error(transparent)]
    CalDav(#[from] CalDavError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CalSyncError {
    /// Whether trying again later may help (the network, a 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            CalSyncError::CalDav(e) => !e.is_permanent(),
            CalSyncError::Store(_) => false,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalSyncReport {
    pub calendars: usize,
    /// Objects fetched and stored.
    pub fetched: usize,
    /// Objects removed because the server no longer has them.
    pub deleted: usize,
    /// Local changes the server accepted.
    pub pushed: usize,
    /// Local changes the server refused because its copy changed (kept for the user).
    pub conflicts: usize,
    /// Calendars whose token was refused and that were listed again in full.
    pub full_resyncs: usize,
}

/// One sync pass over a CalDAV account.
pub async fn sync_caldav_once(
    store: &Store,
    client: &CalDavClient,
    account_id: i64,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
) -> Result<CalSyncReport, CalSyncError> {
    let discovery = client.discover().await?;
    let calendars: Vec<&CalendarInfo> = discovery
        .calendars
        .iter()
        .filter(|c| c.components.is_empty() || c.components.iter().any(|k| k == "VEVENT"))
        .collect();
    let remote: Vec<RemoteCalendar> = calendars.iter().map(|c| remote_calendar(c)).collect();
    let synced = store
        .sync_remote_calendars(account_id, &remote, now_ms())
        .await?;
    let mut report = CalSyncReport {
        calendars: synced.len(),
        ..CalSyncReport::default()
    };
    for (cal, info) in synced.iter().zip(calendars) {
        push_pending(store, client, cal.id, now_ms, &mut report).await?;
        pull(store, client, cal, info, now_ms, &mut report).await?;
    }
    Ok(report)
}

fn remote_calendar(info: &CalendarInfo) -> RemoteCalendar {
    let fallback = info
        .href
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("Calendar")
        .to_owned();
    RemoteCalendar {
        remote_id: info.href.clone(),
        name: info
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(fallback),
        color: info.color.as_deref().and_then(css_color),
        read_only: false,
        time_zone: None,
    }
}

/// `#RRGGBB` from Apple's `#RRGGBB` or `#RRGGBBAA`.
fn css_color(value: &str) -> Option<String> {
    let hex = value.trim().strip_prefix('#')?;
    let ok = (hex.len() == 6 || hex.len() == 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| format!("#{}", hex[..6].to_ascii_lowercase()))
}

/// Sends the calendar's local changes, oldest first.
async fn push_pending(
    store: &Store,
    client: &CalDavClient,
    calendar_id: i64,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), CalSyncError> {
    for p in store.pending_resources(calendar_id).await? {
        let result = if p.pending == "delete" {
            client
                .delete(&p.href, p.etag.as_deref())
                .await
                .map(|()| None)
        } else {
            let pre = match (&p.etag, p.pending.as_str()) {
                (Some(etag), "update") => Precondition::Matches(etag.clone()),
                _ => Precondition::Absent,
            };
            client.put(&p.href, &p.ics, &pre).await.map(Some)
        };
        match result {
            Ok(None) => {
                store
                    .settle_resource(calendar_id, &p.href, None, now_ms())
                    .await?;
                report.pushed += 1;
            }
            Ok(Some(written)) => {
                // Without an ETag the server changed what we sent: read its version.
                let (etag, ics) = match written.etag {
                    Some(etag) => (Some(etag), p.ics.clone()),
                    None => match client.get(&written.href).await? {
                        Some(obj) => (obj.etag, obj.data),
                        None => (None, p.ics.clone()),
                    },
                };
                let events = events_from_ics(&ics);
                store
                    .settle_resource(
                        calendar_id,
                        &p.href,
                        Some((&written.href, etag.as_deref(), &ics, &events)),
                        now_ms(),
                    )
                    .await?;
                report.pushed += 1;
            }
            Err(CalDavError::PreconditionFailed) => {
                match client.get(&p.href).await? {
                    // We wanted it gone and it is gone: nothing to decide.
                    None if p.pending == "delete" => {
                        store
                            .settle_resource(calendar_id, &p.href, None, now_ms())
                            .await?;
                    }
                    theirs => {
                        let (data, etag) =
                            theirs.map_or((String::new(), None), |o| (o.data, o.etag));
                        store
                            .mark_resource_conflict(calendar_id, &p.href, &data, etag.as_deref())
                            .await?;
                        report.conflicts += 1;
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Brings one calendar up to the server's state.
async fn pull(
    store: &Store,
    client: &CalDavClient,
    cal: &SyncedCalendar,
    info: &CalendarInfo,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), CalSyncError> {
    let token = store.calendar_token(cal.id).await?;
    if let Some(server_token) = &info.sync_token {
        if token.as_deref() == Some(server_token.as_str()) {
            return Ok(());
        }
        let since = token.as_deref().filter(|t| !t.starts_with(CTAG_PREFIX));
        let mut full = since.is_none();
        let changes = match client.sync_collection(&info.href, since).await {
            Err(CalDavError::InvalidSyncToken) if since.is_some() => {
                full = true;
                tracing::info!(calendar = cal.id, "sync token refused; listing everything");
                report.full_resyncs += 1;
                store.reset_calendar_token(cal.id).await?;
                client.sync_collection(&info.href, None).await?
            }
            other => other?,
        };
        let listed: Vec<(String, Option<String>)> = changes
            .changed
            .into_iter()
            .map(|r| (r.href, r.etag))
            .collect();
        return apply(
            store,
            client,
            cal.id,
            &info.href,
            listed,
            changes.removed,
            full,
            &changes.sync_token,
            now_ms,
            report,
        )
        .await;
    }

    // No sync-collection: the ctag says whether anything changed, the etags say what.
    let ctag_token = info.ctag.as_ref().map(|c| format!("{CTAG_PREFIX}{c}"));
    if ctag_token.is_some() && token == ctag_token {
        return Ok(());
    }
    let listed: Vec<(String, Option<String>)> = client
        .list_etags(&info.href)
        .await?
        .into_iter()
        .map(|r| (r.href, r.etag))
        .collect();
    let next = ctag_token.unwrap_or_else(|| format!("{CTAG_PREFIX}-"));
    apply(
        store,
        client,
        cal.id,
        &info.href,
        listed,
        Vec::new(),
        true,
        &next,
        now_ms,
        report,
    )
    .await
}

/// Fetches the listed objects we do not already hold at that etag, in batches, and
/// stores them; removes `removed` (and, for a `full` listing, everything held that was not
/// listed) with the last batch, which also stores `token`.
#[allow(clippy::too_many_arguments)]
async fn apply(
    store: &Store,
    client: &CalDavClient,
    calendar_id: i64,
    calendar_href: &str,
    listed: Vec<(String, Option<String>)>,
    removed: Vec<String>,
    full: bool,
    token: &str,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), CalSyncError> {
    let held: HashMap<String, Option<String>> = store
        .calendar_resource_etags(calendar_id)
        .await?
        .into_iter()
        .collect();
    let to_fetch: Vec<String> = listed
        .iter()
        .filter(|(href, etag)| etag.is_none() || held.get(href) != Some(etag))
        .map(|(href, _)| href.clone())
        .collect();
    let mut gone: Vec<String> = removed;
    if full {
        gone.clear();
        let listed_set: HashSet<&str> = listed.iter().map(|(h, _)| h.as_str()).collect();
        gone.extend(
            held.keys()
                .filter(|h| !listed_set.contains(h.as_str()))
                .cloned(),
        );
    }
    let batches: Vec<&[String]> = to_fetch.chunks(MULTIGET_BATCH).collect();
    for batch in &batches {
        let objects = client.multiget(calendar_href, batch).await?;
        report.fetched += objects.len();
        let changes: Vec<ResourceChange> = objects.into_iter().map(upsert).collect();
        store
            .apply_calendar_changes(calendar_id, &changes, None, now_ms())
            .await?;
    }
    report.deleted += gone.iter().filter(|h| held.contains_key(*h)).count();
    let deletions: Vec<ResourceChange> = gone
        .into_iter()
        .map(|href| ResourceChange::Delete { href })
        .collect();
    store
        .apply_calendar_changes(calendar_id, &deletions, Some(token), now_ms())
        .await?;
    Ok(())
}

fn upsert(obj: CalendarObject) -> ResourceChange {
    ResourceChange::Upsert {
        events: events_from_ics(&obj.data),
        href: obj.href,
        etag: obj.etag,
        ics: obj.data,
    }
}

#[cfg(test)]
mod tests {
    use super::css_color;

    #[test]
    fn apple_colours_become_css() {
        assert_eq!(css_color("#FF2968FF").as_deref(), Some("#ff2968"));
        assert_eq!(css_color("#00aa00").as_deref(), Some("#00aa00"));
        assert_eq!(css_color("red"), None);
        assert_eq!(css_color("#12345"), None);
    }
}
