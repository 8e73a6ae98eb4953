#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

//! The Graph contract fake behaves as Microsoft documents: delta rounds and their tokens,
//! MIME content, immutable ids, tokens, Outlook throttling, the CSDL checks and delegation.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_testkit::{
    http_request, wait_until, GraphFake, GraphFakeConfig, GraphFakeOptions, HOST,
};

fn fake() -> GraphFake {
    GraphFake::start(GraphFakeOptions::default()).expect("start the Graph fake")
}

fn raw(n: usize) -> String {
    format!(
        "From: \"Ada\" <ada@example.test>\r\nTo: rep@example.test\r\nSubject: Note {n}\r\n\
         Message-ID: <note-{n}@example.test>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n\
         Body of note {n}.\r\n"
    )
}

/// An API request with the user's token; `path` may be an absolute link from the fake.
fn call(
    fake: &GraphFake,
    token: &str,
    method: &str,
    path: &str,
    prefer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let path = path
        .strip_prefix(&format!("http://{HOST}:{}", fake.port()))
        .unwrap_or(path);
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(p) = prefer {
        headers.push(("Prefer", p));
    }
    let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
    let (status, bytes) =
        http_request(fake.port(), method, path, &headers, body).expect("request to the fake");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The status, lower-cased head and body of a GET (for the response headers `http_request`
/// does not return).
fn get_with_head(fake: &GraphFake, token: &str, path: &str) -> (u16, String, String) {
    get_with_head_and(fake, token, path, "")
}

fn get_with_head_and(
    fake: &GraphFake,
    token: &str,
    path: &str,
    extra_headers: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect((HOST, fake.port())).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n\
         {extra_headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Follows nextLinks to the deltaLink; returns every item and the deltaLink.
fn delta_round(fake: &GraphFake, token: &str, first: &str, prefer: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut url = first.to_owned();
    for _ in 0..10_000 {
        let (status, page) = call(fake, token, "GET", &url, Some(prefer), None);
        assert_eq!(status, 200, "{page}");
        items.extend(page["value"].as_array().unwrap().iter().cloned());
        if let Some(next) = page["@odata.nextLink"].as_str() {
            url = next.to_owned();
        } else {
            return (items, page["@odata.deltaLink"].as_str().unwrap().to_owned());
        }
    }
    panic!("the delta round never ended");
}

/// The ids of delta items, sorted: (present or changed, `@removed`).
fn split_ids(items: &[Value]) -> (Vec<String>, Vec<String>) {
    let (mut gone, mut present) = (Vec::new(), Vec::new());
    for item in items {
        let id = item["id"].as_str().unwrap().to_owned();
        if item.get("@removed").is_some() {
            gone.push(id);
        } else {
            present.push(id);
        }
    }
    present.sort_unstable();
    gone.sort_unstable();
    (present, gone)
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    out.sort_unstable();
    out
}

#[test]
fn delta_pages_to_a_delta_link_then_reports_changes_moves_and_removals() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    let msgs: Vec<_> = (0..5)
        .map(|n| fake.insert("inbox", &raw(n), false).unwrap())
        .collect();
    let first = "/v1.0/me/mailFolders/inbox/messages/delta?$select=subject,isRead";
    let (items, delta_link) = delta_round(&fake, &token, first, "odata.maxpagesize=2");
    assert_eq!(items.len(), 5);
    assert!(items
        .iter()
        .all(|i| i.get("subject").is_some() && i.get("body").is_none()));
    assert_eq!(fake.requests().unwrap().len(), 3, "5 messages at 2 a page");

    fake.update(&msgs[0].id, Some(true), None).unwrap();
    let moved_id = fake.move_message(&msgs[1].id, "archive").unwrap();
    fake.delete(&msgs[2].id).unwrap();
    let new = fake.insert("inbox", &raw(9), false).unwrap();

    let (changes, next_link) = delta_round(&fake, &token, &delta_link, "odata.maxpagesize=2");
    let (changed, gone) = split_ids(&changes);
    assert_eq!(changed, sorted(&[&msgs[0].id, &new.id]));
    assert_eq!(gone, sorted(&[&msgs[1].id, &msgs[2].id]));
    let updated = changes
        .iter()
        .find(|c| c["id"] == msgs[0].id.as_str())
        .unwrap();
    assert_eq!(updated["isRead"], true);
    assert!(changes
        .iter()
        .filter(|c| c.get("@removed").is_some())
        .all(|c| c["@removed"]["reason"] == "deleted"));

    // The moved message is new in Archive, under a new id (no immutable ids asked for).
    let archive = "/v1.0/me/mailFolders/archive/messages/delta";
    let (in_archive, _) = delta_round(&fake, &token, archive, "odata.maxpagesize=10");
    assert_eq!(split_ids(&in_archive).0, vec![moved_id.clone()]);
    assert_ne!(moved_id, msgs[1].id);

    // Nothing changed since: an empty page with a deltaLink.
    let (quiet, _) = delta_round(&fake, &token, &next_link, "odata.maxpagesize=2");
    assert!(quiet.is_empty(), "{quiet:?}");
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn expired_delta_tokens_give_410_sync_state_not_found_with_a_restart_location() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    for n in 0..3 {
        fake.insert("inbox", &raw(n), true).unwrap();
    }
    let first = "/v1.0/me/mailFolders/inbox/messages/delta";
    let (status, page) = call(
        &fake,
        &token,
        "GET",
        first,
        Some("odata.maxpagesize=1"),
        None,
    );
    assert_eq!(status, 200);
    let next = page["@odata.nextLink"].as_str().unwrap().to_owned();
    let (_, delta_link) = delta_round(&fake, &token, first, "odata.maxpagesize=10");
    fake.expire_delta().unwrap();
    for link in [next, delta_link] {
        let path = link
            .strip_prefix(&format!("http://{HOST}:{}", fake.port()))
            .unwrap();
        let (status, head, body) = get_with_head(&fake, &token, path);
        assert_eq!(status, 410, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "syncStateNotFound");
        assert!(body["error"]["innerError"]["request-id"].is_string());
        assert!(
            head.contains("\r\nlocation: ") && head.contains("$deltatoken="),
            "{head}"
        );
    }
}

#[test]
fn value_returns_the_raw_mime() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    let message = raw(1);
    let inserted = fake.insert("inbox", &message, false).unwrap();
    let path = format!("/v1.0/me/messages/{}/$value", inserted.id);
    let auth = format!("Bearer {token}");
    let (status, bytes) =
        http_request(fake.port(), "GET", &path, &[("Authorization", &auth)], None).unwrap();
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8(bytes).unwrap(), message);
    let (_, head, _) = get_with_head(&fake, &token, &path);
    assert!(head.contains("content-type: text/plain"), "{head}");
}

#[test]
fn immutable_ids_survive_a_move_and_default_ids_do_not() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    let inserted = fake.insert("inbox", &raw(1), false).unwrap();
    let immutable = Some("IdType=\"ImmutableId\"");
    let path = format!("/v1.0/me/messages/{}", inserted.id);
    let (_, before) = call(&fake, &token, "GET", &path, immutable, None);
    assert_eq!(before["id"], inserted.immutable_id.as_str());

    let move_path = format!("/v1.0/me/messages/{}/move", inserted.immutable_id);
    let (status, moved) = call(
        &fake,
        &token,
        "POST",
        &move_path,
        immutable,
        Some(json!({"destinationId": "archive"})),
    );
    assert_eq!(status, 201, "{moved}");
    assert_eq!(moved["id"], inserted.immutable_id.as_str());

    let (status, by_immutable) = call(
        &fake,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{}", inserted.immutable_id),
        None,
        None,
    );
    assert_eq!(status, 200);
    assert_ne!(
        by_immutable["id"],
        inserted.id.as_str(),
        "the default id changed with the move"
    );
    let (status, stale) = call(&fake, &token, "GET", &path, None, None);
    assert_eq!(status, 404, "{stale}");
    assert_eq!(stale["error"]["code"], "ErrorItemNotFound");
    let by_immutable_path = format!("/v1.0/me/messages/{}", inserted.immutable_id);
    let prefer = "Prefer: IdType=\"ImmutableId\"\r\n";
    let (_, head, _) = get_with_head_and(&fake, &token, &by_immutable_path, prefer);
    assert!(
        head.contains("preference-applied: idtype=\"immutableid\""),
        "{head}"
    );
}

#[test]
fn expired_or_missing_tokens_get_401_with_www_authenticate() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    assert_eq!(call(&fake, &token, "GET", "/v1.0/me", None, None).0, 200);
    fake.expire_tokens().unwrap();
    let (status, head, body) = get_with_head(&fake, &token, "/v1.0/me");
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(head.contains("www-authenticate: bearer"), "{head}");
    let (status, _) = http_request(fake.port(), "GET", "/v1.0/me", &[], None).unwrap();
    assert_eq!(status, 401);
}

fn refresh(fake: &GraphFake, refresh_token: &str) -> (u16, Value) {
    let form = format!(
        "grant_type=refresh_token&client_id=switchboard-test&scope=Mail.ReadWrite%20offline_access\
         &refresh_token={refresh_token}"
    );
    let (status, bytes) = http_request(
        fake.port(),
        "POST",
        "/common/oauth2/v2.0/token",
        &[],
        Some(("application/x-www-form-urlencoded", form.into_bytes())),
    )
    .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn refresh_tokens_rotate_and_revocation_gives_invalid_grant() {
    let fake = fake();
    let grant = fake.grant().unwrap();
    fake.expire_tokens().unwrap();
    let (status, first) = refresh(&fake, &grant.refresh_token);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    let rotated = first["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, grant.refresh_token);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(call(&fake, access, "GET", "/v1.0/me", None, None).0, 200);

    let (status, reused) = refresh(&fake, &grant.refresh_token);
    assert_eq!((status, &reused["error"]), (400, &json!("invalid_grant")));
    assert_eq!(reused["error_codes"], json!([70000]));

    fake.revoke().unwrap();
    let (status, revoked) = refresh(&fake, rotated);
    assert_eq!((status, &revoked["error"]), (400, &json!("invalid_grant")));
    assert_eq!(call(&fake, access, "GET", "/v1.0/me", None, None).0, 401);
}

#[test]
fn the_request_rate_limit_gives_429_with_retry_after_and_rejections_do_not_count() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    fake.set_config(&GraphFakeConfig {
        requests_per_window: Some(3),
        window_ms: Some(600_000),
        ..GraphFakeConfig::default()
    })
    .unwrap();
    for _ in 0..3 {
        assert_eq!(call(&fake, &token, "GET", "/v1.0/me", None, None).0, 200);
    }
    for _ in 0..3 {
        let (status, head, body) = get_with_head(&fake, &token, "/v1.0/me/mailFolders");
        assert_eq!(status, 429, "{body}");
        let retry: u64 = head
            .lines()
            .find_map(|l| l.strip_prefix("retry-after: "))
            .expect("a Retry-After header")
            .trim()
            .parse()
            .expect("Retry-After in whole seconds");
        assert!(retry >= 1);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "ApplicationThrottled");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("RequestRate"));
    }
    // The three rejections cost nothing: one more allowed request is the 4th counted.
    fake.set_config(&GraphFakeConfig {
        requests_per_window: Some(4),
        ..GraphFakeConfig::default()
    })
    .unwrap();
    assert_eq!(call(&fake, &token, "GET", "/v1.0/me", None, None).0, 200);
    assert_eq!(call(&fake, &token, "GET", "/v1.0/me", None, None).0, 429);
}

#[test]
fn requests_over_the_mailbox_concurrency_limit_get_429() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    fake.set_config(&GraphFakeConfig {
        concurrency: Some(2),
        hold: Some(true),
        ..GraphFakeConfig::default()
    })
    .unwrap();
    let port = fake.port();
    let held: Vec<_> = (0..2)
        .map(|_| {
            let auth = format!("Bearer {token}");
            thread::spawn(move || {
                http_request(port, "GET", "/v1.0/me", &[("Authorization", &auth)], None)
                    .unwrap()
                    .0
            })
        })
        .collect();
    wait_until("two requests in flight", Duration::from_secs(10), || {
        let state = fake.state().unwrap();
        state["inflight"]
            .as_object()
            .is_some_and(|m| m.values().any(|n| n == 2))
    })
    .unwrap();
    let (status, body) = call(&fake, &token, "GET", "/v1.0/me", None, None);
    assert_eq!(status, 429);
    assert_eq!(
        body["error"]["message"],
        "Application is over its MailboxConcurrency limit."
    );
    fake.set_config(&GraphFakeConfig {
        hold: Some(false),
        ..GraphFakeConfig::default()
    })
    .unwrap();
    for h in held {
        assert_eq!(h.join().unwrap(), 200);
    }
    assert_eq!(call(&fake, &token, "GET", "/v1.0/me", None, None).0, 200);
}

#[test]
fn the_csdl_decides_what_exists_and_the_contract_endpoint_lists_what_did_not() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    let ok = [
        "/v1.0/me/mailFolders?$top=2&$select=displayName,totalItemCount",
        "/v1.0/me/mailFolders/inbox/messages?$select=subject,categories,changeKey,id",
        "/v1.0/me/mailFolders('inbox')/childFolders",
    ];
    for path in ok {
        let (status, body) = call(&fake, &token, "GET", path, None, None);
        assert_eq!(status, 200, "{path}: {body}");
    }
    assert_eq!(fake.contract_violations().unwrap(), Vec::<String>::new());

    let (status, body) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/me/messages?$select=subject,snippet",
        None,
        None,
    );
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("snippet"),
        "{body}"
    );
    let (status, _) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/me/mailFolders/inbox/labels",
        None,
        None,
    );
    assert_eq!(status, 400);
    let (status, _) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/me/mailFolders?$expandall=1",
        None,
        None,
    );
    assert_eq!(status, 400);
    let inserted = fake.insert("inbox", &raw(1), false).unwrap();
    let (status, body) = call(
        &fake,
        &token,
        "PATCH",
        &format!("/v1.0/me/messages/{}", inserted.id),
        None,
        Some(json!({"isRead": true, "starred": true})),
    );
    assert_eq!(status, 400, "{body}");
    let (status, _) = call(
        &fake,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{}/move", inserted.id),
        None,
        Some(json!({"folder": "archive"})),
    );
    assert_eq!(status, 400);

    let violations = fake.contract_violations().unwrap();
    assert_eq!(violations.len(), 5, "{violations:#?}");
    for word in ["snippet", "labels", "$expandall", "starred", "folder"] {
        assert!(
            violations.iter().any(|v| v.contains(word)),
            "{word}: {violations:#?}"
        );
    }
}

#[test]
fn a_shared_mailbox_opens_only_for_its_delegates() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    fake.add_shared_mailbox("team@example.test", &[fake.user()])
        .unwrap();
    fake.add_shared_mailbox("board@example.test", &["someone@example.test"])
        .unwrap();
    let (status, body) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/users/team@example.test/mailFolders/inbox",
        None,
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], "Inbox");
    let (status, body) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/users/board@example.test/mailFolders",
        None,
        None,
    );
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "ErrorAccessDenied");
    let (status, _) = call(
        &fake,
        &token,
        "GET",
        "/v1.0/users/nobody@example.test",
        None,
        None,
    );
    assert_eq!(status, 404);
}

#[test]
fn sends_replies_and_drafts_land_in_sent_items_in_their_conversation() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    let original = fake.insert("inbox", &raw(1), false).unwrap();
    let reply_path = format!("/v1.0/me/messages/{}/reply", original.id);
    let (status, _) = call(
        &fake,
        &token,
        "POST",
        &reply_path,
        None,
        Some(json!({"comment": "Thanks!"})),
    );
    assert_eq!(status, 202);
    let mail = json!({
        "message": {
            "subject": "Lunch?",
            "body": {"contentType": "Text", "content": "Noon?"},
            "toRecipients": [{"emailAddress": {"address": "grace@example.test"}}]
        },
        "saveToSentItems": false
    });
    assert_eq!(
        call(&fake, &token, "POST", "/v1.0/me/sendMail", None, Some(mail)).0,
        202
    );

    let sends = fake.sends().unwrap();
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[0].via, "reply");
    assert_eq!(
        sends[0].in_reply_to.as_deref(),
        Some(original.internet_message_id.as_str())
    );
    assert_eq!(
        sends[0].conversation_id.as_deref(),
        Some(original.conversation_id.as_str())
    );
    assert_eq!(sends[0].to, vec!["ada@example.test"]);
    assert!(sends[0].raw.contains("Thanks!"));
    assert_eq!(
        (sends[1].subject.as_str(), sends[1].saved),
        ("Lunch?", false)
    );

    let state = fake.state().unwrap();
    let mailbox = &state["mailboxes"][0];
    let sent_id = mailbox["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["wellKnown"] == "sentitems")
        .unwrap()["id"]
        .clone();
    let in_sent: Vec<_> = mailbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["folderId"] == sent_id)
        .collect();
    assert_eq!(in_sent.len(), 1, "only the reply was saved");
    assert_eq!(
        in_sent[0]["conversationId"],
        original.conversation_id.as_str()
    );
    assert!(fake.contract_violations().unwrap().is_empty());
}

#[test]
fn a_bulk_mailbox_syncs_in_large_pages() {
    let fake = fake();
    let token = fake.grant().unwrap().access_token;
    fake.bulk("inbox", 3_000, 7).unwrap();
    let first = "/v1.0/me/mailFolders/inbox/messages/delta?$select=conversationId";
    let (items, _) = delta_round(&fake, &token, first, "odata.maxpagesize=1000");
    assert_eq!(items.len(), 3_000);
    let mut conversations: Vec<_> = items
        .iter()
        .map(|i| i["conversationId"].as_str().unwrap())
        .collect();
    conversations.sort_unstable();
    conversations.dedup();
    assert!(
        conversations.len() < 3_000,
        "replies share their conversation"
    );
}
