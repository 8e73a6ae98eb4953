#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Google Calendar sync against the Calendar contract fake: after every pass the store
//! holds exactly the server's events (one resource per event id, at the server's ETag),
//! whatever happened in between (another client, expired sync tokens, a pass cut off,
//! rate limits, expired access tokens). Local edits go back with If-Match; a 412 keeps
//! both versions. Every test ends by checking our requests against the discovery document.

mod api_support;
mod gcal_support;

use chrono::{TimeZone, Utc};
use gcal_support::{client_for, seed, setup, timed, Setup, HOLIDAYS, TEAM};
use serde_json::json;
use switchboard_calendar::google::event_id_for_uid;
use switchboard_store::Store;
use switchboard_testkit::{GcalFake, GcalFakeOptions};

#[tokio::test]
async fn initial_sync_holds_every_calendar_with_series_exceptions_and_all_day_events() {
    let s = setup().await;
    let series = seed(&s.fake);
    let report = s.sync().await;
    assert_eq!(report.calendars, 3);
    s.assert_in_step().await;

    let calendars = s.store.list_calendars().await.unwrap();
    let team = calendars
        .iter()
        .find(|c| c.remote_id.as_deref() == Some(TEAM))
        .unwrap();
    assert_eq!(
        (team.name.as_str(), team.color.as_str(), team.read_only),
        ("Team", "#0b8043", false)
    );
    assert_eq!(team.time_zone.as_deref(), Some("Europe/Berlin"));
    let holidays = calendars
        .iter()
        .find(|c| c.remote_id.as_deref() == Some(HOLIDAYS))
        .unwrap();
    assert!(holidays.read_only);

    // The series, its moved occurrence and its cancelled one share the series' UID.
    let uid = format!("{series}@google.com");
    let rows = s.rows(&uid).await;
    let nov2 = Utc
        .with_ymd_and_hms(2026, 11, 2, 14, 0, 0)
        .unwrap()
        .timestamp_millis();
    let nov9 = Utc
        .with_ymd_and_hms(2026, 11, 9, 14, 0, 0)
        .unwrap()
        .timestamp_millis();
    let master = Utc
        .with_ymd_and_hms(2026, 10, 26, 13, 0, 0)
        .unwrap()
        .timestamp_millis();
    let moved = Utc
        .with_ymd_and_hms(2026, 11, 2, 16, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        rows,
        [
            (String::new(), "standup".to_owned(), master, false),
            (nov2.to_string(), "standup (late)".to_owned(), moved, false),
            (nov9.to_string(), String::new(), nov9, false),
        ]
    );
    let cancelled = s
        .resource_ics("primary", &format!("{series}_20261109T140000Z"))
        .await;
    assert!(cancelled.contains("STATUS:CANCELLED"), "{cancelled}");
    let all_day: Vec<(bool, i64)> =
        sqlx::query_as("SELECT all_day, end_at - start_at FROM events WHERE summary = 'offsite'")
            .fetch_all(s.store.pool())
            .await
            .unwrap();
    assert_eq!(all_day, [(true, 2 * 86_400_000)]);

    // A second pass with nothing changed fetches nothing and stays in step.
    let again = s.sync().await;
    assert_eq!(
        (again.fetched, again.deleted, again.full_resyncs),
        (0, 0, 0)
    );
    s.assert_in_step().await;
    let requests = s.fake.requests().unwrap();
    let incremental = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["params"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "syncToken")
        })
        .count();
    assert!(incremental >= 3, "the second pass asked with sync tokens");
    s.assert_contract();
}

#[tokio::test]
async fn incremental_sync_picks_up_another_clients_edit_and_delete() {
    let s = setup().await;
    let series = seed(&s.fake);
    s.sync().await;
    let team = s.fake.events(TEAM).unwrap();
    let edited = team[0]["id"].as_str().unwrap().to_owned();
    let deleted = team[1]["id"].as_str().unwrap().to_owned();
    s.fake.patch_event(TEAM, &edited, &json!({ "summary": "team, moved", "start": { "dateTime": "2026-11-23T16:00:00+01:00" }, "end": { "dateTime": "2026-11-23T17:00:00+01:00" } }))
        .unwrap();
    s.fake.delete_event(TEAM, &deleted).unwrap();
    s.fake
        .insert_event(
            TEAM,
            &timed(
                "new",
                "2026-11-30T09:00:00",
                "2026-11-30T10:00:00",
                "Europe/Berlin",
            ),
        )
        .unwrap();
    // Another occurrence of the series is cancelled; then an attendee answers.
    s.fake
        .delete_event("primary", &format!("{series}_20261116T140000Z"))
        .unwrap();
    s.fake
        .respond("primary", &series, "dana@customer.example", "declined")
        .unwrap();

    let report = s.sync().await;
    assert_eq!(report.full_resyncs, 0);
    assert_eq!(report.deleted, 1, "{report:?}");
    s.assert_in_step().await;
    let moved = s.resource_ics(TEAM, &edited).await;
    assert!(
        moved.contains("SUMMARY:team\\, moved")
            && moved.contains("DTSTART;TZID=Europe/Berlin:20261123T160000"),
        "{moved}"
    );
    let master = s.resource_ics("primary", &series).await;
    assert!(master.contains("PARTSTAT=DECLINED"), "{master}");
    assert_eq!(
        s.rows(&format!("{series}@google.com")).await.len(),
        4,
        "series + moved + two cancelled"
    );

    // The series goes: its cancelled occurrences go with it.
    s.fake.delete_event("primary", &series).unwrap();
    s.sync().await;
    s.assert_in_step().await;
    assert!(s.rows(&format!("{series}@google.com")).await.is_empty());
    s.assert_contract();
}

#[tokio::test]
async fn an_expired_sync_token_means_a_full_resync_without_duplicates() {
    let s = setup().await;
    seed(&s.fake);
    s.sync().await;
    let team = s.fake.events(TEAM).unwrap();
    let gone = team[2]["id"].as_str().unwrap().to_owned();
    s.fake.delete_event(TEAM, &gone).unwrap();
    s.fake
        .patch_event(
            TEAM,
            team[0]["id"].as_str().unwrap(),
            &json!({ "summary": "renamed" }),
        )
        .unwrap();
    // Google forgets the deletion along with the tokens: only a full listing shows it.
    s.fake.expire_sync_tokens(None).unwrap();
    assert!(s
        .fake
        .events(TEAM)
        .unwrap()
        .iter()
        .all(|e| e["id"] != gone.as_str()));

    let report = s.sync().await;
    assert_eq!(report.full_resyncs, 3, "every calendar's token was refused");
    s.assert_in_step().await;
    let count: (i64,) = sqlx::query_as(
        "SELECT count(*) FROM events WHERE summary LIKE 'team%' OR summary = 'renamed'",
    )
    .fetch_one(s.store.pool())
    .await
    .unwrap();
    assert_eq!(count.0, 2, "no duplicates, the deleted event gone");
    s.assert_contract();
}

#[tokio::test]
async fn passes_cut_off_between_pages_end_in_step_when_run_again() {
    let fake = GcalFake::start(GcalFakeOptions::default()).unwrap();
    for i in 0..7 {
        fake.insert_event(
            "primary",
            &timed(
                &format!("call {i}"),
                "2026-11-24T09:00:00",
                "2026-11-24T09:30:00",
                "America/New_York",
            ),
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Google", "gcal", Some(fake.user()), 0)
        .await
        .unwrap();
    // No retries: an injected 503 ends the pass where it hits, as a crash would.
    let s = Setup {
        client: client_for(&fake, account, 0),
        fake,
        store,
        _dir: dir,
        account,
    };
    let single_rows = |s: &Setup| {
        let pool = s.store.pool().clone();
        async move {
            let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM events")
                .fetch_one(&pool)
                .await
                .unwrap();
            rows
        }
    };
    // The initial listing (4 pages of 2) cut after 1, 2 and 3 pages, then run through.
    for after in 1..=3 {
        s.fake.fail_after(after, 503, 1, Some("/events")).unwrap();
        assert!(s.try_sync().await.is_err(), "cut after {after} pages");
        let held = s.local().await[s.fake.user()].len();
        assert_eq!(held, 2 * after as usize, "each page stored as it came");
    }
    s.sync().await;
    s.assert_in_step().await;
    assert_eq!(single_rows(&s).await, 7);

    // Changes made meanwhile, listed incrementally over two pages, cut after the first.
    let ids: Vec<String> = s
        .fake
        .events(s.fake.user())
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    s.fake.delete_event("primary", &ids[0]).unwrap();
    s.fake
        .patch_event("primary", &ids[3], &json!({ "summary": "edited" }))
        .unwrap();
    s.fake
        .insert_event(
            "primary",
            &timed(
                "late",
                "2026-11-25T09:00:00",
                "2026-11-25T09:30:00",
                "America/New_York",
            ),
        )
        .unwrap();
    s.fake.fail_after(1, 503, 1, Some("/events")).unwrap();
    assert!(s.try_sync().await.is_err());
    s.sync().await;
    s.assert_in_step().await;
    assert_eq!(single_rows(&s).await, 7);
    s.assert_contract();
}

#[tokio::test]
async fn local_edits_go_back_with_if_match_and_a_stale_one_becomes_a_conflict() {
    let s = setup().await;
    seed(&s.fake);
    s.sync().await;
    let team = s.fake.events(TEAM).unwrap();
    let (a, b, c) = (
        team[0]["id"].as_str().unwrap().to_owned(),
        team[1]["id"].as_str().unwrap().to_owned(),
        team[2]["id"].as_str().unwrap().to_owned(),
    );
    let etag_a = team[0]["etag"].as_str().unwrap().to_owned();

    // An edit of A and a deletion of C go through.
    let ics_a = s.resource_ics(TEAM, &a).await;
    let summary_a = team[0]["summary"].as_str().unwrap();
    s.stage(
        TEAM,
        &a,
        &ics_a.replace(&format!("SUMMARY:{summary_a}"), "SUMMARY:agenda"),
        false,
    )
    .await;
    let ics_c = s.resource_ics(TEAM, &c).await;
    s.stage(TEAM, &c, &ics_c, true).await;
    // B is edited here while another client changes it on Google.
    let ics_b = s.resource_ics(TEAM, &b).await;
    let summary_b = team[1]["summary"].as_str().unwrap();
    s.stage(
        TEAM,
        &b,
        &ics_b.replace(&format!("SUMMARY:{summary_b}"), "SUMMARY:mine"),
        false,
    )
    .await;
    s.fake
        .patch_event(TEAM, &b, &json!({ "summary": "theirs" }))
        .unwrap();

    let report = s.sync().await;
    assert_eq!((report.pushed, report.conflicts), (2, 1), "{report:?}");
    let server = s.fake.events(TEAM).unwrap();
    let on_server = |id: &str| server.iter().find(|e| e["id"] == id).unwrap().clone();
    assert_eq!(on_server(&a)["summary"], "agenda");
    assert_eq!(on_server(&c)["status"], "cancelled");
    assert_eq!(
        on_server(&b)["summary"],
        "theirs",
        "our stale write did not land"
    );
    let patch_a = s
        .fake
        .requests()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "PATCH" && r["path"].as_str().unwrap().ends_with(&a))
        .cloned()
        .unwrap();
    assert_eq!(patch_a["if_match"], etag_a.as_str());

    let cal = s.calendar_id(TEAM).await;
    let row_b = s.store.resource(cal, &b).await.unwrap().unwrap();
    assert_eq!(row_b.pending.as_deref(), Some("update"));
    assert!(row_b.ics.contains("SUMMARY:mine"));
    assert!(row_b
        .conflict_ics
        .as_deref()
        .unwrap()
        .contains("SUMMARY:theirs"));
    assert_eq!(
        row_b.conflict_etag.as_deref(),
        on_server(&b)["etag"].as_str()
    );
    let row_a = s.store.resource(cal, &a).await.unwrap().unwrap();
    assert_eq!(
        (row_a.pending, row_a.etag.as_deref()),
        (None, on_server(&a)["etag"].as_str())
    );
    assert!(s.store.resource(cal, &c).await.unwrap().is_none());
    s.assert_contract();
}

const NEW_EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:UIDX\r\n\
DTSTART;TZID=America/New_York:20261201T100000\r\nDTEND;TZID=America/New_York:20261201T103000\r\n\
SUMMARY:Kickoff\r\nORGANIZER:mailto:rep@example.test\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:rep@example.test\r\n\
ATTENDEE;CN=Dana;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:dana@customer.example\r\n\
X-GOOGLE-CONFERENCE:REQUEST\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn a_new_local_event_gets_a_meet_link_and_google_invites_its_attendees_once() {
    let s = setup().await;
    s.sync().await;
    let ics = NEW_EVENT.replace("UIDX", "local-1@switchboard");
    s.stage("primary", "local-1.ics", &ics, false).await;
    // A second one whose insert reached Google before a crash: the retry must not double it.
    let ics2 = NEW_EVENT
        .replace("UIDX", "local-2@switchboard")
        .replace("Kickoff", "Follow-up");
    s.stage("primary", "local-2.ics", &ics2, false).await;
    let id2 = event_id_for_uid("local-2@switchboard");
    let mut first_attempt = timed(
        "Follow-up",
        "2026-12-01T10:00:00",
        "2026-12-01T10:30:00",
        "America/New_York",
    );
    first_attempt["id"] = json!(id2);
    first_attempt["iCalUID"] = json!("local-2@switchboard");
    s.fake.insert_event("primary", &first_attempt).unwrap();

    let report = s.sync().await;
    assert_eq!(report.pushed, 2, "{report:?}");
    let events = s.fake.events(s.fake.user()).unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    let id = event_id_for_uid("local-1@switchboard");
    let made = events.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(made["iCalUID"], "local-1@switchboard");
    assert_eq!(
        made["reminders"],
        json!({ "useDefault": false, "overrides": [{ "method": "popup", "minutes": 10 }] })
    );
    let link = made["hangoutLink"].as_str().unwrap();
    assert!(link.starts_with("https://meet.google.com/"));
    let dana = made["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "dana@customer.example")
        .unwrap();
    assert_eq!(dana["responseStatus"], "needsAction");

    let notes = s.fake.notifications().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(
        (notes[0].event_id.as_str(), notes[0].method.as_str()),
        (id.as_str(), "REQUEST")
    );
    assert_eq!(notes[0].to, ["dana@customer.example"]);

    // Stored under Google's id with Google's answer (the Meet link), the local href gone.
    let stored = s.resource_ics("primary", &id).await;
    assert!(stored.contains(&format!("URL:{link}")), "{stored}");
    let cal = s.calendar_id("primary").await;
    assert!(s
        .store
        .resource(cal, "local-1.ics")
        .await
        .unwrap()
        .is_none());
    s.sync().await;
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn rate_limits_and_an_expired_token_are_waited_out() {
    let s = setup().await;
    seed(&s.fake);
    s.fake.expire_tokens().unwrap();
    s.fake
        .fail_next(
            403,
            1,
            Some("/calendarList"),
            Some(1),
            Some("rateLimitExceeded"),
        )
        .unwrap();
    s.fake
        .fail_next(429, 1, Some("/events"), Some(1), None)
        .unwrap();
    s.sync().await;
    s.assert_in_step().await;
    let statuses: Vec<u64> = s
        .fake
        .requests()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses[..3],
        [403, 401, 200],
        "wait out the 403 (injected before auth), refresh once: {statuses:?}"
    );
    assert!(
        statuses.contains(&429) && statuses.iter().filter(|s| **s >= 400).count() == 3,
        "{statuses:?}"
    );
    s.assert_contract();
}

#[tokio::test]
async fn free_busy_answers_for_people_and_calendars() {
    let s = setup().await;
    s.fake
        .create_calendar(
            &json!({ "id": "colleague@example.test", "inList": false, "timeZone": "Asia/Kolkata" }),
        )
        .unwrap();
    s.fake
        .insert_event(
            "colleague@example.test",
            &timed(
                "busy",
                "2026-11-24T09:00:00",
                "2026-11-24T10:00:00",
                "Asia/Kolkata",
            ),
        )
        .unwrap();
    let mut free = timed(
        "lunch",
        "2026-11-24T12:00:00",
        "2026-11-24T13:00:00",
        "Asia/Kolkata",
    );
    free["transparency"] = json!("transparent");
    s.fake
        .insert_event("colleague@example.test", &free)
        .unwrap();
    seed(&s.fake);
    let from = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    let answer = s
        .client
        .free_busy(
            &["colleague@example.test", "primary", "nobody@example.test"],
            from,
            to,
        )
        .await
        .unwrap();
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap();
    assert_eq!(answer[0].0, "colleague@example.test");
    assert_eq!(
        answer[0].1.as_ref().unwrap(),
        &[(at(3, 30), at(4, 30))],
        "IST is UTC+5:30; transparent time is free"
    );
    assert_eq!(
        answer[1].1.as_ref().unwrap(),
        &[(at(15, 0), at(16, 0))],
        "the demo at 10:00 New York"
    );
    assert_eq!(answer[2].1.as_ref().unwrap_err(), "notFound");
    s.assert_contract();
}

#[tokio::test]
async fn editing_and_cancelling_occurrences_here_makes_google_exceptions() {
    let s = setup().await;
    let series = seed(&s.fake);
    s.sync().await;
    // The editor keeps overrides in the series' resource: one moved, one cancelled.
    let master = s.resource_ics("primary", &series).await;
    let overrides = format!(
        "BEGIN:VEVENT\r\nUID:{series}@google.com\r\nRECURRENCE-ID;TZID=America/New_York:20261116T090000\r\n\
         DTSTART;TZID=America/New_York:20261116T130000\r\nDTEND;TZID=America/New_York:20261116T131500\r\n\
         SUMMARY:standup (afternoon)\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:{series}@google.com\r\nRECURRENCE-ID:20261123T140000Z\r\n\
         DTSTART:20261123T140000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let edited = master.replace("END:VCALENDAR\r\n", &overrides);
    s.stage("primary", &series, &edited, false).await;

    let report = s.sync().await;
    assert_eq!((report.pushed, report.conflicts), (1, 0), "{report:?}");
    let events = s.fake.events(s.fake.user()).unwrap();
    let on_server = |id: String| {
        events
            .iter()
            .find(|e| e["id"] == id.as_str())
            .cloned()
            .unwrap()
    };
    let moved = on_server(format!("{series}_20261116T140000Z"));
    assert_eq!(moved["summary"], "standup (afternoon)");
    assert_eq!(moved["start"]["dateTime"], "2026-11-16T13:00:00-05:00");
    assert_eq!(
        on_server(format!("{series}_20261123T140000Z"))["status"],
        "cancelled"
    );
    // Locally each exception is its own resource again, the series holds only itself.
    s.assert_in_step().await;
    let master = s.resource_ics("primary", &series).await;
    assert!(!master.contains("RECURRENCE-ID"), "{master}");
    let summaries: Vec<String> = s
        .rows(&format!("{series}@google.com"))
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert!(
        summaries.contains(&"standup (afternoon)".to_owned()),
        "{summaries:?}"
    );
    assert_eq!(
        summaries.len(),
        5,
        "series, moved x2, cancelled x2: {summaries:?}"
    );
    s.assert_contract();
}

#[tokio::test]
async fn answering_an_invitation_sets_only_my_response() {
    let s = setup().await;
    let mut invite = timed(
        "partner sync",
        "2026-12-02T15:00:00",
        "2026-12-02T16:00:00",
        "America/New_York",
    );
    invite["attendees"] = json!([
        { "email": "rep@example.test" },
        { "email": "dana@customer.example", "responseStatus": "accepted" }
    ]);
    let id = s.fake.insert_event("primary", &invite).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.sync().await;
    let answered = s
        .client
        .respond(s.fake.user(), &id, "REP@example.test", "tentative")
        .await
        .unwrap();
    let status = |email: &str| {
        answered
            .attendees
            .iter()
            .find(|a| a.email == email)
            .unwrap()
            .response_status
            .clone()
    };
    assert_eq!(status("rep@example.test").as_deref(), Some("tentative"));
    assert_eq!(status("dana@customer.example").as_deref(), Some("accepted"));
    assert!(s
        .client
        .respond(s.fake.user(), &id, "nobody@example.test", "accepted")
        .await
        .is_err());
    s.sync().await;
    s.assert_in_step().await;
    let stored = s.resource_ics("primary", &id).await;
    assert!(
        stored.contains("PARTSTAT=TENTATIVE") && stored.contains("PARTSTAT=ACCEPTED"),
        "{stored}"
    );
    s.assert_contract();
}

#[tokio::test]
async fn deleting_a_series_here_removes_it_and_its_exceptions_everywhere() {
    let s = setup().await;
    let series = seed(&s.fake);
    s.sync().await;
    let ics = s.resource_ics("primary", &series).await;
    s.stage("primary", &series, &ics, true).await;
    let report = s.sync().await;
    assert_eq!(report.pushed, 1, "{report:?}");
    let events = s.fake.events(s.fake.user()).unwrap();
    let of_series: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["id"].as_str().unwrap().starts_with(series.as_str()))
        .collect();
    assert!(
        of_series.iter().all(|e| e["status"] == "cancelled"),
        "{of_series:#?}"
    );
    s.assert_in_step().await;
    assert!(s.rows(&format!("{series}@google.com")).await.is_empty());
    let delete = s
        .fake
        .requests()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "DELETE")
        .cloned()
        .unwrap();
    assert!(delete["params"]
        .as_array()
        .unwrap()
        .contains(&json!("sendUpdates")));
    assert!(delete["if_match"].as_str().is_some());
    s.assert_contract();
}
