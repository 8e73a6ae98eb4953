//! parse_ics and expand must never panic and must stay bounded, whatever the input.
//! Inputs are mutations of the golden corpus and random RRULEs from a fixed seed, so a
//! failure reproduces exactly.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::fs;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use switchboard_calendar::{
    alarm_times, delete_event, expand, expand_in, itip_cancel, itip_reply, itip_request, parse_ics,
    parse_invitation, update_event, EditContext, EditScope, EventPatch, Tz, MAX_INSTANCES,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn exercise(input: &str) {
    let parsed = parse_ics(input);
    for event in &parsed.events {
        let got = expand(
            event,
            &parsed.events,
            utc("1990-01-01T00:00:00Z"),
            utc("2040-01-01T00:00:00Z"),
        );
        assert!(got.len() <= MAX_INSTANCES);
    }
}

/// The other entry points take the same input without panicking (Ok or a clear Err).
fn exercise_edits(input: &str) {
    let parsed = parse_ics(input);
    let ny: Tz = "America/New_York".parse().unwrap();
    let ctx = EditContext {
        now: utc("2026-11-22T10:00:00Z"),
        floating_zone: ny,
    };
    let patch = EventPatch {
        summary: Some(Some("x".into())),
        ..EventPatch::default()
    };
    let _ = parse_invitation(input);
    for event in parsed.events.iter().take(1) {
        let from = utc("2020-01-01T00:00:00Z");
        let to = utc("2022-01-01T00:00:00Z");
        let instances = expand_in(event, &parsed.events, from, to, ny);
        let _ = alarm_times(event, &parsed.events, from, to, ny);
        let rid = instances.get(1).map_or(event.start, |i| i.recurrence_id);
        for scope in [
            EditScope::All,
            EditScope::This(rid),
            EditScope::ThisAndFollowing(rid),
        ] {
            let _ = update_event(input, &event.uid, scope, &patch, &ctx);
            let _ = delete_event(input, &event.uid, scope, &ctx);
        }
        let _ = itip_request(input, &event.uid, ctx.now);
        let _ = itip_cancel(input, &event.uid, Some(rid), &ctx);
        let _ = itip_reply(input, &event.uid, "a@b", "ACCEPTED", None, &ctx);
    }
}

#[test]
fn mutated_corpus_never_panics() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seeds: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    seeds.sort();
    let alphabet: Vec<char> = ":;=,\"\\\r\n \tZT0123456789-+/^ABCDEFGHIJKLMNOPQRSTUVWXYZé北"
        .chars()
        .collect();
    let mut rng = XorShift(0x5eed_cafe_f00d_0001);
    for _ in 0..600 {
        let base = &seeds[rng.below(seeds.len())];
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..1 + rng.below(8) {
            if chars.is_empty() {
                break;
            }
            let at = rng.below(chars.len());
            match rng.below(4) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                2 => chars[at] = alphabet[rng.below(alphabet.len())],
                _ => chars.truncate(at),
            }
        }
        let mutated: String = chars.into_iter().collect();
        exercise(&mutated);
        exercise_edits(&mutated);
    }
}

#[test]
fn random_rules_never_panic() {
    let parts = [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY",
        "FREQ=HOURLY",
        "FREQ=DAILY",
        "FREQ=WEEKLY",
        "FREQ=MONTHLY",
        "FREQ=YEARLY",
        "FREQ=",
        "INTERVAL=0",
        "INTERVAL=3",
        "INTERVAL=65535",
        "INTERVAL=-1",
        "COUNT=0",
        "COUNT=4",
        "COUNT=4294967295",
        "UNTIL=20300101T000000Z",
        "UNTIL=19000101",
        "UNTIL=2030",
        "BYDAY=MO,WE",
        "BYDAY=-1FR",
        "BYDAY=53MO",
        "BYDAY=0SU",
        "BYMONTHDAY=31",
        "BYMONTHDAY=-1",
        "BYMONTHDAY=0",
        "BYMONTH=2",
        "BYMONTH=13",
        "BYSETPOS=-1",
        "BYSETPOS=400",
        "BYYEARDAY=366",
        "BYYEARDAY=-366",
        "BYWEEKNO=53",
        "BYWEEKNO=-53",
        "BYHOUR=25",
        "BYHOUR=0,23",
        "BYMINUTE=59",
        "BYSECOND=60",
        "WKST=SU",
        "WKST=XX",
        "X-FOO=1",
        "",
        "=",
        ";;",
    ];
    let starts = [
        "DTSTART:20240101T000000Z",
        "DTSTART;TZID=Australia/Lord_Howe:20241006T021500",
        "DTSTART;TZID=America/New_York:20241103T013000",
        "DTSTART;VALUE=DATE:20240229",
        "DTSTART:00010101T000000Z",
        "DTSTART:99991231T235959Z",
        "DTSTART:19000101T000000",
    ];
    let mut rng = XorShift(0x0dd_ba11_0000_0042);
    for _ in 0..1500 {
        let n = 1 + rng.below(5);
        let rule: Vec<&str> = (0..n).map(|_| parts[rng.below(parts.len())]).collect();
        let input = format!(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n{}\nDURATION:PT1H\nRRULE:{}\nEXDATE:20240102T000000Z\nEND:VEVENT\nEND:VCALENDAR\n",
            starts[rng.below(starts.len())],
            rule.join(";")
        );
        exercise(&input);
    }
}
