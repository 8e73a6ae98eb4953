#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Editing events through the API: one occurrence moved across a DST change stays at the
//! right local time, "this and following" splits the series, deleting one occurrence
//! leaves the rest, and what we do not understand survives every edit. Against a real
//! Radicale: a created event reaches the server, a 412 becomes a conflict listing what
//! changed, and "apply mine again" wins. Invitations go out as iMIP mail and an invitation
//! in the inbox is answered from there.

use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;
use switchboard_api::dto::{
    CalDavAccountInput, DeleteEventArgs, EditScope, EventDraft, EventInstance, GetEventArgs,
    ListEventsArgs, ResolveConflictArgs, RespondInvitationArgs,
};
use switchboard_api::Api;
use switchboard_core::FixedClock;
use switchboard_secrets::MemoryStore;
use switchboard_testkit::Radicale;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn open(dir: &Path) -> (Api, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(at("2026-03-01T12:00:00Z")));
    let api = Api::open_with_clock(dir, Arc::new(MemoryStore::new()), clock.clone())
        .await
        .unwrap();
    (api, clock)
}

const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n\
BEGIN:VEVENT\r\nUID:weekly@other\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=America/New_York:20260302T090000\r\nDTEND;TZID=America/New_York:20260302T093000\r\n\
RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Pipeline review\r\nX-CUSTOM;FOO=1:keep me\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:soon\r\nX-ALARM-THING:kept\r\nEND:VALARM\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

async fn instances(api: &Api) -> Vec<EventInstance> {
    api.list_events(ListEventsArgs {
        from: at("2026-02-01T00:00:00Z").timestamp_millis(),
        to: at("2026-05-01T00:00:00Z").timestamp_millis(),
        time_zone: Some("America/New_York".into()),
    })
    .await
    .unwrap()
}

fn starts(list: &[EventInstance]) -> Vec<(String, String)> {
    list.iter()
        .map(|i| {
            (
                DateTime::from_timestamp_millis(i.start)
                    .unwrap()
                    .to_rfc3339(),
                i.summary.clone(),
            )
        })
        .collect()
}

fn draft(calendar_id: i64, uid: Option<&str>, rid: Option<&str>, scope: EditScope) -> EventDraft {
    EventDraft {
        calendar_id,
        uid: uid.map(str::to_owned),
        recurrence_id: rid.map(str::to_owned),
        scope,
        summary: "Pipeline review".into(),
        location: None,
        description: None,
        start: "2026-03-09T10:00:00-04:00".into(),
        end: "2026-03-09T10:30:00-04:00".into(),
        all_day: false,
        time_zone: "America/New_York".into(),
        rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
        attendees: Vec::new(),
        reminders_minutes: vec![10],
        meeting_kind: "none".into(),
    }
}

async fn resource_text(api: &Api, calendar_id: i64, uid: &str) -> String {
    api.store()
        .resource_for_uid(calendar_id, uid)
        .await
        .unwrap()
        .unwrap()
        .ics
}

#[tokio::test]
async fn occurrences_edited_across_dst_split_and_deleted_keep_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    let file = dir.path().join("weekly.ics");
    std::fs::write(&file, WEEKLY).unwrap();
    api.import_ics(&file, "me", "Work").await.unwrap();
    let cal = api.list_calendars().await.unwrap()[0].id;
    let list = instances(&api).await;
    // 09:00 New York: EST before 8 March, EDT after.
    assert_eq!(
        starts(&list)
            .iter()
            .map(|s| s.0.as_str())
            .collect::<Vec<_>>(),
        [
            "2026-03-02T14:00:00+00:00",
            "2026-03-09T13:00:00+00:00",
            "2026-03-16T13:00:00+00:00",
            "2026-03-23T13:00:00+00:00"
        ]
    );
    let second = list[1].recurrence_id.clone().unwrap();
    assert_eq!(second, "2026-03-09T13:00:00Z");

    // The first Monday after the change moves to 10:00 local, this occurrence only.
    api.save_event(draft(
        cal,
        Some("weekly@other"),
        Some(&second),
        EditScope::This,
    ))
    .await
    .unwrap();
    let list = instances(&api).await;
    assert_eq!(list[1].start, at("2026-03-09T14:00:00Z").timestamp_millis());
    assert_eq!(list[2].start, at("2026-03-16T13:00:00Z").timestamp_millis());
    let detail = api
        .get_event(GetEventArgs {
            calendar_id: cal,
            uid: "weekly@other".into(),
            recurrence_id: Some(second.clone()),
        })
        .await
        .unwrap();
    assert_eq!(detail.start, "2026-03-09T10:00:00-04:00");
    assert_eq!(detail.time_zone, "America/New_York");
    assert_eq!(detail.reminders_minutes, [10]);
    let text = resource_text(&api, cal, "weekly@other").await;
    assert!(text.contains("X-CUSTOM;FOO=1:keep me"), "{text}");
    assert!(text.contains("X-ALARM-THING:kept"), "{text}");

    // This and following from the third: renamed; the first two keep their name.
    let third = list[2].recurrence_id.clone().unwrap();
    let mut rename = draft(
        cal,
        Some("weekly@other"),
        Some(&third),
        EditScope::Following,
    );
    rename.summary = "Forecast review".into();
    rename.start = "2026-03-16T09:00:00-04:00".into();
    rename.end = "2026-03-16T09:30:00-04:00".into();
    rename.rrule = Some("FREQ=WEEKLY;COUNT=2".into());
    api.save_event(rename).await.unwrap();
    let list = instances(&api).await;
    let names: Vec<&str> = list.iter().map(|i| i.summary.as_str()).collect();
    assert_eq!(
        names,
        [
            "Pipeline review",
            "Pipeline review",
            "Forecast review",
            "Forecast review"
        ]
    );
    assert_ne!(list[2].uid, "weekly@other", "the rest is a new series");
    assert_eq!(list[3].start, at("2026-03-23T13:00:00Z").timestamp_millis());

    // Deleting the first occurrence leaves the others.
    let first = list[0].recurrence_id.clone().unwrap();
    api.delete_event(DeleteEventArgs {
        calendar_id: cal,
        uid: "weekly@other".into(),
        recurrence_id: Some(first),
        scope: EditScope::This,
    })
    .await
    .unwrap();
    assert_eq!(instances(&api).await.len(), 3);
}

#[tokio::test]
async fn a_conflict_with_another_client_is_shown_and_mine_can_win() {
    let radicale = Radicale::start().unwrap();
    radicale.create_calendar("work").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    api.add_caldav_account(CalDavAccountInput {
        name: "dav".into(),
        url: radicale.base_url(),
        user: radicale.user().into(),
        password: radicale.password().into(),
    })
    .await
    .unwrap();
    api.sync_calendars_once(None).await.unwrap();
    let cal = api.list_calendars().await.unwrap()[0].id;

    // Created here: pending, then on the server after a pass.
    let mut new = draft(cal, None, None, EditScope::All);
    new.rrule = None;
    let uid = api.save_event(new).await.unwrap().uid;
    assert!(instances(&api).await[0].pending);
    let pass = api.sync_calendars_once(None).await.unwrap();
    assert_eq!((pass[0].pushed, pass[0].error.clone()), (1, None));
    assert!(!instances(&api).await[0].pending);
    let path_uid = uid.replace(
        |c: char| !(c.is_ascii_alphanumeric() || "-_.@".contains(c)),
        "_",
    );
    let on_server = radicale.get_event("work", &path_uid).unwrap().unwrap();
    assert!(on_server.contains("SUMMARY:Pipeline review"), "{on_server}");

    // Another client renames it while we move it.
    let theirs = on_server.replace("SUMMARY:Pipeline review", "SUMMARY:Their title");
    radicale.put_event("work", &path_uid, &theirs).unwrap();
    let mut ours = draft(cal, Some(&uid), None, EditScope::All);
    ours.rrule = None;
    ours.start = "2026-03-09T11:00:00-04:00".into();
    ours.end = "2026-03-09T11:30:00-04:00".into();
    api.save_event(ours).await.unwrap();
    let pass = api.sync_calendars_once(None).await.unwrap();
    assert_eq!(pass[0].conflicts, 1);
    let list = instances(&api).await;
    let all: Vec<(i64, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT id, href, pending, conflict_ics IS NOT NULL FROM calendar_resources",
    )
    .fetch_all(api.store().pool())
    .await
    .unwrap();
    assert!(list[0].conflict.is_some(), "{all:?}");
    let detail = api
        .get_event(GetEventArgs {
            calendar_id: cal,
            uid: uid.clone(),
            recurrence_id: None,
        })
        .await
        .unwrap();
    let conflict = detail.conflict.unwrap();
    let fields: Vec<&str> = conflict.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["summary", "start", "end"], "{conflict:?}");
    assert_eq!(conflict.changes[0].theirs.as_deref(), Some("Their title"));

    // Apply mine again: it goes over theirs.
    api.resolve_conflict(ResolveConflictArgs {
        calendar_id: cal,
        uid: uid.clone(),
        keep: "mine".into(),
    })
    .await
    .unwrap();
    let pass = api.sync_calendars_once(None).await.unwrap();
    assert_eq!((pass[0].pushed, pass[0].conflicts), (1, 0));
    let server = radicale.get_event("work", &path_uid).unwrap().unwrap();
    assert!(server.contains("SUMMARY:Pipeline review"), "{server}");
    assert!(server.contains("T110000"), "{server}");
    let list = instances(&api).await;
    assert!(list[0].conflict.is_none() && !list[0].pending);
}

fn sending_account(email: &str) -> String {
    serde_json::json!({
        "email": email, "user": email,
        "imap": {"host": "127.0.0.1", "port": 1, "security": "none"},
        "smtp": {"host": "127.0.0.1", "port": 1, "security": "none"},
    })
    .to_string()
}

async fn outbox_raw(api: &Api) -> Vec<String> {
    sqlx::query_scalar::<_, Vec<u8>>("SELECT raw FROM outbox ORDER BY id")
        .fetch_all(api.store().pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r).into_owned())
        .collect()
}

#[tokio::test]
async fn invitations_go_out_as_imip_and_an_inbox_invitation_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    api.store()
        .upsert_account_config(
            "mail",
            "imap",
            Some("me@example.com"),
            &sending_account("me@example.com"),
            0,
        )
        .await
        .unwrap();
    let file = dir.path().join("empty.ics");
    std::fs::write(&file, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n").unwrap();
    api.import_ics(&file, "Local", "Calendar").await.unwrap();
    let cal = api
        .list_calendars()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Calendar")
        .unwrap()
        .id;

    let mut invite = draft(cal, None, None, EditScope::All);
    invite.rrule = None;
    invite.attendees = vec!["Lena@Northwind.example".into()];
    api.save_event(invite).await.unwrap();
    let sent = outbox_raw(&api).await;
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("To: <lena@northwind.example>")
            || sent[0].contains("To: lena@northwind.example"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("method=REQUEST") || sent[0].contains("method=\"REQUEST\""));
    assert!(
        sent[0].contains("ORGANIZER:mailto:me@example.com"),
        "{}",
        sent[0]
    );

    // An invitation arrives by mail.
    let mbox = dir.path().join("in.mbox");
    std::fs::write(
        &mbox,
        "From boss@example.com Mon Mar  2 10:00:00 2026\n\
From: Boss <boss@example.com>\nTo: me@example.com\nSubject: Invitation: Board prep\n\
Message-ID: <inv-1@example.com>\nDate: Mon, 02 Mar 2026 10:00:00 +0000\nMIME-Version: 1.0\n\
Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nJoin us.\n\
--b\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\n\n\
BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:board-prep@example.com\n\
DTSTAMP:20260302T100000Z\nSEQUENCE:2\nDTSTART;TZID=Europe/Berlin:20260330T090000\n\
DTEND;TZID=Europe/Berlin:20260330T100000\nSUMMARY:Board prep\n\
ORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.com\n\
END:VEVENT\nEND:VCALENDAR\n--b--\n",
    )
    .unwrap();
    api.import_mbox(&mbox, "mail").await.unwrap();
    let message_id: i64 =
        sqlx::query_scalar("SELECT id FROM messages WHERE message_id = 'inv-1@example.com'")
            .fetch_one(api.store().pool())
            .await
            .unwrap();
    let view = api
        .invitation_of_message(message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.method, "REQUEST");
    assert_eq!(view.my_partstat.as_deref(), Some("NEEDS-ACTION"));
    // 09:00 Berlin on the day after EU DST began = 07:00 UTC.
    assert_eq!(view.start, at("2026-03-30T07:00:00Z").timestamp_millis());
    assert_eq!(view.calendar_id, None);

    api.respond_to_invitation(RespondInvitationArgs {
        message_id,
        partstat: "ACCEPTED".into(),
    })
    .await
    .unwrap();
    let view = api
        .invitation_of_message(message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.my_partstat.as_deref(), Some("ACCEPTED"));
    assert_eq!(view.calendar_id, Some(cal));
    let list = instances(&api).await;
    let board = list.iter().find(|i| i.summary == "Board prep").unwrap();
    assert_eq!(board.my_partstat.as_deref(), Some("ACCEPTED"));
    let sent = outbox_raw(&api).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[1].contains("method=REPLY") || sent[1].contains("method=\"REPLY\""));
    assert!(
        sent[1].contains("ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com"),
        "{}",
        sent[1]
    );
    assert!(sent[1].contains("boss@example.com"));
}

#[tokio::test]
async fn calendar_settings_are_checked_and_a_custom_link_needs_one() {
    use switchboard_api::dto::CalendarSettings;
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    let defaults = api.calendar_settings().await.unwrap();
    assert_eq!(defaults.default_reminder_minutes, Some(10));
    assert_eq!(defaults.working_hours, ["Mon-Fri 09:00-17:00"]);
    let file = dir.path().join("weekly.ics");
    std::fs::write(&file, WEEKLY).unwrap();
    api.import_ics(&file, "me", "Work").await.unwrap();
    let cal = api.list_calendars().await.unwrap()[0].id;
    let mut zoom = draft(cal, None, None, EditScope::All);
    zoom.meeting_kind = "custom".into();
    let err = api.save_event(zoom.clone()).await.unwrap_err();
    assert!(err.message.contains("meeting link"), "{}", err.message);

    for bad in [
        CalendarSettings {
            meeting_link_template: Some("http://zoom.example/j/1".into()),
            ..defaults.clone()
        },
        CalendarSettings {
            default_reminder_minutes: Some(-5),
            ..defaults.clone()
        },
        CalendarSettings {
            time_zone: Some("Mars/Olympus".into()),
            ..defaults.clone()
        },
        CalendarSettings {
            working_hours: vec!["Mon-Fri 17:00-09:00".into()],
            ..defaults.clone()
        },
        CalendarSettings {
            working_hours: Vec::new(),
            ..defaults.clone()
        },
    ] {
        assert!(api.set_calendar_settings(bad).await.is_err());
    }
    let saved = api
        .set_calendar_settings(CalendarSettings {
            meeting_link_template: Some("https://zoom.example/j/42".into()),
            default_reminder_minutes: None,
            time_zone: Some("Europe/Berlin".into()),
            working_hours: vec!["Mon-Thu 08:00-16:00".into(), " ".into()],
        })
        .await
        .unwrap();
    assert_eq!(saved.default_reminder_minutes, None);
    assert_eq!(saved.working_hours, ["Mon-Thu 08:00-16:00"]);
    let uid = api.save_event(zoom).await.unwrap().uid;
    let list = instances(&api).await;
    let event = list.iter().find(|e| e.uid == uid).unwrap();
    assert_eq!(
        event.meeting_url.as_deref(),
        Some("https://zoom.example/j/42")
    );
}

#[tokio::test]
async fn an_event_in_a_zone_only_its_file_defines_reads_back_right() {
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    // A zone by a made-up name, defined only by the file's VTIMEZONE: UTC+1, UTC+2 in
    // summer (EU rules).
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n\
BEGIN:VTIMEZONE\r\nTZID:Company Time\r\n\
BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:custom@other\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=Company Time:20260302T090000\r\nDTEND;TZID=Company Time:20260302T100000\r\n\
RRULE:FREQ=MONTHLY;COUNT=2\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let file = dir.path().join("custom.ics");
    std::fs::write(&file, ics).unwrap();
    api.import_ics(&file, "me", "Work").await.unwrap();
    let list = instances(&api).await;
    assert_eq!(
        starts(&list),
        [
            ("2026-03-02T08:00:00+00:00".into(), "Offsite".into()),
            ("2026-04-02T07:00:00+00:00".into(), "Offsite".into())
        ],
        "09:00 in winter (+1), then 09:00 in summer (+2)"
    );
    assert!(list.iter().all(|i| i.broken.is_none()), "{list:?}");
}

#[tokio::test]
async fn availability_counts_what_the_caldav_server_knows_before_a_sync() {
    use switchboard_api::availability::AvailabilityRequest;
    let radicale = Radicale::start().unwrap();
    radicale.create_calendar("work").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = open(&dir.path().join("data")).await;
    api.add_caldav_account(CalDavAccountInput {
        name: "dav".into(),
        url: radicale.base_url(),
        user: radicale.user().into(),
        password: radicale.password().into(),
    })
    .await
    .unwrap();
    api.sync_calendars_once(None).await.unwrap();
    // Another client books Tuesday 10:00-12:00 UTC after our last sync.
    radicale
        .put_event(
            "work",
            "late",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VEVENT\r\nUID:late\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T120000Z\r\n\
             SUMMARY:Booked elsewhere\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
    assert!(instances(&api).await.is_empty(), "not synced yet");
    let answer = api
        .find_availability(&AvailabilityRequest {
            calendars: Vec::new(),
            from: "2026-03-10T09:00:00Z".into(),
            to: "2026-03-10T13:00:00Z".into(),
            duration_minutes: 60,
            step_minutes: 60,
            time_zone: "UTC".into(),
            working_hours: vec!["Mon-Fri 09:00-17:00".into()],
            buffer_minutes: 0,
            min_notice_minutes: 0,
            max_per_day: None,
            holidays_ics: None,
            attendees: Vec::new(),
            limit: None,
            now: Some("2026-03-01T00:00:00Z".into()),
        })
        .await
        .unwrap();
    let mut starts: Vec<String> = answer.slots.iter().map(|s| s.start_local.clone()).collect();
    starts.sort();
    assert_eq!(
        starts,
        ["2026-03-10T09:00:00+00:00", "2026-03-10T12:00:00+00:00"],
        "10:00 and 11:00 are taken on the server"
    );
}
