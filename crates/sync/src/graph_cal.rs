//! Microsoft Graph calendar sync: list the mailbox's calendars, push local edits (POST,
//! PATCH/DELETE with `If-Match`, a 412 kept as a conflict with the server's version; our
//! own answer to an invitation goes as accept/decline/tentativelyAccept), then pull each
//! calendar's `calendarView/delta` over a window (a year back to two years ahead by
//! default).
//!
//! Every instance Graph reports (single events, occurrences, exceptions) is one resource
//! keyed by its Graph id, its text made by [`switchboard_calendar::graph::event_to_ics`].
//!
//! Crash safety: each delta page is applied in one store transaction; the round's delta
//! link is stored as the calendar's token (with the window it covers) only with the last
//! page. A pass killed anywhere and run again repeats the round from the previous token
//! (re-applying pages changes nothing) or, without one, lists everything again. A full
//! round (first sync, a 410 `syncStateNotFound`, or a window that has slid too far) ends
//! by deleting every held resource the round did not report, in the same transaction as
//! its token, so a resync leaves neither duplicates nor stale rows.

mod client;

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use switchboard_calendar::graph::{
    event_to_ics, event_write_from_ics, graph_ids, GraphCalendar, GraphEvent, GraphMapError,
    WriteOptions,
};
use switchboard_mail::rest::RestError;
use switchboard_store::{
    PendingResource, RemoteCalendar, ResourceChange, Store, StoreError, SyncedCalendar,
};
use thiserror::Error;

pub use client::{BusyInterval, EventPage, GraphCalendarClient, Response, Schedule, MAX_PAGE};

use crate::calendar_store::events_from_ics;

#[derive(Debug, Error)]
pub enum GraphCalError {
    /// 410 `syncStateNotFound`: the delta token is gone; only a new round helps.
    #[error("the calendar's delta token is no longer valid")]
    SyncStateNotFound,
    /// 412: the server's copy changed since we read it.
    #[error("the event changed on the server")]
    Conflict,
    #[error("not found on the server: {0}")]
    NotFound(String),
    #[error(transparent)]
    Map(#[from] GraphMapError),
    #[error("unexpected answer from Microsoft Graph: {0}")]
    Protocol(String),
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl GraphCalError {
    /// Whether trying again later may help.
    pub fn is_retryable(&self) -> bool {
        match self {
            GraphCalError::Rest(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// How a pass behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphCalOptions {
    /// The window starts this many days before now …
    pub past_days: i64,
    /// … and ends this many days after.
    pub future_days: i64,
    /// The signed-in user's address: their own PARTSTAT on someone else's meeting is sent
    /// as an answer to the invitation rather than as a change of the event.
    pub user_address: Option<String>,
    /// Stop after applying this many delta pages, as if the process died there (tests);
    /// the next pass resumes from the stored token.
    pub max_pages: Option<usize>,
}

impl Default for GraphCalOptions {
    fn default() -> Self {
        Self {
            past_days: 365,
            future_days: 730,
            user_address: None,
            max_pages: None,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphCalReport {
    pub calendars: usize,
    /// Instances stored (new or changed).
    pub upserted: usize,
    /// Instances removed because the server no longer has them.
    pub deleted: usize,
    /// Local changes the server accepted (incl. answers to invitations).
    pub pushed: usize,
    /// Local changes refused because the server's copy changed (kept for the user).
    pub conflicts: usize,
    /// Local changes Graph cannot hold (e.g. an hourly rule), left pending, with why.
    pub refused: Vec<String>,
    /// Calendars listed again in full after a refused token.
    pub full_resyncs: usize,
    /// False when `max_pages` stopped the pass early.
    pub complete: bool,
}

impl GraphCalReport {
    /// The figures every calendar provider reports (CalDAV's report).
    pub fn as_cal_report(&self) -> crate::caldav::CalSyncReport {
        crate::caldav::CalSyncReport {
            calendars: self.calendars,
            fetched: self.upserted,
            deleted: self.deleted,
            pushed: self.pushed,
            conflicts: self.conflicts,
            full_resyncs: self.full_resyncs,
        }
    }
}

/// A calendar's stored token: the delta link of its last round and the window it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    delta_link: String,
}

/// A window whose far edge is this close to the wanted one is still good.
const WINDOW_SLACK_DAYS: i64 = 30;

fn at_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn day_start(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| Utc.from_utc_datetime(&d))
        .unwrap_or(t)
}

/// The store's view of a Graph calendar.
pub fn remote_calendar(cal: &GraphCalendar) -> RemoteCalendar {
    RemoteCalendar {
        remote_id: cal.id.clone(),
        name: if cal.name.trim().is_empty() {
            "Calendar".into()
        } else {
            cal.name.clone()
        },
        color: cal.rgb(),
        read_only: cal.can_edit == Some(false),
        time_zone: None,
    }
}

/// One sync pass over a Graph account's calendars.
pub async fn sync_graph_calendars_once(
    store: &Store,
    client: &GraphCalendarClient,
    account_id: i64,
    options: &GraphCalOptions,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
) -> Result<GraphCalReport, GraphCalError> {
    let calendars = client.calendars().await?;
    let remote: Vec<RemoteCalendar> = calendars.iter().map(remote_calendar).collect();
    let synced = store
        .sync_remote_calendars(account_id, &remote, now_ms())
        .await?;
    let mut report = GraphCalReport {
        calendars: synced.len(),
        ..GraphCalReport::default()
    };
    let mut pages_left = options.max_pages;
    for (cal, graph) in synced.iter().zip(&calendars) {
        if graph.can_edit != Some(false) {
            push_pending(store, client, cal, options, now_ms, &mut report).await?;
        }
        if !pull(
            store,
            client,
            cal,
            options,
            now_ms,
            &mut pages_left,
            &mut report,
        )
        .await?
        {
            return Ok(report);
        }
    }
    report.complete = true;
    Ok(report)
}

/// The resource of one instance (a broken one kept, flagged, rather than dropped).
fn upsert(ev: &GraphEvent) -> ResourceChange {
    let ics = match event_to_ics(ev) {
        Ok(ics) => ics,
        Err(e) => {
            tracing::warn!(id = %ev.id, error = %e, "unreadable Graph event kept as broken");
            broken_ics(ev, &e)
        }
    };
    ResourceChange::Upsert {
        href: ev.id.clone(),
        etag: ev.if_match(),
        events: events_from_ics(&ics),
        ics,
    }
}

/// A resource whose DTSTART cannot be read, so the store flags the event broken and the
/// rest of the calendar still loads.
fn broken_ics(ev: &GraphEvent, why: &GraphMapError) -> String {
    let text = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Switchboard//Microsoft Graph//EN\r\nBEGIN:VEVENT\r\n\
         UID:{id}\r\nDTSTART:unreadable\r\nSUMMARY:{subject}\r\n{x}:{id}\r\nX-SWITCHBOARD-PROBLEM:{why}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        id = text(&ev.id),
        subject = text(ev.subject.as_deref().unwrap_or("")),
        x = switchboard_calendar::graph::X_ID,
        why = text(&why.to_string()),
    )
}

/// Brings one calendar up to the server's state. False when `pages_left` ran out.
async fn pull(
    store: &Store,
    client: &GraphCalendarClient,
    cal: &SyncedCalendar,
    options: &GraphCalOptions,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    pages_left: &mut Option<usize>,
    report: &mut GraphCalReport,
) -> Result<bool, GraphCalError> {
    let now = at_ms(now_ms());
    let wanted = (
        day_start(now - Duration::days(options.past_days)),
        day_start(now + Duration::days(options.future_days)),
    );
    let cursor = cal
        .sync_token
        .as_deref()
        .and_then(|t| serde_json::from_str::<Cursor>(t).ok())
        .filter(|c| c.to >= wanted.1 - Duration::days(WINDOW_SLACK_DAYS));
    let (mut url, mut window, mut full) = match cursor {
        Some(c) => (c.delta_link, (c.from, c.to), false),
        None => (
            client.delta_start(&cal.remote_id, wanted.0, wanted.1),
            wanted,
            true,
        ),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut restarts = 0;
    loop {
        let page = match client.delta(&url).await {
            Err(GraphCalError::SyncStateNotFound) if restarts < 2 => {
                restarts += 1;
                tracing::info!(
                    calendar = cal.id,
                    "delta token refused; listing the window again"
                );
                if !full {
                    report.full_resyncs += 1;
                    store.reset_calendar_token(cal.id).await?;
                }
                full = true;
                window = wanted;
                seen.clear();
                url = client.delta_start(&cal.remote_id, wanted.0, wanted.1);
                continue;
            }
            other => other?,
        };
        let mut changes: Vec<ResourceChange> = Vec::with_capacity(page.value.len());
        for ev in &page.value {
            if ev.is_removed() {
                seen.remove(&ev.id);
                changes.push(ResourceChange::Delete {
                    href: ev.id.clone(),
                });
            } else {
                seen.insert(ev.id.clone());
                changes.push(upsert(ev));
            }
        }
        report.upserted += page.value.iter().filter(|e| !e.is_removed()).count();
        let removed = page.value.iter().filter(|e| e.is_removed()).count();
        match (page.next_link, page.delta_link) {
            (Some(next), _) => {
                report.deleted += removed;
                store
                    .apply_calendar_changes(cal.id, &changes, None, now_ms())
                    .await?;
                if let Some(left) = pages_left.as_mut() {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        return Ok(false);
                    }
                }
                url = next;
            }
            (None, Some(delta_link)) => {
                let held: Vec<String> = if full {
                    store
                        .calendar_resource_etags(cal.id)
                        .await?
                        .into_iter()
                        .map(|(href, _)| href)
                        .filter(|h| !seen.contains(h))
                        .collect()
                } else {
                    Vec::new()
                };
                report.deleted += removed + held.len();
                changes.extend(held.into_iter().map(|href| ResourceChange::Delete { href }));
                let token = serde_json::to_string(&Cursor {
                    from: window.0,
                    to: window.1,
                    delta_link,
                })
                .map_err(|e| GraphCalError::Protocol(e.to_string()))?;
                store
                    .apply_calendar_changes(cal.id, &changes, Some(&token), now_ms())
                    .await?;
                if let Some(left) = pages_left.as_mut() {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            (None, None) => {
                return Err(GraphCalError::Protocol(
                    "a delta page with neither a next link nor a delta link".into(),
                ))
            }
        }
    }
}

/// The signed-in user's PARTSTAT on an invitation someone else organized, if they gave one.
fn my_answer(ics: &str, me: Option<&str>) -> Option<Response> {
    let me = me?.trim().to_ascii_lowercase();
    let parsed = switchboard_calendar::parse_ics(ics);
    let ev = parsed.events.first()?;
    let organizer = ev.organizer.as_ref()?.email.to_ascii_lowercase();
    if organizer == me {
        return None;
    }
    let mine = ev
        .attendees
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case(&me))?;
    Response::from_partstat(mine.partstat.as_deref()?)
}

/// Sends the calendar's local changes, oldest first (the `calendar.write` job can call it
/// for one calendar). A change refused because the server's copy changed (412) is kept
/// with the server's version as a conflict; one Graph cannot hold stays pending, listed
/// in `report.refused`.
pub async fn push_pending(
    store: &Store,
    client: &GraphCalendarClient,
    cal: &SyncedCalendar,
    options: &GraphCalOptions,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
    report: &mut GraphCalReport,
) -> Result<(), GraphCalError> {
    for p in store.pending_resources(cal.id).await? {
        match push_one(store, client, cal, &p, options, now_ms).await {
            Ok(()) => report.pushed += 1,
            Err(GraphCalError::Conflict) => {
                let id = graph_ids(&p.ics).id.unwrap_or_else(|| p.href.clone());
                match client.event(&id).await {
                    Err(GraphCalError::NotFound(_)) if p.pending == "delete" => {
                        store
                            .settle_resource(cal.id, &p.href, None, now_ms())
                            .await?;
                        report.pushed += 1;
                    }
                    Err(GraphCalError::NotFound(_)) => {
                        store
                            .mark_resource_conflict(cal.id, &p.href, "", None)
                            .await?;
                        report.conflicts += 1;
                    }
                    theirs => {
                        let theirs = theirs?;
                        let ics = event_to_ics(&theirs)?;
                        store
                            .mark_resource_conflict(
                                cal.id,
                                &p.href,
                                &ics,
                                theirs.if_match().as_deref(),
                            )
                            .await?;
                        report.conflicts += 1;
                    }
                }
            }
            Err(GraphCalError::Map(e)) => {
                tracing::warn!(href = %p.href, error = %e, "local change Graph cannot hold");
                report.refused.push(format!("{}: {e}", p.href));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Stores what the server now holds for a pushed resource. A series master is not kept
/// as a resource (its instances come with the next delta page).
async fn settle_with(
    store: &Store,
    calendar_id: i64,
    old_href: &str,
    ev: &GraphEvent,
    now_ms: i64,
) -> Result<(), GraphCalError> {
    if ev.kind.as_deref() == Some("seriesMaster") {
        store
            .settle_resource(calendar_id, old_href, None, now_ms)
            .await?;
        return Ok(());
    }
    let ics = event_to_ics(ev)?;
    let events = events_from_ics(&ics);
    let etag = ev.if_match();
    store
        .settle_resource(
            calendar_id,
            old_href,
            Some((&ev.id, etag.as_deref(), &ics, &events)),
            now_ms,
        )
        .await?;
    Ok(())
}

async fn push_one(
    store: &Store,
    client: &GraphCalendarClient,
    cal: &SyncedCalendar,
    p: &PendingResource,
    options: &GraphCalOptions,
    now_ms: &(dyn Fn() -> i64 + Send + Sync),
) -> Result<(), GraphCalError> {
    let ids = graph_ids(&p.ics);
    let id = ids.id.clone().unwrap_or_else(|| p.href.clone());
    let instance = matches!(ids.kind.as_deref(), Some("occurrence" | "exception"));
    match p.pending.as_str() {
        "delete" => {
            match client.delete(&id, p.etag.as_deref()).await {
                Ok(()) | Err(GraphCalError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
            store
                .settle_resource(cal.id, &p.href, None, now_ms())
                .await?;
        }
        "create" if ids.id.is_none() => {
            let body = event_write_from_ics(
                &p.ics,
                WriteOptions {
                    teams: false,
                    instance: false,
                },
            )?;
            let created = client.create(&cal.remote_id, &body).await?;
            settle_with(store, cal.id, &p.href, &created, now_ms()).await?;
        }
        _ => {
            if let Some(answer) = my_answer(&p.ics, options.user_address.as_deref()) {
                client.respond(&id, answer, "", true).await?;
                if answer == Response::Decline {
                    store
                        .settle_resource(cal.id, &p.href, None, now_ms())
                        .await?;
                } else {
                    let now = client.event(&id).await?;
                    settle_with(store, cal.id, &p.href, &now, now_ms()).await?;
                }
                return Ok(());
            }
            let body = event_write_from_ics(
                &p.ics,
                WriteOptions {
                    teams: false,
                    instance,
                },
            )?;
            let body =
                serde_json::to_value(&body).map_err(|e| GraphCalError::Protocol(e.to_string()))?;
            let updated = client.update(&id, &body, p.etag.as_deref()).await?;
            settle_with(store, cal.id, &p.href, &updated, now_ms()).await?;
        }
    }
    Ok(())
}

/// Answers an invitation now (the event's own resource follows with the next pass).
pub async fn respond_to_event(
    client: &GraphCalendarClient,
    event_id: &str,
    response: Response,
    comment: &str,
) -> Result<(), GraphCalError> {
    client.respond(event_id, response, comment, true).await
}

/// A series as one resource (its RRULE included) with its etag, for an edit of "all"
/// occurrences: the stored resources are instances, whose `X-MS-GRAPH-SERIES-MASTER-ID`
/// names the series.
pub async fn series_master(
    client: &GraphCalendarClient,
    master_id: &str,
) -> Result<(String, Option<String>), GraphCalError> {
    let master = client.event(master_id).await?;
    Ok((event_to_ics(&master)?, master.if_match()))
}

/// Writes an edited series (from [`series_master`]) back with `If-Match`; a stale etag is
/// [`GraphCalError::Conflict`]. The instances follow with the next pass.
pub async fn update_series(
    client: &GraphCalendarClient,
    master_id: &str,
    ics: &str,
    if_match: Option<&str>,
) -> Result<(), GraphCalError> {
    let body = event_write_from_ics(ics, WriteOptions::default())?;
    let body = serde_json::to_value(&body).map_err(|e| GraphCalError::Protocol(e.to_string()))?;
    client.update(master_id, &body, if_match).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn my_answer_only_on_someone_elses_meeting() {
        let ics = |org: &str, partstat: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20261123T100000Z\r\n\
                 ORGANIZER:mailto:{org}\r\nATTENDEE;PARTSTAT={partstat}:mailto:Rep@Example.test\r\n\
                 END:VEVENT\r\nEND:VCALENDAR\r\n"
            )
        };
        let me = Some("rep@example.test");
        assert_eq!(
            my_answer(&ics("boss@example.test", "ACCEPTED"), me),
            Some(Response::Accept)
        );
        assert_eq!(
            my_answer(&ics("boss@example.test", "DECLINED"), me),
            Some(Response::Decline)
        );
        assert_eq!(
            my_answer(&ics("boss@example.test", "NEEDS-ACTION"), me),
            None
        );
        assert_eq!(
            my_answer(&ics("rep@example.test", "ACCEPTED"), me),
            None,
            "my own meeting"
        );
        assert_eq!(my_answer(&ics("boss@example.test", "ACCEPTED"), None), None);
    }

    #[test]
    fn an_unreadable_event_is_kept_flagged_broken() {
        let ev: GraphEvent = serde_json::from_value(serde_json::json!({
            "id": "AAMk=1", "subject": "Odd; one", "@odata.etag": "W/\"k\"",
            "start": {"dateTime": "someday", "timeZone": "UTC"}
        }))
        .unwrap_or_default();
        let ResourceChange::Upsert {
            href,
            etag,
            events,
            ics,
        } = upsert(&ev)
        else {
            panic!("an upsert");
        };
        assert_eq!(
            (href.as_str(), etag.as_deref()),
            ("AAMk=1", Some("W/\"k\""))
        );
        assert_eq!(events.len(), 1, "{ics}");
        assert!(events[0].broken.is_some());
        assert_eq!(events[0].summary, "Odd; one");
        assert!(ics.contains("X-MS-GRAPH-ID:AAMk=1"));
    }

    #[test]
    fn cursors_round_trip_and_junk_is_a_full_round() {
        let c = Cursor {
            from: at_ms(0),
            to: at_ms(86_400_000),
            delta_link: "http://x/delta?$deltatoken=abc".into(),
        };
        let text = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Cursor>(&text).ok(), Some(c));
        assert!(serde_json::from_str::<Cursor>("ctag:1").is_err());
    }
}
