#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The Gmail fake holds to what Google documents: stable paging, history with 404 once
//! expired, 401 + WWW-Authenticate for a dead token, the refresh-token grant, quota as 429 +
//! Retry-After, 400 for undocumented parameters and body fields, the contract log, and the
//! send threading rule. Driven over raw HTTP, as a client would.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{json, Value};
use switchboard_testkit::{gmail_raw, GmailFake, GmailFakeConfig, GmailFakeOptions, HOST};

/// One answer: status, header lines (lower-cased names) and the JSON body (Null if none).
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

/// A blocking HTTP/1.1 request that keeps the response headers (`http_request` drops them).
fn request(
    fake: &GmailFake,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> Answer {
    let port = fake.server().port();
    let mut stream = TcpStream::connect((HOST, port)).unwrap();
    let (content_type, payload) = body.unwrap_or(("application/json", String::new()));
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(payload.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status: status.parse().unwrap(),
        headers,
        json: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn api(fake: &GmailFake, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
    let path = format!("/gmail/v1/users/me/{path}");
    let body = body.map(|b| ("application/json", b.to_string()));
    request(fake, method, &path, Some(token), body)
}

fn get(fake: &GmailFake, token: &str, path: &str) -> Value {
    let answer = api(fake, token, "GET", path, None);
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.json);
    answer.json
}

fn started(options: GmailFakeOptions) -> (GmailFake, String) {
    let fake = GmailFake::start(options).unwrap();
    let token = fake.grant().unwrap().access_token;
    (fake, token)
}

fn mail(message_id: &str, extra: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{message_id}>\r\nFrom: a@example.test\r\nTo: rep@example.test\r\n\
         Subject: hello\r\n{extra}\r\nbody of {message_id}\r\n"
    )
    .into_bytes()
}

fn ids(list: &Value) -> Vec<String> {
    list["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn history_id(v: &Value) -> u64 {
    v["historyId"].as_str().unwrap().parse().unwrap()
}

#[test]
fn pages_have_no_gaps_or_repeats_while_mail_arrives() {
    let (fake, token) = started(GmailFakeOptions::default());
    fake.bulk(230).unwrap();
    let before: HashSet<String> = ids(&get(&fake, &token, "messages?maxResults=500"))
        .into_iter()
        .collect();
    assert_eq!(before.len(), 230);

    let mut seen = Vec::new();
    let mut page = get(&fake, &token, "messages?maxResults=40");
    seen.extend(ids(&page));
    // Mid-listing, one message arrives newer than everything and one older than everything.
    let newer = fake
        .insert_with(
            &mail("newer@x", ""),
            &["INBOX"],
            None,
            Some(4_000_000_000_000),
        )
        .unwrap();
    let older = fake
        .insert_with(&mail("older@x", ""), &["INBOX"], None, Some(1_000))
        .unwrap();
    while let Some(next) = page["nextPageToken"].as_str() {
        page = get(
            &fake,
            &token,
            &format!("messages?maxResults=40&pageToken={next}"),
        );
        seen.extend(ids(&page));
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a message was listed twice");
    let mut expected = before;
    expected.insert(older.id);
    assert_eq!(unique, expected);
    assert!(
        !unique.contains(&newer.id),
        "behind the cursor, so not listed"
    );
}

#[test]
fn history_reports_insert_label_change_and_delete_in_order() {
    let (fake, token) = started(GmailFakeOptions::default());
    let start = history_id(&get(&fake, &token, "profile"));
    let message = fake.insert(&mail("h1@x", ""), &["INBOX"]).unwrap();
    fake.modify(&message.id, &["STARRED"], &[]).unwrap();
    fake.delete(&message.id).unwrap();

    let history = get(&fake, &token, &format!("history?startHistoryId={start}"));
    let records = history["history"].as_array().unwrap();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| {
            [
                "messagesAdded",
                "labelsAdded",
                "labelsRemoved",
                "messagesDeleted",
            ]
            .into_iter()
            .find(|k| r.get(*k).is_some())
            .unwrap()
        })
        .collect();
    assert_eq!(kinds, ["messagesAdded", "labelsAdded", "messagesDeleted"]);
    assert_eq!(records[1]["labelsAdded"][0]["labelIds"], json!(["STARRED"]));
    assert_eq!(history["historyId"], fake.state().unwrap()["historyId"]);

    let only_labels = get(
        &fake,
        &token,
        &format!("history?startHistoryId={start}&historyTypes=labelAdded"),
    );
    assert_eq!(only_labels["history"].as_array().unwrap().len(), 1);
}

#[test]
fn expired_history_answers_404_in_googles_format() {
    let (fake, token) = started(GmailFakeOptions::default());
    let start = fake
        .insert(&mail("e1@x", ""), &["INBOX"])
        .unwrap()
        .history_id;
    fake.insert(&mail("e2@x", ""), &["INBOX"]).unwrap();
    fake.expire_history().unwrap();

    let gone = api(
        &fake,
        &token,
        "GET",
        &format!("history?startHistoryId={start}"),
        None,
    );
    assert_eq!(gone.status, 404);
    assert_eq!(gone.reason(), "notFound");
    assert_eq!(gone.json["error"]["status"], "NOT_FOUND");

    let now = history_id(&fake.state().unwrap());
    let fresh = get(&fake, &token, &format!("history?startHistoryId={now}"));
    assert!(fresh.get("history").is_none());
}

#[test]
fn expired_access_token_gets_401_with_www_authenticate() {
    let (fake, token) = started(GmailFakeOptions::default());
    get(&fake, &token, "profile");
    fake.expire_tokens().unwrap();

    let denied = api(&fake, &token, "GET", "profile", None);
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.header("www-authenticate"),
        Some(r#"Bearer realm="https://accounts.google.com/", error="invalid_token""#)
    );
    assert_eq!(denied.reason(), "authError");
    assert_eq!(denied.json["error"]["status"], "UNAUTHENTICATED");
    let missing = request(&fake, "GET", "/gmail/v1/users/me/profile", None, None);
    assert_eq!(missing.status, 401);
}

fn refresh(fake: &GmailFake, refresh_token: &str) -> Answer {
    let form = format!("grant_type=refresh_token&refresh_token={refresh_token}&client_id=app");
    let body = Some(("application/x-www-form-urlencoded", form));
    request(fake, "POST", "/token", None, body)
}

#[test]
fn refresh_token_gives_a_working_access_token_until_revoked() {
    let fake = GmailFake::start(GmailFakeOptions::default()).unwrap();
    let grant = fake.grant().unwrap();
    fake.expire_tokens().unwrap();

    let fresh = refresh(&fake, &grant.refresh_token);
    assert_eq!(fresh.status, 200, "{}", fresh.json);
    assert_eq!(fresh.json["token_type"], "Bearer");
    assert_eq!(fresh.json["expires_in"], 3600);
    let access = fresh.json["access_token"].as_str().unwrap();
    assert_ne!(access, grant.access_token);
    get(&fake, access, "profile");

    fake.revoke().unwrap();
    let refused = refresh(&fake, &grant.refresh_token);
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json,
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );
}

#[test]
fn quota_runs_out_with_429_and_retry_after_then_403_when_configured() {
    let options = GmailFakeOptions {
        quota_units: 3,
        window_ms: 60_000,
        ..GmailFakeOptions::default()
    };
    let (fake, token) = started(options);
    for _ in 0..3 {
        get(&fake, &token, "labels"); // labels.list: 1 unit each
    }
    let limited = api(&fake, &token, "GET", "labels", None);
    assert_eq!(limited.status, 429);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(limited.reason(), "rateLimitExceeded");
    assert_eq!(limited.json["error"]["errors"][0]["domain"], "usageLimits");
    let message = limited.json["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("User-rate limit exceeded.  Retry after "));

    let units: Vec<u64> = fake
        .requests()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["units"].as_u64().unwrap())
        .collect();
    assert_eq!(units, [1, 1, 1, 0], "the refused request costs nothing");

    fake.set_config(&GmailFakeConfig {
        rate_limit_status: Some(403),
        ..GmailFakeConfig::default()
    })
    .unwrap();
    let old_style = api(&fake, &token, "GET", "labels", None);
    assert_eq!(old_style.status, 403);
    assert_eq!(old_style.reason(), "userRateLimitExceeded");
}

#[test]
fn undocumented_parameters_and_body_fields_get_400() {
    let (fake, token) = started(GmailFakeOptions::default());
    let message = fake.insert(&mail("p@x", ""), &["INBOX"]).unwrap();

    let unknown = api(&fake, &token, "GET", "messages?pageSize=10", None);
    assert_eq!(unknown.status, 400);
    let text = unknown.json["error"]["message"].as_str().unwrap();
    assert!(text.contains(r#"Unknown name "pageSize""#), "{text}");

    let body = json!({ "addLabelIds": ["STARRED"], "labels": [] });
    let path = format!("messages/{}/modify", message.id);
    let bad_body = api(&fake, &token, "POST", &path, Some(body));
    assert_eq!(bad_body.status, 400, "{}", bad_body.json);

    let search = api(&fake, &token, "GET", "messages?q=from:someone", None);
    assert_eq!(search.status, 400);
}

#[test]
fn contract_log_flags_only_undocumented_requests() {
    let (fake, token) = started(GmailFakeOptions::default());
    get(
        &fake,
        &token,
        "messages?maxResults=5&labelIds=INBOX&labelIds=UNREAD",
    );
    get(
        &fake,
        &token,
        "history?startHistoryId=1000&historyTypes=messageAdded",
    );
    assert_eq!(fake.contract_violations().unwrap(), Vec::<String>::new());

    api(&fake, &token, "GET", "messages?color=red", None);
    api(&fake, &token, "GET", "mailboxes", None);
    api(&fake, &token, "GET", "history", None);
    let violations = fake.contract_violations().unwrap();
    assert_eq!(violations.len(), 3, "{violations:#?}");
    assert!(violations[0].contains("color"));
    assert!(violations[1].contains("/gmail/v1/users/me/mailboxes"));
    assert!(violations[2].contains("startHistoryId"));

    fake.clear_requests().unwrap();
    assert!(fake.contract_violations().unwrap().is_empty());
}

fn send(fake: &GmailFake, token: &str, raw: &[u8], thread_id: &str) -> Value {
    let raw = gmail_raw(raw);
    let answer = api(
        fake,
        token,
        "POST",
        "messages/send",
        Some(json!({ "raw": raw, "threadId": thread_id })),
    );
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json
}

#[test]
fn send_keeps_the_thread_only_when_references_name_it() {
    let (fake, token) = started(GmailFakeOptions::default());
    let original = fake.insert(&mail("orig@x", ""), &["INBOX"]).unwrap();

    let reply = mail(
        "reply@x",
        "In-Reply-To: <orig@x>\r\nReferences: <orig@x>\r\n",
    );
    let kept = send(&fake, &token, &reply, &original.thread_id);
    assert_eq!(kept["threadId"], original.thread_id.as_str());
    assert_eq!(kept["labelIds"], json!(["SENT"]));

    let unrelated = send(&fake, &token, &mail("new@x", ""), &original.thread_id);
    assert_ne!(unrelated["threadId"], original.thread_id.as_str());

    let sends = fake.sends().unwrap();
    let message_ids: Vec<_> = sends.iter().map(|s| s.raw_message_id.as_deref()).collect();
    assert_eq!(message_ids, [Some("reply@x"), Some("new@x")]);
    assert_eq!(sends[0].thread_id, original.thread_id);
}

#[test]
fn injected_failures_hit_matching_requests_once_each() {
    let (fake, token) = started(GmailFakeOptions::default());
    fake.fail_next(503, 1, Some("/messages"), Some(7)).unwrap();
    get(&fake, &token, "labels");
    let failed = api(&fake, &token, "GET", "messages", None);
    assert_eq!(failed.status, 503);
    assert_eq!(failed.header("retry-after"), Some("7"));
    assert_eq!(failed.json["error"]["code"], 503);
    get(&fake, &token, "messages");
}

#[test]
fn a_draft_is_found_by_message_id_and_sent_once() {
    let (fake, token) = started(GmailFakeOptions::default());
    let raw = gmail_raw(&mail("draft@x", ""));
    let created = api(
        &fake,
        &token,
        "POST",
        "drafts",
        Some(json!({ "message": { "raw": raw } })),
    );
    assert_eq!(created.status, 200, "{}", created.json);
    assert_eq!(created.json["message"]["labelIds"], json!(["DRAFT"]));
    let draft_id = created.json["id"].as_str().unwrap();

    let found = get(&fake, &token, "messages?q=rfc822msgid:draft@x%20in:drafts");
    assert_eq!(
        ids(&found),
        [created.json["message"]["id"].as_str().unwrap()]
    );

    let sent = api(
        &fake,
        &token,
        "POST",
        "drafts/send",
        Some(json!({ "id": draft_id })),
    );
    assert_eq!(sent.status, 200, "{}", sent.json);
    assert_eq!(sent.json["labelIds"], json!(["SENT"]));
    assert!(get(&fake, &token, "drafts")
        .get("drafts")
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());
    let again = api(
        &fake,
        &token,
        "POST",
        "drafts/send",
        Some(json!({ "id": draft_id })),
    );
    assert_eq!(again.status, 404);
    assert_eq!(fake.sends().unwrap().len(), 1);
    assert!(fake.contract_violations().unwrap().is_empty());
}
