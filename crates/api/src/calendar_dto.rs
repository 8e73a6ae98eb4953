//! The calendar's data for the UI (re-exported from `dto`): calendars, an event's full
//! detail for the editor, what an edit sends, and conflicts the server reported.
//! Instants in RFC 3339 strings here carry the offset the user saw; the editor sends the
//! zone it meant in `time_zone`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A calendar with its account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CalendarInfo {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub name: String,
    /// `#rrggbb`
    pub color: String,
    pub visible: bool,
    pub read_only: bool,
    /// local, caldav, gcal or graphcal
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpdateCalendarArgs {
    pub id: i64,
    pub visible: Option<bool>,
    pub color: Option<String>,
}

/// Which occurrences of a recurring event an edit or delete applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum EditScope {
    This,
    Following,
    All,
}

/// One event (or one occurrence) to open in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GetEventArgs {
    pub calendar_id: i64,
    pub uid: String,
    /// The occurrence's original start (RFC 3339), for one occurrence of a series.
    pub recurrence_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventAttendeeView {
    pub email: String,
    pub name: Option<String>,
    /// ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION, ...
    pub partstat: Option<String>,
    pub organizer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MeetingView {
    /// none, google_meet, teams or custom
    pub kind: String,
    pub url: Option<String>,
}

/// A field that differs between our version and the server's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldChange {
    pub field: String,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

/// The server refused our change because its copy changed meanwhile (HTTP 412).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConflictInfo {
    pub message: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventDetail {
    pub calendar_id: i64,
    pub uid: String,
    pub recurrence_id: Option<String>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// RFC 3339 in `time_zone`'s offset.
    pub start: String,
    pub end: String,
    pub all_day: bool,
    /// IANA zone the event is written in (the viewer's zone for floating times).
    pub time_zone: String,
    pub rrule: Option<String>,
    pub attendees: Vec<EventAttendeeView>,
    pub reminders_minutes: Vec<i64>,
    pub meeting: MeetingView,
    pub recurring: bool,
    pub read_only: bool,
    pub broken: Option<String>,
    pub conflict: Option<ConflictInfo>,
}

/// A new event or a change to one, from the editor or a drag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventDraft {
    pub calendar_id: i64,
    /// None for a new event.
    pub uid: Option<String>,
    /// The occurrence edited, for scope `this` / `following`.
    pub recurrence_id: Option<String>,
    pub scope: EditScope,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// RFC 3339 with offset.
    pub start: String,
    pub end: String,
    pub all_day: bool,
    /// IANA zone the times are meant in (DST-correct recurrence follows it).
    pub time_zone: String,
    pub rrule: Option<String>,
    pub attendees: Vec<String>,
    pub reminders_minutes: Vec<i64>,
    /// none, google_meet, teams or custom
    pub meeting_kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SaveEventResult {
    pub uid: String,
    pub conflict: Option<ConflictInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeleteEventArgs {
    pub calendar_id: i64,
    pub uid: String,
    pub recurrence_id: Option<String>,
    pub scope: EditScope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResolveConflictArgs {
    pub calendar_id: i64,
    pub uid: String,
    /// theirs (discard ours) or mine (send ours again over theirs)
    pub keep: String,
}

/// The user's answer to an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RespondArgs {
    pub calendar_id: i64,
    pub uid: String,
    pub recurrence_id: Option<String>,
    /// ACCEPTED, DECLINED or TENTATIVE
    pub partstat: String,
}

/// A CalDAV account: server URL, user name and password (the password goes to the
/// keychain only).
#[derive(Clone, Serialize, Deserialize, TS)]
pub struct CalDavAccountInput {
    pub name: String,
    pub url: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for CalDavAccountInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalDavAccountInput")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What one calendar sync pass did for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CalendarSyncSummary {
    pub account: String,
    pub calendars: u32,
    pub fetched: u32,
    pub deleted: u32,
    pub pushed: u32,
    pub conflicts: u32,
    pub full_resyncs: u32,
    /// Set when the pass failed; the local copy is unchanged.
    pub error: Option<String>,
}

/// A reminder that is due: notify once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReminderView {
    pub calendar_id: i64,
    pub uid: String,
    /// The occurrence (RFC 3339, UTC) for a recurring event.
    pub recurrence_id: Option<String>,
    pub summary: String,
    /// The occurrence's start (ms).
    pub start: i64,
    /// When it was due (ms).
    pub fire_at: i64,
    /// Its moment passed while Switchboard was closed: shown late, once.
    pub late: bool,
}

/// An invitation, cancellation or answer carried by a message (its text/calendar part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InvitationView {
    /// REQUEST, CANCEL, REPLY, PUBLISH...
    pub method: String,
    pub uid: String,
    pub summary: String,
    /// ms
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    pub location: Option<String>,
    pub organizer: Option<String>,
    /// My answer so far (NEEDS-ACTION until I answer).
    pub my_partstat: Option<String>,
    /// The calendar already holding the event, if any.
    pub calendar_id: Option<i64>,
    /// Set when the invitation cannot be read completely.
    pub broken: Option<String>,
}

/// Accept / decline / tentative from the message that carries the invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RespondInvitationArgs {
    pub message_id: i64,
    /// ACCEPTED, DECLINED or TENTATIVE
    pub partstat: String,
}

/// The calendar's preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CalendarSettings {
    /// The link a "custom" meeting gets (e.g. a personal Zoom room), https only.
    pub meeting_link_template: Option<String>,
    /// Minutes before a timed event without its own reminder that one fires; null = none.
    pub default_reminder_minutes: Option<i64>,
    /// The IANA zone floating times and reminders are read in (default: UTC).
    pub time_zone: Option<String>,
    /// My working hours in that zone, one spec per entry ("Mon-Fri 09:00-12:00,13:00-17:30");
    /// meeting times are only suggested inside them.
    pub working_hours: Vec<String>,
}
