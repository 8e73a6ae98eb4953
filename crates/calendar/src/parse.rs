//! Component level: finds VEVENT and VTIMEZONE blocks and builds [`ParsedEvent`]s.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::lines::{parse_content_line, truncate, unfold, ContentLine};
use crate::values::{
    parse_date_value, parse_duration, resolve_tzid, unescape_text, Clock, DateValue,
};
use crate::vtimezone::{CustomZone, Observance};
use crate::{Attendee, IcsProblem, ParsedCalendar, ParsedEvent, Period};

/// Parses iCalendar text. Never fails: what cannot be read ends up in `problems`.
pub fn parse_ics(input: &str) -> ParsedCalendar {
    let lines = unfold(input);
    let mut problems = Vec::new();
    let blocks = split_blocks(&lines, &mut problems);

    if !blocks.saw_calendar && blocks.events.is_empty() && !lines.is_empty() {
        problems.push(problem(1, "no BEGIN:VCALENDAR or BEGIN:VEVENT found"));
    }

    let zones = Zones::new(&blocks.vtimezones);
    let mut events = Vec::new();
    for block in blocks.events {
        match build_event(&block, input, &zones) {
            Ok(event) => events.push(event),
            Err(reason) => problems.push(problem(block.begin_line, &reason)),
        }
    }
    problems.sort_by_key(|p| line_of(&p.position));
    ParsedCalendar { events, problems }
}

/// The STANDARD/DAYLIGHT observances of the first VTIMEZONE in `text`.
pub(crate) fn vtimezone_observances(text: &str) -> Vec<Observance> {
    let lines = unfold(text);
    let mut problems = Vec::new();
    let blocks = split_blocks(&lines, &mut problems);
    blocks
        .vtimezones
        .into_values()
        .next()
        .map(|b| b.observances)
        .unwrap_or_default()
}

fn problem(line: usize, reason: &str) -> IcsProblem {
    IcsProblem {
        position: format!("line {line}"),
        reason: reason.to_string(),
    }
}

fn line_of(position: &str) -> usize {
    position
        .strip_prefix("line ")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct EventBlock {
    begin_line: usize,
    start: usize,
    end: usize,
    props: Vec<ContentLine>,
    /// The properties of each VALARM inside the VEVENT.
    alarms: Vec<Vec<ContentLine>>,
}

/// A VTIMEZONE as read.
#[derive(Default)]
struct VtzBlock {
    tzid: Option<String>,
    location: Option<String>,
    observances: Vec<Observance>,
}

struct Blocks {
    saw_calendar: bool,
    events: Vec<EventBlock>,
    /// Each VTIMEZONE by TZID.
    vtimezones: HashMap<String, VtzBlock>,
}

/// Turns TZIDs into clocks: IANA names (directly, by Windows name, by X-LIC-LOCATION or
/// by a path suffix) first, then the VTIMEZONE's own observances.
pub(crate) struct Zones {
    locations: HashMap<String, String>,
    custom: HashMap<String, CustomZone>,
}

/// A TZID resolved.
enum ZoneRef<'a> {
    Iana(chrono_tz::Tz),
    Custom(&'a CustomZone),
}

impl Zones {
    fn new(vtimezones: &HashMap<String, VtzBlock>) -> Zones {
        let locations: HashMap<String, String> = vtimezones
            .iter()
            .map(|(tzid, b)| {
                (
                    tzid.clone(),
                    b.location.clone().unwrap_or_else(|| tzid.clone()),
                )
            })
            .collect();
        let custom = vtimezones
            .iter()
            .filter(|(tzid, _)| resolve_tzid(tzid, &locations).is_none())
            .filter_map(|(tzid, b)| {
                CustomZone::from_observances(tzid, &b.observances).map(|z| (tzid.clone(), z))
            })
            .collect();
        Zones { locations, custom }
    }

    fn resolve(&self, tzid: &str) -> Option<ZoneRef<'_>> {
        if let Some(tz) = resolve_tzid(tzid, &self.locations) {
            return Some(ZoneRef::Iana(tz));
        }
        self.custom.get(tzid.trim()).map(ZoneRef::Custom)
    }
}

fn split_blocks(lines: &[crate::lines::LogicalLine], problems: &mut Vec<IcsProblem>) -> Blocks {
    let mut out = Blocks {
        saw_calendar: false,
        events: Vec::new(),
        vtimezones: HashMap::new(),
    };
    let mut stack: Vec<String> = Vec::new();
    let mut event: Option<EventBlock> = None;
    let mut vtimezone: Option<VtzBlock> = None;

    for line in lines {
        if let Some(open) = event.as_mut() {
            open.end = line.end;
        }
        let content = match parse_content_line(&line.text) {
            Ok(c) => c,
            Err(reason) => {
                problems.push(problem(
                    line.line_no,
                    &format!("{reason}: {:?}", truncate(&line.text, 60)),
                ));
                continue;
            }
        };
        match content.name.as_str() {
            "BEGIN" => {
                let component = content.value.trim().to_ascii_uppercase();
                match component.as_str() {
                    "VCALENDAR" => out.saw_calendar = true,
                    "VEVENT" => {
                        if let Some(unclosed) = event.take() {
                            problems.push(problem(
                                unclosed.begin_line,
                                &format!("VEVENT not closed before line {}", line.line_no),
                            ));
                            out.events.push(unclosed);
                            if let Some(pos) = stack.iter().rposition(|c| c == "VEVENT") {
                                stack.truncate(pos);
                            }
                        }
                        event = Some(EventBlock {
                            begin_line: line.line_no,
                            start: line.start,
                            end: line.end,
                            props: Vec::new(),
                            alarms: Vec::new(),
                        });
                    }
                    "VALARM" if stack.last().map(String::as_str) == Some("VEVENT") => {
                        if let Some(open) = event.as_mut() {
                            open.alarms.push(Vec::new());
                        }
                    }
                    "VTIMEZONE" if event.is_none() => vtimezone = Some(VtzBlock::default()),
                    "STANDARD" | "DAYLIGHT"
                        if stack.last().map(String::as_str) == Some("VTIMEZONE") =>
                    {
                        if let Some(vtz) = vtimezone.as_mut() {
                            if vtz.observances.len() < 500 {
                                vtz.observances.push(Observance::default());
                            }
                        }
                    }
                    _ => {}
                }
                stack.push(component);
            }
            "END" => {
                let component = content.value.trim().to_ascii_uppercase();
                match stack.iter().rposition(|c| *c == component) {
                    Some(pos) => stack.truncate(pos),
                    None => problems.push(problem(
                        line.line_no,
                        &format!("END:{component} without BEGIN"),
                    )),
                }
                if component == "VEVENT" {
                    if let Some(closed) = event.take() {
                        out.events.push(closed);
                    }
                } else if component == "VTIMEZONE" {
                    if let Some(vtz) = vtimezone.take() {
                        if let Some(tzid) = vtz.tzid.clone() {
                            out.vtimezones.insert(tzid, vtz);
                        }
                    }
                }
            }
            _ => {
                let innermost = stack.last().map(String::as_str);
                if let Some(open) = event.as_mut() {
                    if innermost == Some("VEVENT") {
                        open.props.push(content);
                    } else if innermost == Some("VALARM") {
                        if let Some(alarm) = open.alarms.last_mut() {
                            alarm.push(content);
                        }
                    }
                } else if let Some(vtz) = vtimezone.as_mut() {
                    if innermost == Some("VTIMEZONE") {
                        match content.name.as_str() {
                            "TZID" => vtz.tzid = Some(content.value.trim().to_string()),
                            "X-LIC-LOCATION" => {
                                vtz.location = Some(content.value.trim().to_string())
                            }
                            _ => {}
                        }
                    } else if matches!(innermost, Some("STANDARD" | "DAYLIGHT")) {
                        if let Some(obs) = vtz.observances.last_mut() {
                            let value = content.value.trim().to_string();
                            match content.name.as_str() {
                                "DTSTART" => obs.dtstart = Some(value),
                                "TZOFFSETFROM" => obs.offset_from = Some(value),
                                "TZOFFSETTO" => obs.offset_to = Some(value),
                                "RRULE" => obs.rrule = Some(value),
                                "RDATE" if obs.rdates.len() < 1_000 => obs.rdates.push(value),
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(unclosed) = event.take() {
        problems.push(problem(
            unclosed.begin_line,
            "VEVENT not closed before end of input",
        ));
        out.events.push(unclosed);
    }
    out
}

/// What one DATE / DATE-TIME property resolved to.
struct Resolved {
    instant: DateTime<Utc>,
    all_day: bool,
    tzid: Option<String>,
    floating: bool,
    /// The wall-clock time written, when it had a TZID that resolved.
    local: Option<chrono::NaiveDateTime>,
    /// The VTIMEZONE-defined zone the value was read in.
    custom: Option<CustomZone>,
    /// Set when the value was read but its TZID is unknown (the instant assumes UTC).
    unknown_zone: Option<String>,
}

fn resolve_value(
    name: &str,
    value: &str,
    tzid_param: Option<&str>,
    zones: &Zones,
) -> Result<Resolved, String> {
    let parsed = parse_date_value(value)
        .ok_or_else(|| format!("unparseable {name} {:?}", truncate(value.trim(), 40)))?;
    let mut resolved = Resolved {
        instant: DateTime::UNIX_EPOCH,
        all_day: false,
        tzid: None,
        floating: false,
        local: None,
        custom: None,
        unknown_zone: None,
    };
    match parsed {
        DateValue::Date(date) => {
            resolved.instant = date.and_time(NaiveTime::MIN).and_utc();
            resolved.all_day = true;
        }
        DateValue::Utc(naive) => resolved.instant = naive.and_utc(),
        DateValue::Local(naive) => match tzid_param {
            Some(tzid) => match zones.resolve(tzid) {
                Some(ZoneRef::Iana(tz)) => {
                    resolved.instant = Clock::Iana(tz).to_utc(naive);
                    resolved.tzid = Some(tz.name().to_string());
                    resolved.local = Some(naive);
                }
                Some(ZoneRef::Custom(zone)) => {
                    resolved.instant = zone.local_to_utc(naive);
                    resolved.tzid = Some(zone.tzid.clone());
                    resolved.local = Some(naive);
                    resolved.custom = Some(zone.clone());
                }
                None => {
                    resolved.instant = naive.and_utc();
                    resolved.tzid = Some(tzid.to_string());
                    resolved.unknown_zone = Some(format!(
                        "unknown time zone {:?} in {name}",
                        truncate(tzid, 60)
                    ));
                }
            },
            None => {
                resolved.instant = naive.and_utc();
                resolved.floating = true;
            }
        },
    }
    Ok(resolved)
}

fn resolve_property(prop: &ContentLine, zones: &Zones) -> Result<Resolved, String> {
    resolve_value(&prop.name, &prop.value, prop.param("TZID"), zones)
}

/// RDATE / EXDATE: comma lists, possibly over several lines; PERIOD values count by start.
fn resolve_list(
    props: &[&ContentLine],
    zones: &Zones,
    broken: &mut Vec<String>,
    periods: &mut Vec<Period>,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for prop in props {
        for item in prop.value.split(',').filter(|s| !s.trim().is_empty()) {
            let (first, period_end) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            match resolve_value(&prop.name, first, prop.param("TZID"), zones) {
                Ok(r) => {
                    if let Some(reason) = r.unknown_zone {
                        broken.push(reason);
                    }
                    out.push(r.instant);
                    if let Some(end_text) = period_end {
                        // PERIOD: start/end or start/duration (RFC 5545 §3.3.9).
                        let end = match parse_duration(end_text) {
                            Some(d) => r.instant.checked_add_signed(d),
                            None => resolve_value(&prop.name, end_text, prop.param("TZID"), zones)
                                .ok()
                                .map(|e| e.instant),
                        };
                        match end {
                            Some(end) if end >= r.instant => periods.push(Period {
                                start: r.instant,
                                end,
                            }),
                            _ => broken.push(format!(
                                "bad PERIOD end {:?} in {}",
                                truncate(end_text, 40),
                                prop.name
                            )),
                        }
                    }
                }
                Err(reason) => broken.push(reason),
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub(crate) fn attendee(prop: &ContentLine) -> Option<Attendee> {
    let value = prop.value.trim();
    let email = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &value[7..],
        _ => value,
    };
    if email.is_empty() {
        return None;
    }
    Some(Attendee {
        email: email.to_string(),
        name: prop
            .param("CN")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        partstat: prop
            .param("PARTSTAT")
            .map(|p| p.trim().to_ascii_uppercase()),
    })
}

fn build_event(block: &EventBlock, input: &str, zones: &Zones) -> Result<ParsedEvent, String> {
    let first = |name: &str| block.props.iter().find(|p| p.name == name);
    let all = |name: &str| -> Vec<&ContentLine> {
        block.props.iter().filter(|p| p.name == name).collect()
    };
    let text = |name: &str| {
        first(name)
            .map(|p| unescape_text(&p.value))
            .filter(|s| !s.is_empty())
    };
    let mut broken: Vec<String> = Vec::new();

    let uid = text("UID").map(|u| u.trim().to_string());
    let raw = input
        .get(block.start..block.end)
        .unwrap_or_default()
        .to_string();

    let start = match first("DTSTART") {
        None => {
            broken.push("missing DTSTART".to_string());
            None
        }
        Some(prop) => match resolve_property(prop, zones) {
            Ok(r) => Some(r),
            Err(reason) => {
                broken.push(reason);
                None
            }
        },
    };
    let (start_at, all_day, tzid, floating) = match &start {
        Some(r) => {
            if let Some(reason) = &r.unknown_zone {
                broken.push(reason.clone());
            }
            (r.instant, r.all_day, r.tzid.clone(), r.floating)
        }
        None => (DateTime::UNIX_EPOCH, false, None, false),
    };
    let start_local = start.as_ref().and_then(|r| r.local);
    let custom_zone = start.as_ref().and_then(|r| r.custom.clone());

    let end_at = if start.is_none() {
        start_at
    } else if let Some(prop) = first("DTEND") {
        match resolve_property(prop, zones) {
            Ok(r) => {
                if let Some(reason) = r.unknown_zone {
                    broken.push(reason);
                }
                if r.instant < start_at {
                    broken.push("DTEND is before DTSTART".to_string());
                    start_at
                } else {
                    r.instant
                }
            }
            Err(reason) => {
                broken.push(reason);
                default_end(start_at, all_day)
            }
        }
    } else if let Some(prop) = first("DURATION") {
        match parse_duration(&prop.value) {
            Some(d) if d >= Duration::zero() => start_at.checked_add_signed(d).unwrap_or(start_at),
            Some(_) => {
                broken.push("negative DURATION".to_string());
                start_at
            }
            None => {
                broken.push(format!(
                    "unparseable DURATION {:?}",
                    truncate(prop.value.trim(), 40)
                ));
                default_end(start_at, all_day)
            }
        }
    } else {
        default_end(start_at, all_day)
    };

    let mut rdate_periods = Vec::new();
    let mut ignored_periods = Vec::new();
    let rdates = resolve_list(&all("RDATE"), zones, &mut broken, &mut rdate_periods);
    let exdates = resolve_list(&all("EXDATE"), zones, &mut broken, &mut ignored_periods);
    rdate_periods.sort_by_key(|p| p.start);
    rdate_periods.dedup_by_key(|p| p.start);
    let mut alarms = Vec::new();
    for props in &block.alarms {
        match crate::alarm::parse_alarm(props, |p| {
            resolve_property(p, zones).ok().map(|r| r.instant)
        }) {
            Ok(alarm) => alarms.push(alarm),
            Err(reason) => broken.push(format!("VALARM: {reason}")),
        }
    }
    let recurrence_id =
        first("RECURRENCE-ID").and_then(|prop| match resolve_property(prop, zones) {
            Ok(r) => {
                if let Some(reason) = r.unknown_zone {
                    broken.push(reason);
                }
                Some(r.instant)
            }
            Err(reason) => {
                broken.push(reason);
                None
            }
        });

    let uid = match uid {
        Some(uid) => uid,
        // RFC 5545 requires UID, but old exporters omit it; a stand-in derived from the
        // text keeps re-imports of the same file idempotent.
        None if broken.is_empty() => format!("generated-{:016x}", fnv1a(raw.as_bytes())),
        None => return Err(format!("VEVENT without UID: {}", broken.join("; "))),
    };

    let mut event = ParsedEvent {
        uid,
        summary: text("SUMMARY"),
        location: text("LOCATION"),
        description: text("DESCRIPTION"),
        start: start_at,
        end: end_at,
        all_day,
        tzid,
        floating,
        rrule: first("RRULE")
            .map(|p| p.value.trim().to_string())
            .filter(|r| !r.is_empty()),
        rdates,
        exdates,
        recurrence_id,
        organizer: first("ORGANIZER").and_then(attendee),
        attendees: all("ATTENDEE").into_iter().filter_map(attendee).collect(),
        status: first("STATUS").map(|p| p.value.trim().to_ascii_uppercase()),
        alarms,
        rdate_periods,
        start_local,
        custom_zone,
        broken: None,
        raw,
    };
    if start.is_some() && event.rrule.is_some() {
        if let Err(reason) = crate::expand::check_rule(&event) {
            broken.push(format!("bad RRULE: {reason}"));
        }
    }
    if !broken.is_empty() {
        event.broken = Some(broken.join("; "));
    }
    Ok(event)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn default_end(start: DateTime<Utc>, all_day: bool) -> DateTime<Utc> {
    if all_day {
        start + Duration::days(1)
    } else {
        start
    }
}
