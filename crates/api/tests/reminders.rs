#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Reminders are durable: a VALARM or the default reminder fires once at its moment; one
//! whose moment passed while the app was closed is shown once, late, after a restart; a
//! moved event's reminder moves; declined and cancelled events stay quiet; nothing from
//! before the workspace's first planning is ever shown.

use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;
use switchboard_api::reminders::DEFAULT_REMINDER_SETTING;
use switchboard_api::Api;
use switchboard_core::FixedClock;
use switchboard_secrets::MemoryStore;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn open(dir: &Path, clock: &Arc<FixedClock>) -> Api {
    Api::open_with_clock(dir, Arc::new(MemoryStore::new()), clock.clone())
        .await
        .unwrap()
}

fn event(uid: &str, start: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=America/New_York:{start}\r\n\
         DURATION:PT1H\r\nSUMMARY:Meeting {uid}\r\n{extra}END:VEVENT\r\n"
    )
}

const ALARM_15: &str =
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n";

async fn import(api: &Api, dir: &Path, events: &[String]) {
    let path = dir.join("cal.ics");
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}END:VCALENDAR\r\n",
        events.concat()
    );
    std::fs::write(&path, text).unwrap();
    api.import_ics(&path, "me", "Work").await.unwrap();
}

fn summaries(due: &[switchboard_api::dto::ReminderView]) -> Vec<(String, bool)> {
    due.iter().map(|r| (r.summary.clone(), r.late)).collect()
}

#[tokio::test]
async fn alarms_fire_once_on_time_and_missed_ones_once_late_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Monday 2026-03-09, the day after US DST began: 09:00 EDT = 13:00 UTC.
    let clock = Arc::new(FixedClock::new(at("2026-03-09T12:00:00Z")));
    let api = open(&data, &clock).await;
    import(
        &api,
        dir.path(),
        &[
            event("a", "20260309T090000", ALARM_15),
            event("b", "20260309T100000", ""),
            event(
                "weekly",
                "20260302T110000",
                &format!("RRULE:FREQ=WEEKLY;COUNT=3\r\n{ALARM_15}"),
            ),
        ],
    )
    .await;
    assert!(api.take_due_reminders().await.unwrap().is_empty());
    // The next firing is a's: 08:45 EDT.
    assert_eq!(
        api.next_reminder_at().await.unwrap(),
        Some(at("2026-03-09T12:45:00Z").timestamp_millis())
    );

    clock.set(at("2026-03-09T12:45:30Z"));
    let due = api.take_due_reminders().await.unwrap();
    assert_eq!(summaries(&due), [("Meeting a".to_string(), false)]);
    assert_eq!(due[0].start, at("2026-03-09T13:00:00Z").timestamp_millis());
    assert!(
        api.take_due_reminders().await.unwrap().is_empty(),
        "shown once"
    );

    // The app closes; b's default reminder (09:50 EDT) and the weekly's (10:45 EDT)
    // pass while it is closed.
    api.store().close().await;
    drop(api);
    clock.set(at("2026-03-09T16:00:00Z"));
    let api = open(&data, &clock).await;
    let due = api.take_due_reminders().await.unwrap();
    assert_eq!(
        summaries(&due),
        [
            ("Meeting b".to_string(), true),
            ("Meeting weekly".to_string(), true)
        ]
    );
    assert_eq!(
        due[1].recurrence_id.as_deref(),
        Some("2026-03-09T15:00:00Z"),
        "the second occurrence, at 11:00 EDT"
    );
    assert!(api.take_due_reminders().await.unwrap().is_empty());
}

#[tokio::test]
async fn moved_declined_cancelled_and_pre_workspace_events_do_not_ring() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = Arc::new(FixedClock::new(at("2026-03-09T12:00:00Z")));
    let api = open(&data, &clock).await;
    api.store()
        .set_setting(DEFAULT_REMINDER_SETTING, "off")
        .await
        .unwrap();
    import(
        &api,
        dir.path(),
        &[
            // Already past when the workspace first plans: never shown.
            event("old", "20260309T070000", ALARM_15),
            event("moved", "20260309T090000", ALARM_15),
            event(
                "declined",
                "20260309T090000",
                &format!("ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com\r\n{ALARM_15}"),
            ),
            event(
                "cancelled",
                "20260309T090000",
                &format!("STATUS:CANCELLED\r\n{ALARM_15}"),
            ),
            event("plain", "20260309T090000", ""),
        ],
    )
    .await;
    // "me@example.com" is my address.
    api.store()
        .upsert_account_config("me", "local", Some("me@example.com"), "{}", 0)
        .await
        .unwrap();
    api.plan_reminders().await.unwrap();

    // Moved an hour later by another import (a sync would do the same).
    import(
        &api,
        dir.path(),
        &[event("moved", "20260309T100000", ALARM_15)],
    )
    .await;
    clock.set(at("2026-03-09T12:50:00Z"));
    assert!(api.take_due_reminders().await.unwrap().is_empty());
    clock.set(at("2026-03-09T13:45:00Z"));
    let due = api.take_due_reminders().await.unwrap();
    assert_eq!(summaries(&due), [("Meeting moved".to_string(), false)]);
    clock.set(at("2026-03-09T18:00:00Z"));
    assert!(api.take_due_reminders().await.unwrap().is_empty());
}
