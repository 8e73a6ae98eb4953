//! Graph's `patternedRecurrence` and RFC 5545 RRULE, both ways.
//!
//! | Graph pattern | RRULE |
//! |---|---|
//! | daily | `FREQ=DAILY` |
//! | weekly (daysOfWeek, firstDayOfWeek) | `FREQ=WEEKLY;BYDAY=..;WKST=..` |
//! | absoluteMonthly (dayOfMonth) | `FREQ=MONTHLY;BYMONTHDAY=d` |
//! | relativeMonthly (daysOfWeek, index) | `FREQ=MONTHLY;BYDAY=-1FR`, or `BYDAY=MO,TU;BYSETPOS=1` for several days |
//! | absoluteYearly (month, dayOfMonth) | `FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=d` |
//! | relativeYearly (month, daysOfWeek, index) | `FREQ=YEARLY;BYMONTH=m;BYDAY=..` |
//!
//! The range: `numbered` is `COUNT`, `endDate` (a local date, inclusive) is `UNTIL` at the
//! end of that day in the series' zone written in UTC (or as a DATE for all-day series),
//! `noEnd` has neither. A rule Graph cannot express (hourly, several BYMONTHDAYs, BYHOUR…)
//! is an [`GraphMapError::Unsupported`] rather than a silently different series.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::GraphMapError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatternedRecurrence {
    pub pattern: RecurrencePattern,
    pub range: RecurrenceRange,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrencePattern {
    /// daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "one")]
    pub interval: i32,
    /// 1-12; 0 when it does not apply.
    #[serde(default)]
    pub month: i32,
    /// 1-31; 0 when it does not apply.
    #[serde(default)]
    pub day_of_month: i32,
    /// `monday`…`sunday`.
    #[serde(default)]
    pub days_of_week: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<String>,
    /// first, second, third, fourth, last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceRange {
    /// endDate, noEnd, numbered.
    #[serde(rename = "type")]
    pub kind: String,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`; Graph sends `0001-01-01` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default)]
    pub number_of_occurrences: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_time_zone: Option<String>,
}

const DAYS: [(&str, &str, Weekday); 7] = [
    ("sunday", "SU", Weekday::Sun),
    ("monday", "MO", Weekday::Mon),
    ("tuesday", "TU", Weekday::Tue),
    ("wednesday", "WE", Weekday::Wed),
    ("thursday", "TH", Weekday::Thu),
    ("friday", "FR", Weekday::Fri),
    ("saturday", "SA", Weekday::Sat),
];
const INDEX: [(&str, i32); 5] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("last", -1),
];

fn unsupported(what: impl Into<String>) -> GraphMapError {
    GraphMapError::Unsupported(what.into())
}

fn ical_day(graph: &str) -> Result<&'static str, GraphMapError> {
    DAYS.iter()
        .find(|d| d.0.eq_ignore_ascii_case(graph))
        .map(|d| d.1)
        .ok_or_else(|| unsupported(format!("day of week '{graph}'")))
}

fn graph_day(ical: &str) -> Result<&'static str, GraphMapError> {
    DAYS.iter()
        .find(|d| d.1.eq_ignore_ascii_case(ical))
        .map(|d| d.0)
        .ok_or_else(|| unsupported(format!("BYDAY value '{ical}'")))
}

fn graph_weekday(day: Weekday) -> &'static str {
    DAYS.iter()
        .find(|d| d.2 == day)
        .map(|d| d.0)
        .unwrap_or("monday")
}

fn days_list(days: &[String]) -> Result<String, GraphMapError> {
    if days.is_empty() {
        return Err(unsupported("a pattern without daysOfWeek"));
    }
    Ok(days
        .iter()
        .map(|d| ical_day(d))
        .collect::<Result<Vec<_>, _>>()?
        .join(","))
}

/// The BYDAY (and BYSETPOS) of a relative pattern.
fn relative(p: &RecurrencePattern) -> Result<String, GraphMapError> {
    let index = p.index.as_deref().unwrap_or("first");
    let n = INDEX
        .iter()
        .find(|i| i.0.eq_ignore_ascii_case(index))
        .map(|i| i.1)
        .ok_or_else(|| unsupported(format!("week index '{index}'")))?;
    if p.days_of_week.len() == 1 {
        Ok(format!("BYDAY={n}{}", ical_day(&p.days_of_week[0])?))
    } else {
        Ok(format!(
            "BYDAY={};BYSETPOS={n}",
            days_list(&p.days_of_week)?
        ))
    }
}

/// The RRULE value (without `RRULE:`) of a Graph recurrence. `zone` is the series' zone
/// (None for UTC); `all_day` series end with an UNTIL date.
pub fn recurrence_to_rrule(
    rec: &PatternedRecurrence,
    zone: Option<Tz>,
    all_day: bool,
) -> Result<String, GraphMapError> {
    let p = &rec.pattern;
    let interval = p.interval.max(1);
    let mut parts = match p.kind.as_str() {
        "daily" => vec!["FREQ=DAILY".to_owned()],
        "weekly" => {
            let mut v = vec![
                "FREQ=WEEKLY".to_owned(),
                format!("BYDAY={}", days_list(&p.days_of_week)?),
            ];
            if let Some(first) = p.first_day_of_week.as_deref() {
                v.push(format!("WKST={}", ical_day(first)?));
            }
            v
        }
        "absoluteMonthly" => vec![
            "FREQ=MONTHLY".to_owned(),
            format!("BYMONTHDAY={}", p.day_of_month),
        ],
        "relativeMonthly" => vec!["FREQ=MONTHLY".to_owned(), relative(p)?],
        "absoluteYearly" => vec![
            "FREQ=YEARLY".to_owned(),
            format!("BYMONTH={}", p.month),
            format!("BYMONTHDAY={}", p.day_of_month),
        ],
        "relativeYearly" => vec![
            "FREQ=YEARLY".to_owned(),
            format!("BYMONTH={}", p.month),
            relative(p)?,
        ],
        other => return Err(unsupported(format!("recurrence pattern '{other}'"))),
    };
    if interval != 1 {
        parts.insert(1, format!("INTERVAL={interval}"));
    }
    match rec.range.kind.as_str() {
        "numbered" => parts.push(format!("COUNT={}", rec.range.number_of_occurrences.max(1))),
        "endDate" => {
            let text = rec.range.end_date.as_deref().unwrap_or_default();
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| GraphMapError::Invalid(format!("range endDate '{text}'")))?;
            if all_day {
                parts.push(format!("UNTIL={}", date.format("%Y%m%d")));
            } else {
                let local = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
                let utc = match zone {
                    Some(tz) => tz
                        .from_local_datetime(&local)
                        .earliest()
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or_else(|| Utc.from_utc_datetime(&local)),
                    None => Utc.from_utc_datetime(&local),
                };
                parts.push(format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")));
            }
        }
        _ => {}
    }
    Ok(parts.join(";"))
}

/// A Graph recurrence from an RRULE value. `start` is the series' first local date,
/// `zone_name` the zone Graph should keep it in, `zone` that zone resolved (for UNTIL).
pub fn rrule_to_recurrence(
    rrule: &str,
    start: NaiveDate,
    zone_name: &str,
    zone: Option<Tz>,
) -> Result<PatternedRecurrence, GraphMapError> {
    let rrule = rrule.trim().trim_start_matches("RRULE:");
    let mut freq = None;
    let mut interval = 1;
    let mut by_day: Vec<String> = Vec::new();
    let mut by_month_day = None;
    let mut by_month = None;
    let mut set_pos = None;
    let mut count = None;
    let mut until = None;
    let mut wkst = None;
    for part in rrule.split(';').filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| GraphMapError::Invalid(format!("RRULE part '{part}'")))?;
        let number = || {
            value
                .parse::<i32>()
                .map_err(|_| GraphMapError::Invalid(format!("RRULE {name}={value}")))
        };
        match name.to_ascii_uppercase().as_str() {
            "FREQ" => freq = Some(value.to_ascii_uppercase()),
            "INTERVAL" => interval = number()?,
            "BYDAY" => by_day = value.split(',').map(str::to_owned).collect(),
            "BYMONTHDAY" if !value.contains(',') => by_month_day = Some(number()?),
            "BYMONTH" if !value.contains(',') => by_month = Some(number()?),
            "BYSETPOS" if !value.contains(',') => set_pos = Some(number()?),
            "COUNT" => count = Some(number()?),
            "UNTIL" => until = Some(value.to_owned()),
            "WKST" => wkst = Some(graph_day(value)?.to_owned()),
            _ => return Err(unsupported(format!("RRULE part {part}"))),
        }
    }
    // BYDAY entries: (ordinal, day).
    let mut days = Vec::new();
    let mut ordinal = None;
    for d in &by_day {
        let split = d.len().saturating_sub(2);
        let (n, day) = d.split_at(split);
        if !n.is_empty() {
            let n: i32 = n
                .parse()
                .map_err(|_| GraphMapError::Invalid(format!("BYDAY {d}")))?;
            if ordinal.is_some_and(|o| o != n) {
                return Err(unsupported("BYDAY with different ordinals"));
            }
            ordinal = Some(n);
        }
        days.push(graph_day(day)?.to_owned());
    }
    let index_of = |n: i32| -> Result<String, GraphMapError> {
        INDEX
            .iter()
            .find(|i| i.1 == n)
            .map(|i| i.0.to_owned())
            .ok_or_else(|| unsupported(format!("week index {n}")))
    };
    let relative_index = match (ordinal, set_pos) {
        (Some(_), Some(_)) => return Err(unsupported("BYDAY ordinals with BYSETPOS")),
        (Some(n), None) | (None, Some(n)) => Some(index_of(n)?),
        (None, None) => None,
    };
    if set_pos.is_some() && days.is_empty() {
        return Err(unsupported("BYSETPOS without BYDAY"));
    }
    let mut pattern = RecurrencePattern {
        interval: interval.max(1),
        ..RecurrencePattern::default()
    };
    let freq = freq.ok_or_else(|| GraphMapError::Invalid("RRULE without FREQ".into()))?;
    match freq.as_str() {
        "DAILY" if days.is_empty() => pattern.kind = "daily".into(),
        "DAILY" | "WEEKLY" => {
            if relative_index.is_some() || by_month_day.is_some() || by_month.is_some() {
                return Err(unsupported(format!("FREQ={freq} with {rrule}")));
            }
            if freq == "DAILY" && interval != 1 {
                return Err(unsupported("FREQ=DAILY;INTERVAL>1 with BYDAY"));
            }
            pattern.kind = "weekly".into();
            pattern.days_of_week = if days.is_empty() {
                vec![graph_weekday(start.weekday()).to_owned()]
            } else {
                days
            };
            pattern.first_day_of_week = Some(wkst.unwrap_or_else(|| "monday".into()));
        }
        "MONTHLY" | "YEARLY" => {
            let yearly = freq == "YEARLY";
            if yearly {
                pattern.month = by_month.unwrap_or(start.month() as i32);
            } else if by_month.is_some() {
                return Err(unsupported("FREQ=MONTHLY with BYMONTH"));
            }
            if days.is_empty() {
                pattern.kind = if yearly {
                    "absoluteYearly"
                } else {
                    "absoluteMonthly"
                }
                .into();
                let day = by_month_day.unwrap_or(start.day() as i32);
                if !(1..=31).contains(&day) {
                    return Err(unsupported(format!("BYMONTHDAY={day}")));
                }
                pattern.day_of_month = day;
            } else {
                if by_month_day.is_some() {
                    return Err(unsupported("BYDAY with BYMONTHDAY"));
                }
                pattern.kind = if yearly {
                    "relativeYearly"
                } else {
                    "relativeMonthly"
                }
                .into();
                pattern.days_of_week = days;
                pattern.index = Some(relative_index.unwrap_or_else(|| "first".into()));
            }
        }
        other => return Err(unsupported(format!("FREQ={other}"))),
    }
    let mut range = RecurrenceRange {
        kind: "noEnd".into(),
        start_date: Some(start.format("%Y-%m-%d").to_string()),
        recurrence_time_zone: Some(zone_name.to_owned()),
        ..RecurrenceRange::default()
    };
    if let Some(n) = count {
        range.kind = "numbered".into();
        range.number_of_occurrences = n;
    } else if let Some(u) = until {
        range.kind = "endDate".into();
        range.end_date = Some(until_date(&u, zone)?.format("%Y-%m-%d").to_string());
    }
    Ok(PatternedRecurrence { pattern, range })
}

/// The local date an UNTIL value falls on in the series' zone.
fn until_date(value: &str, zone: Option<Tz>) -> Result<NaiveDate, GraphMapError> {
    let bad = || GraphMapError::Invalid(format!("UNTIL={value}"));
    if value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(value.trim_end_matches('Z'), "%Y%m%dT%H%M%S")
        .map_err(|_| bad())?;
    if !value.ends_with('Z') {
        return Ok(naive.date());
    }
    let utc = Utc.from_utc_datetime(&naive);
    Ok(match zone {
        Some(tz) => utc.with_timezone(&tz).date_naive(),
        None => naive.date(),
    })
}
