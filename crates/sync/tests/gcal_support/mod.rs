//! The Google Calendar sync tests' setup: the fake with three calendars, a store, a
//! client with small pages, and the comparison of local resources with the server's.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{json, Value};
use switchboard_mail::rest::BudgetLimits;
use switchboard_store::Store;
use switchboard_sync::caldav::CalSyncReport;
use switchboard_sync::calendar_store::events_from_ics;
use switchboard_sync::gcal::{sync_gcal_once, GcalClient, GcalError, GCAL_LIMITS};
use switchboard_testkit::{GcalFake, GcalFakeOptions};

use crate::api_support;

pub const TEAM: &str = "team@group.calendar.google.com";
pub const HOLIDAYS: &str = "en.usa#holiday@group.v.calendar.google.com";

pub struct Setup {
    pub fake: GcalFake,
    pub store: Store,
    pub _dir: tempfile::TempDir,
    pub client: GcalClient,
    pub account: i64,
}

pub fn now() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn client_for(fake: &GcalFake, account: i64, server_retries: u32) -> GcalClient {
    let grant = fake.grant().unwrap();
    let grant = api_support::Grant {
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        expires_in: grant.expires_in,
    };
    let limits = BudgetLimits { ..GCAL_LIMITS };
    let rest = api_support::rest_client(fake.token_url(), grant, account, limits, server_retries);
    // Small pages, so every listing here spans several.
    GcalClient::new(rest, &fake.api_root()).with_page_size(2)
}

pub async fn setup() -> Setup {
    let fake = GcalFake::start(GcalFakeOptions::default()).unwrap();
    fake.create_calendar(&json!({ "id": TEAM, "summary": "Team", "timeZone": "Europe/Berlin", "backgroundColor": "#0B8043" }))
        .unwrap();
    fake.create_calendar(&json!({ "id": HOLIDAYS, "summary": "Holidays", "accessRole": "reader" }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Google", "gcal", Some(fake.user()), 0)
        .await
        .unwrap();
    let client = client_for(&fake, account, 4);
    Setup {
        fake,
        store,
        _dir: dir,
        client,
        account,
    }
}

pub fn timed(summary: &str, start: &str, end: &str, zone: &str) -> Value {
    json!({
        "summary": summary,
        "start": { "dateTime": start, "timeZone": zone },
        "end": { "dateTime": end, "timeZone": zone },
    })
}

impl Setup {
    pub async fn sync(&self) -> CalSyncReport {
        self.try_sync().await.unwrap()
    }

    pub async fn try_sync(&self) -> Result<CalSyncReport, GcalError> {
        sync_gcal_once(&self.store, &self.client, self.account, &now).await
    }

    pub async fn calendar_id(&self, remote: &str) -> i64 {
        let remote = if remote == "primary" {
            self.fake.user()
        } else {
            remote
        };
        self.store
            .list_calendars()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.remote_id.as_deref() == Some(remote))
            .unwrap_or_else(|| panic!("no local calendar for {remote}"))
            .id
    }

    /// Local resources per calendar: href → etag.
    pub async fn local(&self) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
        let mut out = BTreeMap::new();
        for cal in self.store.list_calendars().await.unwrap() {
            if cal.account_id != self.account {
                continue;
            }
            let held = self.store.calendar_resource_etags(cal.id).await.unwrap();
            out.insert(cal.remote_id.unwrap(), held.into_iter().collect());
        }
        out
    }

    /// What the server holds, as we should: live events, and cancelled occurrences of
    /// live series.
    pub fn expected(&self) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
        let state = self.fake.state().unwrap();
        let mut out = BTreeMap::new();
        for cal in state["calendars"].as_array().unwrap() {
            if cal["inList"] != true {
                continue;
            }
            let events = cal["events"].as_array().unwrap();
            let live = |id: &str| {
                events
                    .iter()
                    .any(|e| e["id"] == id && e["status"] != "cancelled")
            };
            let held: BTreeMap<String, Option<String>> = events
                .iter()
                .filter(|e| {
                    e["status"] != "cancelled" || e["recurringEventId"].as_str().is_some_and(live)
                })
                .map(|e| {
                    (
                        e["id"].as_str().unwrap().to_owned(),
                        e["etag"].as_str().map(str::to_owned),
                    )
                })
                .collect();
            out.insert(cal["id"].as_str().unwrap().to_owned(), held);
        }
        out
    }

    pub async fn assert_in_step(&self) {
        assert_eq!(self.local().await, self.expected());
    }

    pub fn assert_contract(&self) {
        let violations = self.fake.contract_violations().unwrap();
        assert!(violations.is_empty(), "{violations:#?}");
    }

    /// The `events` rows of one UID: (recurrence_id, summary, start_at, all_day).
    pub async fn rows(&self, uid: &str) -> Vec<(String, String, i64, bool)> {
        sqlx::query_as(
            "SELECT recurrence_id, summary, start_at, all_day FROM events WHERE uid = ? ORDER BY recurrence_id, start_at",
        )
        .bind(uid)
        .fetch_all(self.store.pool())
        .await
        .unwrap()
    }

    /// Stages a local edit of the resource at `href`, as the API does.
    pub async fn stage(&self, remote: &str, href: &str, ics: &str, delete: bool) {
        let cal = self.calendar_id(remote).await;
        self.store
            .stage_local_resource(cal, href, ics, &events_from_ics(ics), delete, now())
            .await
            .unwrap();
    }

    pub async fn resource_ics(&self, remote: &str, href: &str) -> String {
        let cal = self.calendar_id(remote).await;
        self.store.resource(cal, href).await.unwrap().unwrap().ics
    }
}

/// Puts a weekly series (with a moved and a cancelled occurrence), an all-day event and a
/// timed one on the primary calendar, and three events on Team. Returns the series id.
pub fn seed(fake: &GcalFake) -> String {
    let mut series = timed(
        "standup",
        "2026-10-26T09:00:00",
        "2026-10-26T09:15:00",
        "America/New_York",
    );
    series["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"]);
    series["attendees"] =
        json!([{ "email": "dana@customer.example", "responseStatus": "accepted" }]);
    let id = fake.insert_event("primary", &series).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fake.patch_event(
        "primary",
        &format!("{id}_20261102T140000Z"),
        &json!({ "summary": "standup (late)", "start": { "dateTime": "2026-11-02T11:00:00-05:00" }, "end": { "dateTime": "2026-11-02T11:15:00-05:00" } }),
    )
    .unwrap();
    fake.delete_event("primary", &format!("{id}_20261109T140000Z"))
        .unwrap();
    fake.insert_event("primary", &json!({ "summary": "offsite", "start": { "date": "2026-11-26" }, "end": { "date": "2026-11-28" } }))
        .unwrap();
    fake.insert_event(
        "primary",
        &timed(
            "demo",
            "2026-11-24T10:00:00",
            "2026-11-24T11:00:00",
            "America/New_York",
        ),
    )
    .unwrap();
    for (i, day) in ["23", "24", "25"].iter().enumerate() {
        fake.insert_event(
            TEAM,
            &timed(
                &format!("team {i}"),
                &format!("2026-11-{day}T14:00:00"),
                &format!("2026-11-{day}T15:00:00"),
                "Europe/Berlin",
            ),
        )
        .unwrap();
    }
    id
}
