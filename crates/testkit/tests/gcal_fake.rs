#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The Calendar fake holds to what Google documents: stable paging ending in a sync token,
//! incremental listings with deleted events, 410 `fullSyncRequired` once tokens expire,
//! `If-Match` with 412, sequence numbers, recurring events with exceptions as separate
//! events, Meet through `conferenceData.createRequest`, invitations for `sendUpdates`,
//! freeBusy, 401 for a dead token, per-user rate limits, and 400 + a contract violation for
//! anything the discovery document does not have. Driven over raw HTTP, as a client would.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{json, Value};
use switchboard_testkit::{GcalFake, GcalFakeConfig, GcalFakeOptions, HOST};

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn reason(&self) -> &str {
        self.json["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
    }
}

struct Client<'a> {
    fake: &'a GcalFake,
    token: String,
}

impl Client<'_> {
    fn new(fake: &GcalFake) -> Client<'_> {
        Client {
            fake,
            token: fake.grant().unwrap().access_token,
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        request(
            self.fake,
            method,
            &format!("/calendar/v3/{path}"),
            Some(&self.token),
            headers,
            body,
        )
    }

    fn get(&self, path: &str) -> Answer {
        self.call("GET", path, &[], None)
    }

    /// Every page of a listing: (items, nextSyncToken).
    fn list_all(&self, path: &str) -> (Vec<Value>, String) {
        let mut items = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &page_token {
                Some(t) => format!("{path}{sep}pageToken={t}"),
                None => path.to_owned(),
            };
            let answer = self.get(&url);
            assert_eq!(answer.status, 200, "{url}: {}", answer.json);
            items.extend(answer.json["items"].as_array().cloned().unwrap_or_default());
            if let Some(next) = answer.json["nextPageToken"].as_str() {
                assert!(
                    answer.json.get("nextSyncToken").is_none(),
                    "only the last page has a sync token"
                );
                page_token = Some(next.to_owned());
            } else {
                return (
                    items,
                    answer.json["nextSyncToken"].as_str().unwrap().to_owned(),
                );
            }
        }
    }
}

fn request(
    fake: &GcalFake,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let port = fake.server().port();
    let mut stream = TcpStream::connect((HOST, port)).unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(payload.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        json: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn start() -> GcalFake {
    GcalFake::start(GcalFakeOptions::default()).unwrap()
}

fn timed(summary: &str, start: &str, end: &str) -> Value {
    json!({
        "summary": summary,
        "start": { "dateTime": start, "timeZone": "America/New_York" },
        "end": { "dateTime": end, "timeZone": "America/New_York" },
    })
}

fn ids(items: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn pages_end_in_a_sync_token_that_reports_changes_and_deletions_until_it_expires() {
    let fake = start();
    let client = Client::new(&fake);
    let mut made = Vec::new();
    for i in 0..5 {
        let e = fake
            .insert_event(
                "primary",
                &timed(
                    &format!("call {i}"),
                    "2026-11-23T09:00:00",
                    "2026-11-23T09:30:00",
                ),
            )
            .unwrap();
        made.push(e["id"].as_str().unwrap().to_owned());
    }
    let (items, token) = client.list_all("calendars/primary/events?maxResults=2");
    assert_eq!(ids(&items), {
        let mut m = made.clone();
        m.sort();
        m
    });

    let (none, same) = client.list_all(&format!("calendars/primary/events?syncToken={token}"));
    assert!(none.is_empty(), "nothing changed: {none:?}");
    assert!(!same.is_empty());

    fake.patch_event("primary", &made[0], &json!({ "summary": "moved call" }))
        .unwrap();
    fake.delete_event("primary", &made[1]).unwrap();
    let (changed, token2) = client.list_all(&format!("calendars/primary/events?syncToken={token}"));
    let by_id = |id: &str| changed.iter().find(|e| e["id"] == id).unwrap().clone();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert_eq!(by_id(&made[0])["summary"], "moved call");
    assert_eq!(by_id(&made[1])["status"], "cancelled");

    // A full listing hides the deleted event.
    let (full, _) = client.list_all("calendars/primary/events");
    assert!(!ids(&full).contains(&made[1]));

    // Sync tokens and timeMin do not mix.
    let clash = client.get(&format!(
        "calendars/primary/events?syncToken={token2}&timeMin=2026-01-01T00:00:00Z"
    ));
    assert_eq!(clash.status, 400);

    fake.expire_sync_tokens(None).unwrap();
    let expired = client.get(&format!("calendars/primary/events?syncToken={token2}"));
    assert_eq!(expired.status, 410, "{}", expired.json);
    assert_eq!(expired.reason(), "fullSyncRequired");
    let bogus = client.get("calendars/primary/events?syncToken=nonsense");
    assert_eq!(bogus.status, 410);
    // Deleted events are forgotten once tokens expire.
    assert!(fake
        .events(fake.user())
        .unwrap()
        .iter()
        .all(|e| e["id"] != made[1].as_str()));
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn writes_check_if_match_and_sequence() {
    let fake = start();
    let client = Client::new(&fake);
    let body = json!({ "id": "abcdef12345", "summary": "demo", "start": { "dateTime": "2026-11-24T15:00:00Z" }, "end": { "dateTime": "2026-11-24T16:00:00Z" } });
    let created = client.call("POST", "calendars/primary/events", &[], Some(&body));
    assert_eq!(created.status, 200, "{}", created.json);
    assert_eq!(created.json["id"], "abcdef12345");
    assert_eq!(created.json["iCalUID"], "abcdef12345@google.com");
    assert_eq!(created.json["sequence"], 0);
    let etag = created.json["etag"].as_str().unwrap().to_owned();
    assert_eq!(created.header("etag"), Some(etag.as_str()));

    let again = client.call("POST", "calendars/primary/events", &[], Some(&body));
    assert_eq!((again.status, again.reason()), (409, "duplicate"));
    let bad_id = client.call(
        "POST",
        "calendars/primary/events",
        &[],
        Some(&json!({ "id": "UPPER_case", "start": body["start"], "end": body["end"] })),
    );
    assert_eq!(bad_id.status, 400);

    let moved = json!({ "start": { "dateTime": "2026-11-24T17:00:00Z" }, "end": { "dateTime": "2026-11-24T18:00:00Z" } });
    let patched = client.call(
        "PATCH",
        "calendars/primary/events/abcdef12345",
        &[("If-Match", &etag)],
        Some(&moved),
    );
    assert_eq!(patched.status, 200, "{}", patched.json);
    assert_eq!(
        patched.json["sequence"], 1,
        "a new time raises the sequence"
    );
    assert_eq!(patched.json["summary"], "demo", "patch keeps other fields");
    assert_ne!(patched.json["etag"], etag.as_str());

    let stale = client.call(
        "PATCH",
        "calendars/primary/events/abcdef12345",
        &[("If-Match", &etag)],
        Some(&json!({ "summary": "x" })),
    );
    assert_eq!((stale.status, stale.reason()), (412, "conditionNotMet"));
    let stale_delete = client.call(
        "DELETE",
        "calendars/primary/events/abcdef12345",
        &[("If-Match", &etag)],
        None,
    );
    assert_eq!(stale_delete.status, 412);
    let lower = client.call(
        "PATCH",
        "calendars/primary/events/abcdef12345",
        &[],
        Some(&json!({ "sequence": 0 })),
    );
    assert_eq!(lower.status, 400);

    let empty = client.call("POST", "calendars/primary/events", &[], Some(&json!({ "start": { "dateTime": "2026-11-24T17:00:00Z" }, "end": { "dateTime": "2026-11-24T16:00:00Z" } })));
    assert_eq!((empty.status, empty.reason()), (400, "timeRangeEmpty"));

    let current = patched.json["etag"].as_str().unwrap().to_owned();
    let deleted = client.call(
        "DELETE",
        "calendars/primary/events/abcdef12345",
        &[("If-Match", &current)],
        None,
    );
    assert_eq!(deleted.status, 204);
    let twice = client.call("DELETE", "calendars/primary/events/abcdef12345", &[], None);
    assert_eq!(twice.status, 410);
    assert_eq!(
        client.get("calendars/primary/events/abcdef12345").json["status"],
        "cancelled"
    );
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn recurring_events_keep_exceptions_as_separate_events() {
    let fake = start();
    let client = Client::new(&fake);
    let mut series = timed("standup", "2026-10-26T09:00:00", "2026-10-26T09:15:00");
    series["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"]);
    let master = client
        .call("POST", "calendars/primary/events", &[], Some(&series))
        .json;
    let id = master["id"].as_str().unwrap();

    let instances = client.get(&format!("calendars/primary/events/{id}/instances"));
    let starts: Vec<&str> = instances.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["start"]["dateTime"].as_str().unwrap())
        .collect();
    // US DST ends 2026-11-01: the wall time stays 09:00.
    assert_eq!(
        starts,
        [
            "2026-10-26T09:00:00-04:00",
            "2026-11-02T09:00:00-05:00",
            "2026-11-09T09:00:00-05:00",
            "2026-11-16T09:00:00-05:00"
        ]
    );

    let second = format!("{id}_20261102T140000Z");
    let moved = client.call("PATCH", &format!("calendars/primary/events/{second}"), &[], Some(&json!({ "start": { "dateTime": "2026-11-02T11:00:00-05:00" }, "end": { "dateTime": "2026-11-02T11:15:00-05:00" } })));
    assert_eq!(moved.status, 200, "{}", moved.json);
    assert_eq!(moved.json["recurringEventId"], id);
    assert_eq!(
        moved.json["originalStartTime"]["dateTime"],
        "2026-11-02T09:00:00-05:00"
    );
    assert_eq!(moved.json["iCalUID"], master["iCalUID"]);
    let third = format!("{id}_20261109T140000Z");
    assert_eq!(
        client
            .call(
                "DELETE",
                &format!("calendars/primary/events/{third}"),
                &[],
                None
            )
            .status,
        204
    );

    // singleEvents=false: the series, the moved exception and the cancelled one.
    let (items, _) = client.list_all("calendars/primary/events");
    assert_eq!(ids(&items), {
        let mut v = vec![id.to_owned(), second.clone(), third.clone()];
        v.sort();
        v
    });
    let cancelled = items.iter().find(|e| e["id"] == third.as_str()).unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["recurringEventId"], id);

    let (single, _) = client.list_all("calendars/primary/events?singleEvents=true&orderBy=startTime&timeMin=2026-10-01T00:00:00Z&timeMax=2026-12-01T00:00:00Z");
    let single_starts: Vec<&str> = single
        .iter()
        .map(|i| i["start"]["dateTime"].as_str().unwrap())
        .collect();
    assert_eq!(
        single_starts,
        [
            "2026-10-26T09:00:00-04:00",
            "2026-11-02T11:00:00-05:00",
            "2026-11-16T09:00:00-05:00"
        ]
    );

    let busy = client.call("POST", "freeBusy", &[], Some(&json!({ "timeMin": "2026-10-01T00:00:00Z", "timeMax": "2026-12-01T00:00:00Z", "items": [{ "id": "primary" }, { "id": "nobody@example.test" }] })));
    assert_eq!(busy.status, 200, "{}", busy.json);
    let spans: Vec<(String, String)> = busy.json["calendars"]["primary"]["busy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap().to_owned(),
                b["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            (
                "2026-10-26T13:00:00Z".to_owned(),
                "2026-10-26T13:15:00Z".to_owned()
            ),
            (
                "2026-11-02T16:00:00Z".to_owned(),
                "2026-11-02T16:15:00Z".to_owned()
            ),
            (
                "2026-11-16T14:00:00Z".to_owned(),
                "2026-11-16T14:15:00Z".to_owned()
            ),
        ]
    );
    assert_eq!(
        busy.json["calendars"]["nobody@example.test"]["errors"][0]["reason"],
        "notFound"
    );

    let no_zone = client.call("POST", "calendars/primary/events", &[], Some(&json!({ "start": { "dateTime": "2026-11-02T09:00:00Z" }, "end": { "dateTime": "2026-11-02T10:00:00Z" }, "recurrence": ["RRULE:FREQ=DAILY"] })));
    assert_eq!(no_zone.status, 400, "recurring events need start.timeZone");
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn meet_links_and_invitations() {
    let fake = start();
    let client = Client::new(&fake);
    let mut body = timed("demo", "2026-11-24T10:00:00", "2026-11-24T11:00:00");
    body["attendees"] =
        json!([{ "email": "dana@customer.example" }, { "email": "rep@example.test" }]);
    body["conferenceData"] = json!({ "createRequest": { "requestId": "req-1", "conferenceSolutionKey": { "type": "hangoutsMeet" } } });

    let ignored = client.call("POST", "calendars/primary/events", &[], Some(&body));
    assert!(
        ignored.json.get("conferenceData").is_none(),
        "version 0 ignores conference data"
    );
    assert!(ignored.json.get("hangoutLink").is_none());

    let made = client.call(
        "POST",
        "calendars/primary/events?conferenceDataVersion=1&sendUpdates=all",
        &[],
        Some(&body),
    );
    assert_eq!(made.status, 200, "{}", made.json);
    let conference = &made.json["conferenceData"];
    assert_eq!(
        conference["createRequest"]["status"]["statusCode"],
        "success"
    );
    assert_eq!(conference["entryPoints"][0]["entryPointType"], "video");
    let link = made.json["hangoutLink"].as_str().unwrap();
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert_eq!(conference["entryPoints"][0]["uri"], link);
    let me = made.json["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "rep@example.test")
        .unwrap()
        .clone();
    assert_eq!(
        (me["self"].clone(), me["organizer"].clone()),
        (json!(true), json!(true))
    );

    let notes = fake.notifications().unwrap();
    assert_eq!(
        notes.len(),
        1,
        "only the sendUpdates=all insert mails: {notes:?}"
    );
    assert_eq!(
        (notes[0].method.as_str(), notes[0].to.clone()),
        ("REQUEST", vec!["dana@customer.example".to_owned()])
    );

    let id = made.json["id"].as_str().unwrap();
    fake.respond("primary", id, "dana@customer.example", "accepted")
        .unwrap();
    let read = client.get(&format!("calendars/primary/events/{id}"));
    let dana = read.json["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "dana@customer.example")
        .unwrap()
        .clone();
    assert_eq!(dana["responseStatus"], "accepted");
    assert_eq!(read.json["hangoutLink"], link, "the conference stays");
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn auth_quota_and_contract_answers() {
    let fake = start();
    let no_token = request(
        &fake,
        "GET",
        "/calendar/v3/users/me/calendarList",
        None,
        &[],
        None,
    );
    assert_eq!(no_token.status, 401);
    assert!(no_token
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));

    let client = Client::new(&fake);
    fake.create_calendar(&json!({ "id": "team@group.calendar.google.com", "summary": "Team", "timeZone": "Europe/Berlin", "accessRole": "reader" })).unwrap();
    fake.create_calendar(&json!({ "id": "colleague@example.test", "inList": false }))
        .unwrap();
    let list = client.get("users/me/calendarList");
    assert_eq!(list.status, 200);
    let listed = ids(list.json["items"].as_array().unwrap());
    assert_eq!(
        listed,
        ["rep@example.test", "team@group.calendar.google.com"]
    );
    let read_only = client.call(
        "POST",
        "calendars/team%40group.calendar.google.com/events",
        &[],
        Some(&timed("x", "2026-11-24T10:00:00", "2026-11-24T11:00:00")),
    );
    assert_eq!(
        (read_only.status, read_only.reason()),
        (403, "requiredAccessLevel")
    );

    fake.expire_tokens().unwrap();
    assert_eq!(client.get("users/me/calendarList").status, 401);

    let client = Client::new(&fake);
    fake.set_config(&GcalFakeConfig {
        requests_per_window: Some(1),
        ..GcalFakeConfig::default()
    })
    .unwrap();
    // Earlier requests of this test fill the window of one.
    let limited = client.get("users/me/calendarList");
    assert_eq!(
        (limited.status, limited.reason()),
        (429, "rateLimitExceeded")
    );
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    fake.set_config(&GcalFakeConfig {
        rate_limit_status: Some(403),
        ..GcalFakeConfig::default()
    })
    .unwrap();
    let limited = client.get("users/me/calendarList");
    assert_eq!(
        (limited.status, limited.reason()),
        (403, "rateLimitExceeded")
    );
    fake.set_config(&GcalFakeConfig {
        requests_per_window: Some(600),
        ..GcalFakeConfig::default()
    })
    .unwrap();
    fake.fail_next(429, 1, Some("/events"), Some(2), None)
        .unwrap();
    let injected = client.get("calendars/primary/events");
    assert_eq!(
        (injected.status, injected.header("retry-after")),
        (429, Some("2"))
    );

    fake.clear_requests().unwrap();
    assert_eq!(client.get("calendars/primary/events?fooBar=1").status, 400);
    let unknown_field = client.call(
        "POST",
        "calendars/primary/events",
        &[],
        Some(&json!({ "summary": "x", "colour": "red" })),
    );
    assert_eq!(unknown_field.status, 400);
    let nested = client.call("POST", "calendars/primary/events", &[], Some(&json!({ "reminders": { "overrides": [{ "method": "popup", "minutes": 5, "when": 1 }] } })));
    assert_eq!(nested.status, 400);
    assert_eq!(client.get("calendars/primary/nothing").status, 404);
    let violations = fake.contract_violations().unwrap();
    assert_eq!(violations.len(), 4, "{violations:#?}");
    assert!(violations[0].contains("fooBar"));
    assert!(violations[1].contains("colour"));
    assert!(violations[2].contains("reminders.overrides.when"));
}
