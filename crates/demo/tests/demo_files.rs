//! The demo workspace is deterministic, big enough, realistic in the ways the app must
//! cope with, and readable by the parsers the app uses.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::collections::BTreeSet;
use std::fs;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use mail_parser::{MessageParser, MimeHeaders};
use switchboard_demo::{
    write_demo_files, DemoFiles, DANA_EMAIL, FLUENTSUPPORT_SITE_TZ, RENEWAL_SUBJECT,
    UNIQUE_BODY_WORD,
};

const SEED: u64 = 42;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 15, 42, 7).unwrap()
}

fn demo() -> &'static DemoFiles {
    static FILES: OnceLock<(tempfile::TempDir, DemoFiles)> = OnceLock::new();
    &FILES
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let files = write_demo_files(dir.path(), SEED, now()).unwrap();
            (dir, files)
        })
        .1
}

/// Splits mboxrd bytes into messages, undoing the `>From ` quoting.
fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"From ") {
            messages.push(Vec::new());
            continue;
        }
        let current = messages
            .last_mut()
            .expect("mbox must start with a From line");
        let quotes = line.iter().take_while(|b| **b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            current.extend_from_slice(&line[1..]);
        } else {
            current.extend_from_slice(line);
        }
    }
    for m in &mut messages {
        // Each entry ends with the blank line that separates it from the next.
        if m.ends_with(b"\n\n") {
            m.pop();
        }
    }
    messages
}

fn headers_of(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .unwrap_or(raw.len());
    &raw[..end]
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn is_malformed(raw: &[u8]) -> bool {
    count(headers_of(raw), b"X-Demo-Malformed:") > 0
}

#[test]
fn same_seed_and_now_give_identical_bytes() {
    let a = demo();
    let dir = tempfile::tempdir().unwrap();
    let b = write_demo_files(dir.path(), SEED, now()).unwrap();
    for (x, y) in [
        (&a.sales_mbox, &b.sales_mbox),
        (&a.support_mbox, &b.support_mbox),
        (&a.calendar_ics, &b.calendar_ics),
        (&a.fluentsupport_json, &b.fluentsupport_json),
    ] {
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{} differs",
            y.display()
        );
    }
    let other = tempfile::tempdir().unwrap();
    let c = write_demo_files(other.path(), SEED + 1, now()).unwrap();
    assert!(fs::read(&a.sales_mbox).unwrap() != fs::read(&c.sales_mbox).unwrap());
}

#[test]
fn sales_mbox_is_big_and_every_entry_is_separate() {
    let bytes = fs::read(&demo().sales_mbox).unwrap();
    let separators = bytes
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"From "))
        .count();
    assert!(separators >= 2000, "{separators} messages");
    let messages = split_mbox(&bytes);
    assert_eq!(messages.len(), separators);
    // Every entry, damaged or not, begins with headers.
    for raw in &messages {
        assert!(
            raw.starts_with(b"From: "),
            "{}",
            String::from_utf8_lossy(&raw[..60.min(raw.len())])
        );
    }
    let malformed = messages.iter().filter(|m| is_malformed(m)).count();
    assert!(
        (separators / 200..=separators / 50).contains(&malformed),
        "{malformed} malformed"
    );
    // mboxrd quoting was needed and applied.
    assert!(count(&bytes, b"\n>From ") > 0);
    assert!(count(&bytes, b"\n>>From ") > 0);
}

#[test]
fn unique_word_is_in_exactly_one_body() {
    let files = demo();
    for other in [
        &files.support_mbox,
        &files.calendar_ics,
        &files.fluentsupport_json,
    ] {
        assert_eq!(
            count(&fs::read(other).unwrap(), UNIQUE_BODY_WORD.as_bytes()),
            0
        );
    }
    let bytes = fs::read(&files.sales_mbox).unwrap();
    assert_eq!(count(&bytes, UNIQUE_BODY_WORD.as_bytes()), 1);
    assert_eq!(
        count(&bytes.to_ascii_lowercase(), UNIQUE_BODY_WORD.as_bytes()),
        1
    );
    let messages = split_mbox(&bytes);
    let holders: Vec<&Vec<u8>> = messages
        .iter()
        .filter(|m| count(m, UNIQUE_BODY_WORD.as_bytes()) > 0)
        .collect();
    assert_eq!(holders.len(), 1);
    let raw = holders[0];
    assert_eq!(count(headers_of(raw), UNIQUE_BODY_WORD.as_bytes()), 0);
    let parsed = MessageParser::default().parse(raw.as_slice()).unwrap();
    assert_eq!(
        parsed.subject(),
        Some(format!("Re: {RENEWAL_SUBJECT}").as_str())
    );
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some(DANA_EMAIL));
    assert_eq!(from.name(), Some("Dana Whitfield"));
    assert!(parsed.body_text(0).unwrap().contains(UNIQUE_BODY_WORD));
}

#[test]
fn sales_mail_parses_and_looks_real() {
    let messages = split_mbox(&fs::read(&demo().sales_mbox).unwrap());
    let parser = MessageParser::default();
    let mut senders = BTreeSet::new();
    let mut prefixes = BTreeSet::new();
    let (mut threaded, mut unthreaded_replies, mut html, mut pixels, mut scripts) = (0, 0, 0, 0, 0);
    let (mut attachments, mut non_ascii_names, mut encoded_headers, mut latin1) = (0, 0, 0, 0);
    let mut dana = 0;
    let mut newest = DateTime::<Utc>::MIN_UTC;
    for raw in &messages {
        let parsed = parser.parse(raw.as_slice());
        if is_malformed(raw) {
            continue; // damaged on purpose: must not panic, may not parse
        }
        let m = parsed.unwrap_or_else(|| panic!("unparseable: {}", String::from_utf8_lossy(raw)));
        assert!(m.message_id().is_some());
        let subject = m.subject().unwrap();
        let from = m
            .from()
            .unwrap()
            .first()
            .unwrap()
            .address()
            .unwrap()
            .to_string();
        let date = DateTime::from_timestamp(m.date().unwrap().to_timestamp(), 0).unwrap();
        assert!(
            date <= now() && date > now() - Duration::days(181),
            "{date}"
        );
        newest = newest.max(date);
        assert!(m.body_text(0).is_some_and(|t| !t.trim().is_empty()));
        if from == DANA_EMAIL {
            dana += 1;
        }
        if !from.ends_with("@acme-analytics.example") {
            senders.insert(from);
        }
        if let Some((prefix, _)) = subject.split_once(' ') {
            if prefix.ends_with(':') {
                prefixes.insert(prefix.to_string());
            }
        }
        let is_reply = subject.contains(':') && m.in_reply_to().as_text().is_some();
        if is_reply {
            threaded += 1;
        } else if ["Re:", "AW:", "SV:"].iter().any(|p| subject.starts_with(p)) {
            unthreaded_replies += 1;
        }
        if let Some(h) = m.body_html(0) {
            html += 1;
            pixels += usize::from(h.contains("<img src=\"https://"));
            scripts += usize::from(h.contains("<script"));
        }
        for a in m.attachments() {
            attachments += 1;
            non_ascii_names += usize::from(a.attachment_name().is_some_and(|n| !n.is_ascii()));
        }
        let head = headers_of(raw);
        encoded_headers += usize::from(count(head, b"=?UTF-8?") > 0);
        latin1 += usize::from(count(head, b"=?ISO-8859-1?") > 0);
    }
    assert!(newest > now() - Duration::days(1), "newest {newest}");
    assert!(senders.len() >= 100, "{} external senders", senders.len());
    for p in ["Re:", "AW:", "SV:", "Fwd:"] {
        assert!(prefixes.contains(p), "no {p} in {prefixes:?}");
    }
    assert!(threaded > 500, "{threaded}");
    assert!(unthreaded_replies > 20, "{unthreaded_replies}");
    assert!(
        html > 500 && pixels > 100 && scripts > 5,
        "{html} {pixels} {scripts}"
    );
    assert!(
        attachments > 50 && non_ascii_names > 5,
        "{attachments} {non_ascii_names}"
    );
    assert!(
        encoded_headers > 50 && latin1 > 20,
        "{encoded_headers} {latin1}"
    );
    assert!(dana >= 3, "{dana}");
}

#[test]
fn support_mailbox_becomes_tickets() {
    let messages = split_mbox(&fs::read(&demo().support_mbox).unwrap());
    assert!((50..=80).contains(&messages.len()), "{}", messages.len());
    let mut dana = 0;
    for raw in &messages {
        let m = MessageParser::default().parse(raw.as_slice()).unwrap();
        let to = m.to().unwrap().first().unwrap().address().unwrap();
        assert_eq!(to, "support@acme-analytics.example");
        let from = m.from().unwrap().first().unwrap();
        let date = DateTime::from_timestamp(m.date().unwrap().to_timestamp(), 0).unwrap();
        let ticket = switchboard_tickets::ticket_from_email(
            m.message_id(),
            from.address().unwrap(),
            from.name(),
            m.subject().unwrap(),
            &m.body_text(0).unwrap(),
            date,
        );
        assert_eq!(ticket.status, switchboard_tickets::Status::New);
        dana += usize::from(ticket.customer_email.as_deref() == Some(DANA_EMAIL));
    }
    assert!(dana >= 2, "{dana}");
}

#[test]
fn fluentsupport_export_imports() {
    let json = fs::read_to_string(&demo().fluentsupport_json).unwrap();
    let (tickets, problems) = switchboard_tickets::parse_fluentsupport_tickets(
        &json,
        FLUENTSUPPORT_SITE_TZ.parse().unwrap(),
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(tickets.len() >= 80);
    let statuses: BTreeSet<_> = tickets.iter().map(|t| t.status).collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    let urgencies: BTreeSet<_> = tickets.iter().map(|t| t.urgency).collect();
    assert_eq!(urgencies.len(), 4, "{urgencies:?}");
    let dana = tickets
        .iter()
        .filter(|t| t.customer_email.as_deref() == Some(DANA_EMAIL))
        .count();
    assert!(dana >= 2, "{dana}");
    assert!(tickets
        .iter()
        .all(|t| t.created_at <= now() && t.updated_at >= t.created_at));
    // Customers are the same people as in the mail.
    let sales = String::from_utf8_lossy(&fs::read(&demo().sales_mbox).unwrap()).into_owned();
    let known = tickets
        .iter()
        .filter_map(|t| t.customer_email.as_deref())
        .filter(|e| sales.contains(e))
        .count();
    assert!(
        known * 10 >= tickets.len() * 8,
        "{known} of {}",
        tickets.len()
    );
}

#[test]
fn calendar_has_the_promised_events() {
    check_calendar(demo(), now());
}

/// The week logic must hold whatever weekday and hour `now` falls on.
#[test]
fn calendar_week_holds_for_any_now() {
    for (day, hour) in [(16, 0), (22, 23), (1, 12)] {
        let now = Utc.with_ymd_and_hms(2026, 3, day, hour, 5, 0).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = write_demo_files(dir.path(), 7, now).unwrap();
        check_calendar(&files, now);
    }
}

fn check_calendar(files: &DemoFiles, now: DateTime<Utc>) {
    use switchboard_calendar::{expand, parse_ics};
    let ics = fs::read_to_string(&files.calendar_ics).unwrap();
    let parsed = parse_ics(&ics);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert!(parsed.events.len() >= 40, "{}", parsed.events.len());
    let broken: Vec<_> = parsed
        .events
        .iter()
        .filter(|e| e.broken.is_some())
        .collect();
    assert_eq!(broken.len(), 1);
    assert!(broken[0].summary.is_some());
    assert_eq!(count(ics.as_bytes(), b"\r\nEXDATE"), 1);
    assert_eq!(count(ics.as_bytes(), b"\r\nRECURRENCE-ID"), 1);
    assert_eq!(count(ics.as_bytes(), b"BEGIN:VTIMEZONE"), 3);
    let zones: BTreeSet<_> = parsed
        .events
        .iter()
        .filter_map(|e| e.tzid.clone())
        .collect();
    for z in ["America/New_York", "Europe/Berlin", "Asia/Tokyo"] {
        assert!(zones.contains(z), "{zones:?}");
    }
    assert!(parsed.events.iter().any(|e| e.all_day));
    assert!(parsed
        .events
        .iter()
        .any(|e| e.tzid.is_none() && !e.all_day && !e.floating));
    let rules: Vec<&str> = parsed
        .events
        .iter()
        .filter_map(|e| e.rrule.as_deref())
        .collect();
    assert!(rules.iter().any(|r| r.contains("WEEKLY")));
    assert!(rules
        .iter()
        .any(|r| r.contains("DAILY") && r.contains("COUNT")));
    assert!(rules
        .iter()
        .any(|r| r.contains("MONTHLY") && r.contains("BYDAY")));

    let today = now.date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let from = monday.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let to = from + Duration::days(7);
    let in_week = |summary: &str| {
        let event = parsed
            .events
            .iter()
            .find(|e| e.summary.as_deref() == Some(summary) && e.recurrence_id.is_none())
            .unwrap_or_else(|| panic!("no {summary}"));
        (event, expand(event, &parsed.events, from, to))
    };
    let local = |t: DateTime<Utc>, tz: chrono_tz::Tz| t.with_timezone(&tz).naive_local();

    let (_, pipeline) = in_week("Weekly pipeline review");
    assert_eq!(pipeline.len(), 1);
    let start = local(pipeline[0].start, chrono_tz::America::New_York);
    assert_eq!(
        (start.weekday(), start.format("%H:%M").to_string()),
        (Weekday::Mon, "09:30".into())
    );

    let (_, berlin) = in_week("Berlin partner sync");
    assert_eq!(berlin.len(), 1);
    let start = local(berlin[0].start, chrono_tz::Europe::Berlin);
    let end = local(berlin[0].end, chrono_tz::Europe::Berlin);
    assert_eq!(start.weekday(), Weekday::Wed);
    assert_eq!(
        (
            start.format("%H:%M").to_string(),
            end.format("%H:%M").to_string()
        ),
        ("15:00".into(), "16:00".into())
    );

    let (tokyo_event, tokyo) = in_week("Tokyo customer call");
    assert_eq!(tokyo.len(), 1);
    let start = local(tokyo[0].start, chrono_tz::Asia::Tokyo);
    let end = local(tokyo[0].end, chrono_tz::Asia::Tokyo);
    assert_eq!(start.weekday(), Weekday::Thu);
    assert_eq!(
        (
            start.format("%H:%M").to_string(),
            end.format("%H:%M").to_string()
        ),
        ("10:00".into(), "10:45".into())
    );
    assert!(tokyo_event.attendees.iter().any(|a| a.email == DANA_EMAIL));

    // Attendees are people from the mail.
    let sales = String::from_utf8_lossy(&fs::read(&files.sales_mbox).unwrap()).into_owned();
    let external: Vec<_> = parsed
        .events
        .iter()
        .flat_map(|e| &e.attendees)
        .filter(|a| !a.email.ends_with("@acme-analytics.example"))
        .collect();
    assert!(external.len() >= 30);
    let known = external.iter().filter(|a| sales.contains(&a.email)).count();
    assert!(
        known * 10 >= external.len() * 8,
        "{known} of {}",
        external.len()
    );
}
