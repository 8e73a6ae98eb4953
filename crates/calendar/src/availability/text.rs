//! Available times written for an email, in the recipient's zone.

use chrono::{DateTime, Offset, Utc};
use chrono_tz::{OffsetName, Tz};

use super::intervals::normalize;
use super::TimeRange;

/// `New York time, EDT` for America/New_York at `at`; the abbreviation is the one in
/// force then (it changes with DST), or `UTC+05:45` when the zone has no lettered one.
pub fn zone_label(zone: Tz, at: DateTime<Utc>) -> String {
    let offset = *at.with_timezone(&zone).offset();
    let abbreviation = offset
        .abbreviation()
        .filter(|a| a.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let secs = offset.fix().local_minus_utc();
            let sign = if secs < 0 { '-' } else { '+' };
            let secs = secs.abs();
            format!("UTC{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)
        });
    let name = zone.name();
    if name == "UTC" || name.starts_with("Etc/") {
        return abbreviation;
    }
    let city = name.rsplit('/').next().unwrap_or(name).replace('_', " ");
    format!("{city} time, {abbreviation}")
}

/// One line per local day in `zone`: `Tue 10 Mar: 9:00-9:30, 14:00-15:00 (New York
/// time, EDT)`. Touching or overlapping times are merged; a time that runs past
/// midnight says so with `(+1 day)`. Days in time order.
pub fn format_for_email(times: &[TimeRange], zone: Tz) -> String {
    let merged = normalize(
        times
            .iter()
            .map(|t| (t.start.timestamp(), t.end.timestamp()))
            .collect(),
    );
    let mut lines: Vec<String> = Vec::new();
    let mut current_day = None;
    let mut parts: Vec<String> = Vec::new();
    let mut label = String::new();
    let mut flush = |day: Option<String>, parts: &mut Vec<String>, label: &str| {
        if let Some(day) = day {
            lines.push(format!("{day}: {} ({label})", parts.join(", ")));
        }
        parts.clear();
    };
    for (s, e) in merged {
        let start = super::hours::utc(s).with_timezone(&zone);
        let end = super::hours::utc(e).with_timezone(&zone);
        let day = start.format("%a %-d %b").to_string();
        if current_day.as_ref() != Some(&day) {
            flush(current_day.take(), &mut parts, &label);
            current_day = Some(day);
            label = zone_label(zone, start.with_timezone(&Utc));
        }
        let mut part = format!("{}-{}", start.format("%-H:%M"), end.format("%-H:%M"));
        let days_later = (end.date_naive() - start.date_naive()).num_days();
        if days_later > 0 && !(days_later == 1 && end.format("%H:%M").to_string() == "00:00") {
            part.push_str(&format!(
                " (+{days_later} day{})",
                if days_later > 1 { "s" } else { "" }
            ));
        }
        parts.push(part);
    }
    flush(current_day, &mut parts, &label);
    lines.join("\n")
}
