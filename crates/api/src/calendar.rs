//! Calendar import and the instances the week view shows.

use crate::dto::{EventInstance, ListEventsArgs};
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::HashMap;
use std::path::Path;
use switchboard_calendar::{expand, parse_ics, ParsedEvent};
use switchboard_store::{EventRow, NewEvent};
use switchboard_sync::calendar_store::new_event;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcsImport {
    pub events: usize,
    pub broken: usize,
    pub problems: Vec<(String, String)>,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn instance(row: &EventRow, start: i64, end: i64) -> EventInstance {
    EventInstance {
        event_id: row.id,
        calendar_id: row.calendar_id,
        calendar_name: row.calendar_name.clone(),
        color: row.color.clone(),
        uid: row.uid.clone(),
        summary: row.summary.clone(),
        location: row.location.clone(),
        start,
        end,
        all_day: row.all_day,
        tzid: row.tzid.clone(),
        recurring: row.recurring || !row.recurrence_id.is_empty(),
        broken: row.broken.clone(),
    }
}

/// A stored event at its stored (first) times.
pub(crate) fn instance_of(row: &EventRow) -> EventInstance {
    instance(row, row.start_at, row.end_at)
}

/// The stored event as it was parsed on import (its raw VEVENT re-read).
fn reparse(row: &EventRow) -> Option<ParsedEvent> {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}\r\nEND:VCALENDAR\r\n",
        row.raw.trim()
    );
    parse_ics(&text).events.into_iter().next()
}

/// Expands stored rows into the instances inside [from, to), sorted by start.
pub(crate) fn expand_rows(rows: &[EventRow], from: i64, to: i64) -> Vec<EventInstance> {
    let (from_t, to_t) = (utc(from), utc(to));
    let mut overrides: HashMap<(i64, &str), Vec<ParsedEvent>> = HashMap::new();
    for row in rows.iter().filter(|r| !r.recurrence_id.is_empty()) {
        if let Some(ev) = reparse(row) {
            overrides
                .entry((row.calendar_id, row.uid.as_str()))
                .or_default()
                .push(ev);
        }
    }
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| r.recurrence_id.is_empty()) {
        let parsed = if row.recurring { reparse(row) } else { None };
        match parsed {
            Some(ev) => {
                let ov = overrides
                    .get(&(row.calendar_id, row.uid.as_str()))
                    .map_or(&[][..], Vec::as_slice);
                for i in expand(&ev, ov, from_t, to_t) {
                    out.push(instance(row, ms(i.start), ms(i.end)));
                }
            }
            None => {
                if row.start_at < to
                    && (row.end_at > from || (row.end_at == row.start_at && row.start_at >= from))
                {
                    out.push(instance(row, row.start_at, row.end_at));
                }
            }
        }
    }
    out.sort_by_key(|e| (e.start, e.event_id));
    out
}

impl Api {
    /// Imports an .ics file into a calendar of the account, replacing events with the
    /// same UID: importing the same file twice changes nothing.
    pub async fn import_ics(
        &self,
        path: &Path,
        account: &str,
        calendar: &str,
    ) -> ApiResult<IcsImport> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| ApiError::invalid(format!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8_lossy(&bytes);
        let parsed = parse_ics(&text);
        let now = self.now_ms();
        let account_id = self
            .store
            .ensure_account(account, "local", None, now)
            .await?;
        let calendar_id = self
            .store
            .ensure_calendar(account_id, calendar, "#2563eb")
            .await?;
        let events: Vec<NewEvent> = parsed.events.iter().map(new_event).collect();
        self.store.upsert_events(calendar_id, &events, now).await?;
        Ok(IcsImport {
            events: events.len(),
            broken: events.iter().filter(|e| e.broken.is_some()).count(),
            problems: parsed
                .problems
                .into_iter()
                .map(|p| (p.position, p.reason))
                .collect(),
        })
    }

    pub async fn list_events(&self, args: ListEventsArgs) -> ApiResult<Vec<EventInstance>> {
        if args.to <= args.from {
            return Err(ApiError::invalid("the window must end after it starts"));
        }
        if args.to - args.from > 400 * 86_400_000 {
            return Err(ApiError::invalid("the window may span at most 400 days"));
        }
        let rows = self.store.events_in_window(args.from, args.to).await?;
        Ok(expand_rows(&rows, args.from, args.to))
    }
}
