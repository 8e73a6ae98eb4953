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
    let api = Api::open_with_clock(
        dir.path(),
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
