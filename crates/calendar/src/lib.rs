//! iCalendar for Switchboard: turns `.ics` text into [`ParsedEvent`]s and expands their
//! recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) into concrete [`Instance`]s
//! inside a time window, keeping wall-clock times fixed across DST in the event's own zone.
//!
//! This crate is pure: it never does I/O, never reads the system clock or local zone, and
//! never panics on input. A damaged event is still returned with [`ParsedEvent::broken`]
//! set; a block that cannot become an event at all is reported in
//! [`ParsedCalendar::problems`] with its line number, and the rest of the file still loads.
//! The exception is [`caldav`], the CalDAV client that fetches calendars over HTTP; what
//! to store locally is still decided by the sync layer, not here.
//!
//! Entry points: [`parse_ics`], [`expand`] / [`expand_in`], [`alarm_times`], the editing
//! operations ([`create_event`], [`update_event`], [`delete_event`], [`set_partstat`]),
//! which change only the lines they touch, and [`caldav::CalDavClient`].

mod alarm;
pub mod availability;
pub mod caldav;
mod doc;
mod edit;
mod edit_scope;
mod edit_support;
mod expand;
pub mod google;
pub mod graph;
mod itip;
mod lines;
mod parse;
mod rule;
mod tzgen;
mod values;
mod vtimezone;
mod windows_zones;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

pub use alarm::{alarm_times, Alarm, AlarmFire, AlarmTrigger};
pub use chrono_tz::Tz;
pub use edit::{
    create_event, delete_event, set_partstat, update_event, DeleteOutcome, EditContext, EditError,
    EditOutcome, EditScope, EventPatch, EventTime, SplitOff,
};
pub use expand::{expand, expand_in, override_of, MAX_INSTANCES};
pub use itip::{itip_cancel, itip_reply, itip_request, parse_invitation, Invitation};
pub use parse::parse_ics;
pub use vtimezone::CustomZone;

/// Everything read from one iCalendar text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedCalendar {
    /// Every VEVENT that had a UID, in file order; overrides (with `recurrence_id`) included.
    pub events: Vec<ParsedEvent>,
    /// What could not be read, with where it was.
    pub problems: Vec<IcsProblem>,
}

/// A part of the input that was skipped or could not be fully understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcsProblem {
    /// `"line N"`, 1-based, counting physical lines of the input.
    pub position: String,
    pub reason: String,
}

/// An ORGANIZER or ATTENDEE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// The address without its `mailto:` scheme (or the whole value for other URIs).
    pub email: String,
    /// The CN parameter.
    pub name: Option<String>,
    /// The PARTSTAT parameter, upper-cased (`ACCEPTED`, `NEEDS-ACTION`, ...).
    pub partstat: Option<String>,
}

/// One VEVENT as written, with its times resolved to UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedEvent {
    pub uid: String,
    pub summary: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// DTSTART as an instant. All-day dates and floating times are read as if in UTC.
    /// The Unix epoch when DTSTART was missing or unreadable (then `broken` says so).
    pub start: DateTime<Utc>,
    /// DTEND, or DTSTART + DURATION; an all-day event without either lasts one day.
    pub end: DateTime<Utc>,
    pub all_day: bool,
    /// The IANA zone DTSTART's TZID resolved to, or the TZID as written when it could not
    /// be resolved to one (see `custom_zone`). `None` for UTC, floating and all-day times.
    pub tzid: Option<String>,
    /// DTSTART had neither `Z` nor TZID: local time wherever the reader is.
    pub floating: bool,
    /// The RRULE value as written (`FREQ=WEEKLY;BYDAY=MO`).
    pub rrule: Option<String>,
    pub rdates: Vec<DateTime<Utc>>,
    pub exdates: Vec<DateTime<Utc>>,
    /// Set on an override of one instance of a recurring event.
    pub recurrence_id: Option<DateTime<Utc>>,
    pub organizer: Option<Attendee>,
    pub attendees: Vec<Attendee>,
    /// STATUS, upper-cased (`CONFIRMED`, `TENTATIVE`, `CANCELLED`).
    pub status: Option<String>,
    /// The VALARMs inside the VEVENT, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<Alarm>,
    /// RDATE values given as PERIODs: those occurrences last from `start` to `end`
    /// instead of the event's own duration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rdate_periods: Vec<Period>,
    /// DTSTART's wall-clock time as written, when it had a TZID that resolved (a time in
    /// a DST gap keeps its written value here; recurrences repeat this wall time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_local: Option<NaiveDateTime>,
    /// DTSTART's zone when its TZID names no IANA zone and came from the file's
    /// VTIMEZONE (then `tzid` holds the TZID as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_zone: Option<CustomZone>,
    /// Why this event could not be read completely; the other fields hold a best effort.
    pub broken: Option<String>,
    /// The VEVENT text as given, BEGIN to END line.
    pub raw: String,
}

/// A span of time given explicitly (an RDATE PERIOD value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The start this occurrence has in the series before any override moved it.
    pub recurrence_id: DateTime<Utc>,
    /// A RECURRENCE-ID override supplied this occurrence's times.
    pub overridden: bool,
}
