//! iTIP (RFC 5546) messages for email invitations: REQUEST to invite, CANCEL, REPLY with
//! an attendee's answer, and reading an incoming text/calendar part.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::{with_param, Comp, Doc, Line, Node};
use crate::edit::{stamp, EditContext, EditError};
use crate::edit_support::{event_of, local_of, zones_used, Form};
use crate::{parse_ics, Attendee, ParsedEvent};

/// An incoming iTIP message, read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    /// METHOD, upper-cased (`REQUEST`, `CANCEL`, `REPLY`, `PUBLISH`, ...); `None` when the
    /// part has none (a plain calendar file).
    pub method: Option<String>,
    pub uid: String,
    /// SEQUENCE of the first event (0 when absent): a higher one replaces what is stored.
    pub sequence: i64,
    /// Set when the message is about one instance.
    pub recurrence_id: Option<DateTime<Utc>>,
    pub organizer: Option<Attendee>,
    pub attendees: Vec<Attendee>,
    pub summary: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub all_day: bool,
    pub rrule: Option<String>,
    pub status: Option<String>,
    /// Every VEVENT in the message (a series and its overrides), as parsed.
    pub events: Vec<ParsedEvent>,
}

/// Reads a text/calendar part. Fails when it holds no event.
pub fn parse_invitation(text: &str) -> Result<Invitation, EditError> {
    let doc = Doc::parse(text);
    let cal = doc
        .nodes
        .iter()
        .find_map(|n| match n {
            Node::Comp(c) if c.name == "VCALENDAR" => Some(c),
            _ => None,
        })
        .ok_or_else(|| EditError::Invalid("no VCALENDAR in the calendar part".into()))?;
    let method = cal
        .prop("METHOD")
        .map(|p| p.value.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty());
    let parsed = parse_ics(text);
    let first = parsed
        .events
        .iter()
        .find(|e| e.recurrence_id.is_none())
        .or(parsed.events.first())
        .ok_or_else(|| EditError::Invalid("no event in the calendar part".into()))?
        .clone();
    let sequence = cal
        .comps("VEVENT")
        .find(|c| c.prop("UID").map(|p| p.value.trim()) == Some(first.uid.as_str()))
        .and_then(|c| c.prop("SEQUENCE"))
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(0);
    Ok(Invitation {
        method,
        uid: first.uid.clone(),
        sequence,
        recurrence_id: first.recurrence_id,
        organizer: first.organizer.clone(),
        attendees: first.attendees.clone(),
        summary: first.summary.clone(),
        start: first.start,
        end: first.end,
        all_day: first.all_day,
        rrule: first.rrule.clone(),
        status: first.status.clone(),
        events: parsed.events,
    })
}

/// The event's components (master first) and the resource's VTIMEZONEs.
fn components(ics: &str, uid: &str) -> Result<(Comp, Vec<Comp>, Vec<Comp>), EditError> {
    let doc = Doc::parse(ics);
    let cal = doc
        .nodes
        .into_iter()
        .find_map(|n| match n {
            Node::Comp(c) if c.name == "VCALENDAR" => Some(c),
            _ => None,
        })
        .ok_or_else(|| EditError::Invalid("no VCALENDAR".into()))?;
    let events: Vec<Comp> = cal
        .comps("VEVENT")
        .filter(|c| c.prop("UID").map(|p| p.value.trim()) == Some(uid.trim()))
        .cloned()
        .collect();
    if events.is_empty() {
        return Err(EditError::NoSuchEvent(uid.to_string()));
    }
    let zones: Vec<Comp> = cal.comps("VTIMEZONE").cloned().collect();
    Ok((cal, events, zones))
}

/// A VCALENDAR with METHOD, the VTIMEZONEs the events use, and the events.
fn message(cal: &Comp, method: &str, events: Vec<Comp>, zones: &[Comp]) -> String {
    let mut out = Comp::new("VCALENDAR");
    out.begin = cal.begin.clone();
    for node in &cal.children {
        if let Node::Line(l) = node {
            if l.name() != "METHOD" {
                out.children.push(Node::Line(l.clone()));
            }
        }
    }
    out.add_line(&format!("METHOD:{method}"));
    let used: Vec<String> = events.iter().flat_map(zones_used).map(|z| z.0).collect();
    for z in zones {
        if z.prop("TZID")
            .is_some_and(|p| used.iter().any(|u| u == p.value.trim()))
        {
            out.children.push(Node::Comp(z.clone()));
        }
    }
    for e in events {
        out.children.push(Node::Comp(e));
    }
    out.write()
}

fn sequence(comp: &Comp) -> i64 {
    comp.prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(0)
}

/// A METHOD:REQUEST invitation for the event (series and overrides) as the resource holds
/// it. It needs an ORGANIZER and at least one ATTENDEE.
pub fn itip_request(ics: &str, uid: &str, now: DateTime<Utc>) -> Result<String, EditError> {
    let (cal, mut events, zones) = components(ics, uid)?;
    let main = &events[0];
    if main.prop("ORGANIZER").is_none() {
        return Err(EditError::Invalid(
            "an invitation needs an ORGANIZER".into(),
        ));
    }
    if main.prop("ATTENDEE").is_none() {
        return Err(EditError::Invalid("an invitation needs attendees".into()));
    }
    for e in &mut events {
        e.set("DTSTAMP", Some(format!("DTSTAMP:{}", stamp(now))));
    }
    Ok(message(&cal, "REQUEST", events, &zones))
}

/// A METHOD:CANCEL for the whole event, or for one instance (its `recurrence_id` as
/// [`crate::expand_in`] reports it). SEQUENCE is the event's + 1.
pub fn itip_cancel(
    ics: &str,
    uid: &str,
    recurrence_id: Option<DateTime<Utc>>,
    ctx: &EditContext,
) -> Result<String, EditError> {
    let (cal, events, zones) = components(ics, uid)?;
    let master = events
        .iter()
        .find(|c| c.prop("RECURRENCE-ID").is_none())
        .unwrap_or(&events[0]);
    let mut cancel = Comp::new("VEVENT");
    let keep = [
        "UID",
        "ORGANIZER",
        "ATTENDEE",
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DURATION",
    ];
    for l in master.lines().filter(|l| keep.contains(&l.name())) {
        cancel.children.push(Node::Line(l.clone()));
    }
    cancel.add_line(&format!("DTSTAMP:{}", stamp(ctx.now)));
    cancel.add_line(&format!("SEQUENCE:{}", sequence(master) + 1));
    cancel.add_line("STATUS:CANCELLED");
    if let Some(rid) = recurrence_id {
        add_recurrence_id(&mut cancel, master, &events, rid, &zones, ctx)?;
    }
    Ok(message(&cal, "CANCEL", vec![cancel], &zones))
}

/// A METHOD:REPLY in which `email` answers `partstat` (`ACCEPTED`, `DECLINED`,
/// `TENTATIVE`) for the event or one instance of it.
pub fn itip_reply(
    ics: &str,
    uid: &str,
    email: &str,
    partstat: &str,
    recurrence_id: Option<DateTime<Utc>>,
    ctx: &EditContext,
) -> Result<String, EditError> {
    let partstat = partstat.trim().to_ascii_uppercase();
    if !["ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"].contains(&partstat.as_str()) {
        return Err(EditError::Invalid(format!("cannot reply {partstat:?}")));
    }
    let (cal, events, zones) = components(ics, uid)?;
    let master = events
        .iter()
        .find(|c| c.prop("RECURRENCE-ID").is_none())
        .unwrap_or(&events[0]);
    let me = master
        .props("ATTENDEE")
        .find(|p| {
            crate::parse::attendee(p).is_some_and(|a| a.email.eq_ignore_ascii_case(email.trim()))
        })
        .ok_or_else(|| EditError::Invalid(format!("{email} is not invited")))?;
    let mut answer = with_param(me, "PARTSTAT", Some(&partstat));
    if let Ok(line) = crate::lines::parse_content_line(&answer) {
        answer = with_param(&line, "RSVP", None);
    }
    let mut reply = Comp::new("VEVENT");
    let keep = [
        "UID",
        "ORGANIZER",
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SEQUENCE",
    ];
    for l in master.lines().filter(|l| keep.contains(&l.name())) {
        reply.children.push(Node::Line(l.clone()));
    }
    reply.children.push(Node::Line(Line::new(&answer)));
    reply.add_line(&format!("DTSTAMP:{}", stamp(ctx.now)));
    if let Some(rid) = recurrence_id {
        add_recurrence_id(&mut reply, master, &events, rid, &zones, ctx)?;
    }
    Ok(message(&cal, "REPLY", vec![reply], &zones))
}

/// Adds the RECURRENCE-ID of one instance (checked to exist) and that instance's times.
fn add_recurrence_id(
    out: &mut Comp,
    master: &Comp,
    events: &[Comp],
    rid: DateTime<Utc>,
    zones: &[Comp],
    ctx: &EditContext,
) -> Result<(), EditError> {
    let zones_text: String = zones.iter().map(Comp::write).collect();
    let m: ParsedEvent = event_of(master, &zones_text)
        .ok_or_else(|| EditError::Invalid("the event cannot be read".into()))?;
    let overrides: Vec<ParsedEvent> = events
        .iter()
        .filter_map(|c| event_of(c, &zones_text))
        .collect();
    let fz = ctx.floating_zone;
    let instance = crate::expand_in(
        &m,
        &overrides,
        rid - chrono::Duration::days(366),
        rid + chrono::Duration::days(366),
        fz,
    )
    .into_iter()
    .find(|i| i.recurrence_id == rid)
    .ok_or(EditError::NoSuchInstance(rid))?;
    let form = Form::of_dtstart(master);
    out.set(
        "RECURRENCE-ID",
        Some(form.write("RECURRENCE-ID", &[local_of(&m, rid, fz)])),
    );
    out.set(
        "DTSTART",
        Some(form.write("DTSTART", &[local_of(&m, instance.start, fz)])),
    );
    out.set(
        "DTEND",
        Some(form.write("DTEND", &[local_of(&m, instance.end, fz)])),
    );
    out.set("DURATION", None);
    Ok(())
}
