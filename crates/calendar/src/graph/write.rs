//! A resource we edited as the JSON body of a Graph POST or PATCH, and the Graph ids a
//! stored resource carries.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{
    resolve_zone, rrule_to_recurrence, DateTimeTimeZone, EmailAddress, GraphAttendee,
    GraphMapError, ItemBody, Location, PatternedRecurrence, X_BUSY_STATUS, X_CHANGE_KEY, X_ID,
    X_ONLINE_MEETING_PROVIDER, X_SERIES_MASTER_ID, X_TYPE,
};

/// The JSON body of a POST (create) or PATCH (update) of an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWrite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<ItemBody>,
    pub start: DateTimeTimeZone,
    pub end: DateTimeTimeZone,
    pub is_all_day: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Set only on a series (never on an occurrence or exception).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<PatternedRecurrence>,
    pub attendees: Vec<GraphAttendee>,
    pub is_reminder_on: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_minutes_before_start: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_online_meeting: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_meeting_provider: Option<String>,
}

/// How to write an event beyond what its iCalendar text says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Ask Graph for a Teams meeting (`isOnlineMeeting` + `teamsForBusiness`).
    pub teams: bool,
    /// The target is an occurrence or exception: never send a recurrence.
    pub instance: bool,
}

/// The Graph ids a resource carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphIds {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub series_master_id: Option<String>,
    pub change_key: Option<String>,
}

/// The first VEVENT's properties (unfolded, name upper-cased), VALARMs skipped.
fn vevent_props(ics: &str) -> Vec<crate::lines::ContentLine> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut in_event = false;
    for l in crate::lines::unfold(ics) {
        let Ok(p) = crate::lines::parse_content_line(&l.text) else {
            continue;
        };
        let name = p.name.to_ascii_uppercase();
        let value = p.value.trim().to_ascii_uppercase();
        if name == "BEGIN" && value == "VEVENT" && !in_event && out.is_empty() {
            in_event = true;
            continue;
        }
        if !in_event {
            continue;
        }
        match name.as_str() {
            "BEGIN" => depth += 1,
            "END" if depth > 0 => depth -= 1,
            "END" => break,
            _ if depth == 0 => out.push(p),
            _ => {}
        }
    }
    out
}

fn prop<'a>(props: &'a [crate::lines::ContentLine], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.as_str())
}

/// The Graph ids of a resource we stored (None when it was created here).
pub fn graph_ids(ics: &str) -> GraphIds {
    let props = vevent_props(ics);
    let get = |n: &str| prop(&props, n).map(crate::values::unescape_text);
    GraphIds {
        id: get(X_ID),
        kind: get(X_TYPE),
        series_master_id: get(X_SERIES_MASTER_ID),
        change_key: get(X_CHANGE_KEY),
    }
}

fn graph_time(at: DateTime<Utc>, zone: Option<Tz>, all_day: bool) -> DateTimeTimeZone {
    match zone {
        Some(tz) if !all_day => DateTimeTimeZone {
            date_time: at
                .with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
            time_zone: Some(tz.name().to_owned()),
        },
        _ => DateTimeTimeZone {
            date_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            time_zone: Some("UTC".to_owned()),
        },
    }
}

/// A VALARM's `TRIGGER:-PT15M` (or -PT1H, -P1D, -P1DT2H) as minutes before the start.
fn trigger_minutes(ics: &str) -> Option<i32> {
    let mut in_alarm = false;
    for l in crate::lines::unfold(ics) {
        let Ok(p) = crate::lines::parse_content_line(&l.text) else {
            continue;
        };
        let name = p.name.to_ascii_uppercase();
        if name == "BEGIN" && p.value.eq_ignore_ascii_case("VALARM") {
            in_alarm = true;
        } else if in_alarm
            && name == "TRIGGER"
            && p.param("RELATED")
                .is_none_or(|r| r.eq_ignore_ascii_case("START"))
        {
            let d = crate::values::parse_duration(p.value.trim())?;
            return Some(i32::try_from((-d.num_minutes()).max(0)).unwrap_or(0));
        }
    }
    None
}

/// The POST/PATCH body for a resource's first VEVENT.
pub fn event_write_from_ics(ics: &str, options: WriteOptions) -> Result<EventWrite, GraphMapError> {
    let parsed = crate::parse_ics(ics);
    let ev = parsed
        .events
        .iter()
        .find(|e| e.recurrence_id.is_none())
        .or_else(|| parsed.events.first())
        .ok_or_else(|| GraphMapError::Invalid("the resource has no VEVENT".into()))?;
    if let Some(why) = &ev.broken {
        return Err(GraphMapError::Invalid(why.clone()));
    }
    let props = vevent_props(ics);
    let zone = ev.tzid.as_deref().and_then(resolve_zone);
    let mut write = EventWrite {
        subject: Some(ev.summary.clone().unwrap_or_default()),
        body: ev.description.as_ref().map(|d| ItemBody {
            content_type: Some("text".into()),
            content: Some(d.clone()),
        }),
        start: graph_time(ev.start, zone, ev.all_day),
        end: graph_time(ev.end, zone, ev.all_day),
        is_all_day: ev.all_day,
        location: ev.location.as_ref().map(|l| Location {
            display_name: Some(l.clone()),
        }),
        ..EventWrite::default()
    };
    if let Some(rule) = ev.rrule.as_deref().filter(|_| !options.instance) {
        let local_start: NaiveDate = match zone {
            Some(tz) if !ev.all_day => ev.start.with_timezone(&tz).date_naive(),
            _ => ev.start.date_naive(),
        };
        let zone_name = write
            .start
            .time_zone
            .clone()
            .unwrap_or_else(|| "UTC".into());
        write.recurrence = Some(rrule_to_recurrence(rule, local_start, &zone_name, zone)?);
    }
    let organizer = ev.organizer.as_ref().map(|o| o.email.to_ascii_lowercase());
    for p in props
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case("ATTENDEE"))
    {
        let address = p.value.trim();
        let address = address
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("mailto:"))
            .map_or(address, |_| &address[7..]);
        if !address.contains('@') || organizer.as_deref() == Some(&address.to_ascii_lowercase()) {
            continue;
        }
        let kind = match p.param("ROLE").map(str::to_ascii_uppercase).as_deref() {
            _ if p
                .param("CUTYPE")
                .is_some_and(|c| c.eq_ignore_ascii_case("RESOURCE")) =>
            {
                "resource"
            }
            Some("OPT-PARTICIPANT") | Some("NON-PARTICIPANT") => "optional",
            _ => "required",
        };
        write.attendees.push(GraphAttendee {
            kind: Some(kind.into()),
            email_address: EmailAddress {
                name: p.param("CN").map(str::to_owned),
                address: Some(address.to_owned()),
            },
            status: None,
        });
    }
    match trigger_minutes(ics) {
        Some(minutes) => {
            write.is_reminder_on = true;
            write.reminder_minutes_before_start = Some(minutes);
        }
        None => write.is_reminder_on = false,
    }
    let busy = prop(&props, X_BUSY_STATUS).map(str::to_ascii_uppercase);
    let transparent = prop(&props, "TRANSP").is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT"));
    write.show_as = Some(
        match busy.as_deref() {
            Some("FREE") => "free",
            Some("TENTATIVE") => "tentative",
            Some("OOF") => "oof",
            Some("WORKINGELSEWHERE") => "workingElsewhere",
            Some(_) => "busy",
            None if transparent => "free",
            None => "busy",
        }
        .to_owned(),
    );
    if options.teams || wants_teams(ics) {
        write.is_online_meeting = Some(true);
        write.online_meeting_provider = Some(TEAMS.into());
    }
    Ok(write)
}

/// Graph's name for Teams as an online meeting provider.
pub const TEAMS: &str = "teamsForBusiness";

/// Whether a resource is (or asks to become) a Teams meeting: its
/// `X-MS-GRAPH-ONLINE-MEETING-PROVIDER` is `teamsForBusiness`.
pub fn wants_teams(ics: &str) -> bool {
    prop(&vevent_props(ics), X_ONLINE_MEETING_PROVIDER)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(TEAMS))
}
