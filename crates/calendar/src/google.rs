//! Google Calendar events and iCalendar, both ways (pure; the HTTP client and the sync loop
//! are in `switchboard_sync::gcal`).
//!
//! Google lists a recurring series as one event (its `recurrence` holds RFC 5545
//! RRULE/RDATE/EXDATE lines) and each changed or cancelled occurrence as a separate event
//! with `recurringEventId` and `originalStartTime`. Each Google event becomes one resource
//! (href = the event id): a VCALENDAR with one VEVENT whose UID is the event's `iCalUID`, so
//! a series and its exceptions share a UID and the store joins them; an exception carries a
//! RECURRENCE-ID, a cancelled one `STATUS:CANCELLED`. Times keep their zone (`start.timeZone`,
//! else the calendar's) as a TZID; reminders become VALARMs (the calendar's defaults when
//! the event uses them); the Meet link is kept as `URL` and `X-GOOGLE-CONFERENCE`; the
//! event id, etag and series id ride along as `X-GOOGLE-*` properties.
//!
//! The other way, [`event_write_from_ics`] turns a resource we edited into the JSON body of
//! an insert, update or patch (a Meet request through `conferenceData.createRequest`).

#[cfg(test)]
mod tests;
mod write;

pub use write::{
    event_id_for_uid, event_write_from_ics, google_ids, split_vevents, wants_meet, EventWrite,
    GoogleIds, WriteOptions, MEET_REQUEST,
};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::doc::{escape_text as escape, param_value as param, push_line as line};
use serde::{Deserialize, Serialize};

/// The X- properties a Google resource carries.
pub const X_EVENT_ID: &str = "X-GOOGLE-EVENT-ID";
pub const X_ETAG: &str = "X-GOOGLE-ETAG";
pub const X_RECURRING_EVENT_ID: &str = "X-GOOGLE-RECURRING-EVENT-ID";
/// The conference (Meet) link; Google's own iCalendar export uses the same name.
pub const X_CONFERENCE: &str = "X-GOOGLE-CONFERENCE";
/// `TRUE` when the event uses the calendar's default reminders (the VALARMs are those).
pub const X_DEFAULT_REMINDERS: &str = "X-GOOGLE-DEFAULT-REMINDERS";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoogleMapError {
    #[error("Google event {id}: {reason}")]
    Invalid { id: String, reason: String },
    #[error("the resource cannot be written to Google: {0}")]
    Unwritable(String),
}

/// `EventDateTime`: `date` for all-day, else `dateTime` (RFC 3339) with an optional IANA
/// `timeZone`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDateTime {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// `EventAttendee`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `needsAction`, `declined`, `tentative`, `accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<bool>,
    #[serde(default, rename = "self", skip_serializing_if = "Option::is_none")]
    pub is_self: Option<bool>,
}

/// The `organizer` / `creator` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `EventReminder`: `method` is `popup` or `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub method: String,
    pub minutes: i64,
}

/// The `reminders` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reminders {
    #[serde(default)]
    pub use_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<Reminder>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    #[serde(default)]
    pub entry_point_type: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceSolutionKey {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceRequestStatus {
    pub status_code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConferenceRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_solution_key: Option<ConferenceSolutionKey>,
    #[serde(default, skip_serializing)]
    pub status: Option<ConferenceRequestStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_request: Option<CreateConferenceRequest>,
    #[serde(default, skip_serializing)]
    pub entry_points: Vec<EntryPoint>,
    #[serde(default, skip_serializing)]
    pub conference_id: Option<String>,
}

/// An `Event` as the API answers it (the fields we use; the rest is ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleEvent {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default, rename = "iCalUID")]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub start: Option<EventDateTime>,
    #[serde(default)]
    pub end: Option<EventDateTime>,
    #[serde(default)]
    pub recurrence: Option<Vec<String>>,
    #[serde(default)]
    pub recurring_event_id: Option<String>,
    #[serde(default)]
    pub original_start_time: Option<EventDateTime>,
    #[serde(default)]
    pub sequence: Option<i64>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    pub organizer: Option<Person>,
    #[serde(default)]
    pub reminders: Option<Reminders>,
    #[serde(default)]
    pub conference_data: Option<ConferenceData>,
    #[serde(default)]
    pub hangout_link: Option<String>,
    #[serde(default)]
    pub transparency: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
}

impl GoogleEvent {
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref() == Some("cancelled")
    }

    /// The Meet (or other video) link: `hangoutLink`, else the first video entry point.
    pub fn conference_link(&self) -> Option<&str> {
        self.hangout_link.as_deref().or_else(|| {
            self.conference_data.as_ref().and_then(|c| {
                c.entry_points
                    .iter()
                    .find(|e| e.entry_point_type.as_deref() == Some("video"))
                    .and_then(|e| e.uri.as_deref())
            })
        })
    }
}

/// What an event needs from its calendar.
#[derive(Debug, Clone, Copy, Default)]
pub struct CalendarContext<'a> {
    /// The calendar's IANA zone (events without `timeZone` are shown in it).
    pub time_zone: Option<&'a str>,
    /// The calendar's `defaultReminders`.
    pub default_reminders: &'a [Reminder],
}

/// RFC 5545 PARTSTAT for a Google `responseStatus`.
pub fn partstat(response: &str) -> &'static str {
    match response {
        "accepted" => "ACCEPTED",
        "declined" => "DECLINED",
        "tentative" => "TENTATIVE",
        _ => "NEEDS-ACTION",
    }
}

/// Google `responseStatus` for an RFC 5545 PARTSTAT.
pub fn response_status(partstat: &str) -> &'static str {
    match partstat.to_ascii_uppercase().as_str() {
        "ACCEPTED" => "accepted",
        "DECLINED" => "declined",
        "TENTATIVE" => "tentative",
        _ => "needsAction",
    }
}

fn zone(name: Option<&str>) -> Option<Tz> {
    name.and_then(|n| n.parse::<Tz>().ok())
}

/// A Google time as a property line (`DTSTART;TZID=Europe/Berlin:20261124T090000`,
/// `DTSTART;VALUE=DATE:20261124`, or UTC when no zone resolves).
fn time_line(
    name: &str,
    t: &EventDateTime,
    fallback_zone: Option<&str>,
    id: &str,
) -> Result<String, GoogleMapError> {
    let invalid = |reason: String| GoogleMapError::Invalid {
        id: id.to_owned(),
        reason,
    };
    if let Some(date) = &t.date {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| invalid(format!("{name} date '{date}'")))?;
        return Ok(format!("{name};VALUE=DATE:{}", d.format("%Y%m%d")));
    }
    let text = t
        .date_time
        .as_deref()
        .ok_or_else(|| invalid(format!("{name} has neither date nor dateTime")))?;
    let tz = zone(t.time_zone.as_deref()).or_else(|| zone(fallback_zone));
    let at: DateTime<Utc> = match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => {
            // A dateTime without an offset is a wall time in its timeZone.
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .map_err(|_| invalid(format!("{name} dateTime '{text}'")))?;
            let tz = tz.ok_or_else(|| invalid(format!("{name} '{text}' has no zone")))?;
            tz.from_local_datetime(&local)
                .earliest()
                .ok_or_else(|| invalid(format!("{name} '{text}' does not exist in {tz}")))?
                .with_timezone(&Utc)
        }
    };
    Ok(match tz {
        Some(tz) if tz != Tz::UTC && tz != Tz::Etc__UTC => format!(
            "{name};TZID={}:{}",
            tz.name(),
            at.with_timezone(&tz).format("%Y%m%dT%H%M%S")
        ),
        _ => format!("{name}:{}", at.format("%Y%m%dT%H%M%SZ")),
    })
}

fn stamp(rfc3339: Option<&str>) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(rfc3339?).ok()?;
    Some(at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
}

fn alarm(out: &mut String, r: &Reminder, summary: &str) {
    line(out, "BEGIN:VALARM");
    if r.method == "email" {
        line(out, "ACTION:EMAIL");
        line(out, &format!("SUMMARY:{}", escape(summary)));
    } else {
        line(out, "ACTION:DISPLAY");
    }
    line(out, "DESCRIPTION:Reminder");
    line(out, &format!("TRIGGER:-PT{}M", r.minutes.max(0)));
    line(out, "END:VALARM");
}

/// The VCALENDAR resource of one Google event. `series_uid` is the series' iCalUID for a
/// cancelled exception that came without its own (Google only promises `id`,
/// `recurringEventId` and `originalStartTime` for those).
pub fn event_to_ics(
    ev: &GoogleEvent,
    calendar: &CalendarContext<'_>,
    series_uid: Option<&str>,
) -> Result<String, GoogleMapError> {
    let invalid = |reason: &str| GoogleMapError::Invalid {
        id: ev.id.clone(),
        reason: reason.to_owned(),
    };
    let uid = ev
        .ical_uid
        .as_deref()
        .or(series_uid)
        .ok_or_else(|| invalid("no iCalUID"))?;
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Switchboard//Google Calendar//EN");
    line(&mut out, "BEGIN:VEVENT");
    line(&mut out, &format!("UID:{}", escape(uid)));
    let dtstamp = stamp(ev.updated.as_deref()).unwrap_or_else(|| "19700101T000000Z".into());
    line(&mut out, &format!("DTSTAMP:{dtstamp}"));
    if let Some(original) = &ev.original_start_time {
        line(
            &mut out,
            &time_line("RECURRENCE-ID", original, calendar.time_zone, &ev.id)?,
        );
    }
    line(&mut out, &format!("{X_EVENT_ID}:{}", escape(&ev.id)));
    if let Some(series) = &ev.recurring_event_id {
        line(
            &mut out,
            &format!("{X_RECURRING_EVENT_ID}:{}", escape(series)),
        );
    }
    if let Some(etag) = &ev.etag {
        line(&mut out, &format!("{X_ETAG}:{}", escape(etag)));
    }
    if ev.is_cancelled() {
        // A cancelled occurrence: it only removes that occurrence from its series.
        if ev.original_start_time.is_none() {
            return Err(invalid("a cancelled event is a deletion, not a resource"));
        }
        if let Some(start) = &ev.original_start_time {
            line(
                &mut out,
                &time_line("DTSTART", start, calendar.time_zone, &ev.id)?,
            );
        }
        line(&mut out, "STATUS:CANCELLED");
        line(&mut out, "END:VEVENT");
        line(&mut out, "END:VCALENDAR");
        return Ok(out);
    }
    let start = ev.start.as_ref().ok_or_else(|| invalid("no start"))?;
    let end = ev.end.as_ref().unwrap_or(start);
    line(
        &mut out,
        &time_line("DTSTART", start, calendar.time_zone, &ev.id)?,
    );
    line(
        &mut out,
        &time_line("DTEND", end, calendar.time_zone, &ev.id)?,
    );
    for rule in ev.recurrence.iter().flatten() {
        let name = rule
            .split([':', ';'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if matches!(name.as_str(), "RRULE" | "RDATE" | "EXDATE" | "EXRULE") {
            line(&mut out, rule.trim());
        }
    }
    let summary = ev.summary.clone().unwrap_or_default();
    if !summary.is_empty() {
        line(&mut out, &format!("SUMMARY:{}", escape(&summary)));
    }
    if let Some(d) = ev.description.as_deref().filter(|d| !d.is_empty()) {
        line(&mut out, &format!("DESCRIPTION:{}", escape(d)));
    }
    if let Some(l) = ev.location.as_deref().filter(|l| !l.is_empty()) {
        line(&mut out, &format!("LOCATION:{}", escape(l)));
    }
    let status = match ev.status.as_deref() {
        Some("tentative") => "TENTATIVE",
        _ => "CONFIRMED",
    };
    line(&mut out, &format!("STATUS:{status}"));
    if ev.transparency.as_deref() == Some("transparent") {
        line(&mut out, "TRANSP:TRANSPARENT");
    } else {
        line(&mut out, "TRANSP:OPAQUE");
    }
    match ev.visibility.as_deref() {
        Some("private") => line(&mut out, "CLASS:PRIVATE"),
        Some("confidential") => line(&mut out, "CLASS:CONFIDENTIAL"),
        Some("public") => line(&mut out, "CLASS:PUBLIC"),
        _ => {}
    }
    if let Some(seq) = ev.sequence {
        line(&mut out, &format!("SEQUENCE:{seq}"));
    }
    if let Some(created) = stamp(ev.created.as_deref()) {
        line(&mut out, &format!("CREATED:{created}"));
    }
    if let Some(modified) = stamp(ev.updated.as_deref()) {
        line(&mut out, &format!("LAST-MODIFIED:{modified}"));
    }
    if let Some(org) = ev
        .organizer
        .as_ref()
        .and_then(|o| o.email.as_deref().map(|e| (e, o)))
    {
        let cn = org
            .1
            .display_name
            .as_deref()
            .map(|n| format!(";CN={}", param(n)))
            .unwrap_or_default();
        line(&mut out, &format!("ORGANIZER{cn}:mailto:{}", org.0));
    }
    for a in &ev.attendees {
        let mut text = String::from("ATTENDEE");
        if let Some(name) = &a.display_name {
            text.push_str(&format!(";CN={}", param(name)));
        }
        if a.resource == Some(true) {
            text.push_str(";CUTYPE=RESOURCE");
        }
        let role = if a.optional == Some(true) {
            "OPT-PARTICIPANT"
        } else {
            "REQ-PARTICIPANT"
        };
        text.push_str(&format!(";ROLE={role}"));
        let status = a.response_status.as_deref().unwrap_or("needsAction");
        text.push_str(&format!(";PARTSTAT={}", partstat(status)));
        if status == "needsAction" {
            text.push_str(";RSVP=TRUE");
        }
        text.push_str(&format!(":mailto:{}", a.email));
        line(&mut out, &text);
    }
    if let Some(link) = ev.conference_link() {
        line(&mut out, &format!("URL:{link}"));
        line(&mut out, &format!("{X_CONFERENCE}:{link}"));
    }
    let reminders = ev.reminders.clone().unwrap_or(Reminders {
        use_default: true,
        overrides: None,
    });
    if reminders.use_default {
        line(&mut out, &format!("{X_DEFAULT_REMINDERS}:TRUE"));
        for r in calendar.default_reminders {
            alarm(&mut out, r, &summary);
        }
    } else {
        for r in reminders.overrides.iter().flatten() {
            alarm(&mut out, r, &summary);
        }
    }
    line(&mut out, "END:VEVENT");
    line(&mut out, "END:VCALENDAR");
    Ok(out)
}

/// A `freeBusy` answer's busy periods for one calendar: `(start, end)` instants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FreeBusyCalendar {
    #[serde(default)]
    pub busy: Vec<TimePeriod>,
    #[serde(default)]
    pub errors: Vec<FreeBusyError>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TimePeriod {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FreeBusyError {
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One busy period: start and end.
pub type BusyInterval = (DateTime<Utc>, DateTime<Utc>);

/// The busy periods as instants; unreadable ones are an error (a silently dropped busy
/// period would offer a slot that is taken).
pub fn busy_intervals(cal: &FreeBusyCalendar) -> Result<Vec<BusyInterval>, String> {
    cal.busy
        .iter()
        .map(|p| {
            let read = |t: &str| {
                DateTime::parse_from_rfc3339(t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| format!("busy period time '{t}': {e}"))
            };
            Ok((read(&p.start)?, read(&p.end)?))
        })
        .collect()
}
