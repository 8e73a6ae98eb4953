//! Google Calendar sync: list the user's calendars, push local edits (insert with our own
//! event id, patch and delete with `If-Match`; a 412 keeps both versions as a conflict;
//! Google mails the invitations), then pull each calendar: a full listing the first time,
//! then what changed since the stored sync token. A token Google no longer accepts (410
//! `fullSyncRequired`) starts a full resync that replaces by event id and removes what the
//! server no longer lists, so nothing doubles and deleted events go.
//!
//! Each Google event is one resource (href = the event id; see
//! `switchboard_calendar::google`): a series, each exception, and each cancelled occurrence
//! (a CANCELLED override of its series). A deleted event is a resource deletion.
//!
//! Crash safety: every page is stored in its own transaction without a token; the token,
//! and on a full listing the removal of everything not listed, comes with the last page.
//! Re-applying a page changes nothing, so a pass killed anywhere and run again ends with
//! the server's state.

mod client;

use std::collections::HashSet;

use switchboard_calendar::google::{
    event_id_for_uid, event_to_ics, event_write_from_ics, google_ids, split_vevents, wants_meet,
    CalendarContext, GoogleEvent, GoogleMapError, Reminder, WriteOptions,
};
use switchboard_calendar::parse_ics;
use switchboard_mail::rest::RestError;
use switchboard_store::{
    PendingResource, RemoteCalendar, ResourceChange, Store, StoreError, SyncedCalendar,
};
use thiserror::Error;

pub use client::{CalendarListEntry, EventsPage, GcalClient, GCAL_LIMITS, MAX_PAGE};

use crate::caldav::CalSyncReport;
use crate::calendar_store::events_from_ics;

#[derive(Debug, Error)]
pub enum GcalError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 410 `fullSyncRequired`: the sync token expired; list everything again.
    #[error("Google no longer accepts the calendar's sync token")]
    SyncTokenExpired,
    /// 412 `conditionNotMet`: the event changed on the server since we read it.
    #[error("the event changed on Google since it was read")]
    PreconditionFailed,
    /// 409 on insert: the event id is taken.
    #[error("Google already has an event with this id")]
    Duplicate,
    #[error(transparent)]
    Map(#[from] GoogleMapError),
    #[error("unexpected answer from Google Calendar: {0}")]
    Protocol(String),
}

impl GcalError {
    /// Whether trying again later may help (network, 5xx, rate limits, a token refresh
    /// that failed for a passing reason).
    pub fn is_retryable(&self) -> bool {
        match self {
            GcalError::Rest(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// How a calendar from Google's list is kept locally.
pub fn remote_calendar(entry: &CalendarListEntry) -> RemoteCalendar {
    let name = entry
        .summary_override
        .clone()
        .or_else(|| entry.summary.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| entry.id.clone());
    RemoteCalendar {
        remote_id: entry.id.clone(),
        name,
        color: entry
            .background_color
            .as_deref()
            .filter(|c| c.len() == 7 && c.starts_with('#'))
            .map(str::to_ascii_lowercase),
        read_only: !matches!(entry.access_role.as_deref(), Some("owner" | "writer")),
        time_zone: entry.time_zone.clone(),
    }
}

/// One sync pass over a Google Calendar account.
pub async fn sync_gcal_once(
    store: &Store,
    client: &GcalClient,
    account_id: i64,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
) -> Result<CalSyncReport, GcalError> {
    let entries = client.calendars().await?;
    let remote: Vec<RemoteCalendar> = entries.iter().map(remote_calendar).collect();
    let synced = store
        .sync_remote_calendars(account_id, &remote, now_ms())
        .await?;
    let mut report = CalSyncReport {
        calendars: synced.len(),
        ..CalSyncReport::default()
    };
    for (cal, entry) in synced.iter().zip(&entries) {
        if !remote_calendar(entry).read_only {
            push_pending(store, client, cal, entry, now_ms, &mut report).await?;
        }
        pull(store, client, cal, entry, now_ms, &mut report).await?;
    }
    Ok(report)
}

/// Brings one calendar up to Google's state.
pub async fn pull(
    store: &Store,
    client: &GcalClient,
    cal: &SyncedCalendar,
    entry: &CalendarListEntry,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), GcalError> {
    let token = store.calendar_token(cal.id).await?;
    if let Some(token) = token {
        match list(store, client, cal, entry, Some(&token), now_ms, report).await {
            Err(GcalError::SyncTokenExpired) => {
                tracing::info!(calendar = cal.id, "sync token expired; listing everything");
                report.full_resyncs += 1;
                store.reset_calendar_token(cal.id).await?;
            }
            other => return other,
        }
    }
    list(store, client, cal, entry, None, now_ms, report).await
}

/// Lists every page from `sync_token` (or everything) and stores each; the last page
/// brings the new token and, for a full listing, the removal of what was not listed.
async fn list(
    store: &Store,
    client: &GcalClient,
    cal: &SyncedCalendar,
    entry: &CalendarListEntry,
    sync_token: Option<&str>,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), GcalError> {
    let full = sync_token.is_none();
    let mut listed: HashSet<String> = HashSet::new();
    let mut live_series: HashSet<String> = HashSet::new();
    let mut page_token: Option<String> = None;
    loop {
        let page = client
            .list_events(&cal.remote_id, sync_token, page_token.as_deref())
            .await?;
        let mut changes = Vec::with_capacity(page.items.len());
        for ev in &page.items {
            listed.insert(ev.id.clone());
            let is_series = ev.recurrence.as_ref().is_some_and(|r| !r.is_empty());
            if is_series && !ev.is_cancelled() {
                live_series.insert(ev.id.clone());
            }
            let series_live = match &ev.recurring_event_id {
                Some(series) if live_series.contains(series) => true,
                Some(series) => {
                    let in_page = page.items.iter().find(|e| &e.id == series);
                    match in_page {
                        Some(s) => !s.is_cancelled(),
                        None => store.resource(cal.id, series).await?.is_some(),
                    }
                }
                None => false,
            };
            if let Some(change) =
                change_for(store, client, cal, entry, &page, ev, series_live).await?
            {
                if matches!(change, ResourceChange::Upsert { .. }) {
                    report.fetched += 1;
                } else {
                    report.deleted += 1;
                }
                changes.push(change);
            }
        }
        // A deleted series takes its exceptions (`{seriesId}_{start}`) with it, also those
        // cancelled earlier that this listing does not repeat.
        let gone_series: Vec<String> = page
            .items
            .iter()
            .filter(|e| e.is_cancelled() && e.recurring_event_id.is_none())
            .map(|e| format!("{}_", e.id))
            .collect();
        if !gone_series.is_empty() {
            for (href, _) in store.calendar_resource_etags(cal.id).await? {
                if gone_series.iter().any(|p| href.starts_with(p)) && !listed.contains(&href) {
                    changes.push(ResourceChange::Delete { href });
                }
            }
        }
        match (page.next_page_token, page.next_sync_token) {
            (Some(next), _) => {
                store
                    .apply_calendar_changes(cal.id, &changes, None, now_ms())
                    .await?;
                page_token = Some(next);
            }
            (None, Some(next_sync)) => {
                if full {
                    let held = store.calendar_resource_etags(cal.id).await?;
                    for (href, _) in held.into_iter().filter(|(h, _)| !listed.contains(h)) {
                        report.deleted += 1;
                        changes.push(ResourceChange::Delete { href });
                    }
                }
                store
                    .apply_calendar_changes(cal.id, &changes, Some(&next_sync), now_ms())
                    .await?;
                return Ok(());
            }
            (None, None) => {
                return Err(GcalError::Protocol(
                    "an events page with neither nextPageToken nor nextSyncToken".into(),
                ))
            }
        }
    }
}

/// The store change for one listed event: an upsert of its resource, or a deletion.
/// `series_live`: for an exception, whether its series is held or in this listing.
async fn change_for(
    store: &Store,
    client: &GcalClient,
    cal: &SyncedCalendar,
    entry: &CalendarListEntry,
    page: &EventsPage,
    ev: &GoogleEvent,
    series_live: bool,
) -> Result<Option<ResourceChange>, GcalError> {
    // A deleted event, or a cancelled occurrence of a series that is gone (nothing to
    // cancel then), is a deletion.
    if ev.is_cancelled() && (ev.recurring_event_id.is_none() || !series_live) {
        return Ok(Some(ResourceChange::Delete {
            href: ev.id.clone(),
        }));
    }
    let defaults: &[Reminder] = if page.default_reminders.is_empty() {
        &entry.default_reminders
    } else {
        &page.default_reminders
    };
    let context = CalendarContext {
        time_zone: page.time_zone.as_deref().or(entry.time_zone.as_deref()),
        default_reminders: defaults,
    };
    let series_uid = match (&ev.ical_uid, &ev.recurring_event_id) {
        (None, Some(series)) => series_uid(store, client, cal, page, series).await?,
        _ => None,
    };
    let ics = match event_to_ics(ev, &context, series_uid.as_deref()) {
        Ok(ics) => ics,
        Err(e) => {
            // Keep it, flagged: the calendar view shows it as broken instead of losing it.
            tracing::warn!(calendar = cal.id, error = %e, "Google event could not be read");
            broken_resource(ev, series_uid.as_deref(), &e)
        }
    };
    Ok(Some(ResourceChange::Upsert {
        events: events_from_ics(&ics),
        href: ev.id.clone(),
        etag: ev.etag.clone(),
        ics,
    }))
}

/// A resource for an event we could not map: its UID and id, no DTSTART (so the parser
/// flags it broken), and why.
fn broken_resource(ev: &GoogleEvent, series_uid: Option<&str>, e: &GoogleMapError) -> String {
    let uid = ev
        .ical_uid
        .as_deref()
        .or(series_uid)
        .unwrap_or(ev.id.as_str());
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{}\r\nX-GOOGLE-EVENT-ID:{}\r\n\
         SUMMARY:{}\r\nX-SWITCHBOARD-BROKEN:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        clean(uid),
        clean(&ev.id),
        clean(ev.summary.as_deref().unwrap_or("(unreadable Google event)")),
        clean(&e.to_string()),
    )
}

/// The series' iCalUID for a cancelled occurrence that came without one: from the same
/// page, else the series' stored resource, else Google.
async fn series_uid(
    store: &Store,
    client: &GcalClient,
    cal: &SyncedCalendar,
    page: &EventsPage,
    series_id: &str,
) -> Result<Option<String>, GcalError> {
    if let Some(uid) = page
        .items
        .iter()
        .find(|e| e.id == series_id)
        .and_then(|e| e.ical_uid.clone())
    {
        return Ok(Some(uid));
    }
    if let Some(row) = store.resource(cal.id, series_id).await? {
        if let Some(ev) = parse_ics(&row.ics).events.first() {
            return Ok(Some(ev.uid.clone()));
        }
    }
    Ok(client
        .event(&cal.remote_id, series_id)
        .await?
        .and_then(|e| e.ical_uid))
}

/// The Google id a pending resource writes to: its own, an occurrence's instance id
/// (`{seriesId}_{20261124T150000Z}`) for an exception made here, or `None` for a new event.
async fn target_id(
    store: &Store,
    cal: &SyncedCalendar,
    p: &PendingResource,
) -> Result<Option<String>, GcalError> {
    let ids = google_ids(&p.ics);
    if ids.id.is_some() {
        return Ok(ids.id);
    }
    let parsed = parse_ics(&p.ics);
    let Some(ev) = parsed.events.first() else {
        return Ok(None);
    };
    let Some(rid) = ev.recurrence_id else {
        return Ok(None);
    };
    let series = match ids.recurring_event_id {
        Some(s) => Some(s),
        None => store
            .resource_for_uid(cal.id, &ev.uid)
            .await?
            .and_then(|row| google_ids(&row.ics).id),
    };
    Ok(series.map(|s| format!("{s}_{}", instance_stamp(rid, ev.all_day))))
}

/// Sends the calendar's local changes, oldest first. A change Google refuses because the
/// event changed there (412) is kept with Google's version as a conflict for the user.
pub async fn push_pending(
    store: &Store,
    client: &GcalClient,
    cal: &SyncedCalendar,
    entry: &CalendarListEntry,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut CalSyncReport,
) -> Result<(), GcalError> {
    let context = CalendarContext {
        time_zone: entry.time_zone.as_deref(),
        default_reminders: &entry.default_reminders,
    };
    for p in store.pending_resources(cal.id).await? {
        let target = target_id(store, cal, &p).await?;
        let result = match (p.pending.as_str(), &target) {
            ("delete", None) => Ok(None),
            ("delete", Some(id)) => client
                .delete(&cal.remote_id, id, p.etag.as_deref())
                .await
                .map(|()| None),
            (_, target) => write(client, cal, &p, target.as_deref()).await.map(Some),
        };
        match result {
            Ok(None) => {
                store
                    .settle_resource(cal.id, &p.href, None, now_ms())
                    .await?;
                report.pushed += 1;
            }
            Ok(Some(ev)) => {
                let ics = event_to_ics(&ev, &context, None)?;
                let events = events_from_ics(&ics);
                store
                    .settle_resource(
                        cal.id,
                        &p.href,
                        Some((&ev.id, ev.etag.as_deref(), &ics, &events)),
                        now_ms(),
                    )
                    .await?;
                report.pushed += 1;
            }
            Err(GcalError::PreconditionFailed) => {
                let id = target.as_deref().unwrap_or(p.href.as_str());
                match client.event(&cal.remote_id, id).await? {
                    Some(theirs) if !(theirs.is_cancelled() && p.pending == "delete") => {
                        let ics = if theirs.is_cancelled() {
                            String::new()
                        } else {
                            event_to_ics(&theirs, &context, None)?
                        };
                        store
                            .mark_resource_conflict(cal.id, &p.href, &ics, theirs.etag.as_deref())
                            .await?;
                        report.conflicts += 1;
                    }
                    // We wanted it gone and it is gone: nothing to decide.
                    _ => {
                        store
                            .settle_resource(cal.id, &p.href, None, now_ms())
                            .await?;
                        report.pushed += 1;
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes a resource: its first VEVENT (the series, or the one event) by insert or patch,
/// then each override of an occurrence the resource also holds as a patch (or a delete,
/// when cancelled) of that occurrence. Answers Google's version of the first.
async fn write(
    client: &GcalClient,
    cal: &SyncedCalendar,
    p: &PendingResource,
    target: Option<&str>,
) -> Result<GoogleEvent, GcalError> {
    let parts = split_vevents(&p.ics);
    let (first, overrides) = parts
        .split_first()
        .ok_or_else(|| GcalError::Map(GoogleMapError::Unwritable("no VEVENT".into())))?;
    let ev = match target {
        None => insert(client, cal, first).await?,
        Some(id) => patch(client, cal, id, first, p.etag.as_deref()).await?,
    };
    if ev.recurring_event_id.is_none() {
        for part in overrides {
            let parsed = parse_ics(part);
            let Some((rid, all_day, cancelled)) = parsed.events.first().and_then(|o| {
                Some((
                    o.recurrence_id?,
                    o.all_day,
                    o.status.as_deref() == Some("CANCELLED"),
                ))
            }) else {
                continue;
            };
            let instance = format!("{}_{}", ev.id, instance_stamp(rid, all_day));
            if cancelled {
                client.delete(&cal.remote_id, &instance, None).await?;
            } else {
                patch(client, cal, &instance, part, None).await?;
            }
        }
    }
    Ok(ev)
}

/// The suffix of an occurrence's id: its original start in UTC, or its date when all-day.
fn instance_stamp(original: chrono::DateTime<chrono::Utc>, all_day: bool) -> String {
    if all_day {
        original.format("%Y%m%d").to_string()
    } else {
        original.format("%Y%m%dT%H%M%SZ").to_string()
    }
}

/// events.patch of an event or occurrence with one VEVENT's fields.
async fn patch(
    client: &GcalClient,
    cal: &SyncedCalendar,
    id: &str,
    ics: &str,
    if_match: Option<&str>,
) -> Result<GoogleEvent, GcalError> {
    let options = WriteOptions {
        meet_request_id: wants_meet(ics).then(|| format!("switchboard-{id}")),
        instance: id.contains('_'),
        insert: false,
    };
    let body = event_write_from_ics(ics, &options)?;
    client.patch(&cal.remote_id, id, &body, if_match).await
}

/// events.insert with an id made from the UID, so a retry after a crash finds the first
/// attempt (409) instead of creating the event twice.
async fn insert(
    client: &GcalClient,
    cal: &SyncedCalendar,
    ics: &str,
) -> Result<GoogleEvent, GcalError> {
    let uid = parse_ics(ics)
        .events
        .first()
        .map(|e| e.uid.clone())
        .ok_or_else(|| GcalError::Map(GoogleMapError::Unwritable("no VEVENT".into())))?;
    let id = event_id_for_uid(&uid);
    let options = WriteOptions {
        meet_request_id: wants_meet(ics).then(|| format!("switchboard-{id}")),
        instance: false,
        insert: true,
    };
    let mut body = event_write_from_ics(ics, &options)?;
    body.id = Some(id.clone());
    match client.insert(&cal.remote_id, &body).await {
        Err(GcalError::Duplicate) => match client.event(&cal.remote_id, &id).await? {
            Some(ev) if !ev.is_cancelled() => Ok(ev),
            // The id belonged to an event deleted since: let Google choose one.
            _ => {
                body.id = None;
                client.insert(&cal.remote_id, &body).await
            }
        },
        other => other,
    }
}
