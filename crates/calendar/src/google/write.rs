//! The other way: a resource we edited as the JSON body of an events.insert / update /
//! patch, and the Google ids a stored resource carries.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    param, response_status, zone, Attendee, ConferenceData, ConferenceSolutionKey,
    CreateConferenceRequest, EventDateTime, GoogleMapError, Reminder, Reminders, X_CONFERENCE,
    X_DEFAULT_REMINDERS, X_ETAG, X_EVENT_ID, X_RECURRING_EVENT_ID,
};
use crate::lines::{parse_content_line, unfold, ContentLine};

/// The JSON body of an events.insert / update / patch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWrite {
    /// Set on insert: our id for the event, so a retried insert cannot make a second one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Set on insert: the UID the event keeps.
    #[serde(rename = "iCalUID", skip_serializing_if = "Option::is_none")]
    pub ical_uid: Option<String>,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub start: EventDateTime,
    pub end: EventDateTime,
    /// RRULE/RDATE/EXDATE lines; only on a series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Vec<String>>,
    pub attendees: Vec<Attendee>,
    pub reminders: Reminders,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub transparency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// A Meet request (sent with `conferenceDataVersion=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_data: Option<ConferenceData>,
}

/// How to write an event beyond what its iCalendar text says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Ask for a Google Meet unless the event already has a conference; the request id
    /// (stable for the event, so a retry gives the same meeting).
    pub meet_request_id: Option<String>,
    /// The target is an occurrence or exception: never send a recurrence.
    pub instance: bool,
    /// An insert: send `iCalUID` (and the caller sets `id`).
    pub insert: bool,
}

/// The Google ids a resource carries (None for one created here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoogleIds {
    pub id: Option<String>,
    pub etag: Option<String>,
    pub recurring_event_id: Option<String>,
    pub conference: Option<String>,
}

/// Each VEVENT of a resource as a resource of its own (the VTIMEZONEs and calendar
/// properties kept), master first: an edit made here may put a series and overrides of
/// some of its occurrences in one resource, while Google keeps each exception apart.
pub fn split_vevents(ics: &str) -> Vec<String> {
    let mut head = String::new();
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for raw in ics.split_inclusive('\n') {
        let text = raw.trim_end_matches(['\r', '\n']);
        let upper = text.to_ascii_uppercase();
        let mut line = text.to_owned();
        line.push_str("\r\n");
        if upper == "BEGIN:VEVENT" {
            current = Some(line);
        } else if let Some(block) = current.as_mut() {
            block.push_str(&line);
            if upper == "END:VEVENT" {
                blocks.extend(current.take());
            }
        } else if blocks.is_empty() && upper != "END:VCALENDAR" {
            head.push_str(&line);
        }
    }
    let mut out: Vec<String> = blocks
        .into_iter()
        .map(|b| format!("{head}{b}END:VCALENDAR\r\n"))
        .collect();
    // The series (no RECURRENCE-ID) first.
    out.sort_by_key(|r| vevent_parts(r).0.iter().any(|p| p.name == "RECURRENCE-ID"));
    out
}

/// The first VEVENT's properties, VALARMs separately (each as its properties).
fn vevent_parts(ics: &str) -> (Vec<ContentLine>, Vec<Vec<ContentLine>>) {
    let mut props = Vec::new();
    let mut alarms: Vec<Vec<ContentLine>> = Vec::new();
    let mut in_event = false;
    let mut in_alarm = false;
    let mut depth = 0;
    for l in unfold(ics) {
        let Ok(p) = parse_content_line(&l.text) else {
            continue;
        };
        let value = p.value.trim().to_ascii_uppercase();
        match (p.name.as_str(), in_event) {
            ("BEGIN", false) if value == "VEVENT" => in_event = true,
            ("BEGIN", true) => {
                depth += 1;
                in_alarm = value == "VALARM" && depth == 1;
                if in_alarm {
                    alarms.push(Vec::new());
                }
            }
            ("END", true) if depth > 0 => {
                depth -= 1;
                in_alarm = false;
            }
            ("END", true) => break,
            (_, true) if in_alarm => alarms
                .last_mut()
                .into_iter()
                .for_each(|a| a.push(p.clone())),
            (_, true) if depth == 0 => props.push(p),
            _ => {}
        }
    }
    (props, alarms)
}

fn prop<'a>(props: &'a [ContentLine], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// The value of [`X_CONFERENCE`] in a resource edited here that asks for a Google Meet
/// (the sync sends a `conferenceData.createRequest`; Google's answer replaces it with the link).
pub const MEET_REQUEST: &str = "REQUEST";

/// Whether a resource edited here asks for a new Google Meet.
pub fn wants_meet(ics: &str) -> bool {
    let (props, _) = vevent_parts(ics);
    prop(&props, X_CONFERENCE).is_some_and(|v| v.trim().eq_ignore_ascii_case(MEET_REQUEST))
}

/// The Google ids of a resource we stored.
pub fn google_ids(ics: &str) -> GoogleIds {
    let (props, _) = vevent_parts(ics);
    let get = |n: &str| prop(&props, n).map(crate::values::unescape_text);
    GoogleIds {
        id: get(X_EVENT_ID),
        etag: get(X_ETAG),
        recurring_event_id: get(X_RECURRING_EVENT_ID),
        conference: get(X_CONFERENCE).filter(|v| !v.eq_ignore_ascii_case(MEET_REQUEST)),
    }
}

/// A content line written back as text (`EXDATE;TZID=Europe/Berlin:20261124T090000`).
fn line_text(p: &ContentLine) -> String {
    let mut text = p.name.clone();
    for (name, values) in &p.params {
        let values: Vec<String> = values.iter().map(|v| param(v)).collect();
        text.push_str(&format!(";{name}={}", values.join(",")));
    }
    text.push(':');
    text.push_str(&p.value);
    text
}

fn google_time(at: DateTime<Utc>, tzid: Option<&str>, all_day: bool) -> EventDateTime {
    if all_day {
        return EventDateTime {
            date: Some(at.format("%Y-%m-%d").to_string()),
            ..EventDateTime::default()
        };
    }
    match zone(tzid) {
        Some(tz) => EventDateTime {
            date_time: Some(
                at.with_timezone(&tz)
                    .format("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string(),
            ),
            time_zone: Some(tz.name().to_owned()),
            ..EventDateTime::default()
        },
        None => EventDateTime {
            date_time: Some(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            time_zone: Some("UTC".into()),
            ..EventDateTime::default()
        },
    }
}

/// A VALARM as a Google reminder (a start-relative trigger before the start).
fn reminder(alarm: &[ContentLine]) -> Option<Reminder> {
    let trigger = alarm.iter().find(|p| p.name == "TRIGGER")?;
    if trigger
        .param("RELATED")
        .is_some_and(|r| !r.eq_ignore_ascii_case("START"))
        || trigger
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"))
    {
        return None;
    }
    let minutes = -crate::values::parse_duration(trigger.value.trim())?.num_minutes();
    let method = match prop(alarm, "ACTION")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("EMAIL") => "email",
        _ => "popup",
    };
    Some(Reminder {
        method: method.into(),
        minutes: minutes.clamp(0, 40_320),
    })
}

/// The insert/update/patch body for a resource's first VEVENT.
pub fn event_write_from_ics(
    ics: &str,
    options: &WriteOptions,
) -> Result<EventWrite, GoogleMapError> {
    let parsed = crate::parse_ics(ics);
    let ev = parsed
        .events
        .first()
        .ok_or_else(|| GoogleMapError::Unwritable("the resource has no VEVENT".into()))?;
    if let Some(why) = &ev.broken {
        return Err(GoogleMapError::Unwritable(why.clone()));
    }
    let (props, alarms) = vevent_parts(ics);
    let tzid = ev.tzid.as_deref();
    let organizer = ev.organizer.as_ref().map(|o| o.email.to_ascii_lowercase());
    let mut write = EventWrite {
        summary: ev.summary.clone().unwrap_or_default(),
        description: ev.description.clone(),
        location: ev.location.clone(),
        start: google_time(ev.start, tzid, ev.all_day),
        end: google_time(ev.end, tzid, ev.all_day),
        transparency: if prop(&props, "TRANSP")
            .is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT"))
        {
            "transparent".into()
        } else {
            "opaque".into()
        },
        visibility: prop(&props, "CLASS").and_then(|c| match c.to_ascii_uppercase().as_str() {
            "PRIVATE" => Some("private".to_owned()),
            "CONFIDENTIAL" => Some("confidential".to_owned()),
            "PUBLIC" => Some("public".to_owned()),
            _ => None,
        }),
        status: match ev.status.as_deref() {
            Some("TENTATIVE") => Some("tentative".into()),
            Some("CONFIRMED") => Some("confirmed".into()),
            _ => None,
        },
        ..EventWrite::default()
    };
    if options.insert {
        write.ical_uid = Some(ev.uid.clone());
    }
    if !options.instance && ev.recurrence_id.is_none() {
        let lines: Vec<String> = props
            .iter()
            .filter(|p| matches!(p.name.as_str(), "RRULE" | "RDATE" | "EXDATE"))
            .map(line_text)
            .collect();
        if !lines.is_empty() {
            write.recurrence = Some(lines);
        }
    }
    for a in &ev.attendees {
        if !a.email.contains('@') {
            continue;
        }
        let p = props.iter().find(|p| {
            p.name == "ATTENDEE"
                && p.value
                    .to_ascii_lowercase()
                    .ends_with(&a.email.to_ascii_lowercase())
        });
        let is_organizer = organizer.as_deref() == Some(a.email.to_ascii_lowercase().as_str());
        write.attendees.push(Attendee {
            email: a.email.clone(),
            display_name: a.name.clone(),
            response_status: Some(
                response_status(a.partstat.as_deref().unwrap_or("NEEDS-ACTION")).into(),
            ),
            optional: p
                .and_then(|p| p.param("ROLE"))
                .filter(|r| {
                    r.eq_ignore_ascii_case("OPT-PARTICIPANT")
                        || r.eq_ignore_ascii_case("NON-PARTICIPANT")
                })
                .map(|_| true),
            resource: p
                .and_then(|p| p.param("CUTYPE"))
                .filter(|c| c.eq_ignore_ascii_case("RESOURCE") || c.eq_ignore_ascii_case("ROOM"))
                .map(|_| true),
            organizer: is_organizer.then_some(true),
            is_self: None,
        });
    }
    write.reminders =
        if prop(&props, X_DEFAULT_REMINDERS).is_some_and(|v| v.eq_ignore_ascii_case("TRUE")) {
            Reminders {
                use_default: true,
                overrides: None,
            }
        } else {
            let mut overrides: Vec<Reminder> = alarms.iter().filter_map(|a| reminder(a)).collect();
            overrides.truncate(5);
            Reminders {
                use_default: false,
                overrides: Some(overrides),
            }
        };
    let has_conference =
        prop(&props, X_CONFERENCE).is_some_and(|v| !v.eq_ignore_ascii_case(MEET_REQUEST));
    if let Some(request_id) = options.meet_request_id.as_ref().filter(|_| !has_conference) {
        write.conference_data = Some(ConferenceData {
            create_request: Some(CreateConferenceRequest {
                request_id: request_id.clone(),
                conference_solution_key: Some(ConferenceSolutionKey {
                    kind: "hangoutsMeet".into(),
                }),
                status: None,
            }),
            ..ConferenceData::default()
        });
    }
    Ok(write)
}

/// A client-chosen Google event id for a resource created here: Google wants base32hex
/// (`[a-v0-9]`, 5-1024 characters); the UID's bytes in lower-case hex are that, and the same
/// UID always gives the same id, so a retried insert finds its first attempt (409).
pub fn event_id_for_uid(uid: &str) -> String {
    let mut id: String = uid.bytes().take(500).map(|b| format!("{b:02x}")).collect();
    while id.len() < 5 {
        id.push('0');
    }
    id
}
