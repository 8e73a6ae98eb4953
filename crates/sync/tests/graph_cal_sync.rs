#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Microsoft Graph calendar sync against the Graph contract fake: after every pass the
//! local events equal the server's instances (two calendars, a recurring series with an
//! exception and a cancelled occurrence, an all-day event), whatever happened in between
//! (another client's edits and deletes, an expired delta token, a pass cut off mid-round,
//! a 429). Local edits go with If-Match (a stale one is kept as a conflict), a Teams
//! meeting is created, getSchedule reports busy time, invitations are answered. Every test
//! ends by checking our requests against the CSDL.

mod api_support;
mod graph_cal_support;

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use graph_cal_support::{at, seeded, setup, start_ms, FROM, NOW_MS, TO};
use serde_json::json;
use switchboard_sync::calendar_store::events_from_ics;
use switchboard_sync::graph_cal::{
    respond_to_event, series_master, update_series, GraphCalError, GraphCalOptions, Response,
};
use switchboard_testkit::GraphFailure;

#[tokio::test]
async fn initial_sync_of_two_calendars_with_a_series_an_exception_and_an_all_day_event() {
    let s = seeded().await;
    let holidays = s
        .fake
        .add_calendar_for(s.fake.user(), "Holidays", false)
        .unwrap();
    let report = s.sync().await;
    assert_eq!(report.calendars, 3);
    assert_eq!(
        report.upserted, 9,
        "Kickoff, Offsite, 5 of the 6 Standups (one cancelled, one an exception), 2 in Team"
    );
    s.assert_in_step().await;
    let cals = s.store.list_calendars().await.unwrap();
    let team = cals.iter().find(|c| c.name == "Team").unwrap();
    assert_eq!(
        (team.color.as_str(), team.remote_id.as_deref()),
        ("#ff8800", Some(s.team.as_str()))
    );
    let shared = cals.iter().find(|c| c.name == "Holidays").unwrap();
    assert_eq!((shared.read_only, team.read_only), (true, false));
    assert_eq!(shared.remote_id.as_deref(), Some(holidays.as_str()));
    let rows = s.store.events_in_window(0, i64::MAX).await.unwrap();
    let standup: Vec<_> = rows
        .iter()
        .filter(|r| r.summary.starts_with("Standup"))
        .collect();
    assert_eq!(standup.len(), 5, "one occurrence was cancelled");
    // 09:30 Berlin (CET, UTC+1) is 08:30 UTC, and the row keeps the zone.
    let first = standup.iter().min_by_key(|r| r.start_at).unwrap();
    assert_eq!(
        first.start_at,
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0)
            .unwrap()
            .timestamp_millis()
    );
    assert_eq!(first.tzid.as_deref(), Some("Europe/Berlin"));
    let moved = standup
        .iter()
        .find(|r| r.summary == "Standup (moved)")
        .unwrap();
    assert_eq!(
        moved.start_at,
        Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
            .unwrap()
            .timestamp_millis()
    );
    assert!(moved.raw.contains("X-MS-GRAPH-TYPE:exception"));
    let uids: BTreeSet<&str> = standup.iter().map(|r| r.uid.as_str()).collect();
    assert_eq!(uids.len(), 5, "each instance is its own event");
    let offsite = rows.iter().find(|r| r.summary == "Offsite").unwrap();
    assert!(offsite.all_day);
    assert_eq!(offsite.end_at - offsite.start_at, 2 * 86_400_000);
    let second = s.sync().await;
    assert_eq!(
        (second.upserted, second.deleted, second.full_resyncs),
        (0, 0, 0),
        "nothing changed"
    );
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn another_clients_edit_and_delete_are_picked_up() {
    let s = seeded().await;
    s.sync().await;
    let kickoff = s.instances_of("Kickoff")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.fake.edit_event(&kickoff, &json!({"subject": "Kickoff (new time)",
        "start": at("2026-11-24T11:00:00", "Pacific Standard Time"), "end": at("2026-11-24T12:00:00", "Pacific Standard Time")})).unwrap();
    let retro = s
        .fake
        .calendar_instances(Some(&s.team), FROM, TO)
        .unwrap()
        .into_iter()
        .find(|v| v["subject"] == "Retro")
        .unwrap();
    s.fake.delete_event(retro["id"].as_str().unwrap()).unwrap();
    let master = s.instances_of("Standup")[0]["seriesMasterId"]
        .as_str()
        .unwrap()
        .to_owned();
    s.fake
        .edit_event(&master, &json!({"subject": "Daily sync"}))
        .unwrap();
    let report = s.sync().await;
    assert_eq!(report.full_resyncs, 0);
    assert_eq!(report.deleted, 1);
    assert_eq!(
        report.upserted,
        1 + 4,
        "the edited event and the series' 4 plain occurrences"
    );
    s.assert_in_step().await;
    let local = s.local().await;
    assert!(local.iter().any(|r| r.2 == "Kickoff (new time)"
        && r.3
            == Utc
                .with_ymd_and_hms(2026, 11, 24, 19, 0, 0)
                .unwrap()
                .timestamp_millis()));
    assert!(!local.iter().any(|r| r.2 == "Retro"));
    s.assert_contract();
}

#[tokio::test]
async fn an_expired_delta_token_is_a_full_resync_without_duplicates() {
    let s = seeded().await;
    s.sync().await;
    let planning = s
        .fake
        .calendar_instances(Some(&s.team), FROM, TO)
        .unwrap()
        .into_iter()
        .find(|v| v["subject"] == "Planning")
        .unwrap();
    s.fake
        .delete_event(planning["id"].as_str().unwrap())
        .unwrap();
    s.fake
        .put_event(
            None,
            &json!({"subject": "Late add", "start": at("2026-12-10T10:00:00", "UTC"),
        "end": at("2026-12-10T11:00:00", "UTC")}),
        )
        .unwrap();
    s.fake.expire_calendar_delta().unwrap();
    let report = s.sync().await;
    assert_eq!(report.full_resyncs, 2, "both calendars listed again");
    assert_eq!(report.deleted, 1, "the deleted event went; nothing else");
    s.assert_in_step().await;
    let statuses: Vec<u16> = s
        .fake
        .requests()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("calendarView/delta"))
        .map(|r| r.status)
        .collect();
    assert!(statuses.contains(&410), "{statuses:?}");
    // Graph's other 410 code, after another client's change.
    s.fake
        .put_event(
            None,
            &json!({"subject": "After resync", "start": at("2026-12-11T10:00:00", "UTC"),
            "end": at("2026-12-11T11:00:00", "UTC")}),
        )
        .unwrap();
    s.fake.expire_calendar_delta_with("resyncRequired").unwrap();
    let report = s.sync().await;
    assert_eq!((report.full_resyncs, report.deleted), (2, 0));
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn a_pass_cut_off_at_any_page_ends_equal_to_the_server_when_run_again() {
    let s = seeded().await;
    // Initial round: 8 instances in pages of 3 in the default calendar, 2 in Team.
    for cut in 1..=4 {
        let partial = s
            .sync_with(&GraphCalOptions {
                max_pages: Some(cut),
                ..s.options()
            })
            .await;
        assert!(!partial.complete || cut >= 4, "cut {cut}");
    }
    s.sync().await;
    s.assert_in_step().await;
    // An incremental round cut off after its first page, then resumed.
    for i in 0..5 {
        s.fake.put_event(None, &json!({"subject": format!("New {i}"), "start": at(&format!("2026-12-1{i}T10:00:00"), "UTC"),
            "end": at(&format!("2026-12-1{i}T11:00:00"), "UTC")})).unwrap();
    }
    let kickoff = s.instances_of("Kickoff")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.fake.delete_event(&kickoff).unwrap();
    let partial = s
        .sync_with(&GraphCalOptions {
            max_pages: Some(1),
            ..s.options()
        })
        .await;
    assert!(!partial.complete);
    s.sync().await;
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn a_stale_if_match_is_kept_as_a_conflict_and_a_fresh_one_is_written() {
    let s = seeded().await;
    s.sync().await;
    let kickoff = s.instances_of("Kickoff")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let planning = s
        .fake
        .calendar_instances(Some(&s.team), FROM, TO)
        .unwrap()
        .into_iter()
        .find(|v| v["subject"] == "Planning")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another client changes Kickoff after our read; we edit both locally.
    s.fake
        .edit_event(&kickoff, &json!({"subject": "Kickoff (theirs)"}))
        .unwrap();
    let mine = s
        .resource_ics("Calendar", &kickoff)
        .await
        .replace("SUMMARY:Kickoff", "SUMMARY:Kickoff (mine)");
    s.stage("Calendar", &kickoff, &mine).await;
    let ours = s
        .resource_ics("Team", &planning)
        .await
        .replace("SUMMARY:Planning", "SUMMARY:Planning v2");
    s.stage("Team", &planning, &ours).await;
    let report = s.sync().await;
    assert_eq!((report.conflicts, report.pushed), (1, 1));
    let row = s
        .store
        .resource(s.calendar_id("Calendar").await, &kickoff)
        .await
        .unwrap()
        .unwrap();
    assert!(row.pending.is_some(), "ours stays pending");
    assert!(row
        .conflict_ics
        .as_deref()
        .unwrap()
        .contains("SUMMARY:Kickoff (theirs)"));
    assert_eq!(
        s.instances_of("Kickoff (theirs)").len(),
        1,
        "the server kept its version"
    );
    let team = s.fake.calendar_instances(Some(&s.team), FROM, TO).unwrap();
    assert!(team.iter().any(|v| v["subject"] == "Planning v2"));
    let patches: Vec<u16> = s
        .fake
        .requests()
        .unwrap()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.status)
        .collect();
    assert_eq!(patches, [412, 200]);
    // The user keeps theirs: it goes again over the server's current version.
    let cal = s.calendar_id("Calendar").await;
    let theirs = events_from_ics(row.conflict_ics.as_deref().unwrap());
    s.store
        .resolve_resource_conflict(cal, &kickoff, true, &theirs, NOW_MS)
        .await
        .unwrap();
    let report = s.sync().await;
    assert_eq!((report.pushed, report.conflicts), (1, 0));
    assert_eq!(s.instances_of("Kickoff (mine)").len(), 1);
    let row = s.store.resource(cal, &kickoff).await.unwrap().unwrap();
    assert!(row.pending.is_none() && row.conflict_ics.is_none());
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn a_teams_meeting_and_a_series_are_created_with_invitations_by_graph() {
    let s = setup().await;
    s.sync().await;
    let teams = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:local-teams\r\n\
        DTSTART;TZID=America/New_York:20261201T100000\r\nDTEND;TZID=America/New_York:20261201T103000\r\n\
        SUMMARY:Demo with Ada\r\nORGANIZER:mailto:rep@example.test\r\nATTENDEE;CN=Ada:mailto:ada@example.test\r\n\
        X-MS-GRAPH-ONLINE-MEETING-PROVIDER:teamsForBusiness\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    s.stage("Calendar", "local-teams.ics", teams).await;
    let series = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:local-series\r\n\
        DTSTART;TZID=Europe/Berlin:20261130T090000\r\nDTEND;TZID=Europe/Berlin:20261130T093000\r\n\
        RRULE:FREQ=MONTHLY;BYDAY=-1MO;COUNT=3\r\nSUMMARY:Month end\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    s.stage("Team", "local-series.ics", series).await;
    let report = s.sync().await;
    assert_eq!(report.pushed, 2);
    let demo = s.instances_of("Demo with Ada");
    assert_eq!(demo.len(), 1);
    assert_eq!(demo[0]["isOnlineMeeting"], true);
    assert_eq!(demo[0]["onlineMeetingProvider"], "teamsForBusiness");
    let join = demo[0]["onlineMeeting"]["joinUrl"].as_str().unwrap();
    assert!(join.starts_with("https://teams.microsoft.com/l/meetup-join/"));
    assert_eq!(
        start_ms(&demo[0]),
        Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0)
            .unwrap()
            .timestamp_millis()
    );
    let invitations = s.fake.invitations().unwrap();
    let invite = invitations
        .iter()
        .find(|i| i["subject"] == "Demo with Ada")
        .unwrap();
    assert_eq!(
        (invite["kind"].as_str(), invite["to"][0].as_str()),
        (Some("request"), Some("ada@example.test"))
    );
    assert_eq!(invite["joinUrl"], join);
    // Stored under its Graph id, with the join link.
    let id = demo[0]["id"].as_str().unwrap();
    let ics = s.resource_ics("Calendar", id).await.replace("\r\n ", "");
    assert!(ics.contains(&format!(
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Microsoft Teams:{join}"
    )));
    let cal = s.calendar_id("Calendar").await;
    assert!(s
        .store
        .resource(cal, "local-teams.ics")
        .await
        .unwrap()
        .is_none());
    // The series exists on the server as a relativeMonthly rule; locally its 3 instances.
    let state = s.fake.calendar_state().unwrap();
    let events = state["mailboxes"][0]["events"].as_array().unwrap();
    let master = events.iter().find(|e| e["subject"] == "Month end").unwrap();
    assert_eq!(master["recurrence"]["pattern"]["type"], "relativeMonthly");
    assert_eq!(master["recurrence"]["pattern"]["index"], "last");
    assert_eq!(master["recurrence"]["range"]["numberOfOccurrences"], 3);
    s.assert_in_step().await;
    let local = s.local().await;
    assert_eq!(local.iter().filter(|r| r.2 == "Month end").count(), 3);
    s.assert_contract();
}

#[tokio::test]
async fn a_429_is_waited_out_as_retry_after_says() {
    let s = seeded().await;
    s.fake
        .fail_next(&GraphFailure {
            status: 429,
            count: 2,
            path_contains: Some("calendarView".into()),
            retry_after: Some(1),
            ..GraphFailure::default()
        })
        .unwrap();
    // And the access token has expired: one refresh, then on.
    s.fake.expire_tokens().unwrap();
    s.sync().await;
    s.assert_in_step().await;
    let delta: Vec<_> = s
        .fake
        .requests()
        .unwrap()
        .into_iter()
        .filter(|r| r.path.ends_with("calendarView/delta"))
        .collect();
    assert_eq!(
        (delta[0].status, delta[1].status, delta[2].status),
        (429, 429, 200)
    );
    assert!(
        delta[1].t_ms - delta[0].t_ms >= 1000 && delta[2].t_ms - delta[1].t_ms >= 1000,
        "{delta:?}"
    );
    let refused: Vec<u16> = s
        .fake
        .requests()
        .unwrap()
        .iter()
        .filter(|r| r.status == 401)
        .map(|r| r.status)
        .collect();
    assert_eq!(refused.len(), 1, "one refusal, one refresh");
    s.assert_contract();
}

#[tokio::test]
async fn get_schedule_reports_busy_time_per_address() {
    let s = setup().await;
    for (subject, start, end, show_as) in [
        ("Busy", "2026-12-02T09:00:00", "2026-12-02T10:00:00", "busy"),
        (
            "Maybe",
            "2026-12-02T13:00:00",
            "2026-12-02T13:30:00",
            "tentative",
        ),
        (
            "Lunch",
            "2026-12-02T12:00:00",
            "2026-12-02T13:00:00",
            "free",
        ),
    ] {
        s.fake.put_event_with(&json!({"mailbox": "ada@example.test", "event": {"subject": subject,
            "start": at(start, "Pacific Standard Time"), "end": at(end, "Pacific Standard Time"), "showAs": show_as}})).unwrap();
    }
    let from = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
    let schedules = s
        .client
        .schedule(
            &["ada@example.test".into(), "nobody@example.test".into()],
            from,
            to,
            30,
        )
        .await
        .unwrap();
    assert_eq!(schedules.len(), 2);
    let ada = &schedules[0];
    assert_eq!(ada.address, "ada@example.test");
    assert!(ada.error.is_none());
    let busy: Vec<_> = ada
        .busy
        .iter()
        .map(|b| (b.start.to_rfc3339(), b.end.to_rfc3339(), b.status.as_str()))
        .collect();
    assert_eq!(
        busy,
        [
            (
                "2026-12-02T17:00:00+00:00".to_owned(),
                "2026-12-02T18:00:00+00:00".to_owned(),
                "busy"
            ),
            (
                "2026-12-02T21:00:00+00:00".to_owned(),
                "2026-12-02T21:30:00+00:00".to_owned(),
                "tentative"
            ),
        ]
    );
    assert!(schedules[1].busy.is_empty());
    assert!(schedules[1]
        .error
        .as_deref()
        .unwrap()
        .contains("ErrorMailRecipientNotFound"));
    s.assert_contract();
}

#[tokio::test]
async fn invitations_are_accepted_and_declined_through_graph() {
    let s = setup().await;
    let invite = |subject: &str, day: &str| {
        s.fake.put_event_with(&json!({"organizer": {"name": "Boss", "address": "boss@example.test"},
            "event": {"subject": subject, "start": at(&format!("{day}T10:00:00"), "UTC"), "end": at(&format!("{day}T11:00:00"), "UTC"),
                "attendees": [{"type": "required", "emailAddress": {"name": "Rep", "address": "rep@example.test"}}]}})).unwrap()
    };
    let review = invite("Review", "2026-12-03");
    let offsite = invite("Offsite planning", "2026-12-04");
    s.sync().await;
    let before = s.store.events_in_window(0, i64::MAX).await.unwrap();
    assert_eq!(before.len(), 2);
    // Accept from the app: our PARTSTAT changes locally and goes as an answer.
    let ics = s
        .resource_ics("Calendar", &review.id)
        .await
        .replace("\r\n ", "");
    assert!(
        ics.contains("PARTSTAT=NEEDS-ACTION:mailto:rep@example.test"),
        "{ics}"
    );
    let accepted = ics.replace(
        "PARTSTAT=NEEDS-ACTION:mailto:rep@example.test",
        "PARTSTAT=ACCEPTED:mailto:rep@example.test",
    );
    s.stage("Calendar", &review.id, &accepted).await;
    let report = s.sync().await;
    assert_eq!(report.pushed, 1);
    // Decline straight away.
    respond_to_event(&s.client, &offsite.id, Response::Decline, "Out that week")
        .await
        .unwrap();
    s.sync().await;
    let responses: Vec<(String, String)> = s
        .fake
        .invitations()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "response")
        .map(|i| {
            (
                i["subject"].as_str().unwrap().to_owned(),
                i["response"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        responses,
        [
            ("Review".to_owned(), "accepted".to_owned()),
            ("Offsite planning".to_owned(), "declined".to_owned())
        ]
    );
    let after = s.store.events_in_window(0, i64::MAX).await.unwrap();
    assert_eq!(
        after.len(),
        1,
        "a declined meeting leaves the calendar, as in Outlook"
    );
    let ics = s
        .resource_ics("Calendar", &review.id)
        .await
        .replace("\r\n ", "");
    assert!(
        ics.contains("PARTSTAT=ACCEPTED:mailto:rep@example.test"),
        "{ics}"
    );
    s.assert_in_step().await;
    s.assert_contract();
}

#[tokio::test]
async fn the_window_slides_with_time_and_an_edit_of_all_goes_to_the_series() {
    let s = setup().await;
    for (subject, start) in [
        ("Old", "2025-12-01T10:00:00"),
        ("Far", "2028-12-15T10:00:00"),
    ] {
        let end = start.replace("T10", "T11");
        s.fake
            .put_event(
                None,
                &json!({"subject": subject, "start": at(start, "UTC"), "end": at(&end, "UTC")}),
            )
            .unwrap();
    }
    let subjects = |rows: Vec<switchboard_store::EventRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.summary).collect()
    };
    s.sync().await;
    let rows = s.store.events_in_window(0, i64::MAX).await.unwrap();
    assert_eq!(subjects(rows), ["Old"], "a year back, two ahead");
    // Forty days later the window has moved: Old is out, Far is in.
    let later = NOW_MS + 40 * 86_400_000;
    let report = s.sync_at(later, &s.options()).await;
    assert!(report.complete);
    let rows = s.store.events_in_window(0, i64::MAX).await.unwrap();
    assert_eq!(subjects(rows), ["Far"]);
    // A narrower window by option.
    let narrow = GraphCalOptions {
        past_days: 0,
        future_days: 30,
        ..s.options()
    };
    s.store
        .reset_calendar_token(s.calendar_id("Calendar").await)
        .await
        .unwrap();
    s.sync_with(&narrow).await;
    assert!(s
        .store
        .events_in_window(0, i64::MAX)
        .await
        .unwrap()
        .is_empty());
    // Edit all occurrences of a series: through its master.
    s.fake
        .put_event(
            None,
            &json!({"subject": "Weekly", "start": at("2026-11-23T09:00:00", "UTC"),
            "end": at("2026-11-23T09:30:00", "UTC"),
            "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                           "range": {"type": "numbered", "numberOfOccurrences": 3}}}),
        )
        .unwrap();
    s.sync().await;
    let instance = s.instances_of("Weekly")[0].clone();
    let ics = s
        .resource_ics("Calendar", instance["id"].as_str().unwrap())
        .await
        .replace("\r\n ", "");
    let master_id = ics
        .lines()
        .find_map(|l| l.strip_prefix("X-MS-GRAPH-SERIES-MASTER-ID:"))
        .unwrap()
        .to_owned();
    let (master, etag) = series_master(&s.client, &master_id).await.unwrap();
    assert!(
        master.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;COUNT=3"),
        "{master}"
    );
    let edited = master.replace("SUMMARY:Weekly", "SUMMARY:Weekly sync");
    update_series(&s.client, &master_id, &edited, etag.as_deref())
        .await
        .unwrap();
    let stale = update_series(&s.client, &master_id, &edited, etag.as_deref()).await;
    assert!(matches!(stale, Err(GraphCalError::Conflict)), "{stale:?}");
    s.sync().await;
    assert_eq!(s.instances_of("Weekly sync").len(), 3);
    s.assert_in_step().await;
    s.assert_contract();
}
