#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! An Outlook account's calendars through the API against the Graph contract fake: the
//! same sign-in as its mail, its calendars listed as Microsoft calendars, events synced,
//! and an event created here with a Teams meeting reaches Graph as one.

use chrono::{Duration, Utc};
use serde_json::json;
use std::sync::Arc;
use switchboard_api::dto::{ApiAccountInput, EditScope, EventDraft, ListEventsArgs};
use switchboard_api::Api;
use switchboard_core::FixedClock;
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{GraphFake, GraphFakeOptions};

fn graph_time(t: chrono::DateTime<Utc>) -> serde_json::Value {
    json!({"dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"})
}

/// A workspace in `dir` at `now` with an Outlook account on the fake.
async fn outlook(fake: &GraphFake, dir: &std::path::Path, now: chrono::DateTime<Utc>) -> Api {
    let api = Api::open_with_clock(
        dir,
        Arc::new(MemoryStore::new()),
        Arc::new(FixedClock::new(now)),
    )
    .await
    .unwrap();
    api.add_api_account(ApiAccountInput {
        name: "outlook".into(),
        kind: "graph".into(),
        refresh_token: fake.grant().unwrap().refresh_token,
        api_root: Some(fake.api_root()),
        token_url: Some(fake.token_url()),
        client_id: Some("switchboard-test".into()),
        mailbox: None,
        poll_seconds: None,
        body_window_days: None,
        quota_units_per_minute: None,
        calendar_api_root: None,
    })
    .await
    .unwrap();
    api
}

#[tokio::test(flavor = "multi_thread")]
async fn outlook_calendars_sync_and_a_teams_meeting_is_created() {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    let now = Utc::now();
    let kickoff = now + Duration::days(2);
    fake.put_event(
        None,
        &json!({"subject": "Kickoff", "start": graph_time(kickoff),
                "end": graph_time(kickoff + Duration::hours(1))}),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = outlook(&fake, dir.path(), now).await;

    let pass = api.sync_calendars_once(None).await.unwrap();
    assert_eq!(pass.len(), 1);
    assert_eq!(pass[0].error, None, "{pass:?}");
    let calendars = api.list_calendars().await.unwrap();
    assert!(!calendars.is_empty());
    assert!(
        calendars.iter().all(|c| c.kind == "graphcal"),
        "{calendars:?}"
    );
    let window = ListEventsArgs {
        from: now.timestamp_millis(),
        to: (now + Duration::days(7)).timestamp_millis(),
        time_zone: Some("UTC".into()),
    };
    let events = api.list_events(window.clone()).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>(),
        ["Kickoff"]
    );

    // A Teams meeting created here goes to Graph as an online meeting.
    let writable = calendars.iter().find(|c| !c.read_only).unwrap();
    let start = now + Duration::days(3);
    api.save_event(EventDraft {
        calendar_id: writable.id,
        uid: None,
        recurrence_id: None,
        scope: EditScope::All,
        summary: "Demo".into(),
        location: None,
        description: None,
        start: start.to_rfc3339(),
        end: (start + Duration::minutes(30)).to_rfc3339(),
        all_day: false,
        time_zone: "Europe/Berlin".into(),
        rrule: None,
        attendees: vec!["lena@northwind.example".into()],
        reminders_minutes: vec![15],
        meeting_kind: "teams".into(),
    })
    .await
    .unwrap();
    let pass = api.sync_calendars_once(None).await.unwrap();
    assert_eq!(
        (pass[0].pushed, pass[0].error.clone()),
        (1, None),
        "{pass:?}"
    );
    let from = now.to_rfc3339();
    let to = (now + Duration::days(7)).to_rfc3339();
    let demo = fake
        .calendar_instances(None, &from, &to)
        .unwrap()
        .into_iter()
        .find(|v| v["subject"] == "Demo")
        .expect("the event is on the server");
    assert_eq!(demo["isOnlineMeeting"], true, "{demo}");
    let local = api.list_events(window).await.unwrap();
    let demo = local.iter().find(|e| e.summary == "Demo").unwrap();
    assert!(!demo.pending);
    assert!(fake.contract_violations().unwrap().is_empty());
    assert!(fake.calendar_contract_violations().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attendees_busy_times_come_from_graph_get_schedule() {
    use switchboard_api::availability::{AttendeeSpec, AvailabilityRequest};
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    let lena = "lena@northwind.example";
    fake.add_calendar_for(lena, "Lena", true).unwrap();
    // Lena is busy 10:00-12:00 UTC on Tuesday; the workspace knows nothing of it.
    fake.put_event_with(&json!({"mailbox": lena, "event": {
        "subject": "Board", "start": {"dateTime": "2026-12-08T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-08T12:00:00", "timeZone": "UTC"}}}))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let now: chrono::DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
    let api = outlook(&fake, dir.path(), now).await;
    let answer = api
        .find_availability(&AvailabilityRequest {
            calendars: Vec::new(),
            from: "2026-12-08T09:00:00Z".into(),
            to: "2026-12-08T13:00:00Z".into(),
            duration_minutes: 60,
            step_minutes: 60,
            time_zone: "UTC".into(),
            working_hours: vec!["Mon-Fri 09:00-17:00".into()],
            buffer_minutes: 0,
            min_notice_minutes: 0,
            max_per_day: None,
            holidays_ics: None,
            attendees: vec![AttendeeSpec {
                email: lena.into(),
                time_zone: "UTC".into(),
                working_hours: Vec::new(),
                required: true,
            }],
            limit: None,
            now: Some("2026-12-01T00:00:00Z".into()),
        })
        .await
        .unwrap();
    let mut starts: Vec<String> = answer.slots.iter().map(|s| s.start_local.clone()).collect();
    starts.sort();
    assert_eq!(
        starts,
        ["2026-12-08T09:00:00+00:00", "2026-12-08T12:00:00+00:00"],
        "10:00 and 11:00 are Lena's board meeting"
    );
    assert!(fake.calendar_contract_violations().unwrap().is_empty());
}
