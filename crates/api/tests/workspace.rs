#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! The API over a real store: the demo workspace, search, calendar, tickets, contacts,
//! and imports of broken input.

use chrono::{Datelike, Duration, TimeZone, Utc};
use std::sync::Arc;
use switchboard_api::dto::*;
use switchboard_api::Api;
use switchboard_core::{ErrorCode, FixedClock};
use switchboard_secrets::MemoryStore;

async fn open(dir: &std::path::Path) -> Api {
    // A fixed "now": Wednesday 2026-11-18 12:00 UTC.
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap(),
    ));
    Api::open_with_clock(dir, Arc::new(MemoryStore::new()), clock)
        .await
        .unwrap()
}

#[tokio::test]
async fn demo_workspace_is_realistic_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path()).await;
    assert!(!api.app_status().await.unwrap().has_data);

    let report = api.open_demo_workspace().await.unwrap();
    let stats = api.stats().await.unwrap();
    assert!(stats.messages >= 2000, "{stats:?}");
    assert!(
        stats.malformed_messages > 0,
        "the demo includes malformed mail"
    );
    assert!(
        stats.threads > 100 && stats.threads < stats.messages,
        "{stats:?}"
    );
    assert!(stats.tickets >= 100, "{stats:?}");
    assert_eq!(stats.ticket_sources, 2);
    assert!(stats.events >= 40);
    assert!(stats.contacts >= 100);
    assert!(report.mail.iter().all(|r| r.imported == r.seen));
    assert!(api.app_status().await.unwrap().has_data);

    // Seeding again adds nothing.
    let again = api.open_demo_workspace().await.unwrap();
    assert!(again
        .mail
        .iter()
        .all(|r| r.imported == 0 && r.duplicates == r.seen));
    assert_eq!(api.stats().await.unwrap(), stats);

    // Search finds the one message whose body has the unique word.
    let hits = api
        .search(SearchArgs {
            query: switchboard_demo::UNIQUE_BODY_WORD.into(),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet_html.contains("<mark>zanzibarite</mark>"));
    let thread = api.get_thread(hits[0].thread_id).await.unwrap();
    assert!(thread.subject.contains(switchboard_demo::RENEWAL_SUBJECT));
    let body_has_word = thread.messages.iter().any(|m| {
        m.text.as_deref().unwrap_or("").contains("zanzibarite")
            || m.html.as_deref().unwrap_or("").contains("zanzibarite")
    });
    assert!(body_has_word);

    // Every HTML body the reader gets is free of scripts and remote loads.
    let page = api
        .list_threads(ListThreadsArgs {
            account_id: None,
            offset: 0,
            limit: 60,
            folder_id: None,
            role: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 60);
    assert!(page
        .items
        .windows(2)
        .all(|w| w[0].last_date >= w[1].last_date));
    for t in &page.items {
        for m in api.get_thread(t.id).await.unwrap().messages {
            if let Some(html) = m.html {
                let lower = html.to_lowercase();
                assert!(!lower.contains("<script"), "{html}");
                assert!(!lower.contains("src=\"http"), "{html}");
            }
        }
    }
}

#[tokio::test]
async fn calendar_week_has_the_demo_events_at_their_zone_times() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path()).await;
    api.open_demo_workspace().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    let monday = (now - Duration::days(now.weekday().num_days_from_monday() as i64)).date_naive();
    let from = Utc.from_utc_datetime(&monday.and_hms_opt(0, 0, 0).unwrap());
    let to = from + Duration::days(7);
    let events = api
        .list_events(ListEventsArgs {
            from: from.timestamp_millis(),
            to: to.timestamp_millis(),
            time_zone: None,
        })
        .await
        .unwrap();
    let find = |summary: &str| {
        events
            .iter()
            .find(|e| e.summary == summary)
            .unwrap_or_else(|| {
                panic!(
                    "{summary} missing from {:?}",
                    events.iter().map(|e| &e.summary).collect::<Vec<_>>()
                )
            })
    };
    // Wednesday 15:00 Berlin = 14:00 UTC in November (CET, UTC+1).
    let berlin = find("Berlin partner sync");
    assert_eq!(
        berlin.start,
        Utc.with_ymd_and_hms(2026, 11, 18, 14, 0, 0)
            .unwrap()
            .timestamp_millis()
    );
    assert_eq!(berlin.end - berlin.start, 3_600_000);
    // Thursday 10:00 Tokyo = 01:00 UTC.
    let tokyo = find("Tokyo customer call");
    assert_eq!(
        tokyo.start,
        Utc.with_ymd_and_hms(2026, 11, 19, 1, 0, 0)
            .unwrap()
            .timestamp_millis()
    );
    // Monday 09:30 New York = 14:30 UTC (EST).
    let weekly = find("Weekly pipeline review");
    assert!(weekly.recurring);
    assert_eq!(
        weekly.start,
        Utc.with_ymd_and_hms(2026, 11, 16, 14, 30, 0)
            .unwrap()
            .timestamp_millis()
    );
    // The broken event is listed and flagged somewhere in the data.
    let wide = api
        .list_events(ListEventsArgs {
            from: (from - Duration::days(60)).timestamp_millis(),
            to: (to + Duration::days(60)).timestamp_millis(),
            time_zone: None,
        })
        .await
        .unwrap();
    assert!(wide.iter().any(|e| e.broken.is_some()));
    let err = api
        .list_events(ListEventsArgs {
            from: 10,
            to: 5,
            time_zone: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn tickets_filter_and_contacts_link_everything() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path()).await;
    api.open_demo_workspace().await.unwrap();
    let sources = api.list_ticket_sources().await.unwrap();
    let kinds: Vec<&str> = sources.iter().map(|s| s.kind.as_str()).collect();
    assert!(
        kinds.contains(&"fluentsupport") && kinds.contains(&"mailbox"),
        "{kinds:?}"
    );
    let all = api
        .list_tickets(ListTicketsArgs {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for s in &sources {
        let page = api
            .list_tickets(ListTicketsArgs {
                source_id: Some(s.id),
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, s.ticket_count);
        assert!(page.items.iter().all(|t| t.source_id == s.id));
        assert!(page.total < all.total);
    }
    let high = api
        .list_tickets(ListTicketsArgs {
            urgency: Some("high".into()),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(high.items.iter().all(|t| t.urgency == "high"));
    let bad = api
        .list_tickets(ListTicketsArgs {
            status: Some("exploded".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);

    let found = api
        .list_contacts(ListContactsArgs {
            query: Some("Dana".into()),
            offset: 0,
            limit: 10,
        })
        .await
        .unwrap();
    let dana = found
        .items
        .iter()
        .find(|c| c.emails.iter().any(|e| e == switchboard_demo::DANA_EMAIL))
        .expect("Dana is a contact");
    let detail = api.get_contact(dana.id).await.unwrap();
    assert!(detail.messages.len() >= 3, "{:?}", detail.messages.len());
    assert!(detail.tickets.len() >= 2);
    assert!(detail
        .events
        .iter()
        .any(|e| e.summary == "Tokyo customer call"));
    assert_eq!(
        api.get_contact(999_999).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn broken_mbox_imports_the_good_and_reports_the_bad() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path()).await;
    let mbox = dir.path().join("broken.mbox");
    let content = concat!(
        "garbage before the first separator\n",
        "From a@x Tue Nov  3 10:00:00 2026\n",
        "Message-ID: <good1@x>\nFrom: A <a@x.example>\nSubject: Good one\nDate: Tue, 03 Nov 2026 10:00:00 +0000\n\nfine\n\n",
        "From b@x Tue Nov  3 10:01:00 2026\n",
        "Subject: no id, bad date\nDate: not a date\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain; charset=klingon\n\nqapla\n\n",
        "From c@x Tue Nov  3 10:02:00 2026\n",
        "\n\n",
        "From d@x Tue Nov  3 10:03:00 2026\n",
        "Message-ID: <good2@x>\nFrom: D <d@x.example>\nSubject: Truncated at the end\nDate: Tue, 03 Nov 2026 10:03:00 +0000\nContent-Type: text/plain\n\nthis message is cut off mid-sen",
    );
    std::fs::write(&mbox, content).unwrap();
    let report = api.import_mbox(&mbox, "Imports").await.unwrap();
    assert_eq!(report.seen, 4);
    assert_eq!(report.imported, 3, "{report:?}");
    assert_eq!(report.malformed, 1);
    let positions: Vec<&str> = report
        .problems
        .iter()
        .map(|p| p.position.as_str())
        .collect();
    let at = |needle: &str| content.find(needle).unwrap();
    let want = vec![
        "byte 0".to_string(),
        format!("message 2 (byte {})", at("From b@x")),
        format!("message 3 (byte {})", at("From c@x")),
    ];
    assert_eq!(positions, want, "{report:?}");
    assert!(report.problems[1].reason.contains("missing Message-ID"));
    assert!(report.problems[2].reason.contains("empty"));

    let again = api.import_mbox(&mbox, "Imports").await.unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 3));
    assert_eq!(api.stats().await.unwrap().messages, 3);

    let missing = api
        .import_mbox(&dir.path().join("nope.mbox"), "Imports")
        .await
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::InvalidInput);
    assert!(missing.message.contains("nope.mbox"));
}

#[tokio::test]
async fn maildir_import_keeps_flags_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let api = open(dir.path()).await;
    let md = dir.path().join("Maildir");
    for d in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    std::fs::write(
        md.join("cur/1.a:2,S"),
        "Message-ID: <m1@x>\nSubject: Read\nDate: Tue, 03 Nov 2026 10:00:00 +0000\n\nx\n",
    )
    .unwrap();
    std::fs::write(md.join("new/2.a"), "Message-ID: <m2@x>\nIn-Reply-To: <m1@x>\nSubject: Re: Read\nDate: Tue, 03 Nov 2026 11:00:00 +0000\n\ny\n").unwrap();
    std::fs::write(md.join("new/3.a"), "").unwrap();
    std::fs::write(
        md.join(".Sent/cur/4.a:2,S"),
        b"Message-ID: <m3@x>\nSubject: caf\xe9\nReferences: <m1@x>\n\nz\n",
    )
    .unwrap();
    let report = api.import_maildir(&md, "Local").await.unwrap();
    assert_eq!(
        (report.seen, report.imported, report.malformed),
        (4, 3, 1),
        "{report:?}"
    );
    assert!(report
        .problems
        .iter()
        .any(|p| p.position == "INBOX/3.a" && p.reason.contains("empty")));
    assert!(report.problems.iter().any(|p| p.position == "Sent/4.a:2,S"));
    // All three are one conversation, across folders.
    let threads = api.thread_listing(Some("Local")).await.unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].message_ids.len(), 3);
    let accounts = api.list_accounts().await.unwrap();
    assert_eq!(accounts[0].unread_count, 1, "only new/2.a is unread");
    let again = api.import_maildir(&md, "Local").await.unwrap();
    assert_eq!(again.imported, 0);
    assert_eq!(
        api.import_maildir(&dir.path().join("none"), "Local")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}
