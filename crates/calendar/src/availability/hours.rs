//! Working hours: weekly wall-clock ranges in a person's own IANA zone, turned into UTC
//! spans one local day at a time so a DST change day keeps 09:00-17:00 local (7 or 9
//! hours of UTC on the day the clocks move by an hour).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::intervals::{normalize, Span};
use super::AvailabilityError;

/// Minutes in a day; a range may end at 24:00.
const DAY_MINUTES: u16 = 24 * 60;

/// A wall-clock range inside one local day, in minutes after midnight (`end` up to
/// 1440 = 24:00). Written `09:00-17:30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DayRange {
    pub start: u16,
    pub end: u16,
}

impl DayRange {
    /// `start`/`end` in minutes after midnight; `start < end <= 1440`.
    pub fn new(start: u16, end: u16) -> Result<Self, AvailabilityError> {
        if start >= end || end > DAY_MINUTES {
            return Err(AvailabilityError::Hours(format!(
                "{} must end after it starts, at 24:00 at the latest",
                DayRange { start, end }
            )));
        }
        Ok(Self { start, end })
    }

    /// Reads `HH:MM-HH:MM` (`9:00-17:30`, `00:00-24:00`).
    pub fn parse(text: &str) -> Result<Self, AvailabilityError> {
        let bad =
            || AvailabilityError::Hours(format!("'{text}' is not a time range like 09:00-17:00"));
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let start = parse_clock(a).ok_or_else(bad)?;
        let end = parse_clock(b).ok_or_else(bad)?;
        Self::new(start, end)
    }
}

impl fmt::Display for DayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// `HH:MM` as minutes after midnight, 24:00 included.
pub(crate) fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) || text.trim().len() > 5 {
        return None;
    }
    Some(h * 60 + m)
}

/// Ranges per weekday, Monday first.
pub type Week = [Vec<DayRange>; 7];

/// One person's working week in their own zone. `core` are the hours they most prefer
/// meetings in (none = all working hours are core).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingHours {
    pub zone: Tz,
    pub week: Week,
    pub core: Option<Week>,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WorkingHours {
    /// No working hours at all.
    pub fn none(zone: Tz) -> Self {
        Self {
            zone,
            week: Default::default(),
            core: None,
        }
    }

    /// Every day, all day.
    pub fn always(zone: Tz) -> Self {
        let mut h = Self::none(zone);
        for day in &mut h.week {
            day.push(DayRange {
                start: 0,
                end: DAY_MINUTES,
            });
        }
        h
    }

    /// The same ranges Monday to Friday.
    pub fn weekdays(zone: Tz, ranges: &[DayRange]) -> Self {
        let mut h = Self::none(zone);
        for day in &mut h.week[..5] {
            day.extend_from_slice(ranges);
        }
        h
    }

    /// Reads specs such as `Mon-Fri 09:00-12:00,13:00-17:30`, `Sat 10:00-14:00`,
    /// `Mon,Wed 08:00-16:00` or just `09:00-17:00` (Monday to Friday). Several specs add up.
    pub fn parse<S: AsRef<str>>(zone: Tz, specs: &[S]) -> Result<Self, AvailabilityError> {
        let mut h = Self::none(zone);
        for spec in specs {
            add_spec(&mut h.week, spec.as_ref())?;
        }
        Ok(h)
    }

    /// Sets core hours from specs written like [`WorkingHours::parse`]'s.
    pub fn with_core<S: AsRef<str>>(mut self, specs: &[S]) -> Result<Self, AvailabilityError> {
        let mut core: Week = Default::default();
        for spec in specs {
            add_spec(&mut core, spec.as_ref())?;
        }
        self.core = Some(core);
        Ok(self)
    }

    /// The working time between `from` and `to` as merged UTC spans, skipping holidays
    /// (dates in this person's zone).
    pub(crate) fn spans(&self, holidays: &BTreeSet<NaiveDate>, from: i64, to: i64) -> Vec<Span> {
        week_spans(self.zone, &self.week, holidays, from, to)
    }

    pub(crate) fn core_spans(
        &self,
        holidays: &BTreeSet<NaiveDate>,
        from: i64,
        to: i64,
    ) -> Option<Vec<Span>> {
        self.core
            .as_ref()
            .map(|core| week_spans(self.zone, core, holidays, from, to))
    }
}

fn add_spec(week: &mut Week, spec: &str) -> Result<(), AvailabilityError> {
    let spec = spec.trim();
    let (days, ranges) = match spec.split_once(char::is_whitespace) {
        Some((days, ranges)) => (parse_days(days)?, ranges),
        None => ([true, true, true, true, true, false, false], spec),
    };
    let ranges = ranges
        .split(',')
        .map(DayRange::parse)
        .collect::<Result<Vec<_>, _>>()?;
    for (i, on) in days.iter().enumerate() {
        if *on {
            week[i].extend_from_slice(&ranges);
            week[i].sort();
        }
    }
    Ok(())
}

fn day_index(name: &str) -> Option<usize> {
    let lower = name.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|d| lower.len() >= 3 && d.starts_with(&lower[..3]) && lower.is_ascii())
}

/// `Mon-Fri`, `Mon,Wed,Fri`, `Sat`, `daily`.
fn parse_days(text: &str) -> Result<[bool; 7], AvailabilityError> {
    let mut days = [false; 7];
    if text.eq_ignore_ascii_case("daily") {
        return Ok([true; 7]);
    }
    let bad = || AvailabilityError::Hours(format!("'{text}' is not a day list like Mon-Fri"));
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?);
                let mut i = a;
                loop {
                    days[i] = true;
                    if i == b {
                        break;
                    }
                    i = (i + 1) % 7;
                }
            }
            None => days[day_index(part).ok_or_else(bad)?] = true,
        }
    }
    Ok(days)
}

fn week_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

/// The local dates whose days can touch `[from, to)` in `zone`.
pub(crate) fn local_dates(zone: Tz, from: i64, to: i64) -> impl Iterator<Item = NaiveDate> {
    let first = utc(from).with_timezone(&zone).date_naive().pred_opt();
    let last = utc(to).with_timezone(&zone).date_naive().succ_opt();
    let mut day = first;
    std::iter::from_fn(move || {
        let d = day?;
        if Some(d) > last {
            return None;
        }
        day = d.succ_opt();
        Some(d)
    })
}

fn week_spans(
    zone: Tz,
    week: &Week,
    holidays: &BTreeSet<NaiveDate>,
    from: i64,
    to: i64,
) -> Vec<Span> {
    let mut out = Vec::new();
    for date in local_dates(zone, from, to) {
        if holidays.contains(&date) {
            continue;
        }
        for r in &week[week_index(date.weekday())] {
            let start = local_instant(zone, date, r.start, false);
            let end = local_instant(zone, date, r.end, true);
            if start < to && end > from {
                out.push((start.max(from), end.min(to)));
            }
        }
    }
    normalize(out)
}

/// The `[start, end)` of a local date in `zone`, in Unix seconds.
pub(crate) fn day_span(zone: Tz, date: NaiveDate) -> Span {
    (
        local_instant(zone, date, 0, false),
        local_instant(zone, date, DAY_MINUTES, false),
    )
}

pub(crate) fn utc(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// The instant of wall-clock `minute` on `date` in `zone`. A time repeated by a fall-back
/// change is its first occurrence for a start and its second for an end (the range keeps
/// its whole wall-clock length); a time skipped by a spring-forward change moves to the
/// end of the gap, the moment the clocks jump (the range keeps only hours that exist).
pub(crate) fn local_instant(zone: Tz, date: NaiveDate, minute: u16, is_end: bool) -> i64 {
    let (date, minute) = if minute >= DAY_MINUTES {
        (date.succ_opt().unwrap_or(date), minute - DAY_MINUTES)
    } else {
        (date, minute)
    };
    let Some(naive) = date.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0) else {
        return 0;
    };
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(first, second) => {
            if is_end {
                second.timestamp()
            } else {
                first.timestamp()
            }
        }
        LocalResult::None => {
            // Walk to the first wall-clock minute that exists: gaps are at most a few hours.
            (1..=24 * 60)
                .find_map(|m| {
                    zone.from_local_datetime(&(naive + Duration::minutes(m)))
                        .earliest()
                })
                .map_or(0, |t| t.timestamp())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let h = WorkingHours::parse(
            chrono_tz::UTC,
            &["Mon-Fri 09:00-12:00,13:00-17:30", "Sat 10:00-14:00"],
        )
        .unwrap();
        assert_eq!(h.week[0].len(), 2);
        assert_eq!(h.week[5], vec![DayRange::new(600, 840).unwrap()]);
        assert!(h.week[6].is_empty());
        let w = WorkingHours::parse(chrono_tz::UTC, &["9:00-17:00"]).unwrap();
        assert_eq!(w.week[4], vec![DayRange::new(540, 1020).unwrap()]);
        assert!(w.week[5].is_empty());
        let wrap = WorkingHours::parse(chrono_tz::UTC, &["Fri-Mon 00:00-24:00"]).unwrap();
        assert!(!wrap.week[0].is_empty() && !wrap.week[6].is_empty() && wrap.week[2].is_empty());
        for bad in [
            "Mon-Fri 17:00-09:00",
            "Funday 09:00-10:00",
            "9-17",
            "09:00-25:00",
        ] {
            assert!(
                WorkingHours::parse(chrono_tz::UTC, &[bad]).is_err(),
                "{bad}"
            );
        }
    }
}
