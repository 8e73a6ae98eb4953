#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Search as the app and the CLI call it: typed text in, highlighted hits out, bad
//! input answered with invalid_input naming the token.

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use switchboard_api::dto::SearchArgs;
use switchboard_api::Api;
use switchboard_core::{ErrorCode, FixedClock};
use switchboard_secrets::MemoryStore;
use switchboard_store::{NewAttachment, NewMessage};

const DAY: i64 = 86_400_000;

/// Noon UTC on a day of March 2026: the same calendar day in every zone from UTC-11 to
/// UTC+11, so these tests do not depend on the machine's zone.
fn march(day: i64) -> i64 {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .unwrap()
        .timestamp_millis()
        + (day - 1) * DAY
}

struct Mail<'a> {
    key: &'a str,
    folder: i64,
    subject: &'a str,
    from: (&'a str, &'a str),
    to: &'a [(&'a str, &'a str)],
    body: &'a str,
    day: i64,
    seen: bool,
    attachment: Option<&'a str>,
}

fn message(account: i64, m: &Mail<'_>) -> NewMessage {
    NewMessage {
        account_id: account,
        folder_id: m.folder,
        dedupe_key: m.key.into(),
        message_id: Some(format!("{}@test", m.key)),
        subject: m.subject.into(),
        subject_key: m.key.into(),
        from_name: Some(m.from.0.into()),
        from_email: Some(m.from.1.into()),
        to: m
            .to
            .iter()
            .map(|(n, e)| (Some(n.to_string()), e.to_string()))
            .collect(),
        date: march(m.day),
        snippet: format!("preview {}", m.key),
        body_text: m.body.into(),
        seen: m.seen,
        attachments: m
            .attachment
            .map(|name| NewAttachment {
                name: name.into(),
                mime_type: "application/pdf".into(),
                size: 1,
                content_id: None,
            })
            .into_iter()
            .collect(),
        raw: format!("Message-ID: <{}@test>\r\n\r\n{}", m.key, m.body).into_bytes(),
        ..Default::default()
    }
}

async fn workspace(dir: &std::path::Path) -> Api {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 20, 15, 0, 0).unwrap(),
    ));
    let api = Api::open_with_clock(dir, Arc::new(MemoryStore::new()), clock)
        .await
        .unwrap();
    let store = api.store();
    let account = store
        .ensure_account("Work", "local", None, 0)
        .await
        .unwrap();
    let inbox = store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let sent = store
        .ensure_folder(account, "Sent", Some("sent"))
        .await
        .unwrap();
    let dana = ("Dana Whitfield", "dana@acme.example");
    let me = ("Sam Rep", "sam@work.example");
    let mails = [
        Mail {
            key: "renewal",
            folder: inbox,
            subject: "Renewal terms",
            from: dana,
            to: &[me],
            body: "The renewal <quote> & terms (NEAR) are attached.",
            day: 10,
            seen: false,
            attachment: Some("quote.pdf"),
        },
        Mail {
            key: "reply",
            folder: sent,
            subject: "Re: Renewal terms",
            from: me,
            to: &[dana],
            body: "Thanks, the renewal looks good.",
            day: 11,
            seen: true,
            attachment: None,
        },
        Mail {
            key: "lunch",
            folder: inbox,
            subject: "Lunch",
            from: ("Bo", "bo@y.example"),
            to: &[me],
            body: "Sandwiches?",
            day: 12,
            seen: true,
            attachment: None,
        },
    ];
    let batch: Vec<NewMessage> = mails.iter().map(|m| message(account, m)).collect();
    store.store_messages(&batch, None, 0).await.unwrap();
    api
}

async fn subjects(api: &Api, query: &str) -> Vec<String> {
    api.search(SearchArgs {
        query: query.into(),
        limit: 50,
    })
    .await
    .unwrap_or_else(|e| panic!("{query:?}: {e:?}"))
    .into_iter()
    .map(|h| h.subject)
    .collect()
}

#[tokio::test]
async fn typed_queries_find_the_right_messages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let api = workspace(dir.path()).await;
    let cases: &[(&str, &[&str])] = &[
        ("renewal", &["Re: Renewal terms", "Renewal terms"]),
        ("renew", &["Re: Renewal terms", "Renewal terms"]),
        ("from:dana", &["Renewal terms"]),
        ("from:\"Dana Whitfield\"", &["Renewal terms"]),
        ("to:dana", &["Re: Renewal terms"]),
        ("renewal -from:dana", &["Re: Renewal terms"]),
        ("subject:lunch", &["Lunch"]),
        ("subject:\"renewal terms\" in:sent", &["Re: Renewal terms"]),
        ("has:attachment", &["Renewal terms"]),
        ("quote.pdf", &["Renewal terms"]),
        ("is:unread in:inbox", &["Renewal terms"]),
        ("is:read", &["Lunch", "Re: Renewal terms"]),
        ("in:INBOX -is:unread", &["Lunch"]),
        ("before:2026-03-11", &["Renewal terms"]),
        ("after:2026-03-10", &["Lunch", "Re: Renewal terms"]),
        ("after:2026/3/10 before:2026/3/12", &["Re: Renewal terms"]),
        ("newer_than:9d", &["Lunch"]),
        ("older_than:1w -is:unread", &["Lunch", "Re: Renewal terms"]),
        ("-renewal", &["Lunch"]),
        // FTS syntax typed by the user is searched as text, never an FTS error.
        ("\"(NEAR)\"", &["Renewal terms"]),
        ("NEAR(renewal terms)", &[]),
        ("<quote> & *", &["Renewal terms"]),
        ("renewal:", &["Re: Renewal terms", "Renewal terms"]),
        ("\"unclosed", &[]),
        ("- -- \" * ( :", &[]),
        ("", &[]),
    ];
    for (query, want) in cases {
        assert_eq!(subjects(&api, query).await, *want, "{query:?}");
    }
}

#[tokio::test]
async fn hits_carry_folder_sender_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let api = workspace(dir.path()).await;
    let hits = api
        .search(SearchArgs {
            query: "attached".into(),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.folder.as_deref(), Some("INBOX"));
    assert_eq!(hit.from, "Dana Whitfield");
    assert_eq!(hit.date, march(10));
    // Matches are marked; everything else in the body is escaped.
    assert!(
        hit.snippet_html
            .contains("&lt;quote&gt; &amp; terms (NEAR) are <mark>attached</mark>"),
        "{}",
        hit.snippet_html
    );

    // Without text there is nothing to highlight: the stored preview, escaped.
    let hits = api
        .search(SearchArgs {
            query: "in:sent".into(),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(hits[0].snippet_html, "preview reply");
    assert_eq!(hits[0].folder.as_deref(), Some("Sent"));
}

#[tokio::test]
async fn pages_follow_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let api = workspace(dir.path()).await;
    let page = |offset| {
        let api = api.clone();
        async move {
            api.search_page("-zzz", 2, offset)
                .await
                .unwrap()
                .into_iter()
                .map(|h| h.subject)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(0).await, ["Lunch", "Re: Renewal terms"]);
    assert_eq!(page(2).await, ["Renewal terms"]);
    assert!(page(3).await.is_empty());
}

#[tokio::test]
async fn bad_dates_and_values_are_invalid_input_naming_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let api = workspace(dir.path()).await;
    for (query, token) in [
        ("renewal before:2026-13-01", "before:2026-13-01"),
        ("after:03/10/2026", "after:03/10/2026"),
        ("-after:tomorrow", "-after:tomorrow"),
        ("is:important", "is:important"),
    ] {
        let err = api
            .search(SearchArgs {
                query: query.into(),
                limit: 10,
            })
            .await
            .expect_err(query);
        assert_eq!(err.code, ErrorCode::InvalidInput, "{query}");
        assert!(
            err.message.contains(&format!("\"{token}\"")),
            "{}",
            err.message
        );
    }
}
