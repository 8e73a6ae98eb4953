//! Helpers for [`crate::edit`]: how a component writes its times, attendee and alarm
//! lines, RRULE rewriting, SEQUENCE/DTSTAMP and VTIMEZONE upkeep.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::doc::{escape_text, param_value, Comp, Doc, Node};
use crate::edit::{stamp, EditError, EventTime};
use crate::{parse_ics, Alarm, AlarmTrigger, Attendee, ParsedEvent};

/// How a component writes its date-times (taken from its DTSTART).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Form {
    Date,
    Floating,
    Utc,
    /// With this TZID parameter, as written.
    Zoned(String),
}

impl Form {
    pub fn of_dtstart(comp: &Comp) -> Form {
        let Some(p) = comp.prop("DTSTART") else {
            return Form::Utc;
        };
        let value = p.value.trim();
        if p.param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || value.len() == 8
        {
            Form::Date
        } else if value.ends_with(['Z', 'z']) {
            Form::Utc
        } else if let Some(tzid) = p.param("TZID") {
            Form::Zoned(tzid.to_string())
        } else {
            Form::Floating
        }
    }

    pub fn of_time(time: &EventTime) -> Form {
        match time {
            EventTime::AllDay { .. } => Form::Date,
            EventTime::Timed { tzid: Some(t), .. } => Form::Zoned(t.clone()),
            EventTime::Timed { tzid: None, .. } => Form::Utc,
        }
    }

    /// A property line (unfolded) for wall-clock times in this form.
    pub fn write(&self, name: &str, locals: &[NaiveDateTime]) -> String {
        let fmt = |f: &str| {
            locals
                .iter()
                .map(|l| l.format(f).to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        match self {
            Form::Date => format!("{name};VALUE=DATE:{}", fmt("%Y%m%d")),
            Form::Floating => format!("{name}:{}", fmt("%Y%m%dT%H%M%S")),
            Form::Utc => format!("{name}:{}", fmt("%Y%m%dT%H%M%SZ")),
            Form::Zoned(t) => format!("{name};TZID={}:{}", param_value(t), fmt("%Y%m%dT%H%M%S")),
        }
    }

    /// DTSTART and DTEND lines for a patch's times.
    pub fn lines_for(time: &EventTime) -> Result<(String, String), EditError> {
        match time {
            EventTime::Timed { start, end, tzid } => {
                if let Some(t) = tzid {
                    t.parse::<Tz>()
                        .map_err(|_| EditError::Invalid(format!("unknown time zone {t:?}")))?;
                }
                if end < start {
                    return Err(EditError::Invalid("the end is before the start".into()));
                }
                let form = Form::of_time(time);
                Ok((
                    form.write("DTSTART", &[*start]),
                    form.write("DTEND", &[*end]),
                ))
            }
            EventTime::AllDay { start, end } => {
                if end <= start {
                    return Err(EditError::Invalid(
                        "an all-day event ends after its first day".into(),
                    ));
                }
                let midnight = |d: &chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN);
                Ok((
                    Form::Date.write("DTSTART", &[midnight(start)]),
                    Form::Date.write("DTEND", &[midnight(end)]),
                ))
            }
        }
    }
}

/// The wall-clock time of an instant in `event`'s own terms (floating and all-day events
/// in `floating_zone`).
pub(crate) fn local_of(event: &ParsedEvent, at: DateTime<Utc>, floating_zone: Tz) -> NaiveDateTime {
    if event.all_day || event.floating {
        at.with_timezone(&floating_zone).naive_local()
    } else if let Some(zone) = &event.custom_zone {
        zone.utc_to_local(at)
    } else if let Some(tz) = event.tzid.as_deref().and_then(|n| n.parse::<Tz>().ok()) {
        at.with_timezone(&tz).naive_local()
    } else {
        at.naive_utc()
    }
}

/// The wall-clock time of a value as stored on `event` (floating and all-day values are
/// kept as wall-clock times read as UTC).
pub(crate) fn stored_local(event: &ParsedEvent, value: DateTime<Utc>) -> NaiveDateTime {
    if event.all_day || event.floating {
        value.naive_utc()
    } else {
        local_of(event, value, Tz::UTC)
    }
}

/// An instant as [`crate::expand_in`] reports it for a value stored on `event`.
pub(crate) fn placed(
    event: &ParsedEvent,
    value: DateTime<Utc>,
    floating_zone: Tz,
) -> DateTime<Utc> {
    if event.all_day || event.floating {
        crate::values::local_to_utc(floating_zone, value.naive_utc())
    } else {
        value
    }
}

/// Reads one component with the resource's VTIMEZONEs.
pub(crate) fn event_of(comp: &Comp, zones_text: &str) -> Option<ParsedEvent> {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zones_text}{}END:VCALENDAR\r\n",
        comp.write()
    );
    parse_ics(&text).events.into_iter().next()
}

/// An ORGANIZER or ATTENDEE line; a new attendee is asked to reply.
pub(crate) fn attendee_line(name: &str, a: &Attendee, invite: bool) -> String {
    let mut line = name.to_string();
    if let Some(cn) = &a.name {
        line.push_str(&format!(";CN={}", param_value(cn)));
    }
    if invite {
        let partstat = a.partstat.as_deref().unwrap_or("NEEDS-ACTION");
        line.push_str(&format!(";ROLE=REQ-PARTICIPANT;PARTSTAT={partstat}"));
        if partstat == "NEEDS-ACTION" {
            line.push_str(";RSVP=TRUE");
        }
    }
    line.push_str(&format!(":mailto:{}", a.email.trim()));
    line
}

/// `-PT15M`, `PT0S`, `P1D`, `-P1DT2H`.
pub(crate) fn format_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let mut s = seconds.unsigned_abs();
    let days = s / 86_400;
    s %= 86_400;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = format!("{sign}P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if s > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if sec > 0 || (h == 0 && m == 0) {
            out.push_str(&format!("{sec}S"));
        }
    }
    out
}

/// A VALARM component for an alarm.
pub(crate) fn alarm_comp(alarm: &Alarm) -> Comp {
    let mut c = Comp::new("VALARM");
    let action = alarm.action.trim().to_ascii_uppercase();
    c.add_line(&format!(
        "ACTION:{}",
        if action.is_empty() {
            "DISPLAY"
        } else {
            &action
        }
    ));
    c.add_line(&match alarm.trigger {
        AlarmTrigger::Relative {
            seconds,
            from_end: false,
        } => format!("TRIGGER:{}", format_duration(seconds)),
        AlarmTrigger::Relative {
            seconds,
            from_end: true,
        } => {
            format!("TRIGGER;RELATED=END:{}", format_duration(seconds))
        }
        AlarmTrigger::Absolute { at } => format!("TRIGGER;VALUE=DATE-TIME:{}", stamp(at)),
    });
    let description = alarm
        .description
        .clone()
        .unwrap_or_else(|| "Reminder".to_string());
    c.add_line(&format!("DESCRIPTION:{}", escape_text(&description)));
    if let Some(summary) = &alarm.summary {
        c.add_line(&format!("SUMMARY:{}", escape_text(summary)));
    }
    if alarm.repeat > 0 && alarm.repeat_interval_seconds > 0 {
        c.add_line(&format!("REPEAT:{}", alarm.repeat));
        c.add_line(&format!(
            "DURATION:{}",
            format_duration(alarm.repeat_interval_seconds)
        ));
    }
    c
}

/// The rule with COUNT and UNTIL replaced by `UNTIL=until`.
pub(crate) fn rule_with_until(rule: &str, until: &str) -> String {
    let mut parts: Vec<String> = rule_parts(rule);
    parts.push(format!("UNTIL={until}"));
    parts.join(";")
}

/// The rule with COUNT and UNTIL replaced by `COUNT=n`.
pub(crate) fn rule_with_count(rule: &str, count: usize) -> String {
    let mut parts: Vec<String> = rule_parts(rule);
    parts.push(format!("COUNT={count}"));
    parts.join(";")
}

fn rule_parts(rule: &str) -> Vec<String> {
    rule.trim()
        .trim_start_matches("RRULE:")
        .split(';')
        .filter(|p| !p.trim().is_empty())
        .filter(|p| {
            let key = p
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_uppercase();
            key != "COUNT" && key != "UNTIL"
        })
        .map(str::to_string)
        .collect()
}

/// Marks a component changed: SEQUENCE + 1, DTSTAMP and LAST-MODIFIED = `now`.
pub(crate) fn touch(comp: &mut Comp, now: DateTime<Utc>) {
    let sequence = comp
        .prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse::<i64>().ok())
        .unwrap_or(0)
        .saturating_add(1);
    comp.set("SEQUENCE", Some(format!("SEQUENCE:{sequence}")));
    comp.set("DTSTAMP", Some(format!("DTSTAMP:{}", stamp(now))));
    comp.set(
        "LAST-MODIFIED",
        Some(format!("LAST-MODIFIED:{}", stamp(now))),
    );
}

/// Adds a generated VTIMEZONE (before the first VEVENT) for every IANA zone in `zones`
/// that the calendar does not define yet. `(zone, year)`: the component is exact from the
/// year before `year` on.
pub(crate) fn ensure_vtimezones(cal: &mut Comp, zones: &[(String, i32)], now: DateTime<Utc>) {
    for (name, year) in zones {
        let defined = cal.comps("VTIMEZONE").any(|c| {
            c.prop("TZID")
                .is_some_and(|p| p.value.trim() == name.as_str())
        });
        let Ok(tz) = name.parse::<Tz>() else { continue };
        if defined {
            continue;
        }
        let text = crate::tzgen::vtimezone(tz, (*year).min(now.year()) - 1);
        let Some(Node::Comp(comp)) = Doc::parse(&text).nodes.into_iter().next() else {
            continue;
        };
        let at = cal
            .children
            .iter()
            .position(|n| matches!(n, Node::Comp(c) if c.name != "VTIMEZONE"))
            .unwrap_or(cal.children.len());
        cal.children.insert(at, Node::Comp(comp));
    }
}

/// The TZIDs the component's DTSTART/DTEND/RECURRENCE-ID lines use, with DTSTART's year.
pub(crate) fn zones_used(comp: &Comp) -> Vec<(String, i32)> {
    let year = comp
        .prop("DTSTART")
        .and_then(|p| p.value.get(..4).and_then(|y| y.parse().ok()))
        .unwrap_or(2000);
    ["DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"]
        .iter()
        .flat_map(|n| comp.props(n))
        .filter_map(|p| p.param("TZID").map(|t| (t.to_string(), year)))
        .collect()
}
