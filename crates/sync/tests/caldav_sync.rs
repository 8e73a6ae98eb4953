#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! CalDAV sync against a real Radicale: initial sync of several calendars, another
//! client's edit and delete picked up incrementally, a refused sync token resynced in full
//! without duplicates, local creates/edits/deletes pushed with preconditions, a 412 kept
//! as a conflict with both versions, and a server that is down leaving the local copy.

use switchboard_calendar::caldav::{http_client, CalDavClient};
use switchboard_store::Store;
use switchboard_sync::caldav::{sync_caldav_once, CalSyncReport};
use switchboard_sync::calendar_store::events_from_ics;
use switchboard_testkit::Radicale;

fn ics(uid: &str, summary: &str, start: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other client//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n{extra}\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    radicale: Radicale,
    store: Store,
    account: i64,
}

impl Fixture {
    async fn new() -> Fixture {
        let radicale = Radicale::start().expect("Radicale starts");
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let account = store
            .ensure_account("dav", "caldav", None, 0)
            .await
            .unwrap();
        Fixture {
            _dir: dir,
            radicale,
            store,
            account,
        }
    }

    fn client(&self) -> CalDavClient {
        CalDavClient::new(
            http_client().unwrap(),
            &self.radicale.base_url(),
            self.radicale.user(),
            self.radicale.password().into(),
        )
        .unwrap()
    }

    async fn sync(&self) -> CalSyncReport {
        sync_caldav_once(&self.store, &self.client(), self.account, &|| 1_000)
            .await
            .unwrap_or_else(|e| panic!("sync: {e}\n{}", self.radicale.log()))
    }

    async fn calendar(&self, name: &str) -> i64 {
        self.store
            .list_calendars()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no calendar {name}"))
            .id
    }

    /// (calendar, uid, recurrence id, summary, start) of every stored event, sorted.
    async fn local(&self) -> Vec<(String, String, String, String, i64)> {
        let mut rows: Vec<_> = self
            .store
            .events_in_window(0, i64::MAX)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.calendar_name,
                    e.uid,
                    e.recurrence_id,
                    e.summary,
                    e.start_at,
                )
            })
            .collect();
        rows.sort();
        rows
    }
}

// 2026-03-02 09:00 Berlin (CET) = 08:00 UTC.
const MAR2_9: i64 = 1_772_438_400_000;

#[tokio::test]
async fn initial_then_incremental_picks_up_another_clients_changes() {
    let f = Fixture::new().await;
    f.radicale.create_calendar("work").unwrap();
    f.radicale.create_calendar("home").unwrap();
    for i in 0..3 {
        f.radicale
            .put_event(
                "work",
                &format!("w{i}"),
                &ics(&format!("w{i}"), "Work", "20260302T090000", ""),
            )
            .unwrap();
    }
    let recurring = ics(
        "r1",
        "Weekly",
        "20260302T090000",
        "RRULE:FREQ=WEEKLY;COUNT=4\r\n",
    );
    f.radicale.put_event("home", "r1", &recurring).unwrap();

    let first = f.sync().await;
    assert_eq!((first.calendars, first.fetched, first.deleted), (2, 4, 0));
    let local = f.local().await;
    assert_eq!(local.len(), 4);
    assert!(local.iter().all(|e| e.4 == MAR2_9), "{local:?}");

    // Nothing changed: nothing fetched.
    let quiet = f.sync().await;
    assert_eq!((quiet.fetched, quiet.deleted), (0, 0));

    // Another client edits one event, deletes another and adds a third.
    f.radicale
        .put_event("work", "w0", &ics("w0", "Moved", "20260302T100000", ""))
        .unwrap();
    f.radicale.delete_event("work", "w1").unwrap();
    f.radicale
        .put_event("home", "h9", &ics("h9", "New", "20260302T090000", ""))
        .unwrap();
    let next = f.sync().await;
    assert_eq!((next.fetched, next.deleted), (2, 1));
    let local = f.local().await;
    let summaries: Vec<(&str, &str)> = local.iter().map(|e| (e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(
        summaries,
        [
            ("h9", "New"),
            ("r1", "Weekly"),
            ("w0", "Moved"),
            ("w2", "Work")
        ]
    );
    assert_eq!(local[2].4, MAR2_9 + 3_600_000);
}

#[tokio::test]
async fn a_refused_token_means_a_full_resync_without_duplicates() {
    let f = Fixture::new().await;
    f.radicale.create_calendar("work").unwrap();
    f.radicale
        .put_event("work", "a", &ics("a", "A", "20260302T090000", ""))
        .unwrap();
    f.radicale
        .put_event("work", "b", &ics("b", "B", "20260302T090000", ""))
        .unwrap();
    f.sync().await;
    let cal = f.calendar("work").await;

    // The server forgets our token (as after a restore) while b is deleted and c added.
    f.store
        .apply_calendar_changes(cal, &[], Some("http://radicale.org/ns/sync/bogus"), 0)
        .await
        .unwrap();
    f.radicale.delete_event("work", "b").unwrap();
    f.radicale
        .put_event("work", "c", &ics("c", "C", "20260302T090000", ""))
        .unwrap();

    let report = f.sync().await;
    assert_eq!(report.full_resyncs, 1);
    // Only what we did not hold at that etag is fetched again.
    assert_eq!((report.fetched, report.deleted), (1, 1));
    let uids: Vec<String> = f.local().await.into_iter().map(|e| e.1).collect();
    assert_eq!(uids, ["a", "c"]);
    // The new token works: the next pass is quiet.
    let quiet = f.sync().await;
    assert_eq!((quiet.fetched, quiet.full_resyncs), (0, 0));
}

#[tokio::test]
async fn local_changes_are_pushed_and_a_412_keeps_both_versions() {
    let f = Fixture::new().await;
    f.radicale.create_calendar("work").unwrap();
    f.radicale
        .put_event(
            "work",
            "shared",
            &ics("shared", "Original", "20260302T090000", ""),
        )
        .unwrap();
    f.sync().await;
    let cal = f.calendar("work").await;
    let path = f.radicale.event_path("work", "shared");

    // Created here, offline: it waits, then the next pass creates it on the server.
    let created = ics(
        "mine",
        "Created here",
        "20260303T090000",
        "X-UNKNOWN;P=1:kept\r\n",
    );
    let new_path = f.radicale.event_path("work", "mine");
    f.store
        .stage_local_resource(
            cal,
            &new_path,
            &created,
            &events_from_ics(&created),
            false,
            1,
        )
        .await
        .unwrap();
    let pushed = f.sync().await;
    assert_eq!((pushed.pushed, pushed.conflicts), (1, 0));
    let on_server = f.radicale.get_event("work", "mine").unwrap().unwrap();
    assert!(on_server.contains("X-UNKNOWN;P=1:kept"), "{on_server}");
    assert!(f.store.pending_resources(cal).await.unwrap().is_empty());

    // Edited here while another client edits the same event: the server refuses ours.
    let theirs = ics("shared", "Their edit", "20260302T090000", "");
    f.radicale.put_event("work", "shared", &theirs).unwrap();
    let ours = ics("shared", "Our edit", "20260302T090000", "");
    f.store
        .stage_local_resource(cal, &path, &ours, &events_from_ics(&ours), false, 2)
        .await
        .unwrap();
    let refused = f.sync().await;
    assert_eq!((refused.pushed, refused.conflicts), (0, 1));
    let row = f.store.resource(cal, &path).await.unwrap().unwrap();
    assert!(row.conflict_ics.unwrap().contains("SUMMARY:Their edit"));
    assert!(row.ics.contains("SUMMARY:Our edit"), "ours is kept");
    let server = f.radicale.get_event("work", "shared").unwrap().unwrap();
    assert!(server.contains("SUMMARY:Their edit"), "nothing overwritten");

    // The user keeps theirs.
    f.store
        .resolve_resource_conflict(cal, &path, false, &events_from_ics(&theirs), 3)
        .await
        .unwrap();
    let local = f.local().await;
    assert!(
        local.iter().any(|e| e.1 == "shared" && e.3 == "Their edit"),
        "{local:?}"
    );

    // Deleted here: gone from the server on the next pass.
    f.store
        .stage_local_resource(cal, &new_path, &created, &[], true, 4)
        .await
        .unwrap();
    let deleted = f.sync().await;
    assert_eq!(deleted.pushed, 1);
    assert_eq!(f.radicale.get_event("work", "mine").unwrap(), None);
    let uids: Vec<String> = f.local().await.into_iter().map(|e| e.1).collect();
    assert_eq!(uids, ["shared"]);
}

#[tokio::test]
async fn a_server_that_is_down_leaves_the_local_copy_and_pending_edits() {
    let f = Fixture::new().await;
    f.radicale.create_calendar("work").unwrap();
    f.radicale
        .put_event("work", "a", &ics("a", "A", "20260302T090000", ""))
        .unwrap();
    f.sync().await;
    let cal = f.calendar("work").await;
    let edit = ics("a", "Edited offline", "20260302T090000", "");
    let path = f.radicale.event_path("work", "a");
    f.store
        .stage_local_resource(cal, &path, &edit, &events_from_ics(&edit), false, 1)
        .await
        .unwrap();

    let offline = CalDavClient::new(
        http_client().unwrap(),
        &format!("http://127.0.0.1:{}/", switchboard_testkit::free_port()),
        "u",
        "p".to_string().into(),
    )
    .unwrap();
    let err = sync_caldav_once(&f.store, &offline, f.account, &|| 2)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("cannot reach"), "{err}");
    let local = f.local().await;
    assert_eq!(local[0].3, "Edited offline");
    assert_eq!(f.store.pending_resources(cal).await.unwrap().len(), 1);
}
