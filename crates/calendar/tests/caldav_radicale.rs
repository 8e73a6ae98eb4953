//! The CalDAV client against a real Radicale: discovery, initial and incremental
//! sync-collection, a refused sync token, multiget and the PROPFIND listing.

use switchboard_calendar::caldav::{http_client, CalDavClient, CalDavError, RemoteResource};
use switchboard_testkit::Radicale;

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Switchboard tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:20260301T090000Z\r\nDTEND:20260301T100000Z\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn client(radicale: &Radicale) -> CalDavClient {
    CalDavClient::new(
        http_client().expect("HTTP client"),
        &radicale.base_url(),
        radicale.user(),
        radicale.password().into(),
    )
    .expect("client")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn hrefs(resources: &[RemoteResource]) -> Vec<String> {
    sorted(resources.iter().map(|r| r.href.clone()).collect())
}

#[tokio::test]
async fn discovery_finds_the_users_calendars() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("work").expect("work");
    radicale.create_calendar("home").expect("home");

    let found = client(&radicale).discover().await.expect("discovery");

    assert_eq!(found.principal.path(), "/rep/");
    assert_eq!(found.home.path(), "/rep/");
    let mut calendars = found.calendars;
    calendars.sort_by(|a, b| a.href.cmp(&b.href));
    let names: Vec<_> = calendars
        .iter()
        .map(|c| (c.href.as_str(), c.display_name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [("/rep/home/", Some("home")), ("/rep/work/", Some("work"))]
    );
    for calendar in &calendars {
        assert_eq!(calendar.components, ["VEVENT"], "{calendar:?}");
        assert!(calendar.sync_token.is_some(), "{calendar:?}");
        assert!(calendar.ctag.is_some(), "{calendar:?}");
    }
}

#[tokio::test]
async fn sync_collection_reports_puts_edits_and_deletes_by_another_client() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("work").expect("work");
    let etag_a = radicale
        .put_event("work", "a", &event("a", "Standup"))
        .expect("put a");
    radicale
        .put_event("work", "b", &event("b", "Review"))
        .expect("put b");
    radicale
        .put_event("work", "c", &event("c", "Lunch"))
        .expect("put c");
    let client = client(&radicale);
    let work = radicale.calendar_path("work");

    let initial = client
        .sync_collection(&work, None)
        .await
        .expect("initial sync");
    assert_eq!(
        hrefs(&initial.changed),
        [
            radicale.event_path("work", "a"),
            radicale.event_path("work", "b"),
            radicale.event_path("work", "c"),
        ]
    );
    assert!(initial.removed.is_empty(), "{initial:?}");
    let a = radicale.event_path("work", "a");
    assert_eq!(
        initial
            .changed
            .iter()
            .find(|r| r.href == a)
            .and_then(|r| r.etag.clone()),
        Some(etag_a.clone())
    );

    let unchanged = client
        .sync_collection(&work, Some(&initial.sync_token))
        .await
        .expect("sync without changes");
    assert!(
        unchanged.changed.is_empty() && unchanged.removed.is_empty(),
        "{unchanged:?}"
    );

    let etag_b = radicale
        .put_event("work", "b", &event("b", "Review (moved)"))
        .expect("edit b");
    radicale.delete_event("work", "c").expect("delete c");

    let delta = client
        .sync_collection(&work, Some(&initial.sync_token))
        .await
        .expect("incremental sync");
    assert_eq!(
        delta.changed,
        [RemoteResource {
            href: radicale.event_path("work", "b"),
            etag: Some(etag_b),
        }]
    );
    assert_eq!(delta.removed, [radicale.event_path("work", "c")]);
    assert_ne!(delta.sync_token, initial.sync_token);

    let objects = client
        .multiget(&work, &[radicale.event_path("work", "b")])
        .await
        .expect("multiget");
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        objects[0]
            .data
            .lines()
            .any(|l| l.trim_end() == "SUMMARY:Review (moved)"),
        "{}",
        objects[0].data
    );
}

#[tokio::test]
async fn a_bogus_sync_token_asks_for_a_full_resync() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("work").expect("work");
    let client = client(&radicale);

    let error = client
        .sync_collection(
            &radicale.calendar_path("work"),
            Some("http://radicale.org/ns/sync/0000bogus"),
        )
        .await
        .expect_err("bogus token refused");

    assert!(matches!(error, CalDavError::InvalidSyncToken), "{error:?}");
    assert!(error.is_permanent());
}

#[tokio::test]
async fn multiget_and_full_listing_return_every_event() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("home").expect("home");
    let etag_x = radicale
        .put_event("home", "x", &event("x", "Dentist"))
        .expect("put x");
    let etag_y = radicale
        .put_event("home", "y", &event("y", "Dinner"))
        .expect("put y");
    let client = client(&radicale);
    let home = radicale.calendar_path("home");

    let mut listing = client.list_etags(&home).await.expect("listing");
    listing.sort_by(|a, b| a.href.cmp(&b.href));
    assert_eq!(
        listing,
        [
            RemoteResource {
                href: radicale.event_path("home", "x"),
                etag: Some(etag_x.clone()),
            },
            RemoteResource {
                href: radicale.event_path("home", "y"),
                etag: Some(etag_y),
            },
        ]
    );

    let wanted: Vec<String> = listing.iter().map(|r| r.href.clone()).collect();
    let mut objects = client.multiget(&home, &wanted).await.expect("multiget");
    objects.sort_by(|a, b| a.href.cmp(&b.href));
    let summaries: Vec<_> = objects
        .iter()
        .map(|o| {
            o.data
                .lines()
                .find_map(|l| l.trim_end().strip_prefix("SUMMARY:").map(str::to_owned))
        })
        .collect();
    assert_eq!(summaries, [Some("Dentist".into()), Some("Dinner".into())]);
    assert_eq!(objects[0].etag, Some(etag_x));
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized() {
    let radicale = Radicale::start().expect("Radicale starts");
    let client = CalDavClient::new(
        http_client().expect("HTTP client"),
        &radicale.base_url(),
        radicale.user(),
        "not-the-password".into(),
    )
    .expect("client");

    let error = client.discover().await.expect_err("refused");

    assert!(matches!(error, CalDavError::Unauthorized), "{error:?}");
}

#[tokio::test]
async fn a_time_range_query_finds_recurring_events_by_their_instances() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("work").expect("work");
    // A weekly series that began in January has an instance in the March window; a
    // single event in January does not, and neither does a series that ended.
    let weekly =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:weekly\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nDURATION:PT1H\r\n\
        RRULE:FREQ=WEEKLY\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let ended =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:ended\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDURATION:PT1H\r\n\
        RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Workshop\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    radicale
        .put_event("work", "weekly", weekly)
        .expect("weekly");
    radicale.put_event("work", "ended", ended).expect("ended");
    radicale
        .put_event("work", "single", &event("single", "January only"))
        .expect("single");
    let client = client(&radicale);
    let from = chrono::DateTime::parse_from_rfc3339("2026-03-09T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let found = client
        .time_range(
            &radicale.calendar_path("work"),
            from,
            from + chrono::Duration::days(7),
        )
        .await
        .expect("time-range REPORT");
    let hrefs: Vec<&str> = found.iter().map(|o| o.href.as_str()).collect();
    assert_eq!(hrefs, [radicale.event_path("work", "weekly")]);
    assert!(found[0].data.contains("RRULE:FREQ=WEEKLY"));
}

#[tokio::test]
async fn free_busy_comes_from_the_server_with_recurrence_expanded() {
    let radicale = Radicale::start().expect("Radicale starts");
    radicale.create_calendar("work").expect("work");
    // Mondays 09:00 Berlin from January: 08:00 UTC in winter, 07:00 UTC once DST began.
    // (With its VTIMEZONE, as RFC 5545 asks: without one Radicale keeps the winter offset.)
    let weekly = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n\
        BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
        TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n\
        BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
        TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
        BEGIN:VEVENT\r\nUID:weekly\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nDURATION:PT1H\r\n\
        RRULE:FREQ=WEEKLY\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    radicale
        .put_event("work", "weekly", weekly)
        .expect("weekly");
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let busy = client(&radicale)
        .free_busy(
            &radicale.calendar_path("work"),
            at("2026-03-23T00:00:00Z"),
            at("2026-04-04T00:00:00Z"),
        )
        .await
        .expect("free-busy-query");
    let got: Vec<(String, String)> = busy
        .iter()
        .map(|(s, e, _)| (s.to_rfc3339(), e.to_rfc3339()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "2026-03-23T08:00:00+00:00".to_string(),
                "2026-03-23T09:00:00+00:00".to_string()
            ),
            (
                "2026-03-30T07:00:00+00:00".to_string(),
                "2026-03-30T08:00:00+00:00".to_string()
            ),
        ]
    );
}
