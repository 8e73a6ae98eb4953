#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The Graph fake's calendar endpoints behave as Microsoft documents: calendars,
//! calendarView/delta rounds (pages, tokens, `@removed`, 410), time zones (Windows names,
//! `Prefer: outlook.timezone`, DST-correct series), If-Match, invitations and their
//! answers, getSchedule, and the CSDL and enum checks.

use serde_json::{json, Value};
use switchboard_testkit::{http_request, GraphFailure, GraphFake, GraphFakeOptions, HOST};

struct Api {
    fake: GraphFake,
    token: String,
}

fn start() -> Api {
    let fake = GraphFake::start(GraphFakeOptions::default()).expect("start the Graph fake");
    let token = fake.grant().unwrap().access_token;
    Api { fake, token }
}

fn at(date_time: &str, zone: &str) -> Value {
    json!({ "dateTime": date_time, "timeZone": zone })
}

impl Api {
    /// An API request; `path` may be an absolute link from the fake. Extra headers as
    /// (name, value).
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let path = path
            .strip_prefix(&format!("http://{HOST}:{}", self.fake.port()))
            .unwrap_or(path);
        let auth = format!("Bearer {}", self.token);
        let mut all = vec![("Authorization", auth.as_str())];
        all.extend_from_slice(headers);
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
        let (status, bytes) = http_request(self.fake.port(), method, path, &all, body).unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn get(&self, path: &str, prefer: &str) -> (u16, Value) {
        self.call("GET", path, &[("Prefer", prefer)], None)
    }

    fn series(&self) -> String {
        let body = json!({"subject": "Weekly", "start": at("2026-10-26T09:00:00", "Eastern Standard Time"),
            "end": at("2026-10-26T09:30:00", "Eastern Standard Time"),
            "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                           "range": {"type": "numbered", "numberOfOccurrences": 4, "startDate": "2026-10-26"}}});
        let (status, ev) = self.call("POST", "/v1.0/me/events", &[], Some(body));
        assert_eq!(status, 201, "{ev}");
        assert_eq!(ev["type"], "seriesMaster");
        ev["id"].as_str().unwrap().to_owned()
    }

    fn no_violations(&self) {
        assert_eq!(
            self.fake.calendar_contract_violations().unwrap(),
            Vec::<String>::new()
        );
    }
}

const WINDOW: &str = "startDateTime=2026-10-01T00:00:00Z&endDateTime=2027-01-01T00:00:00Z";

#[test]
fn calendars_are_listed_with_their_colours_and_rights() {
    let api = start();
    let team = api.fake.add_calendar("Team", "#ff8800").unwrap();
    let (status, body) = api.get(
        "/v1.0/me/calendars?$select=id,name,hexColor,canEdit,isDefaultCalendar",
        "",
    );
    assert_eq!(status, 200, "{body}");
    let list = body["value"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["isDefaultCalendar"], true);
    assert_eq!(
        (list[1]["id"].as_str(), list[1]["hexColor"].as_str()),
        (Some(team.as_str()), Some("#ff8800"))
    );
    assert_eq!(list[1]["canEdit"], true);
    assert_eq!(api.get("/v1.0/me/calendars/nope", "").0, 404);
    api.no_violations();
    let (status, _) = api.get("/v1.0/me/calendars?$select=colour", "");
    assert_eq!(status, 400, "a property the CSDL does not have");
    let violations = api.fake.calendar_contract_violations().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("colour"));
}

#[test]
fn delta_rounds_page_and_then_report_changes_and_removals() {
    let api = start();
    let master = api.series();
    for day in ["2026-11-02", "2026-11-03"] {
        api.fake
            .put_event(
                None,
                &json!({"subject": day, "start": at(&format!("{day}T12:00:00"), "UTC"),
            "end": at(&format!("{day}T13:00:00"), "UTC")}),
            )
            .unwrap();
    }
    let url = format!("/v1.0/me/calendarView/delta?{WINDOW}");
    let (status, first) = api.get(&url, "odata.maxpagesize=4");
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["value"].as_array().unwrap().len(), 4);
    assert!(first["@odata.deltaLink"].is_null());
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("$skiptoken="));
    let (_, second) = api.get(next, "odata.maxpagesize=4");
    assert_eq!(
        second["value"].as_array().unwrap().len(),
        2,
        "4 occurrences + 2 single events"
    );
    let delta = second["@odata.deltaLink"].as_str().unwrap().to_owned();
    assert!(delta.contains("$deltatoken="));
    let all: Vec<Value> = [first, second]
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap().clone())
        .collect();
    let occurrences: Vec<&Value> = all.iter().filter(|e| e["type"] == "occurrence").collect();
    assert_eq!(occurrences.len(), 4);
    assert!(occurrences
        .iter()
        .all(|o| o["seriesMasterId"] == master.as_str() && o["originalStart"].is_string()));
    // Nothing changed: an empty page with a new delta link.
    let (_, quiet) = api.get(&delta, "");
    assert_eq!(quiet["value"], json!([]));
    // Another client moves one occurrence and deletes another; one single event goes.
    let moved = occurrences[1]["id"].as_str().unwrap();
    let gone = occurrences[2]["id"].as_str().unwrap();
    api.fake.edit_event(moved, &json!({"subject": "Moved", "start": at("2026-11-04T15:00:00", "UTC"), "end": at("2026-11-04T15:30:00", "UTC")})).unwrap();
    api.fake.delete_event(gone).unwrap();
    let single = all.iter().find(|e| e["subject"] == "2026-11-02").unwrap()["id"]
        .as_str()
        .unwrap();
    api.fake.delete_event(single).unwrap();
    let (_, changes) = api.get(quiet["@odata.deltaLink"].as_str().unwrap(), "");
    let value = changes["value"].as_array().unwrap();
    assert_eq!(value.len(), 3, "{changes}");
    let exception = value.iter().find(|e| e["id"] == moved).unwrap();
    assert_eq!(
        (exception["type"].as_str(), exception["subject"].as_str()),
        (Some("exception"), Some("Moved"))
    );
    let removed: Vec<&str> = value
        .iter()
        .filter(|e| e["@removed"]["reason"] == "deleted")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(removed.len(), 2);
    assert!(removed.contains(&gone) && removed.contains(&single));
    // Expired tokens: 410 syncStateNotFound.
    api.fake.expire_calendar_delta().unwrap();
    let (status, err) = api.get(changes["@odata.deltaLink"].as_str().unwrap(), "");
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (410, Some("syncStateNotFound"))
    );
    api.no_violations();
}

#[test]
fn delta_refuses_what_graph_refuses() {
    let api = start();
    let (status, body) = api.get("/v1.0/me/calendarView/delta", "");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("ErrorInvalidParameter")),
        "no window"
    );
    let (status, _) = api.get(
        &format!("/v1.0/me/calendarView/delta?{WINDOW}&$select=subject"),
        "",
    );
    assert_eq!(status, 400, "no $select on calendarView delta");
    let (status, _) = api.get(
        &format!("/v1.0/me/calendarView/delta?{WINDOW}&$bogus=1"),
        "",
    );
    assert_eq!(status, 400);
    let (status, _) = api.call(
        "GET",
        &format!("/v1.0/me/calendarView/delta?{WINDOW}"),
        &[],
        None,
    );
    assert_eq!(status, 200);
    let (status, _) =
        http_request(api.fake.port(), "GET", "/v1.0/me/calendars", &[], None).unwrap();
    assert_eq!(status, 401);
}

#[test]
fn times_follow_prefer_and_series_keep_their_wall_clock_across_dst() {
    let api = start();
    api.series();
    let url = format!("/v1.0/me/calendarView?{WINDOW}");
    let (_, utc) = api.get(&url, "");
    let starts: Vec<&str> = utc["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start"]["dateTime"].as_str().unwrap())
        .collect();
    // 09:00 New York: EDT (UTC-4) until 1 November 2026, EST (UTC-5) after.
    assert_eq!(
        starts,
        [
            "2026-10-26T13:00:00.0000000",
            "2026-11-02T14:00:00.0000000",
            "2026-11-09T14:00:00.0000000",
            "2026-11-16T14:00:00.0000000"
        ]
    );
    assert_eq!(utc["value"][0]["start"]["timeZone"], "UTC");
    assert_eq!(
        utc["value"][0]["originalStartTimeZone"],
        "Eastern Standard Time"
    );
    let (_, pacific) = api.get(&url, "outlook.timezone=\"Pacific Standard Time\"");
    assert_eq!(
        pacific["value"][1]["start"],
        at("2026-11-02T06:00:00.0000000", "Pacific Standard Time")
    );
    api.fake.put_event(None, &json!({"subject": "Holiday", "isAllDay": true, "start": at("2026-11-26T00:00:00", "Eastern Standard Time"),
        "end": at("2026-11-27T00:00:00", "Eastern Standard Time")})).unwrap();
    let (_, berlin) = api.get(&url, "outlook.timezone=\"Europe/Berlin\"");
    let holiday = berlin["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "Holiday")
        .unwrap()
        .clone();
    assert_eq!(
        holiday["start"],
        at("2026-11-26T00:00:00", "Europe/Berlin"),
        "all-day dates are not shifted"
    );
    assert_eq!(holiday["isAllDay"], true);
    api.no_violations();
    let (status, _) = api.get(&url, "outlook.timezone=\"Mars/Olympus\"");
    assert_eq!(status, 200);
    assert_eq!(
        api.fake.calendar_contract_violations().unwrap().len(),
        1,
        "an unknown zone is recorded"
    );
}

#[test]
fn writes_check_if_match_and_an_occurrence_becomes_an_exception() {
    let api = start();
    let team = api.fake.add_calendar("Team", "#00aa00").unwrap();
    let body = json!({"subject": "Demo", "start": at("2026-11-10T10:00:00", "W. Europe Standard Time"),
        "end": at("2026-11-10T11:00:00", "W. Europe Standard Time"), "isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness",
        "attendees": [{"type": "required", "emailAddress": {"address": "ada@example.test"}}]});
    let (status, ev) = api.call(
        "POST",
        &format!("/v1.0/me/calendars/{team}/events"),
        &[],
        Some(body),
    );
    assert_eq!(status, 201, "{ev}");
    assert!(ev["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://teams.microsoft.com/l/meetup-join/"));
    assert_eq!(ev["organizer"]["emailAddress"]["address"], api.fake.user());
    let id = ev["id"].as_str().unwrap();
    let etag = ev["@odata.etag"].as_str().unwrap().to_owned();
    let path = format!("/v1.0/me/events/{id}");
    let (status, updated) = api.call(
        "PATCH",
        &path,
        &[("If-Match", &etag)],
        Some(json!({"subject": "Demo v2"})),
    );
    assert_eq!(status, 200, "{updated}");
    assert_ne!(updated["@odata.etag"].as_str(), Some(etag.as_str()));
    let (status, err) = api.call(
        "PATCH",
        &path,
        &[("If-Match", &etag)],
        Some(json!({"subject": "stale"})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (412, Some("ErrorIrresolvableConflict"))
    );
    assert_eq!(
        api.call("DELETE", &path, &[("If-Match", &etag)], None).0,
        412
    );
    let kinds: Vec<String> = api
        .fake
        .invitations()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["request"], "a subject change alone sends no update");
    // An occurrence: PATCH makes an exception with the same id; DELETE cancels one.
    api.series();
    let (_, view) = api.get(&format!("/v1.0/me/calendarView?{WINDOW}"), "");
    let occ = view["value"][1].clone();
    let occ_path = format!("/v1.0/me/events/{}", occ["id"].as_str().unwrap());
    let (status, ex) = api.call("PATCH", &occ_path, &[("If-Match", occ["@odata.etag"].as_str().unwrap())],
        Some(json!({"start": at("2026-11-02T16:00:00", "UTC"), "end": at("2026-11-02T16:30:00", "UTC")})));
    assert_eq!(status, 200, "{ex}");
    assert_eq!(
        (ex["type"].as_str(), ex["id"].as_str()),
        (Some("exception"), occ["id"].as_str())
    );
    let third = view["value"][2]["id"].as_str().unwrap();
    assert_eq!(
        api.call("DELETE", &format!("/v1.0/me/events/{third}"), &[], None)
            .0,
        204
    );
    let (_, after) = api.get(&format!("/v1.0/me/calendarView?{WINDOW}"), "");
    assert_eq!(after["value"].as_array().unwrap().len(), 3);
    assert_eq!(
        api.call("GET", &format!("/v1.0/me/events/{third}"), &[], None)
            .0,
        404
    );
    api.no_violations();
}

#[test]
fn bodies_outside_the_csdl_are_refused_and_recorded() {
    let api = start();
    let ok = |extra: Value| {
        let mut body = json!({"subject": "x", "start": at("2026-11-10T10:00:00", "UTC"), "end": at("2026-11-10T11:00:00", "UTC")});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api.call("POST", "/v1.0/me/events", &[], Some(body))
    };
    assert_eq!(
        ok(json!({"showAs": "sleepy"})).0,
        400,
        "not a freeBusyStatus"
    );
    assert_eq!(ok(json!({"onlineMeetingProvider": "zoom"})).0, 400);
    assert_eq!(
        ok(json!({"recurrence": {"pattern": {"type": "hourly"}, "range": {"type": "noEnd"}}})).0,
        400
    );
    assert_eq!(ok(json!({"colour": "red"})).0, 400, "not an event property");
    let violations = api.fake.calendar_contract_violations().unwrap();
    // 4 found by the endpoint, and 'colour' once more by the CSDL re-check of the log.
    assert_eq!(violations.len(), 5, "{violations:#?}");
    assert!(violations.iter().any(|v| v.contains("freeBusyStatus")));
}

#[test]
fn invitations_are_answered_and_schedules_report_busy_time() {
    let api = start();
    let invite = api.fake.put_event_with(&json!({"organizer": {"address": "boss@example.test"},
        "event": {"subject": "Review", "start": at("2026-11-10T10:00:00", "UTC"), "end": at("2026-11-10T11:00:00", "UTC"),
            "attendees": [{"emailAddress": {"address": "rep@example.test"}}]}})).unwrap();
    let (status, _) = api.call(
        "POST",
        &format!("/v1.0/me/events/{}/tentativelyAccept", invite.id),
        &[],
        Some(json!({"comment": "maybe", "sendResponse": true})),
    );
    assert_eq!(status, 202);
    let (_, ev) = api.get(&format!("/v1.0/me/events/{}", invite.id), "");
    assert_eq!(ev["responseStatus"]["response"], "tentativelyAccepted");
    assert_eq!(
        ev["attendees"][0]["status"]["response"],
        "tentativelyAccepted"
    );
    let response = api.fake.invitations().unwrap().pop().unwrap();
    assert_eq!(
        (response["to"][0].as_str(), response["response"].as_str()),
        (Some("boss@example.test"), Some("tentativelyAccepted"))
    );
    let (_, own) = api.call(
        "POST",
        "/v1.0/me/events",
        &[],
        Some(json!({"subject": "Mine",
        "start": at("2026-11-10T14:00:00", "UTC"), "end": at("2026-11-10T15:00:00", "UTC")})),
    );
    let (status, err) = api.call(
        "POST",
        &format!("/v1.0/me/events/{}/accept", own["id"].as_str().unwrap()),
        &[],
        Some(json!({})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("ErrorInvalidRequest"))
    );
    let (status, schedule) = api.call("POST", "/v1.0/me/calendar/getSchedule", &[], Some(json!({
        "schedules": ["rep@example.test", "ghost@example.test"], "startTime": at("2026-11-10T09:00:00", "UTC"),
        "endTime": at("2026-11-10T16:00:00", "UTC"), "availabilityViewInterval": 60})));
    assert_eq!(status, 200, "{schedule}");
    assert_eq!(
        schedule["value"][0]["availabilityView"], "0100020",
        "tentative 10-11, busy 14-15"
    );
    assert_eq!(
        schedule["value"][0]["scheduleItems"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        schedule["value"][1]["error"]["responseCode"],
        "ErrorMailRecipientNotFound"
    );
    api.fake
        .fail_next(&GraphFailure {
            status: 429,
            count: 1,
            path_contains: Some("getSchedule".into()),
            retry_after: Some(3),
            ..GraphFailure::default()
        })
        .unwrap();
    let (status, _) = api.call(
        "POST",
        "/v1.0/me/calendar/getSchedule",
        &[],
        Some(json!({"schedules": []})),
    );
    assert_eq!(status, 429);
    api.no_violations();
}
