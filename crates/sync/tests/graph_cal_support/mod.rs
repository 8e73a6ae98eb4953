//! The Graph calendar sync tests' fixture: the Graph fake with a second calendar
//! ("Team"), a store, the account's Graph client (pages of 3), the seed, and the local and
//! server views compared after each pass.

use std::collections::BTreeSet;

use crate::api_support;
use chrono::NaiveDateTime;
use serde_json::{json, Value};
use switchboard_mail::graph::Mailbox;
use switchboard_mail::rest::BudgetLimits;
use switchboard_store::Store;
use switchboard_sync::calendar_store::events_from_ics;
use switchboard_sync::graph_cal::{
    sync_graph_calendars_once, GraphCalOptions, GraphCalReport, GraphCalendarClient,
};
use switchboard_testkit::{GraphFake, GraphFakeOptions};

/// 2026-11-22T00:00:00Z: "now" for every pass (the window runs a year back, two ahead).
pub const NOW_MS: i64 = 1_795_305_600_000;
pub const FROM: &str = "2025-11-22T00:00:00Z";
pub const TO: &str = "2028-11-21T00:00:00Z";

pub struct Setup {
    pub fake: GraphFake,
    pub store: Store,
    pub _dir: tempfile::TempDir,
    pub client: GraphCalendarClient,
    pub account: i64,
    pub team: String,
}

pub fn at(date_time: &str, zone: &str) -> Value {
    json!({ "dateTime": date_time, "timeZone": zone })
}

pub async fn setup() -> Setup {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Work", "graphcal", Some(fake.user()), 0)
        .await
        .unwrap();
    let grant = fake.grant().unwrap();
    let grant = api_support::Grant {
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        expires_in: grant.expires_in,
    };
    let rest = api_support::rest_client(fake.token_url(), grant, account, BudgetLimits::GRAPH, 2);
    let client = GraphCalendarClient::new(rest, &fake.api_root(), Mailbox::Me).with_page_size(3);
    let team = fake.add_calendar("Team", "#FF8800").unwrap();
    Setup {
        fake,
        store,
        _dir: dir,
        client,
        account,
        team,
    }
}

/// (calendar name, Graph id, subject, start ms) of an instance.
pub type Row = (String, String, String, i64);

pub fn start_ms(v: &Value) -> i64 {
    let text = v["start"]["dateTime"].as_str().unwrap();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

impl Setup {
    pub fn options(&self) -> GraphCalOptions {
        GraphCalOptions {
            user_address: Some(self.fake.user().to_owned()),
            ..GraphCalOptions::default()
        }
    }

    pub async fn sync_with(&self, options: &GraphCalOptions) -> GraphCalReport {
        self.sync_at(NOW_MS, options).await
    }

    pub async fn sync_at(&self, now_ms: i64, options: &GraphCalOptions) -> GraphCalReport {
        sync_graph_calendars_once(
            &self.store,
            &self.client,
            self.account,
            options,
            &move || now_ms,
        )
        .await
        .unwrap_or_else(|e| panic!("sync: {e}\n{}", self.fake.log()))
    }

    pub async fn sync(&self) -> GraphCalReport {
        let report = self.sync_with(&self.options()).await;
        assert!(report.complete);
        report
    }

    pub fn server(&self) -> BTreeSet<Row> {
        let mut out = BTreeSet::new();
        for (name, cal) in [("Calendar", None), ("Team", Some(self.team.as_str()))] {
            for v in self.fake.calendar_instances(cal, FROM, TO).unwrap() {
                let subject = v["subject"].as_str().unwrap_or_default().to_owned();
                out.insert((
                    name.to_owned(),
                    v["id"].as_str().unwrap().to_owned(),
                    subject,
                    start_ms(&v),
                ));
            }
        }
        out
    }

    /// Every stored event row as a Row, with no row twice.
    pub async fn local(&self) -> BTreeSet<Row> {
        let rows = self.store.events_in_window(0, i64::MAX).await.unwrap();
        let set: BTreeSet<Row> = rows
            .iter()
            .map(|r| {
                (
                    r.calendar_name.clone(),
                    graph_id(&r.raw),
                    r.summary.clone(),
                    r.start_at,
                )
            })
            .collect();
        assert_eq!(set.len(), rows.len(), "duplicate rows: {rows:#?}");
        set
    }

    pub async fn assert_in_step(&self) {
        let server = self.server();
        assert!(!server.is_empty());
        assert_eq!(self.local().await, server);
    }

    pub fn assert_contract(&self) {
        assert_eq!(
            self.fake.calendar_contract_violations().unwrap(),
            Vec::<String>::new()
        );
    }

    pub async fn calendar_id(&self, name: &str) -> i64 {
        let cals = self.store.list_calendars().await.unwrap();
        cals.iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{cals:?}"))
            .id
    }

    /// The stored resource text of a Graph id.
    pub async fn resource_ics(&self, calendar: &str, id: &str) -> String {
        let cal = self.calendar_id(calendar).await;
        self.store.resource(cal, id).await.unwrap().unwrap().ics
    }

    pub async fn stage(&self, calendar: &str, href: &str, ics: &str) {
        let cal = self.calendar_id(calendar).await;
        self.store
            .stage_local_resource(cal, href, ics, &events_from_ics(ics), false, NOW_MS)
            .await
            .unwrap();
    }

    pub fn instances_of(&self, subject: &str) -> Vec<Value> {
        self.fake
            .calendar_instances(None, FROM, TO)
            .unwrap()
            .into_iter()
            .filter(|v| v["subject"] == subject)
            .collect()
    }
}

pub fn graph_id(raw: &str) -> String {
    let unfolded = raw.replace("\r\n ", "");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix("X-MS-GRAPH-ID:"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The seed: a Pacific-time meeting, a two-day all-day event, a weekly series in Berlin
/// time with one occurrence moved and one cancelled, and two events in "Team".
pub async fn seeded() -> Setup {
    let s = setup().await;
    let f = &s.fake;
    f.put_event(
        None,
        &json!({"subject": "Kickoff", "start": at("2026-11-24T09:00:00", "Pacific Standard Time"),
        "end": at("2026-11-24T10:00:00", "Pacific Standard Time")}),
    )
    .unwrap();
    f.put_event(None, &json!({"subject": "Offsite", "isAllDay": true, "showAs": "oof",
        "start": at("2026-11-26T00:00:00", "W. Europe Standard Time"), "end": at("2026-11-28T00:00:00", "W. Europe Standard Time")})).unwrap();
    f.put_event(None, &json!({"subject": "Standup", "start": at("2026-11-23T09:30:00", "W. Europe Standard Time"),
        "end": at("2026-11-23T09:45:00", "W. Europe Standard Time"),
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "monday"},
                       "range": {"type": "numbered", "numberOfOccurrences": 6, "startDate": "2026-11-23"}}})).unwrap();
    let occurrences = s.instances_of("Standup");
    assert_eq!(occurrences.len(), 6);
    f.edit_event(
        occurrences[1]["id"].as_str().unwrap(),
        &json!({"subject": "Standup (moved)",
        "start": at("2026-11-25T14:00:00", "UTC"), "end": at("2026-11-25T14:15:00", "UTC")}),
    )
    .unwrap();
    f.delete_event(occurrences[2]["id"].as_str().unwrap())
        .unwrap();
    for (subject, day) in [("Planning", "2026-12-01"), ("Retro", "2026-12-04")] {
        f.put_event(
            Some(&s.team),
            &json!({"subject": subject, "start": at(&format!("{day}T15:00:00"), "UTC"),
            "end": at(&format!("{day}T16:00:00"), "UTC")}),
        )
        .unwrap();
    }
    s
}
