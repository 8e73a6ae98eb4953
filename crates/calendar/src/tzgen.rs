//! VTIMEZONE components generated from the IANA database (chrono-tz), for the zones a
//! written event uses. The current rule is written as a STANDARD/DAYLIGHT pair with yearly
//! RRULEs; earlier transitions inside the span as one observance each. Every generated
//! component is checked by reading it back: it must give chrono-tz's offsets at every
//! transition of the span, else the rule-free form (one observance per transition) is used.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use crate::vtimezone::{format_offset, CustomZone};

/// Transitions are looked for up to the start of this year.
const SPAN_END_YEAR: i32 = 2038;

/// One change of offset.
#[derive(Debug, Clone)]
struct Transition {
    at: DateTime<Utc>,
    from: i32,
    to: i32,
    dst: bool,
    name: Option<String>,
}

fn offset_at(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

fn transitions(tz: Tz, from_year: i32) -> Vec<Transition> {
    let Some(start) = NaiveDate::from_ymd_opt(from_year, 1, 1) else {
        return Vec::new();
    };
    let end = NaiveDate::from_ymd_opt(SPAN_END_YEAR, 1, 1).unwrap_or(start);
    let mut out = Vec::new();
    let mut day = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let stop = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut current = offset_at(tz, day);
    while day < stop {
        let next = day + Duration::days(1);
        let after = offset_at(tz, next);
        if after != current {
            // Binary search the second the offset changes.
            let (mut lo, mut hi) = (day.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at = DateTime::from_timestamp(mid, 0).unwrap_or(day);
                if offset_at(tz, at) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let at = DateTime::from_timestamp(hi, 0).unwrap_or(next);
            let off = tz.offset_from_utc_datetime(&at.naive_utc());
            out.push(Transition {
                at,
                from: current,
                to: after,
                dst: off.dst_offset() != Duration::zero(),
                name: off.abbreviation().map(str::to_string),
            });
            current = after;
        }
        day = next;
    }
    out
}

/// The wall-clock time of a transition, in the offset before it.
fn local_of(t: &Transition) -> NaiveDateTime {
    t.at.naive_utc() + Duration::seconds(i64::from(t.from))
}

/// `BYDAY` of a date as the nth (or last) weekday of its month.
fn byday(date: NaiveDate) -> (i32, i32) {
    let nth = (date.day0() / 7 + 1) as i32;
    let days_in_month = NaiveDate::from_ymd_opt(
        if date.month() == 12 {
            date.year() + 1
        } else {
            date.year()
        },
        if date.month() == 12 {
            1
        } else {
            date.month() + 1
        },
        1,
    )
    .and_then(|d| d.pred_opt())
    .map_or(31, |d| d.day());
    let last = date.day() + 7 > days_in_month;
    (nth, i32::from(last))
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// A yearly rule shared by the trailing transitions of one kind: (BYDAY value, index of
/// the first transition the rule covers).
fn trailing_rule(list: &[&Transition]) -> Option<(String, usize)> {
    let last = list.last()?;
    let key = |t: &Transition| {
        let l = local_of(t);
        (l.month(), l.weekday(), l.time(), t.from, t.to, t.dst)
    };
    let want = key(last);
    let last_local = local_of(last).date();
    let (nth, is_last) = byday(last_local);
    let mut use_last = is_last == 1;
    let mut use_nth = true;
    let mut first = list.len() - 1;
    for i in (0..list.len()).rev() {
        let t = list[i];
        let d = local_of(t).date();
        let (n, l) = byday(d);
        let same_nth = use_nth && n == nth;
        let same_last = use_last && l == 1;
        let consecutive = i + 1 == list.len() || local_of(list[i + 1]).year() == d.year() + 1;
        if key(t) != want || !(same_nth || same_last) || !consecutive {
            break;
        }
        use_nth = same_nth;
        use_last = same_last;
        first = i;
    }
    if list.len() - first < 2 {
        return None;
    }
    let code = weekday_code(last_local.weekday());
    let by = if use_nth && nth < 5 {
        format!("{nth}{code}")
    } else {
        format!("-1{code}")
    };
    Some((by, first))
}

/// The VTIMEZONE component (CRLF lines, unfolded width is small) for `tz`, exact from
/// `from_year` on.
pub(crate) fn vtimezone(tz: Tz, from_year: i32) -> String {
    let from_year = from_year.clamp(1970, SPAN_END_YEAR - 1);
    let all = transitions(tz, from_year);
    let with_rules = build(tz, &all, from_year, true);
    if verify(tz, &with_rules, &all, from_year) {
        with_rules
    } else {
        build(tz, &all, from_year, false)
    }
}

fn build(tz: Tz, all: &[Transition], from_year: i32, rules: bool) -> String {
    let mut out = format!(
        "BEGIN:VTIMEZONE\r\nTZID:{}\r\nX-LIC-LOCATION:{}\r\n",
        tz.name(),
        tz.name()
    );
    let observance = |out: &mut String, t: &Transition, rrule: Option<&str>| {
        let kind = if t.dst { "DAYLIGHT" } else { "STANDARD" };
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
            local_of(t).format("%Y%m%dT%H%M%S"),
            format_offset(t.from),
            format_offset(t.to)
        ));
        if let Some(name) = &t.name {
            if !name.starts_with(['+', '-']) {
                out.push_str(&format!("TZNAME:{name}\r\n"));
            }
        }
        if let Some(r) = rrule {
            out.push_str(&format!("RRULE:{r}\r\n"));
        }
        out.push_str(&format!("END:{kind}\r\n"));
    };
    if all.is_empty() {
        let start = NaiveDate::from_ymd_opt(from_year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
            .and_utc();
        let off = offset_at(tz, start);
        let name = tz
            .offset_from_utc_datetime(&start.naive_utc())
            .abbreviation()
            .map(str::to_string);
        let fixed = Transition {
            at: start,
            from: off,
            to: off,
            dst: false,
            name,
        };
        observance(&mut out, &fixed, None);
        out.push_str("END:VTIMEZONE\r\n");
        return out;
    }
    let mut covered = vec![false; all.len()];
    if rules {
        for dst in [false, true] {
            let idx: Vec<usize> = (0..all.len()).filter(|i| all[*i].dst == dst).collect();
            let list: Vec<&Transition> = idx.iter().map(|i| &all[*i]).collect();
            // Only a rule still running at the end of the span is written as a rule.
            let runs_to_end = list
                .last()
                .is_some_and(|t| local_of(t).year() >= SPAN_END_YEAR - 1);
            if let (true, Some((by, first))) = (runs_to_end, trailing_rule(&list)) {
                let t = list[first];
                let rule = format!("FREQ=YEARLY;BYMONTH={};BYDAY={by}", local_of(t).month());
                observance(&mut out, t, Some(&rule));
                for i in &idx[first..] {
                    covered[*i] = true;
                }
            }
        }
    }
    for (i, t) in all.iter().enumerate() {
        if !covered[i] {
            observance(&mut out, t, None);
        }
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// Reads the component back and compares its offsets with chrono-tz's around every
/// transition and in the middle of every year.
fn verify(tz: Tz, text: &str, all: &[Transition], from_year: i32) -> bool {
    let parsed = crate::parse::vtimezone_observances(text);
    let Some(zone) = CustomZone::from_observances(tz.name(), &parsed) else {
        return false;
    };
    let mut points: Vec<DateTime<Utc>> = Vec::new();
    for t in all {
        points.push(t.at - Duration::seconds(1));
        points.push(t.at);
    }
    for year in from_year..SPAN_END_YEAR {
        for month in [1, 7] {
            if let Some(d) =
                NaiveDate::from_ymd_opt(year, month, 15).and_then(|d| d.and_hms_opt(12, 0, 0))
            {
                points.push(d.and_utc());
            }
        }
    }
    points
        .iter()
        .all(|p| zone.offset_at(*p) == offset_at(tz, *p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_components_give_the_database_offsets() {
        for name in [
            "America/New_York",
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "America/Sao_Paulo",
            "Asia/Jerusalem",
            "Pacific/Auckland",
            "Europe/London",
            "America/Santiago",
            "UTC",
        ] {
            let tz: Tz = name.parse().unwrap();
            let text = vtimezone(tz, 2020);
            let all = transitions(tz, 2020);
            assert!(verify(tz, &text, &all, 2020), "{name}:\n{text}");
            assert!(text.starts_with("BEGIN:VTIMEZONE\r\nTZID:"), "{name}");
        }
    }

    #[test]
    fn current_rules_are_written_as_rrules() {
        let text = vtimezone("America/New_York".parse().unwrap(), 2024);
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
            "{text}"
        );
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
            "{text}"
        );
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1, "{text}");
        let berlin = vtimezone("Europe/Berlin".parse().unwrap(), 2024);
        assert!(berlin.contains("BYDAY=-1SU"), "{berlin}");
        let kolkata = vtimezone("Asia/Kolkata".parse().unwrap(), 2024);
        assert!(
            kolkata.contains("TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530"),
            "{kolkata}"
        );
    }
}
