//! Calendar import and the instances the week view shows.

use crate::dto::{EventInstance, ListEventsArgs};
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use std::collections::HashMap;
use std::path::Path;
use switchboard_calendar::{expand_in, parse_ics, ParsedEvent, Tz};
use switchboard_store::{EventRow, NewEvent};
use switchboard_sync::calendar_store::events_from_ics;

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

/// What an instance shows beyond its times, read once per stored row.
#[derive(Default)]
struct RowExtras {
    status: Option<String>,
    has_alarm: bool,
    meeting_url: Option<String>,
    organizer: Option<String>,
    my_partstat: Option<String>,
}

fn extras(row: &EventRow, parsed: Option<&ParsedEvent>, mine: &[String]) -> RowExtras {
    let Some(ev) = parsed else {
        return RowExtras::default();
    };
    let my_partstat = ev
        .attendees
        .iter()
        .find(|a| mine.iter().any(|m| m.eq_ignore_ascii_case(&a.email)))
        .map(|a| a.partstat.clone().unwrap_or_else(|| "NEEDS-ACTION".into()));
    RowExtras {
        status: ev.status.clone(),
        has_alarm: !ev.alarms.is_empty(),
        meeting_url: meeting_url(&row.raw, ev.location.as_deref()),
        organizer: ev.organizer.as_ref().map(|o| o.email.clone()),
        my_partstat,
    }
}

/// Properties that carry a video-call link, in the order they are trusted.
const MEETING_PROPS: &[&str] = &[
    "X-SWITCHBOARD-MEETING-URL",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
    "URL",
];

/// The event's video-call link: a conference property, else an https link in LOCATION.
pub(crate) fn meeting_url(raw: &str, location: Option<&str>) -> Option<String> {
    for prop in MEETING_PROPS {
        for line in raw.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.split(';').next().unwrap_or_default();
            if name.eq_ignore_ascii_case(prop) && value.trim().starts_with("https://") {
                return Some(value.trim().to_owned());
            }
        }
    }
    location
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("https://")))
        .map(str::to_owned)
}

fn instance(
    row: &EventRow,
    extras: &RowExtras,
    start: i64,
    end: i64,
    recurrence_id: Option<DateTime<Utc>>,
) -> EventInstance {
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
        recurrence_id: recurrence_id.map(|r| r.to_rfc3339_opts(SecondsFormat::Secs, true)),
        status: extras.status.clone(),
        has_alarm: extras.has_alarm,
        meeting_url: extras.meeting_url.clone(),
        organizer: extras.organizer.clone(),
        my_partstat: extras.my_partstat.clone(),
        pending: row.pending.is_some(),
        conflict: row
            .conflict
            .then(|| "The event changed on the server while you edited it".to_owned()),
    }
}

/// A stored event at its stored (first) times.
pub(crate) fn instance_of(row: &EventRow) -> EventInstance {
    instance(row, &RowExtras::default(), row.start_at, row.end_at, None)
}

/// The stored event re-read (its raw text holds the resource's VTIMEZONEs first).
pub(crate) fn reparse(row: &EventRow) -> Option<ParsedEvent> {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}\r\nEND:VCALENDAR\r\n",
        row.raw.trim()
    );
    parse_ics(&text).events.into_iter().next()
}

/// Expands stored rows into the instances inside [from, to), sorted by start; floating
/// times and all-day dates in UTC.
pub(crate) fn expand_rows(rows: &[EventRow], from: i64, to: i64) -> Vec<EventInstance> {
    expand_rows_in(rows, from, to, Tz::UTC, &[])
}

/// Expands stored rows into the instances inside [from, to), sorted by start, placing
/// floating times and all-day dates in `zone`. `mine` are the user's addresses (for
/// "my answer" to invitations).
pub(crate) fn expand_rows_in(
    rows: &[EventRow],
    from: i64,
    to: i64,
    zone: Tz,
    mine: &[String],
) -> Vec<EventInstance> {
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
        let parsed = reparse(row);
        let extra = extras(row, parsed.as_ref(), mine);
        match parsed.filter(|_| row.broken.is_none() || row.recurring) {
            Some(ev) => {
                let ov = overrides
                    .get(&(row.calendar_id, row.uid.as_str()))
                    .map_or(&[][..], Vec::as_slice);
                let series = row.recurring;
                for i in expand_in(&ev, ov, from_t, to_t, zone) {
                    let rid = series.then_some(i.recurrence_id);
                    // An override's own alarms, attendees and status are its own.
                    let own = i.overridden.then(|| {
                        ov.iter()
                            .find(|o| o.recurrence_id == Some(i.recurrence_id))
                            .map(|o| extras(row, Some(o), mine))
                    });
                    let ex = own.flatten();
                    let ex = ex.as_ref().unwrap_or(&extra);
                    out.push(instance(row, ex, ms(i.start), ms(i.end), rid));
                }
            }
            None => {
                if row.start_at < to
                    && (row.end_at > from || (row.end_at == row.start_at && row.start_at >= from))
                {
                    out.push(instance(row, &extra, row.start_at, row.end_at, None));
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
        // Rows carry the file's VTIMEZONEs, so an event in a zone only the file defines
        // (an Outlook "W. Europe Standard Time" with its own rules) reads back the same.
        let events: Vec<NewEvent> = events_from_ics(&text);
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

    /// Every address of the user's accounts, lower-cased.
    pub(crate) async fn my_addresses(&self) -> ApiResult<Vec<String>> {
        Ok(self
            .store
            .account_configs(None)
            .await?
            .into_iter()
            .filter_map(|a| a.email)
            .map(|e| e.to_lowercase())
            .collect())
    }

    pub async fn list_events(&self, args: ListEventsArgs) -> ApiResult<Vec<EventInstance>> {
        if args.to <= args.from {
            return Err(ApiError::invalid("the window must end after it starts"));
        }
        if args.to - args.from > 400 * 86_400_000 {
            return Err(ApiError::invalid("the window may span at most 400 days"));
        }
        let zone = match args.time_zone.as_deref() {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| ApiError::invalid(format!("unknown time zone {name:?}")))?,
            None => Tz::UTC,
        };
        // Floating and all-day rows are stored as if in UTC: widen the query by a day on
        // each side so a zone's offset cannot hide them; expansion cuts to the window.
        let day = 86_400_000;
        let rows = self
            .store
            .events_in_window(args.from - day, args.to + day)
            .await?;
        let mine = self.my_addresses().await?;
        Ok(expand_rows_in(&rows, args.from, args.to, zone, &mine))
    }
}
