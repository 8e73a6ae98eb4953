//! VALARM (RFC 5545 §3.6.6): reading alarms and computing when they fire for the
//! instances of an event inside a window.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::lines::{truncate, ContentLine};
use crate::values::{parse_duration, unescape_text};
use crate::{expand_in, ParsedEvent};

/// Most REPEATs honoured per alarm.
const MAX_REPEAT: u32 = 100;
/// Alarms further than this from their instance are not looked for.
const MAX_LEAD_DAYS: i64 = 366;

/// One VALARM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    /// ACTION, upper-cased: `DISPLAY`, `AUDIO`, `EMAIL`, ...
    pub action: String,
    pub trigger: AlarmTrigger,
    pub description: Option<String>,
    pub summary: Option<String>,
    /// REPEAT: how many more times it fires after the first, `repeat_interval_seconds`
    /// apart (0 when absent).
    #[serde(default)]
    pub repeat: u32,
    #[serde(default)]
    pub repeat_interval_seconds: i64,
}

/// When an alarm fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlarmTrigger {
    /// Relative to each instance: `seconds` after its start (negative: before), or after
    /// its end when `from_end` (`TRIGGER;RELATED=END`).
    Relative { seconds: i64, from_end: bool },
    /// At one instant (`TRIGGER;VALUE=DATE-TIME`), once for the whole series.
    Absolute { at: DateTime<Utc> },
}

impl Alarm {
    /// A display alarm `minutes` before the start.
    pub fn display_before(minutes: i64, description: &str) -> Alarm {
        Alarm {
            action: "DISPLAY".to_string(),
            trigger: AlarmTrigger::Relative {
                seconds: -minutes.saturating_mul(60),
                from_end: false,
            },
            description: Some(description.to_string()),
            summary: None,
            repeat: 0,
            repeat_interval_seconds: 0,
        }
    }
}

/// One firing of an alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmFire {
    pub uid: String,
    /// The instance the alarm belongs to (its RECURRENCE-ID value).
    pub recurrence_id: DateTime<Utc>,
    pub instance_start: DateTime<Utc>,
    /// When it fires.
    pub at: DateTime<Utc>,
    /// Index into the alarms of the event (or of the override that supplied the instance).
    pub alarm_index: usize,
    pub action: String,
    pub description: Option<String>,
}

/// Reads a VALARM's properties. `absolute` resolves a DATE-TIME TRIGGER.
pub(crate) fn parse_alarm(
    props: &[ContentLine],
    absolute: impl Fn(&ContentLine) -> Option<DateTime<Utc>>,
) -> Result<Alarm, String> {
    let first = |name: &str| props.iter().find(|p| p.name == name);
    let text = |name: &str| {
        first(name)
            .map(|p| unescape_text(&p.value))
            .filter(|s| !s.is_empty())
    };
    let action = first("ACTION")
        .map(|p| p.value.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .ok_or("missing ACTION")?;
    let prop = first("TRIGGER").ok_or("missing TRIGGER")?;
    let is_date_time = prop
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"));
    let trigger = if is_date_time {
        let at = absolute(prop)
            .ok_or_else(|| format!("unparseable TRIGGER {:?}", truncate(prop.value.trim(), 40)))?;
        AlarmTrigger::Absolute { at }
    } else {
        let d = parse_duration(&prop.value)
            .ok_or_else(|| format!("unparseable TRIGGER {:?}", truncate(prop.value.trim(), 40)))?;
        if d.num_days().abs() > MAX_LEAD_DAYS {
            return Err("TRIGGER further than a year from the event".to_string());
        }
        AlarmTrigger::Relative {
            seconds: d.num_seconds(),
            from_end: prop
                .param("RELATED")
                .is_some_and(|r| r.eq_ignore_ascii_case("END")),
        }
    };
    let repeat = first("REPEAT")
        .and_then(|p| p.value.trim().parse::<u32>().ok())
        .unwrap_or(0)
        .min(MAX_REPEAT);
    let interval = first("DURATION")
        .and_then(|p| parse_duration(&p.value))
        .map_or(0, |d| d.num_seconds().clamp(0, 86_400));
    Ok(Alarm {
        action,
        trigger,
        description: text("DESCRIPTION"),
        summary: text("SUMMARY"),
        repeat: if interval > 0 { repeat } else { 0 },
        repeat_interval_seconds: interval,
    })
}

/// Every alarm firing in `[from, to)` for the instances of `event` (a master or a
/// standalone event), sorted by time. An instance supplied by an override uses the
/// override's alarms (RFC 5545: an override replaces the whole component). Floating and
/// all-day events are placed in `floating_zone`, as [`expand_in`] does.
pub fn alarm_times(
    event: &ParsedEvent,
    overrides: &[ParsedEvent],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    floating_zone: Tz,
) -> Vec<AlarmFire> {
    if to <= from {
        return Vec::new();
    }
    let related: Vec<&ParsedEvent> = overrides
        .iter()
        .filter(|o| o.uid == event.uid && o.recurrence_id.is_some())
        .collect();
    // How far before or after its instance any alarm can fire.
    let reach = std::iter::once(event)
        .chain(related.iter().copied())
        .flat_map(|e| e.alarms.iter().map(move |a| (e, a)))
        .filter_map(|(e, a)| match a.trigger {
            AlarmTrigger::Relative { seconds, from_end } => {
                let span = if from_end {
                    (e.end - e.start).num_seconds().max(0)
                } else {
                    0
                };
                let repeats = i64::from(a.repeat) * a.repeat_interval_seconds;
                Some(seconds.abs() + span + repeats)
            }
            AlarmTrigger::Absolute { .. } => None,
        })
        .max()
        .unwrap_or(0)
        .min(MAX_LEAD_DAYS * 86_400);
    let reach = Duration::seconds(reach);
    let instances = expand_in(
        event,
        overrides,
        from.checked_sub_signed(reach).unwrap_or(from),
        to.checked_add_signed(reach).unwrap_or(to),
        floating_zone,
    );
    let mut out = Vec::new();
    let mut push = |i: &crate::Instance, index: usize, alarm: &Alarm, at: DateTime<Utc>| {
        if at >= from && at < to {
            out.push(AlarmFire {
                uid: event.uid.clone(),
                recurrence_id: i.recurrence_id,
                instance_start: i.start,
                at,
                alarm_index: index,
                action: alarm.action.clone(),
                description: alarm.description.clone(),
            });
        }
    };
    for instance in &instances {
        let source = if event.recurrence_id.is_some() {
            event
        } else {
            crate::override_of(event, overrides, instance, floating_zone).unwrap_or(event)
        };
        for (index, alarm) in source.alarms.iter().enumerate() {
            let AlarmTrigger::Relative { seconds, from_end } = alarm.trigger else {
                continue;
            };
            let base = if from_end {
                instance.end
            } else {
                instance.start
            };
            let Some(first) = base.checked_add_signed(Duration::seconds(seconds)) else {
                continue;
            };
            for k in 0..=alarm.repeat {
                let step = Duration::seconds(i64::from(k) * alarm.repeat_interval_seconds);
                if let Some(at) = first.checked_add_signed(step) {
                    push(instance, index, alarm, at);
                }
            }
        }
    }
    // Absolute alarms fire once, tied to the series' first instance.
    for (index, alarm) in event.alarms.iter().enumerate() {
        if let AlarmTrigger::Absolute { at } = alarm.trigger {
            let series = crate::Instance {
                start: event.start,
                end: event.end,
                recurrence_id: event.recurrence_id.unwrap_or(event.start),
                overridden: event.recurrence_id.is_some(),
            };
            for k in 0..=alarm.repeat {
                let step = Duration::seconds(i64::from(k) * alarm.repeat_interval_seconds);
                if let Some(at) = at.checked_add_signed(step) {
                    push(&series, index, alarm, at);
                }
            }
        }
    }
    out.sort_by_key(|f| (f.at, f.recurrence_id, f.alarm_index));
    out
}
