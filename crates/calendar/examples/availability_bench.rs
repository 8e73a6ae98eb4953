//! Benchmark (not a test) for the availability engine: 3 people in New York, Berlin and
//! London, each with a calendar of 2,000 events (30% recurring, times in DST zones),
//! asked for a 30-minute meeting over 30 days. Prints the median and p90 time per query
//! for the engine alone (busy times already expanded) and end to end (expanding every
//! calendar's events for the window, then the engine). Run by bench/calendar-availability:
//!
//!     cargo run --release -p switchboard-calendar --example availability_bench [EVENTS] [QUERIES]

#![allow(clippy::unwrap_used)] // fixed, valid generated input: a failure is a bug here

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use switchboard_calendar::availability::{find_slots, Busy, Participant, Query, WorkingHours};
use switchboard_calendar::{expand, parse_ics, ParsedEvent};

/// A small deterministic generator (xorshift64*), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One calendar's .ics text: `count` events over 2023-2026, 30% recurring (daily and
/// weekly series with COUNT or UNTIL, open-ended weekly and monthly ones), written in
/// `zone` or one of the other DST zones.
fn calendar(rng: &mut Rng, count: usize, zone: &str) -> String {
    let zones = [
        zone,
        zone,
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
    ];
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    for i in 0..count {
        let tz = zones[rng.below(zones.len() as u64) as usize];
        let recurring = rng.below(100) < 30;
        // Four years of history and plans around the measured windows (2026).
        let start = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap()
            + Duration::days(rng.below(1461) as i64);
        let hour = 7 + rng.below(11);
        let minute = [0, 15, 30, 45][rng.below(4) as usize];
        let length = [15, 30, 30, 45, 60, 60, 90, 120][rng.below(8) as usize];
        let local = start
            .date_naive()
            .and_hms_opt(hour as u32, minute, 0)
            .unwrap();
        let end = local + Duration::minutes(length);
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:bench-{zone}-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID={tz}:{}\r\nDTEND;TZID={tz}:{}\r\nSUMMARY:event {i}\r\n",
            local.format("%Y%m%dT%H%M%S"),
            end.format("%Y%m%dT%H%M%S"),
        ));
        if recurring {
            let until = (start + Duration::days(30)).format("%Y%m%dT000000Z");
            // Mostly bounded series; one in ten never ends (weekly or monthly).
            let rule = match rng.below(20) {
                0..=1 => "FREQ=DAILY;COUNT=10".to_string(),
                2..=13 => format!("FREQ=WEEKLY;COUNT={}", 4 + rng.below(12)),
                14 => "FREQ=WEEKLY".to_string(),
                15..=18 => format!("FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL={until}"),
                _ => "FREQ=MONTHLY".to_string(),
            };
            out.push_str(&format!("RRULE:{rule}\r\n"));
        }
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// An event with the end of its last instance (None = open-ended series), which the
/// store keeps beside each row so a window query skips series that ended before it.
struct Stored {
    event: ParsedEvent,
    until: Option<DateTime<Utc>>,
}

fn store(events: Vec<ParsedEvent>) -> Vec<Stored> {
    events
        .into_iter()
        .map(|event| {
            let until = match event.rrule.as_deref() {
                None => Some(event.end),
                Some(r) if r.contains("COUNT=") || r.contains("UNTIL=") => {
                    let horizon = event.start + Duration::days(3 * 366);
                    expand(&event, &[], event.start, horizon)
                        .last()
                        .map(|i| i.end)
                }
                Some(_) => None,
            };
            Stored { event, until }
        })
        .collect()
}

/// Busy times of one calendar in [from, to): the instances of every event that can
/// reach the window.
fn expand_window(events: &[Stored], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Busy> {
    let mut busy = Vec::new();
    for s in events {
        let ev = &s.event;
        if ev.start >= to || s.until.is_some_and(|u| u <= from) {
            continue;
        }
        for i in expand(ev, &[], from, to) {
            busy.push(Busy::new(i.start, i.end));
        }
    }
    busy
}

fn stats(mut times: Vec<StdDuration>) -> (f64, f64) {
    times.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1000.0;
    (ms(times[times.len() / 2]), ms(times[times.len() * 9 / 10]))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let per_calendar: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let queries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let mut rng = Rng(20_261_122);
    let people: [(&str, Tz, &str); 3] = [
        (
            "ny@example.com",
            chrono_tz::America::New_York,
            "Mon-Fri 08:00-18:00",
        ),
        (
            "berlin@example.com",
            chrono_tz::Europe::Berlin,
            "Mon-Fri 09:00-18:00",
        ),
        (
            "london@example.com",
            chrono_tz::Europe::London,
            "Mon-Fri 09:00-17:30",
        ),
    ];
    let calendars: Vec<Vec<Stored>> = people
        .iter()
        .map(|(_, tz, _)| store(parse_ics(&calendar(&mut rng, per_calendar, tz.name())).events))
        .collect();
    let recurring: usize = calendars
        .iter()
        .flatten()
        .filter(|s| s.event.rrule.is_some())
        .count();
    let total: usize = calendars.iter().map(Vec::len).sum();

    let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let query_for = |k: usize, busy: Vec<Vec<Busy>>| {
        // Windows start on different days across the DST changes of March and October.
        let from = base + Duration::days((k * 7 % 240) as i64);
        let participants = people
            .iter()
            .zip(busy)
            .enumerate()
            .map(|(i, ((name, tz, hours), busy))| {
                let mut p = Participant::new(*name, WorkingHours::parse(*tz, &[*hours]).unwrap());
                p.organizer = i == 0;
                p.busy = busy;
                p
            })
            .collect();
        let mut q = Query::new(
            from,
            from + Duration::days(30),
            Duration::minutes(30),
            people[0].1,
            from,
            participants,
        );
        q.rules.buffer_before = Duration::minutes(5);
        q.rules.buffer_after = Duration::minutes(5);
        q.rules.max_per_day = Some(40);
        q.limit = Some(20);
        q
    };
    let window = |k: usize| {
        let from = base + Duration::days((k * 7 % 240) as i64);
        (from, from + Duration::days(30))
    };

    let mut engine = Vec::with_capacity(queries);
    let mut end_to_end = Vec::with_capacity(queries);
    let mut busy_count = 0;
    let mut slot_count = 0;
    for k in 0..queries {
        let (from, to) = window(k);
        let started = Instant::now();
        let busy: Vec<Vec<Busy>> = calendars
            .iter()
            .map(|c| expand_window(c, from, to))
            .collect();
        let expanded = started.elapsed();
        busy_count += busy.iter().map(Vec::len).sum::<usize>();
        let q = query_for(k, busy);
        let t = Instant::now();
        let a = find_slots(&q).unwrap();
        let alone = t.elapsed();
        slot_count += a.candidates;
        engine.push(alone);
        end_to_end.push(expanded + alone);
    }
    let (engine_med, engine_p90) = stats(engine);
    let (e2e_med, e2e_p90) = stats(end_to_end);
    println!(
        "availability: 3 calendars x {per_calendar} events ({total} events, {recurring} recurring = {:.0}%), 30-minute meeting over 30 days, {queries} queries",
        recurring as f64 * 100.0 / total.max(1) as f64
    );
    println!(
        "  busy intervals per query (3 people): {}, candidate slots per query: {:.1}",
        busy_count / queries.max(1),
        slot_count as f64 / queries.max(1) as f64
    );
    println!("  engine alone:      median {engine_med:.3} ms, p90 {engine_p90:.3} ms per query (target <= 5 ms)");
    println!("  with expansion:    median {e2e_med:.3} ms, p90 {e2e_p90:.3} ms per query (expand the window's events + engine; parsing done once, as the store does)");
    println!("  peer: none - no comparable local tool computes ranked availability from .ics files, so no peer figure");
}
