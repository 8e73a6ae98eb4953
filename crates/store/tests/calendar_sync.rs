#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Server calendars: the calendar list follows the server's, pages of resource changes
//! are idempotent, local edits are not overwritten by incoming changes until the server
//! settles them, and a refused write keeps both versions.

use switchboard_store::{NewEvent, RemoteCalendar, ResourceChange, Store};

fn event(uid: &str, start: i64) -> NewEvent {
    NewEvent {
        uid: uid.into(),
        summary: format!("event {uid}"),
        start_at: start,
        end_at: start + 1_800_000,
        raw: format!("BEGIN:VEVENT\r\nUID:{uid}\r\nEND:VEVENT"),
        ..NewEvent::default()
    }
}

fn upsert(href: &str, etag: &str, uid: &str, start: i64) -> ResourceChange {
    ResourceChange::Upsert {
        href: href.into(),
        etag: Some(etag.into()),
        ics: format!("ics of {uid} at {etag}"),
        events: vec![event(uid, start)],
    }
}

fn cal(id: &str, name: &str) -> RemoteCalendar {
    RemoteCalendar {
        remote_id: id.into(),
        name: name.into(),
        color: Some("#ff0000".into()),
        ..RemoteCalendar::default()
    }
}

async fn open() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("dav", "caldav", None, 0)
        .await
        .unwrap();
    (dir, store, account)
}

async fn uids(store: &Store) -> Vec<String> {
    let mut v: Vec<String> = store
        .events_in_window(0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.uid)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn calendar_list_follows_the_server_and_keeps_user_choices() {
    let (_d, store, account) = open().await;
    let first = store
        .sync_remote_calendars(account, &[cal("/a/", "Work"), cal("/b/", "Work")], 0)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let names: Vec<String> = store
        .list_calendars()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Work", "Work (2)"]);

    store
        .update_calendar(first[0].id, Some(false), Some("#00ff00"))
        .await
        .unwrap();
    let again = store
        .sync_remote_calendars(account, &[cal("/a/", "Work renamed")], 0)
        .await
        .unwrap();
    assert_eq!(again[0].id, first[0].id, "same remote id, same calendar");
    let cals = store.list_calendars().await.unwrap();
    assert_eq!(cals.len(), 1, "the calendar the server dropped is gone");
    assert_eq!(cals[0].name, "Work renamed");
    assert_eq!(cals[0].color, "#00ff00", "the user's colour is kept");
    assert!(!cals[0].visible);
}

#[tokio::test]
async fn pages_are_idempotent_and_carry_their_token() {
    let (_d, store, account) = open().await;
    let c = store
        .sync_remote_calendars(account, &[cal("/a/", "Work")], 0)
        .await
        .unwrap()[0]
        .id;
    let page = [
        upsert("/a/1.ics", "e1", "one", 0),
        upsert("/a/2.ics", "e1", "two", 0),
    ];
    store
        .apply_calendar_changes(c, &page, None, 0)
        .await
        .unwrap();
    // A crash before the token was stored replays the same page: nothing doubles.
    store
        .apply_calendar_changes(c, &page, Some("t1"), 0)
        .await
        .unwrap();
    assert_eq!(uids(&store).await, ["one", "two"]);
    assert_eq!(
        store.calendar_token(c).await.unwrap().as_deref(),
        Some("t1")
    );

    store
        .apply_calendar_changes(
            c,
            &[
                upsert("/a/1.ics", "e2", "one", 5),
                ResourceChange::Delete {
                    href: "/a/2.ics".into(),
                },
            ],
            Some("t2"),
            0,
        )
        .await
        .unwrap();
    assert_eq!(uids(&store).await, ["one"]);
    assert_eq!(
        store.calendar_resource_etags(c).await.unwrap(),
        [("/a/1.ics".to_string(), Some("e2".to_string()))]
    );
    store.reset_calendar_token(c).await.unwrap();
    assert_eq!(store.calendar_token(c).await.unwrap(), None);
}

#[tokio::test]
async fn local_edits_wait_for_the_server_and_conflicts_keep_both() {
    let (_d, store, account) = open().await;
    let c = store
        .sync_remote_calendars(account, &[cal("/a/", "Work")], 0)
        .await
        .unwrap()[0]
        .id;
    store
        .apply_calendar_changes(c, &[upsert("/a/1.ics", "e1", "one", 0)], None, 0)
        .await
        .unwrap();
    store
        .stage_local_resource(c, "/a/1.ics", "mine", &[event("one", 99)], false, 1)
        .await
        .unwrap();
    // A server page arriving before our write does not undo the local edit.
    store
        .apply_calendar_changes(c, &[upsert("/a/1.ics", "e2", "one", 7)], None, 2)
        .await
        .unwrap();
    let pending = store.pending_resources(c).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].pending, "update");
    assert_eq!(pending[0].etag.as_deref(), Some("e1"));
    assert_eq!(
        store.events_in_window(0, i64::MAX).await.unwrap()[0].start_at,
        99
    );

    // The server refuses (412): both versions are kept, nothing more is pushed.
    store
        .mark_resource_conflict(c, "/a/1.ics", "theirs", Some("e2"))
        .await
        .unwrap();
    assert!(store.pending_resources(c).await.unwrap().is_empty());
    let row = store.resource(c, "/a/1.ics").await.unwrap().unwrap();
    assert_eq!(row.conflict_ics.as_deref(), Some("theirs"));

    // "Apply mine again": pending over the server's etag.
    store
        .resolve_resource_conflict(c, "/a/1.ics", true, &[], 3)
        .await
        .unwrap();
    let pending = store.pending_resources(c).await.unwrap();
    assert_eq!(pending[0].etag.as_deref(), Some("e2"));
    assert_eq!(pending[0].ics, "mine");

    // Accepted: the server's text and etag replace ours, pending clears.
    store
        .settle_resource(
            c,
            "/a/1.ics",
            Some(("/a/1.ics", Some("e3"), "accepted", &[event("one", 99)])),
            4,
        )
        .await
        .unwrap();
    assert!(store.pending_resources(c).await.unwrap().is_empty());
    let row = store.resource(c, "/a/1.ics").await.unwrap().unwrap();
    assert_eq!(
        (row.etag.as_deref(), row.ics.as_str()),
        (Some("e3"), "accepted")
    );

    // A local delete hides the event at once and waits; deleting a never-sent event
    // leaves nothing to send.
    store
        .stage_local_resource(c, "/a/1.ics", "accepted", &[], true, 5)
        .await
        .unwrap();
    assert!(uids(&store).await.is_empty());
    assert_eq!(
        store.pending_resources(c).await.unwrap()[0].pending,
        "delete"
    );
    store
        .stage_local_resource(c, "/a/new.ics", "new", &[event("new", 1)], false, 6)
        .await
        .unwrap();
    store
        .stage_local_resource(c, "/a/new.ics", "new", &[], true, 7)
        .await
        .unwrap();
    let left: Vec<String> = store
        .pending_resources(c)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.href)
        .collect();
    assert_eq!(left, ["/a/1.ics"]);
}
