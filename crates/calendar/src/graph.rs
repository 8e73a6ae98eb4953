//! Microsoft Graph calendar events and iCalendar, both ways (pure; the HTTP client is in
//! `switchboard_sync::graph_cal`).
//!
//! Graph's `calendarView/delta` reports every instance of a series on its own (occurrences
//! and exceptions, never the series master), so each instance becomes its own resource:
//! one VCALENDAR with one VEVENT whose UID is unique to the instance, carrying the Graph
//! id, type, series master id, original start and changeKey as `X-MS-GRAPH-*` properties
//! (what a later PATCH, DELETE or accept needs). Times are asked for in UTC
//! (`Prefer: outlook.timezone="UTC"`); the event's own zone (`originalStartTimeZone`, a
//! Windows or IANA name) is resolved to IANA and the times written in it, so the event keeps
//! its wall-clock time for display; an unknown zone leaves the times in UTC.
//!
//! The other way, [`event_write_from_ics`] turns a resource we edited into the JSON body of
//! a POST or PATCH (RRULE → `patternedRecurrence`, VALARM → reminder, Teams on request).

mod recurrence;
#[cfg(test)]
mod tests;
mod write;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::doc::{escape_text as escape, param_value as param, push_line as line};
use serde::{Deserialize, Serialize};

pub use write::{
    event_write_from_ics, graph_ids, wants_teams, EventWrite, GraphIds, WriteOptions, TEAMS,
};

pub use recurrence::{
    recurrence_to_rrule, rrule_to_recurrence, PatternedRecurrence, RecurrencePattern,
    RecurrenceRange,
};

/// The X- properties a Graph resource carries.
pub const X_ID: &str = "X-MS-GRAPH-ID";
pub const X_TYPE: &str = "X-MS-GRAPH-TYPE";
pub const X_SERIES_MASTER_ID: &str = "X-MS-GRAPH-SERIES-MASTER-ID";
pub const X_CHANGE_KEY: &str = "X-MS-GRAPH-CHANGEKEY";
pub const X_ORIGINAL_START: &str = "X-MS-GRAPH-ORIGINAL-START";
pub const X_ORIGINAL_TZ: &str = "X-MS-GRAPH-ORIGINAL-TZ";
/// The event's online meeting provider; set to [`TEAMS`] on a resource edited here, it
/// asks Graph to create a Teams meeting (`isOnlineMeeting`).
pub const X_ONLINE_MEETING_PROVIDER: &str = "X-MS-GRAPH-ONLINE-MEETING-PROVIDER";
/// Outlook's own property for showAs (`FREE`, `TENTATIVE`, `BUSY`, `OOF`, `WORKINGELSEWHERE`).
pub const X_BUSY_STATUS: &str = "X-MICROSOFT-CDO-BUSYSTATUS";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphMapError {
    /// The input is not what Graph or RFC 5545 documents.
    #[error("invalid calendar data: {0}")]
    Invalid(String),
    /// Valid, but Graph has no way to say it (e.g. an hourly RRULE).
    #[error("Microsoft Graph cannot store this: {0}")]
    Unsupported(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    /// A local date-time, `2026-11-24T09:00:00.0000000`.
    pub date_time: String,
    /// A Windows or IANA zone name, `UTC` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default)]
    pub email_address: EmailAddress,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseStatus {
    /// none, organizer, tentativelyAccepted, accepted, declined, notResponded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphAttendee {
    /// required, optional, resource.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub email_address: EmailAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    /// text or html.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
}

/// The `@removed` annotation of a delta entry (`reason`: `deleted`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Removed {
    #[serde(default)]
    pub reason: Option<String>,
}

/// An event (or instance, or `@removed` entry) as Graph returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphEvent {
    pub id: String,
    /// Set on a delta entry for an instance that is gone.
    #[serde(rename = "@removed", default)]
    pub removed: Option<Removed>,
    #[serde(rename = "@odata.etag", default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub change_key: Option<String>,
    #[serde(rename = "iCalUId", default)]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub start: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub end: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub is_all_day: Option<bool>,
    /// singleInstance, occurrence, exception, seriesMaster.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub series_master_id: Option<String>,
    /// An instance's start before any change (DateTimeOffset).
    #[serde(default)]
    pub original_start: Option<String>,
    #[serde(default)]
    pub original_start_time_zone: Option<String>,
    #[serde(default)]
    pub recurrence: Option<PatternedRecurrence>,
    #[serde(default)]
    pub attendees: Vec<GraphAttendee>,
    #[serde(default)]
    pub organizer: Option<Recipient>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub is_online_meeting: Option<bool>,
    #[serde(default)]
    pub online_meeting_provider: Option<String>,
    #[serde(default)]
    pub online_meeting: Option<OnlineMeetingInfo>,
    #[serde(default)]
    pub reminder_minutes_before_start: Option<i32>,
    #[serde(default)]
    pub is_reminder_on: Option<bool>,
    /// free, tentative, busy, oof, workingElsewhere, unknown.
    #[serde(default)]
    pub show_as: Option<String>,
    #[serde(default)]
    pub is_cancelled: Option<bool>,
    /// The signed-in user's own answer.
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
}

impl GraphEvent {
    pub fn is_removed(&self) -> bool {
        self.removed.is_some()
    }

    /// The etag to send as `If-Match` (`W/"<changeKey>"`).
    pub fn if_match(&self) -> Option<String> {
        self.etag
            .clone()
            .or_else(|| self.change_key.as_ref().map(|k| format!("W/\"{k}\"")))
    }
}

/// A calendar as `/me/calendars` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphCalendar {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub hex_color: Option<String>,
    /// Outlook's preset name (`lightBlue`, …, `auto`).
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub can_edit: Option<bool>,
    #[serde(default)]
    pub is_default_calendar: Option<bool>,
}

impl GraphCalendar {
    /// `#rrggbb`: the calendar's hexColor, else the preset's colour, else None (`auto`).
    pub fn rgb(&self) -> Option<String> {
        let hex = self.hex_color.as_deref().map(str::trim).unwrap_or("");
        if hex.len() == 7 && hex.starts_with('#') && hex[1..].chars().all(|c| c.is_ascii_hexdigit())
        {
            return Some(hex.to_ascii_lowercase());
        }
        let preset = match self.color.as_deref()? {
            "lightBlue" => "#4a9ee8",
            "lightGreen" => "#5bb346",
            "lightOrange" => "#f0883e",
            "lightGray" => "#9aa0a6",
            "lightYellow" => "#e5c02a",
            "lightTeal" => "#2fb3a8",
            "lightPink" => "#e06cae",
            "lightBrown" => "#a67c52",
            "lightRed" => "#e0525b",
            _ => return None,
        };
        Some(preset.to_owned())
    }
}

/// A Windows or IANA zone name as an IANA zone.
pub fn resolve_zone(name: &str) -> Option<Tz> {
    crate::values::resolve_tzid(name, &HashMap::new())
}

/// RFC 5545 PARTSTAT for a Graph response.
pub fn partstat(response: &str) -> &'static str {
    match response {
        "accepted" | "organizer" => "ACCEPTED",
        "declined" => "DECLINED",
        "tentativelyAccepted" => "TENTATIVE",
        _ => "NEEDS-ACTION",
    }
}

fn parse_local(dt: &DateTimeTimeZone) -> Result<NaiveDateTime, GraphMapError> {
    let text = dt.date_time.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| GraphMapError::Invalid(format!("dateTime '{text}'")))
}

/// The instant a Graph dateTimeTimeZone names (an unknown zone is an error).
pub fn instant(dt: &DateTimeTimeZone) -> Result<DateTime<Utc>, GraphMapError> {
    let local = parse_local(dt)?;
    let zone = dt.time_zone.as_deref().unwrap_or("UTC");
    let tz =
        resolve_zone(zone).ok_or_else(|| GraphMapError::Invalid(format!("time zone '{zone}'")))?;
    Ok(tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local)))
}

/// Text from an HTML body: tags dropped, paragraphs and breaks as newlines, the common
/// entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("/div") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let lines: Vec<&str> = decoded.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

fn compact_utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `DTSTART`/`DTEND` in the event's own zone when it resolves, else in UTC.
fn time_line(name: &str, at: DateTime<Utc>, zone: Option<(&str, Tz)>) -> String {
    match zone {
        Some((_, tz)) if tz != Tz::UTC && tz != Tz::Etc__UTC => format!(
            "{name};TZID={}:{}",
            tz.name(),
            at.with_timezone(&tz).format("%Y%m%dT%H%M%S")
        ),
        _ => format!("{name}:{}", compact_utc(at)),
    }
}

/// The VCALENDAR resource of one Graph event or instance.
pub fn event_to_ics(ev: &GraphEvent) -> Result<String, GraphMapError> {
    let start = ev
        .start
        .as_ref()
        .ok_or_else(|| GraphMapError::Invalid(format!("event {} has no start", ev.id)))?;
    let end = ev.end.as_ref().unwrap_or(start);
    let all_day = ev.is_all_day.unwrap_or(false);
    let own_zone = ev
        .original_start_time_zone
        .as_deref()
        .and_then(|n| resolve_zone(n).map(|tz| (n, tz)));
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Switchboard//Microsoft Graph//EN");
    line(&mut out, "BEGIN:VEVENT");
    let base_uid = ev
        .ical_uid
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| ev.id.clone());
    let original = ev
        .original_start
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let uid = match (ev.kind.as_deref(), original) {
        (Some("occurrence" | "exception"), Some(o)) => format!("{base_uid}-{}", compact_utc(o)),
        _ => base_uid,
    };
    line(&mut out, &format!("UID:{}", escape(&uid)));
    let stamp = ev
        .last_modified_date_time
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::UNIX_EPOCH);
    line(&mut out, &format!("DTSTAMP:{}", compact_utc(stamp)));
    if all_day {
        let date =
            |d: &DateTimeTimeZone| parse_local(d).map(|t| t.date().format("%Y%m%d").to_string());
        line(&mut out, &format!("DTSTART;VALUE=DATE:{}", date(start)?));
        line(&mut out, &format!("DTEND;VALUE=DATE:{}", date(end)?));
    } else {
        line(&mut out, &time_line("DTSTART", instant(start)?, own_zone));
        line(&mut out, &time_line("DTEND", instant(end)?, own_zone));
    }
    if let Some(rec) = ev
        .recurrence
        .as_ref()
        .filter(|_| ev.kind.as_deref() == Some("seriesMaster"))
    {
        let rule = recurrence_to_rrule(rec, own_zone.map(|z| z.1), all_day)?;
        line(&mut out, &format!("RRULE:{rule}"));
    }
    if let Some(s) = ev.subject.as_deref() {
        line(&mut out, &format!("SUMMARY:{}", escape(s)));
    }
    if let Some(body) = ev
        .body
        .as_ref()
        .and_then(|b| b.content.as_deref().map(|c| (b, c)))
    {
        let html = body.0.content_type.as_deref() == Some("html");
        let text = if html {
            html_to_text(body.1)
        } else {
            body.1.to_owned()
        };
        if !text.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&text)));
        }
    }
    if let Some(l) = ev
        .location
        .as_ref()
        .and_then(|l| l.display_name.as_deref())
        .filter(|l| !l.is_empty())
    {
        line(&mut out, &format!("LOCATION:{}", escape(l)));
    }
    let cancelled = ev.is_cancelled.unwrap_or(false);
    line(
        &mut out,
        if cancelled {
            "STATUS:CANCELLED"
        } else {
            "STATUS:CONFIRMED"
        },
    );
    let show_as = ev.show_as.as_deref().unwrap_or("busy");
    line(
        &mut out,
        if show_as == "free" {
            "TRANSP:TRANSPARENT"
        } else {
            "TRANSP:OPAQUE"
        },
    );
    line(
        &mut out,
        &format!("{X_BUSY_STATUS}:{}", show_as.to_ascii_uppercase()),
    );
    let org_address = ev
        .organizer
        .as_ref()
        .and_then(|o| o.email_address.address.clone())
        .filter(|a| !a.is_empty());
    if let (Some(org), Some(address)) = (&ev.organizer, &org_address) {
        let cn = org
            .email_address
            .name
            .as_deref()
            .map(|n| format!(";CN={}", param(n)))
            .unwrap_or_default();
        line(
            &mut out,
            &format!("ORGANIZER{cn}:mailto:{}", address.trim()),
        );
    }
    for a in &ev.attendees {
        let Some(address) = a.email_address.address.as_deref().filter(|a| !a.is_empty()) else {
            continue;
        };
        let cn = a
            .email_address
            .name
            .as_deref()
            .map(|n| format!(";CN={}", param(n)))
            .unwrap_or_default();
        let (role, cutype) = match a.kind.as_deref() {
            Some("optional") => ("OPT-PARTICIPANT", "INDIVIDUAL"),
            Some("resource") => ("NON-PARTICIPANT", "RESOURCE"),
            _ => ("REQ-PARTICIPANT", "INDIVIDUAL"),
        };
        let response = a
            .status
            .as_ref()
            .and_then(|s| s.response.as_deref())
            .unwrap_or("none");
        line(
            &mut out,
            &format!(
                "ATTENDEE{cn};CUTYPE={cutype};ROLE={role};PARTSTAT={}:mailto:{}",
                partstat(response),
                address.trim()
            ),
        );
    }
    if ev.is_online_meeting == Some(true) {
        let provider = ev
            .online_meeting_provider
            .as_deref()
            .unwrap_or("teamsForBusiness");
        line(&mut out, &format!("{X_ONLINE_MEETING_PROVIDER}:{provider}"));
        if let Some(url) = ev
            .online_meeting
            .as_ref()
            .and_then(|m| m.join_url.as_deref())
        {
            let label = if provider == "teamsForBusiness" {
                "Microsoft Teams"
            } else {
                "Online meeting"
            };
            line(
                &mut out,
                &format!("CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL={label}:{url}"),
            );
            // Where the app looks for an event's meeting link (as for Google Meet).
            line(&mut out, &format!("URL:{url}"));
        }
    }
    line(&mut out, &format!("{X_ID}:{}", escape(&ev.id)));
    if let Some(kind) = &ev.kind {
        line(&mut out, &format!("{X_TYPE}:{kind}"));
    }
    if let Some(master) = ev.series_master_id.as_deref().filter(|m| !m.is_empty()) {
        line(
            &mut out,
            &format!("{X_SERIES_MASTER_ID}:{}", escape(master)),
        );
    }
    if let Some(o) = original {
        line(&mut out, &format!("{X_ORIGINAL_START}:{}", compact_utc(o)));
    }
    if let Some(z) = ev
        .original_start_time_zone
        .as_deref()
        .filter(|z| !z.is_empty())
    {
        line(&mut out, &format!("{X_ORIGINAL_TZ}:{}", escape(z)));
    }
    if let Some(k) = &ev.change_key {
        line(&mut out, &format!("{X_CHANGE_KEY}:{}", escape(k)));
    }
    if ev.is_reminder_on == Some(true) {
        let minutes = ev.reminder_minutes_before_start.unwrap_or(15).max(0);
        line(&mut out, "BEGIN:VALARM");
        line(&mut out, "ACTION:DISPLAY");
        line(
            &mut out,
            &format!(
                "DESCRIPTION:{}",
                escape(ev.subject.as_deref().unwrap_or("Reminder"))
            ),
        );
        line(&mut out, &format!("TRIGGER:-PT{minutes}M"));
        line(&mut out, "END:VALARM");
    }
    line(&mut out, "END:VEVENT");
    line(&mut out, "END:VCALENDAR");
    Ok(out)
}
