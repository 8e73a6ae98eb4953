//! The demo calendar: three weeks around `now` in New York, Berlin, Tokyo, UTC and
//! all-day, with recurring series, one EXDATE, one moved instance and one broken event.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::people::{Person, COMPANIES, CONTACTS_PER_COMPANY, NORTHWIND};
use crate::rng::Rng;
use crate::DANA_EMAIL;

const VTIMEZONES: &str = "BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
TZNAME:EDT\r
DTSTART:19700308T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
TZNAME:EST\r
DTSTART:19701101T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VTIMEZONE\r
TZID:Asia/Tokyo\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0900\r
TZOFFSETTO:+0900\r
TZNAME:JST\r
DTSTART:19700101T000000\r
END:STANDARD\r
END:VTIMEZONE\r
";

const NEW_YORK: &str = "America/New_York";
const BERLIN: &str = "Europe/Berlin";
const TOKYO: &str = "Asia/Tokyo";

/// Where an event sits in time.
enum When {
    /// Wall-clock time in an IANA zone (or an unknown one, for the broken event).
    Local(&'static str, NaiveDate, u32, u32),
    Utc(NaiveDate, u32, u32),
    AllDay(NaiveDate, i64),
}

struct Event {
    uid: String,
    summary: String,
    location: Option<String>,
    description: Option<String>,
    when: When,
    minutes: i64,
    rrule: Option<String>,
    extra: Vec<String>,
    organizer: Option<Person>,
    attendees: Vec<(Person, &'static str)>,
    status: &'static str,
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets without splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn local(date: NaiveDate, h: u32, m: u32) -> String {
    format!("{}T{h:02}{m:02}00", date.format("%Y%m%d"))
}

fn person_line(kind: &str, p: &Person, partstat: Option<&str>) -> String {
    let mut line = format!("{kind};CN=\"{}\"", p.name.replace('"', "'"));
    if let Some(ps) = partstat {
        line.push_str(&format!(";ROLE=REQ-PARTICIPANT;PARTSTAT={ps}"));
    }
    line.push_str(&format!(":mailto:{}", p.email));
    line
}

fn render(event: &Event, stamp: &str, out: &mut String) {
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", event.uid),
        format!("DTSTAMP:{stamp}"),
    ];
    match &event.when {
        When::Local(tz, date, h, m) => {
            let start = date.and_hms_opt(*h, *m, 0).unwrap_or_default();
            let end = start + Duration::minutes(event.minutes);
            lines.push(format!("DTSTART;TZID={tz}:{}", local(*date, *h, *m)));
            lines.push(format!("DTEND;TZID={tz}:{}", end.format("%Y%m%dT%H%M%S")));
        }
        When::Utc(date, h, m) => {
            let start = date.and_hms_opt(*h, *m, 0).unwrap_or_default();
            let end = start + Duration::minutes(event.minutes);
            lines.push(format!("DTSTART:{}Z", start.format("%Y%m%dT%H%M%S")));
            lines.push(format!("DTEND:{}Z", end.format("%Y%m%dT%H%M%S")));
        }
        When::AllDay(date, days) => {
            lines.push(format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")));
            lines.push(format!(
                "DTEND;VALUE=DATE:{}",
                (*date + Duration::days(*days)).format("%Y%m%d")
            ));
        }
    }
    if let Some(rule) = &event.rrule {
        lines.push(format!("RRULE:{rule}"));
    }
    lines.extend(event.extra.iter().cloned());
    lines.push(format!("SUMMARY:{}", escape(&event.summary)));
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if let Some(description) = &event.description {
        lines.push(format!("DESCRIPTION:{}", escape(description)));
    }
    if let Some(organizer) = &event.organizer {
        lines.push(person_line("ORGANIZER", organizer, None));
    }
    for (person, partstat) in &event.attendees {
        lines.push(person_line("ATTENDEE", person, Some(partstat)));
    }
    lines.push(format!("STATUS:{}", event.status));
    lines.push("END:VEVENT".to_string());
    for line in lines {
        fold(&line, out);
    }
}

const MEETINGS: &[&str] = &[
    "Demo: Acme Analytics for {company}",
    "Pricing call – {company}",
    "QBR with {company}",
    "Contract review – {company}",
    "POC check-in – {company}",
    "Security review – {company}",
    "Onboarding kickoff – {company}",
    "Renewal discussion – {company}",
];

const PARTSTATS: &[&str] = &[
    "ACCEPTED",
    "ACCEPTED",
    "TENTATIVE",
    "NEEDS-ACTION",
    "DECLINED",
];

/// Monday (UTC) of the week that contains `now`.
pub(crate) fn week_start(now: DateTime<Utc>) -> NaiveDate {
    let today = now.date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

pub(crate) fn calendar_ics(
    rng: &mut Rng,
    team: &[Person],
    contacts: &[Person],
    now: DateTime<Utc>,
    single_meetings: usize,
) -> String {
    let monday = week_start(now);
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let uid = |slug: &str| format!("{slug}@acme-analytics.example");
    let dana = contacts
        .iter()
        .find(|c| c.email == DANA_EMAIL)
        .unwrap_or(&contacts[NORTHWIND * CONTACTS_PER_COMPANY]);
    let of_company = |c: usize| &contacts[c * CONTACTS_PER_COMPANY..(c + 1) * CONTACTS_PER_COMPANY];
    let mueller = COMPANIES
        .iter()
        .position(|c| c.domain == "mueller-gmbh.example")
        .unwrap_or(5);
    let yamada = COMPANIES
        .iter()
        .position(|c| c.domain == "yamada-shoji.example")
        .unwrap_or(18);
    let all_team =
        |status: &'static str| team.iter().map(|p| (p.clone(), status)).collect::<Vec<_>>();

    let series_start = monday - Duration::weeks(8);
    let standup_start = monday - Duration::weeks(1);
    let mut events = vec![
        Event {
            uid: uid("weekly-pipeline-review"),
            summary: "Weekly pipeline review".to_string(),
            location: Some("Zoom, https://zoom.example/j/5550100".to_string()),
            description: Some(
                "Walk the forecast, commit vs. best case, and deals slipping this quarter."
                    .to_string(),
            ),
            when: When::Local(NEW_YORK, series_start, 9, 30),
            minutes: 60,
            rrule: Some("FREQ=WEEKLY;BYDAY=MO".to_string()),
            extra: vec![format!(
                "EXDATE;TZID={NEW_YORK}:{}",
                local(monday - Duration::weeks(2), 9, 30)
            )],
            organizer: Some(team[3].clone()),
            attendees: all_team("ACCEPTED"),
            status: "CONFIRMED",
        },
        Event {
            uid: uid("daily-standup"),
            summary: "Daily stand-up".to_string(),
            location: None,
            description: None,
            when: When::Local(BERLIN, standup_start, 9, 15),
            minutes: 15,
            rrule: Some("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=15".to_string()),
            extra: Vec::new(),
            organizer: Some(team[2].clone()),
            attendees: vec![
                (team[2].clone(), "ACCEPTED"),
                (team[7].clone(), "ACCEPTED"),
                (team[1].clone(), "TENTATIVE"),
            ],
            status: "CONFIRMED",
        },
        Event {
            uid: uid("daily-standup"),
            summary: "Daily stand-up (moved to 11:00)".to_string(),
            location: None,
            description: None,
            when: When::Local(BERLIN, standup_start + Duration::days(2), 11, 0),
            minutes: 15,
            rrule: None,
            extra: vec![format!(
                "RECURRENCE-ID;TZID={BERLIN}:{}",
                local(standup_start + Duration::days(2), 9, 15)
            )],
            organizer: Some(team[2].clone()),
            attendees: vec![(team[2].clone(), "ACCEPTED"), (team[7].clone(), "ACCEPTED")],
            status: "CONFIRMED",
        },
        Event {
            uid: uid("monthly-business-review"),
            summary: "Monthly business review".to_string(),
            location: Some("Board room / Zoom".to_string()),
            description: Some("Revenue, churn, hiring. Deck due the day before.".to_string()),
            when: When::Utc(
                first_weekday(monday - Duration::days(70), chrono::Weekday::Thu),
                16,
                0,
            ),
            minutes: 90,
            rrule: Some("FREQ=MONTHLY;BYDAY=1TH".to_string()),
            extra: Vec::new(),
            organizer: Some(team[3].clone()),
            attendees: all_team("NEEDS-ACTION"),
            status: "CONFIRMED",
        },
        Event {
            uid: uid("berlin-partner-sync"),
            summary: "Berlin partner sync".to_string(),
            location: Some("Müller GmbH, Friedrichstraße 123, Berlin".to_string()),
            description: Some(
                "Joint pipeline with Müller GmbH; reseller terms for Q3.".to_string(),
            ),
            when: When::Local(BERLIN, monday + Duration::days(2), 15, 0),
            minutes: 60,
            rrule: None,
            extra: Vec::new(),
            organizer: Some(team[2].clone()),
            attendees: vec![
                (of_company(mueller)[0].clone(), "ACCEPTED"),
                (of_company(mueller)[1].clone(), "TENTATIVE"),
                (team[7].clone(), "ACCEPTED"),
            ],
            status: "CONFIRMED",
        },
        Event {
            uid: uid("tokyo-customer-call"),
            summary: "Tokyo customer call".to_string(),
            location: Some("Teams".to_string()),
            description: Some(
                "Northwind's APAC rollout with Yamada Shoji as the local partner.".to_string(),
            ),
            when: When::Local(TOKYO, monday + Duration::days(3), 10, 0),
            minutes: 45,
            rrule: None,
            extra: Vec::new(),
            organizer: Some(team[5].clone()),
            attendees: vec![
                (dana.clone(), "ACCEPTED"),
                (of_company(yamada)[0].clone(), "ACCEPTED"),
                (team[0].clone(), "TENTATIVE"),
            ],
            status: "CONFIRMED",
        },
        Event {
            uid: uid("team-offsite"),
            summary: "Acme Analytics sales offsite".to_string(),
            location: Some("Lisbon".to_string()),
            description: None,
            when: When::AllDay(monday - Duration::days(4), 2),
            minutes: 0,
            rrule: None,
            extra: Vec::new(),
            organizer: Some(team[3].clone()),
            attendees: all_team("ACCEPTED"),
            status: "CONFIRMED",
        },
        Event {
            uid: uid("office-closed"),
            summary: "Office closed (public holiday)".to_string(),
            location: None,
            description: None,
            when: When::AllDay(monday + Duration::days(11), 1),
            minutes: 0,
            rrule: None,
            extra: Vec::new(),
            organizer: None,
            attendees: Vec::new(),
            status: "CONFIRMED",
        },
        Event {
            uid: uid("one-on-one-priya-marcus"),
            summary: "1:1 Priya / Marcus".to_string(),
            location: None,
            description: None,
            when: When::Utc(monday - Duration::weeks(3) + Duration::days(1), 17, 0),
            minutes: 30,
            rrule: Some("FREQ=WEEKLY;INTERVAL=1;COUNT=8".to_string()),
            extra: Vec::new(),
            organizer: Some(team[3].clone()),
            attendees: vec![(team[0].clone(), "ACCEPTED")],
            status: "CONFIRMED",
        },
        // Deliberately broken: a zone no reader knows. It still has a UID and SUMMARY.
        Event {
            uid: uid("broken-unknown-zone"),
            summary: "Mars office sync (broken time zone)".to_string(),
            location: None,
            description: Some("Imported from a calendar with a made-up TZID.".to_string()),
            when: When::Local("Mars/Olympus_Mons", monday + Duration::days(1), 14, 0),
            minutes: 30,
            rrule: None,
            extra: Vec::new(),
            organizer: Some(team[1].clone()),
            attendees: Vec::new(),
            status: "TENTATIVE",
        },
    ];

    for n in 0..single_meetings {
        let company = rng.below(COMPANIES.len());
        let people = of_company(company);
        let rep = &team[*rng.pick(&[0usize, 1, 2, 4, 5, 6, 7])];
        let day = monday - Duration::weeks(1) + Duration::days(rng.range(0, 20));
        let day = match day.weekday() {
            chrono::Weekday::Sat => day - Duration::days(1),
            chrono::Weekday::Sun => day + Duration::days(1),
            _ => day,
        };
        let hour = rng.range(8, 16) as u32;
        let minute = *rng.pick(&[0u32, 0, 15, 30, 45]);
        let when = match rng.below(4) {
            0 => When::Local(NEW_YORK, day, hour, minute),
            1 => When::Local(BERLIN, day, hour, minute),
            2 => When::Local(TOKYO, day, hour, minute),
            _ => When::Utc(day, hour, minute),
        };
        let mut attendees = vec![(
            people[rng.below(people.len())].clone(),
            *rng.pick(PARTSTATS),
        )];
        if rng.chance(50) {
            let other = people[rng.below(people.len())].clone();
            if other.email != attendees[0].0.email {
                attendees.push((other, *rng.pick(PARTSTATS)));
            }
        }
        if company == NORTHWIND
            && rng.chance(50)
            && attendees.iter().all(|(p, _)| p.email != DANA_EMAIL)
        {
            attendees.push((dana.clone(), "ACCEPTED"));
        }
        let summary = rng
            .pick(MEETINGS)
            .replace("{company}", COMPANIES[company].name);
        events.push(Event {
            uid: uid(&format!("meeting-{n:03}-{}", rng.hex(8))),
            summary,
            location: Some(
                rng.pick(&[
                    "Zoom",
                    "Google Meet",
                    "Microsoft Teams",
                    "Customer office",
                    "Phone",
                ])
                .to_string(),
            ),
            description: None,
            when,
            minutes: *rng.pick(&[30i64, 45, 60]),
            rrule: None,
            extra: Vec::new(),
            organizer: Some(rep.clone()),
            attendees,
            status: rng.pick_copy(&[
                "CONFIRMED",
                "CONFIRMED",
                "CONFIRMED",
                "TENTATIVE",
                "CANCELLED",
            ]),
        });
    }

    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Acme Analytics//Switchboard demo//EN\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:Acme Analytics – Sales\r\n",
    );
    out.push_str(VTIMEZONES);
    for event in &events {
        render(event, &stamp, &mut out);
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

fn first_weekday(from: NaiveDate, weekday: chrono::Weekday) -> NaiveDate {
    let first = from.with_day(1).unwrap_or(from);
    let offset = (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    first + Duration::days(i64::from(offset))
}
