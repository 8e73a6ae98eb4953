//! Editing events inside an iCalendar resource, pure: every operation takes the resource
//! text and returns new text, changing only the properties it touches. Unknown
//! properties, parameters and components (X- lines, VTODOs, other VEVENTs, VALARMs) stay
//! byte for byte. Touched components get SEQUENCE + 1 and DTSTAMP / LAST-MODIFIED = the
//! caller's `now`; zones used by new times get a generated VTIMEZONE.
//!
//! Recurring events have three scopes ([`EditScope`]). `This` adds or changes a
//! RECURRENCE-ID override (delete: EXDATE). `ThisAndFollowing` ends the series with
//! UNTIL just before the instance and returns the rest as a new resource with a new UID,
//! carrying the later overrides with it. `All` changes the master. When an `All` edit
//! moves the start, EXDATEs and overrides' RECURRENCE-IDs move by the same wall-clock
//! amount (they keep naming the same occurrences; an override still at its original time
//! moves with them); when it changes the RRULE or switches between all-day and timed,
//! overrides and EXDATEs are dropped, as Google Calendar and Outlook do, because the
//! occurrences they named may no longer exist.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::doc::{escape_text, with_param, Comp, Doc, Node};
use crate::edit_scope::Found;
use crate::edit_support::{alarm_comp, attendee_line, ensure_vtimezones, Form};
use crate::{Alarm, Attendee};

/// An event's times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTime {
    /// Wall-clock start and end in `tzid` (an IANA name), or in UTC when `tzid` is `None`.
    Timed {
        start: NaiveDateTime,
        end: NaiveDateTime,
        tzid: Option<String>,
    },
    /// Whole days; `end` is exclusive (a one-day event ends the next day).
    AllDay { start: NaiveDate, end: NaiveDate },
}

/// What to change; `None` fields are left as they are, `Some(None)` removes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventPatch {
    pub summary: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub time: Option<EventTime>,
    /// The RRULE value (`FREQ=WEEKLY;BYDAY=MO`).
    pub rrule: Option<Option<String>>,
    /// `CONFIRMED`, `TENTATIVE` or `CANCELLED`.
    pub status: Option<Option<String>>,
    /// URL (e.g. a meeting link).
    pub url: Option<Option<String>>,
    pub organizer: Option<Option<Attendee>>,
    /// The full attendee list; lines for unchanged attendees are kept as they were.
    pub attendees: Option<Vec<Attendee>>,
    /// The full alarm list; VALARMs equal to one in the list are kept as they were.
    pub alarms: Option<Vec<Alarm>>,
    /// Other properties by name (`X-GOOGLE-CONFERENCE`), set or removed; values are
    /// written as given.
    pub x_props: Vec<(String, Option<String>)>,
}

/// Which instances of a recurring event an edit or delete applies to. The instant is the
/// instance's `recurrence_id` as [`expand_in`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "recurrence_id", rename_all = "snake_case")]
pub enum EditScope {
    All,
    This(DateTime<Utc>),
    ThisAndFollowing(DateTime<Utc>),
}

/// What every edit needs from the caller (no clock or zone is read here).
#[derive(Debug, Clone, Copy)]
pub struct EditContext {
    pub now: DateTime<Utc>,
    /// The zone floating and all-day times were expanded in (the viewer's zone).
    pub floating_zone: Tz,
}

/// A new resource split off a series by a `ThisAndFollowing` edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitOff {
    pub uid: String,
    pub ics: String,
}

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditOutcome {
    /// The edited resource.
    pub ics: String,
    pub split_off: Option<SplitOff>,
}

/// The result of a delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteOutcome {
    /// The resource stays, with this text.
    Updated(String),
    /// Nothing is left: delete the whole resource.
    DeleteResource,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no event with UID {0:?} in the calendar resource")]
    NoSuchEvent(String),
    #[error("the event has no instance at {0}")]
    NoSuchInstance(DateTime<Utc>),
    #[error("{0}")]
    Invalid(String),
}

/// A new resource holding one event. `patch.time` is required.
pub fn create_event(
    uid: &str,
    patch: &EventPatch,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    if uid.trim().is_empty() || uid.contains(['\r', '\n']) {
        return Err(EditError::Invalid(
            "a UID must be one non-empty line".into(),
        ));
    }
    if patch.time.is_none() {
        return Err(EditError::Invalid(
            "a new event needs a start and end".into(),
        ));
    }
    let mut doc = Doc::parse(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Switchboard//Calendar//EN\r\nCALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n",
    );
    let mut event = Comp::new("VEVENT");
    event.add_line(&format!("UID:{uid}"));
    event.add_line(&format!("DTSTAMP:{}", stamp(now)));
    event.add_line(&format!("CREATED:{}", stamp(now)));
    event.add_line("SEQUENCE:0");
    let zones = apply_patch(&mut event, patch)?;
    event.set(
        "LAST-MODIFIED",
        Some(format!("LAST-MODIFIED:{}", stamp(now))),
    );
    let cal = doc
        .calendar_mut()
        .ok_or_else(|| EditError::Invalid("no VCALENDAR".into()))?;
    cal.children.push(Node::Comp(event));
    ensure_vtimezones(cal, &zones, now);
    Ok(doc.write())
}

/// Changes an event (or some of its instances, see [`EditScope`]).
pub fn update_event(
    ics: &str,
    uid: &str,
    scope: EditScope,
    patch: &EventPatch,
    ctx: &EditContext,
) -> Result<EditOutcome, EditError> {
    let mut doc = Doc::parse(ics);
    let cal = doc
        .calendar_mut()
        .ok_or_else(|| EditError::Invalid("no VCALENDAR".into()))?;
    let found = Found::locate(cal, uid)?;
    let mut split_off = None;
    let scope = if found.is_recurring() || found.master_missing() {
        scope
    } else {
        EditScope::All
    };
    let zones = match scope {
        EditScope::All => found.edit_all(cal, patch, ctx)?,
        EditScope::This(rid) => found.edit_this(cal, rid, patch, ctx)?,
        EditScope::ThisAndFollowing(rid) => {
            if found.is_first(rid, ctx)? {
                found.edit_all(cal, patch, ctx)?
            } else {
                let (zones, split) = found.split(cal, rid, Some(patch), ctx)?;
                split_off = split;
                zones
            }
        }
    };
    ensure_vtimezones(cal, &zones, ctx.now);
    Ok(EditOutcome {
        ics: doc.write(),
        split_off,
    })
}

/// Deletes an event or some of its instances.
pub fn delete_event(
    ics: &str,
    uid: &str,
    scope: EditScope,
    ctx: &EditContext,
) -> Result<DeleteOutcome, EditError> {
    let mut doc = Doc::parse(ics);
    let cal = doc
        .calendar_mut()
        .ok_or_else(|| EditError::Invalid("no VCALENDAR".into()))?;
    let found = Found::locate(cal, uid)?;
    let scope = if found.is_recurring() || found.master_missing() {
        scope
    } else {
        EditScope::All
    };
    match scope {
        EditScope::All => found.remove_all(cal),
        EditScope::This(rid) => found.delete_this(cal, rid, ctx)?,
        EditScope::ThisAndFollowing(rid) => {
            if found.is_first(rid, ctx)? {
                found.remove_all(cal);
            } else {
                found.split(cal, rid, None, ctx)?;
            }
        }
    }
    let any_event = cal.comps("VEVENT").next().is_some()
        || cal
            .children
            .iter()
            .any(|n| matches!(n, Node::Comp(c) if c.name != "VTIMEZONE"));
    if any_event {
        Ok(DeleteOutcome::Updated(doc.write()))
    } else {
        Ok(DeleteOutcome::DeleteResource)
    }
}

/// Sets one attendee's PARTSTAT (in the master and every override that lists them),
/// keeping the attendee line's other parameters.
pub fn set_partstat(
    ics: &str,
    uid: &str,
    email: &str,
    partstat: &str,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    let partstat = partstat.trim().to_ascii_uppercase();
    if partstat.is_empty()
        || !partstat
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(EditError::Invalid(format!("bad PARTSTAT {partstat:?}")));
    }
    let mut doc = Doc::parse(ics);
    let cal = doc
        .calendar_mut()
        .ok_or_else(|| EditError::Invalid("no VCALENDAR".into()))?;
    let found = Found::locate(cal, uid)?;
    let mut changed = false;
    for i in found.indices() {
        let Some(Node::Comp(comp)) = cal.children.get_mut(i) else {
            continue;
        };
        for node in &mut comp.children {
            let Node::Line(line) = node else { continue };
            let Some(p) = line.parsed.as_ref().filter(|p| p.name == "ATTENDEE") else {
                continue;
            };
            let address = p.value.trim();
            let address = address
                .get(..7)
                .filter(|s| s.eq_ignore_ascii_case("mailto:"))
                .map_or(address, |_| &address[7..]);
            if address.eq_ignore_ascii_case(email.trim()) {
                let text = with_param(p, "PARTSTAT", Some(&partstat));
                *line = crate::doc::Line::new(&text);
                changed = true;
            }
        }
        if changed {
            comp.set("DTSTAMP", Some(format!("DTSTAMP:{}", stamp(now))));
        }
    }
    if !changed {
        return Err(EditError::Invalid(format!("{email} is not an attendee")));
    }
    Ok(doc.write())
}

pub(crate) fn stamp(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Applies a patch to a component; returns the IANA zones its new times use.
pub(crate) fn apply_patch(
    comp: &mut Comp,
    patch: &EventPatch,
) -> Result<Vec<(String, i32)>, EditError> {
    let mut zones = Vec::new();
    let text =
        |name: &str, v: &Option<String>| v.as_ref().map(|v| format!("{name}:{}", escape_text(v)));
    if let Some(v) = &patch.summary {
        comp.set("SUMMARY", text("SUMMARY", v));
    }
    if let Some(v) = &patch.location {
        comp.set("LOCATION", text("LOCATION", v));
    }
    if let Some(v) = &patch.description {
        comp.set("DESCRIPTION", text("DESCRIPTION", v));
    }
    if let Some(v) = &patch.status {
        comp.set(
            "STATUS",
            v.as_ref()
                .map(|s| format!("STATUS:{}", s.trim().to_ascii_uppercase())),
        );
    }
    if let Some(v) = &patch.url {
        comp.set("URL", v.as_ref().map(|u| format!("URL:{}", u.trim())));
    }
    if let Some(v) = &patch.rrule {
        if let Some(rule) = v {
            crate::rule::split_rule(rule)
                .and_then(|s| crate::rule::walk(NaiveDateTime::default(), &s.rest).map(|_| ()))
                .map_err(|e| EditError::Invalid(format!("bad RRULE: {e}")))?;
        }
        comp.set(
            "RRULE",
            v.as_ref()
                .map(|r| format!("RRULE:{}", r.trim().trim_start_matches("RRULE:"))),
        );
    }
    if let Some(time) = &patch.time {
        let (start, end) = Form::lines_for(time)?;
        comp.set("DTSTART", Some(start));
        comp.set("DTEND", Some(end));
        comp.set("DURATION", None);
        if let EventTime::Timed {
            tzid: Some(t),
            start,
            ..
        } = time
        {
            zones.push((t.clone(), chrono::Datelike::year(start)));
        }
    }
    if let Some(org) = &patch.organizer {
        comp.set(
            "ORGANIZER",
            org.as_ref().map(|a| attendee_line("ORGANIZER", a, false)),
        );
    }
    if let Some(list) = &patch.attendees {
        let mut lines: Vec<String> = Vec::new();
        for a in list {
            let existing = comp.props("ATTENDEE").find(|p| {
                crate::parse::attendee(p).is_some_and(|e| e.email.eq_ignore_ascii_case(&a.email))
            });
            lines.push(match existing {
                Some(p) if crate::parse::attendee(p).as_ref() == Some(a) => {
                    crate::doc::content_line(&p.name, &p.params, &p.value)
                }
                Some(p) => {
                    let with_cn = with_param(p, "CN", a.name.as_deref());
                    let p2 =
                        crate::lines::parse_content_line(&with_cn).unwrap_or_else(|_| p.clone());
                    with_param(
                        &p2,
                        "PARTSTAT",
                        Some(a.partstat.as_deref().unwrap_or("NEEDS-ACTION")),
                    )
                }
                None => attendee_line("ATTENDEE", a, true),
            });
        }
        // Lines of attendees that stay unchanged keep their exact bytes.
        let kept: Vec<crate::doc::Line> = comp
            .lines()
            .filter(|l| l.name() == "ATTENDEE")
            .filter(|l| {
                l.parsed.as_ref().is_some_and(|p| {
                    lines.contains(&crate::doc::content_line(&p.name, &p.params, &p.value))
                })
            })
            .cloned()
            .collect();
        comp.set_lines("ATTENDEE", &lines);
        for node in &mut comp.children {
            if let Node::Line(l) = node {
                if l.name() == "ATTENDEE" {
                    let text = crate::lines::unfold(&l.raw).first().map(|x| x.text.clone());
                    if let Some(orig) = kept.iter().find(|k| {
                        k.parsed
                            .as_ref()
                            .map(|p| crate::doc::content_line(&p.name, &p.params, &p.value))
                            == text
                    }) {
                        *l = orig.clone();
                    }
                }
            }
        }
    }
    if let Some(alarms) = &patch.alarms {
        let existing: Vec<(Comp, Option<Alarm>)> = comp
            .comps("VALARM")
            .map(|c| {
                let props: Vec<_> = c.lines().filter_map(|l| l.parsed.clone()).collect();
                (c.clone(), crate::alarm::parse_alarm(&props, |_| None).ok())
            })
            .collect();
        comp.children
            .retain(|n| !matches!(n, Node::Comp(c) if c.name == "VALARM"));
        let mut used = vec![false; existing.len()];
        for alarm in alarms {
            let reuse = existing
                .iter()
                .enumerate()
                .find(|(i, (_, a))| !used[*i] && a.as_ref() == Some(alarm))
                .map(|(i, _)| i);
            let node = match reuse {
                Some(i) => {
                    used[i] = true;
                    existing[i].0.clone()
                }
                None => alarm_comp(alarm),
            };
            comp.children.push(Node::Comp(node));
        }
    }
    for (name, value) in &patch.x_props {
        let name = name.trim().to_ascii_uppercase();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(EditError::Invalid(format!("bad property name {name:?}")));
        }
        comp.set(
            &name,
            value
                .as_ref()
                .map(|v| format!("{name}:{}", v.replace(['\r', '\n'], " "))),
        );
    }
    Ok(zones)
}
