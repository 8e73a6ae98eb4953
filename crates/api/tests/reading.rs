#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Reading mail through the API: sanitised HTML with `cid:` images inlined, remote
//! content allowed per sender, trackers removed, plain text, attachments saved and
//! opened (and executables refused), and the body of header-only mail fetched from a
//! real Dovecot when it is opened, with a clear `offline` when the server is gone.

use chrono::{TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use switchboard_api::dto::*;
use switchboard_api::Api;
use switchboard_core::{ErrorCode, FixedClock};
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{free_port, Dovecot};

const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n\x00\x01\x02\xff";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

/// Standard base64 (the crate is not a dependency here).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64(bytes: &[u8]) -> String {
    base64(bytes)
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An HTML newsletter-style message: a remote image, a tracking pixel, a `cid:` logo
/// and a PDF.
fn html_message(id: &str, from: &str, day: u32) -> Vec<u8> {
    format!(
        "From: Dana Whitfield <{from}>\r\nTo: rep@example.test\r\nSubject: Price list {id}\r\n\
         Date: {day:02} Oct 2026 10:00:00 +0000\r\nMessage-ID: <{id}@acme.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Hello zanzibarite {id}</p><img src=\"cid:logo@acme.test\" alt=\"Acme\">\
         <img src=\"http://cdn.acme.test/hero.jpg\" width=\"600\" alt=\"Hero\">\
         <img src=\"https://acme.us5.list-manage.com/track/open.php?u=1&amp;id=2\" width=\"1\" height=\"1\">\r\n\
         --rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <logo@acme.test>\r\n\
         Content-Disposition: inline; filename=\"logo.png\"\r\n\r\n{}\r\n--rel--\r\n\
         --outer\r\nContent-Type: application/pdf; name=\"quote.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"quote.pdf\"\r\n\r\n{}\r\n\
         --outer\r\nContent-Type: text/x-shellscript; name=\"install.sh\"\r\n\
         Content-Disposition: attachment; filename=\"install.sh\"\r\n\r\n#!/bin/sh\r\necho pwned\r\n\
         --outer--\r\n",
        b64(PNG),
        b64(PDF)
    )
    .into_bytes()
}

fn plain_message() -> Vec<u8> {
    b"From: Sam <sam@work.test>\r\nTo: rep@example.test\r\nSubject: Notes\r\n\
      Date: 05 Oct 2026 10:00:00 +0000\r\nMessage-ID: <notes@work.test>\r\nMIME-Version: 1.0\r\n\
      Content-Type: text/plain; charset=utf-8\r\n\r\nSee https://work.test/notes.\r\n> quoted line\r\n"
        .to_vec()
}

async fn open_api(dir: &Path, year: i32) -> Api {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(year, 11, 18, 12, 0, 0).unwrap(),
    ));
    Api::open_with_clock(dir, Arc::new(MemoryStore::new()), clock)
        .await
        .unwrap()
}

/// Stores raw messages in a local account's Inbox; returns their thread ids.
async fn store_local(api: &Api, raws: &[Vec<u8>]) -> Vec<i64> {
    let store = api.store();
    let account = store
        .ensure_account("Local", "local", None, 0)
        .await
        .unwrap();
    let inbox = store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let batch: Vec<_> = raws
        .iter()
        .map(|raw| {
            switchboard_mail::parse_message(raw).into_new_message(
                raw.clone(),
                account,
                inbox,
                0,
                None,
            )
        })
        .collect();
    store
        .store_messages(&batch, None, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|o| match o {
            switchboard_store::StoredOutcome::Inserted { thread_id, .. } => thread_id,
            other => panic!("{other:?}"),
        })
        .collect()
}

async fn only_message(api: &Api, thread: i64) -> MessageView {
    let mut t = api.get_thread(thread).await.unwrap();
    assert_eq!(t.messages.len(), 1);
    t.messages.remove(0)
}

#[tokio::test]
async fn html_is_sanitised_with_inline_images_and_remote_content_per_sender() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2026).await;
    let threads = store_local(&api, &[html_message("a", "dana@acme.test", 1)]).await;

    let m = only_message(&api, threads[0]).await;
    assert!(m.body_complete);
    assert!(!m.remote_allowed);
    assert_eq!((m.blocked_remote, m.trackers_removed), (1, 1));
    let html = m.html.clone().unwrap();
    let logo = base64(PNG);
    assert!(
        html.contains(&format!("src=\"data:image/png;base64,{logo}\"")),
        "{html}"
    );
    assert!(!html.contains("cdn.acme.test"), "{html}");
    assert!(!html.contains("list-manage"), "{html}");
    // The inlined logo is not listed again; the rest keep their MIME positions.
    let listed: Vec<(i64, &str, bool)> = m
        .attachments
        .iter()
        .map(|a| (a.index, a.name.as_str(), a.inline))
        .collect();
    assert_eq!(listed, [(1, "quote.pdf", false), (2, "install.sh", false)]);
    assert_eq!(m.attachments[0].size, PDF.len() as i64);

    api.allow_remote_content(" Dana@Acme.TEST ").await.unwrap();
    let m = only_message(&api, threads[0]).await;
    assert!(m.remote_allowed);
    assert_eq!((m.blocked_remote, m.trackers_removed), (0, 1));
    let html = m.html.unwrap();
    assert!(
        html.contains("src=\"https://cdn.acme.test/hero.jpg\""),
        "http is upgraded: {html}"
    );
    assert!(
        !html.contains("list-manage"),
        "trackers go even when allowed"
    );

    api.forget_remote_content("dana@acme.test").await.unwrap();
    let m = only_message(&api, threads[0]).await;
    assert!(!m.remote_allowed);
    assert_eq!(m.blocked_remote, 1);

    let bad = api
        .allow_remote_content("not an address")
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn plain_text_is_shown_when_there_is_no_html() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2026).await;
    let threads = store_local(&api, &[plain_message()]).await;
    let m = only_message(&api, threads[0]).await;
    assert_eq!(m.html, None);
    assert_eq!(
        m.text.as_deref().map(str::trim_end),
        Some("See https://work.test/notes.\r\n> quoted line").map(|t| t.trim_end())
    );
    assert!(m.attachments.is_empty());
    assert_eq!((m.blocked_remote, m.trackers_removed), (0, 0));
}

#[tokio::test]
async fn attachments_are_saved_as_their_exact_bytes_and_never_overwritten_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2026).await;
    let threads = store_local(&api, &[html_message("a", "dana@acme.test", 1)]).await;
    let m = only_message(&api, threads[0]).await;
    let out = tempfile::tempdir().unwrap();
    let args = |overwrite: bool, file_name: Option<&str>| SaveAttachmentArgs {
        message_id: m.id,
        index: 1,
        directory: Some(out.path().display().to_string()),
        file_name: file_name.map(str::to_owned),
        overwrite,
    };

    let saved = api.save_attachment(args(false, None)).await.unwrap();
    assert_eq!(PathBuf::from(&saved.path), out.path().join("quote.pdf"));
    assert_eq!(std::fs::read(&saved.path).unwrap(), PDF);

    std::fs::write(&saved.path, b"the user's edits").unwrap();
    let again = api.save_attachment(args(false, None)).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict, "{again:?}");
    assert!(
        again.message.contains("quote.pdf already exists"),
        "{again:?}"
    );
    assert_eq!(std::fs::read(&saved.path).unwrap(), b"the user's edits");
    api.save_attachment(args(true, None)).await.unwrap();
    assert_eq!(std::fs::read(&saved.path).unwrap(), PDF);

    // A name cannot climb out of the chosen folder.
    let named = api
        .save_attachment(args(false, Some("../../escape.pdf")))
        .await
        .unwrap();
    assert_eq!(PathBuf::from(&named.path), out.path().join("escape.pdf"));
    let mut files: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["escape.pdf", "quote.pdf"]);

    let mut relative = args(false, None);
    relative.directory = Some("Downloads".into());
    assert_eq!(
        api.save_attachment(relative).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let mut missing = args(false, None);
    missing.index = 9;
    assert_eq!(
        api.save_attachment(missing).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn opening_writes_a_private_copy_and_refuses_programs() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2026).await;
    let threads = store_local(&api, &[html_message("a", "dana@acme.test", 1)]).await;
    let m = only_message(&api, threads[0]).await;
    let launched: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let launch = |p: &Path| {
        launched.lock().unwrap().push(p.to_path_buf());
        Ok(())
    };

    let opened = api
        .open_attachment_with(
            AttachmentRef {
                message_id: m.id,
                index: 1,
            },
            &launch,
        )
        .await
        .unwrap();
    let path = PathBuf::from(&opened.path);
    assert!(
        path.starts_with(dir.path().join("open-attachments")),
        "{path:?}"
    );
    assert_eq!(path.file_name().unwrap(), "quote.pdf");
    assert_eq!(std::fs::read(&path).unwrap(), PDF);
    assert_eq!(
        launched.lock().unwrap().as_slice(),
        std::slice::from_ref(&path)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400, "read-only, never executable");
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    // Opening again replaces the read-only copy.
    api.open_attachment_with(
        AttachmentRef {
            message_id: m.id,
            index: 1,
        },
        &launch,
    )
    .await
    .unwrap();
    assert_eq!(launched.lock().unwrap().len(), 2);

    let refused = api
        .open_attachment_with(
            AttachmentRef {
                message_id: m.id,
                index: 2,
            },
            &launch,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(
        refused.message.contains("install.sh was not opened"),
        "{refused:?}"
    );
    assert_eq!(launched.lock().unwrap().len(), 2, "nothing was launched");
    assert!(!dir
        .path()
        .join("open-attachments")
        .join(format!("{}-2", m.id))
        .exists());
}

#[tokio::test]
async fn links_open_only_for_web_and_mail() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2026).await;
    let launched: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let launch = |t: &std::ffi::OsStr| {
        launched
            .lock()
            .unwrap()
            .push(t.to_string_lossy().into_owned());
        Ok(())
    };
    api.open_link_with(" https://work.test/notes ", &launch)
        .await
        .unwrap();
    for bad in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "-n https://x.test",
    ] {
        let e = api.open_link_with(bad, &launch).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
    }
    assert_eq!(*launched.lock().unwrap(), ["https://work.test/notes"]);
}

fn account_input(server: &Dovecot, port: u16) -> ImapAccountInput {
    ImapAccountInput {
        name: "work".into(),
        email: server.user().into(),
        user: server.user().into(),
        password: server.password().into(),
        imap_host: "127.0.0.1".into(),
        imap_port: port,
        imap_security: "starttls".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: free_port(),
        smtp_security: "none".into(),
        ca_file: Some(server.ca_pem().display().to_string()),
        // Everything Dovecot holds arrived "years ago" for a clock in 2031.
        body_window_days: Some(30),
        poll_minutes: None,
        provider_saves_sent: None,
    }
}

async fn search_count(api: &Api, query: &str) -> usize {
    api.search(SearchArgs {
        query: query.into(),
        limit: 50,
    })
    .await
    .unwrap()
    .len()
}

#[tokio::test]
async fn header_only_mail_gets_its_body_from_dovecot_when_opened() {
    let server = Dovecot::start().unwrap();
    server
        .append("INBOX", &html_message("old1", "dana@acme.test", 1), &[])
        .unwrap();
    server
        .append("INBOX", &html_message("old2", "dana@acme.test", 2), &[])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2031).await;
    api.add_imap_account(account_input(&server, server.imap_port()), false)
        .await
        .unwrap();
    let mut progress = |_: &SyncProgressView| {};
    api.sync_imap_once(None, &mut progress).await.unwrap();

    let page = api
        .list_threads(ListThreadsArgs {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    let by_subject = |s: &str| page.items.iter().find(|t| t.subject == s).unwrap().id;
    let (first, second) = (by_subject("Price list old1"), by_subject("Price list old2"));

    // Only the header is here: the view says so, nothing of the body is searchable.
    let m = only_message(&api, first).await;
    assert!(!m.body_complete);
    assert_eq!((m.html.as_deref(), m.text.as_deref()), (None, None));
    assert!(m.attachments.is_empty());
    assert_eq!(search_count(&api, "zanzibarite").await, 0);

    // Opening it fetches the body once and stores it for good.
    let full = api.fetch_body(m.id).await.unwrap();
    assert!(full.body_complete);
    assert!(full
        .html
        .as_deref()
        .unwrap()
        .contains("Hello zanzibarite old1"));
    assert_eq!(full.trackers_removed, 1);
    assert_eq!(full.attachments.len(), 2);
    let again = only_message(&api, first).await;
    assert!(again.body_complete);
    assert_eq!(again.html, full.html);
    assert_eq!(search_count(&api, "zanzibarite").await, 1);
    let thread = api.store().thread(first).await.unwrap().unwrap();
    assert!(thread.snippet.contains("zanzibarite"), "{thread:?}");
    assert!(thread.has_attachments);
    let out = tempfile::tempdir().unwrap();
    let saved = api
        .save_attachment(SaveAttachmentArgs {
            message_id: m.id,
            index: 1,
            directory: Some(out.path().display().to_string()),
            file_name: None,
            overwrite: false,
        })
        .await
        .unwrap();
    assert_eq!(std::fs::read(saved.path).unwrap(), PDF);
    // Already complete: no server needed.
    assert!(api.fetch_body(m.id).await.unwrap().body_complete);

    // The server goes away: the other message stays header-only, readable, and says
    // why its body is missing.
    drop(server);
    let m2 = only_message(&api, second).await;
    assert!(!m2.body_complete);
    let offline = api.fetch_body(m2.id).await.unwrap_err();
    assert_eq!(offline.code, ErrorCode::Offline, "{offline:?}");
    let still = only_message(&api, second).await;
    assert!(!still.body_complete);
    assert_eq!(still.subject, "Price list old2");
    let not_yet = api
        .save_attachment(SaveAttachmentArgs {
            message_id: m2.id,
            index: 1,
            directory: Some(out.path().display().to_string()),
            file_name: None,
            overwrite: false,
        })
        .await
        .unwrap_err();
    assert_eq!(not_yet.code, ErrorCode::NotFound);
    assert!(api.fetch_body(9_999_999).await.is_err());
}

fn reply_message(id: &str, parent: &str, day: u32) -> Vec<u8> {
    format!(
        "From: Sam Rep <rep@example.test>\r\nTo: dana@acme.test\r\nSubject: Re: Price list {parent}\r\n\
         Date: {day:02} Oct 2026 12:00:00 +0000\r\nMessage-ID: <{id}@example.test>\r\n\
         In-Reply-To: <{parent}@acme.test>\r\nReferences: <{parent}@acme.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nReply {id} about the quetzalcoatlite terms\r\n"
    )
    .into_bytes()
}

fn logins(server: &Dovecot) -> usize {
    server.log().matches("Login: user=").count()
}

#[tokio::test]
async fn opening_an_old_thread_fetches_all_its_bodies_over_one_connection() {
    let server = Dovecot::start().unwrap();
    server
        .append("INBOX", &html_message("root", "dana@acme.test", 1), &[])
        .unwrap();
    server
        .append("INBOX", &reply_message("r1", "root", 2), &[])
        .unwrap();
    server
        .append("Archive", &reply_message("r2", "root", 3), &[])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path(), 2031).await;
    api.add_imap_account(account_input(&server, server.imap_port()), false)
        .await
        .unwrap();
    let mut progress = |_: &SyncProgressView| {};
    api.sync_imap_once(None, &mut progress).await.unwrap();
    let page = api
        .list_threads(ListThreadsArgs {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let thread = api.get_thread(page.items[0].id).await.unwrap();
    let ids: Vec<i64> = thread.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(thread.messages.iter().all(|m| !m.body_complete));

    // The reading pane asks for every message of the thread at once.
    let before = logins(&server);
    let (a, b, c) = tokio::join!(
        api.fetch_body(ids[0]),
        api.fetch_body(ids[1]),
        api.fetch_body(ids[2])
    );
    for view in [a, b, c] {
        assert!(view.unwrap().body_complete);
    }
    let thread = api.get_thread(page.items[0].id).await.unwrap();
    assert!(thread.messages.iter().all(|m| m.body_complete));
    assert!(thread.messages[2]
        .text
        .as_deref()
        .unwrap()
        .contains("Reply r2"));
    assert_eq!(
        logins(&server) - before,
        1,
        "one connection for the whole thread, both folders:\n{}",
        server.log()
    );
    assert_eq!(search_count(&api, "quetzalcoatlite").await, 2);
}
