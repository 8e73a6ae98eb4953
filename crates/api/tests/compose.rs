#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Compose, drafts and the outbox through the API against real servers: Dovecot holds
//! Sent and Drafts, testkit's aiosmtpd sink takes the SMTP submission. Time is a fixed
//! clock the test moves; nothing sleeps to wait for the undo window.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use switchboard_api::dto::{Address, DraftFile, DraftInput, DraftView, ImapAccountInput};
use switchboard_api::Api;
use switchboard_core::{ErrorCode, FixedClock};
use switchboard_mail::parse_message;
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{Dovecot, SmtpSink};

const ORIGINAL: &str = "From: Dana Whitfield <dana@acme.test>\r\n\
To: rep@example.test, Omar <omar@acme.test>\r\n\
Cc: legal@acme.test\r\n\
Subject: Renewal terms\r\n\
Date: Thu, 01 Oct 2026 10:00:00 +0000\r\n\
Message-ID: <renewal-2@acme.test>\r\n\
In-Reply-To: <renewal-1@acme.test>\r\n\
References: <renewal-1@acme.test>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Can we sign by Friday?\r\n";

struct World {
    server: Dovecot,
    smtp: SmtpSink,
    clock: Arc<FixedClock>,
    api: Api,
    account_id: i64,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let server = Dovecot::start().unwrap();
        let smtp = SmtpSink::start().unwrap();
        // One password for both servers, as a real account has: the sink's, written into
        // Dovecot's passwd file before anyone logs in. Dovecot reads the file again when
        // its size or time changes; the comment line makes sure the size does. testkit's
        // IMAP helpers log in with the old password, so the test writes and reads the
        // server's folders through its Maildir instead.
        std::fs::write(
            server.dir().join("passwd"),
            format!(
                "# the SMTP sink's password\n{}:{{PLAIN}}{}::::::\n",
                server.user(),
                smtp.password()
            ),
        )
        .unwrap();
        server
            .bulk_fill("INBOX", [ORIGINAL.as_bytes().to_vec()])
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
        ));
        let api = Api::open_with_clock(dir.path(), Arc::new(MemoryStore::new()), clock.clone())
            .await
            .unwrap();
        let input = ImapAccountInput {
            name: "work".into(),
            email: server.user().into(),
            user: server.user().into(),
            password: smtp.password().into(),
            imap_host: "127.0.0.1".into(),
            imap_port: server.imaps_port(),
            imap_security: "tls".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: smtp.port(),
            smtp_security: "none".into(),
            ca_file: Some(server.ca_pem().display().to_string()),
            body_window_days: Some(0),
            poll_minutes: Some(5),
            provider_saves_sent: None,
        };
        let test = api.add_imap_account(input, true).await.unwrap();
        assert!(test.smtp.ok, "{:?}", test.smtp);
        api.sync_imap_once(None, &mut |_| {}).await.unwrap();
        let account_id = api.list_accounts().await.unwrap()[0].id;
        World {
            server,
            smtp,
            clock,
            api,
            account_id,
            _dir: dir,
        }
    }

    fn advance_secs(&self, secs: i64) {
        let now = switchboard_core::Clock::now(self.clock.as_ref());
        self.clock.set(now + chrono::Duration::seconds(secs));
    }

    async fn original_id(&self) -> i64 {
        let page = self
            .api
            .list_threads(switchboard_api::dto::ListThreadsArgs {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let thread = self.api.get_thread(page.items[0].id).await.unwrap();
        thread
            .messages
            .iter()
            .find(|m| m.message_id.as_deref() == Some("renewal-2@acme.test"))
            .unwrap()
            .id
    }

    fn folder_ids(&self, folder: &str) -> Vec<Option<String>> {
        self.folder_raw(folder)
            .iter()
            .map(|raw| parse_message(raw.as_bytes()).message_id)
            .collect()
    }

    /// The raw bytes of every message in a Dovecot folder (Maildir files).
    fn folder_raw(&self, folder: &str) -> Vec<String> {
        let dir = self.server.folder_path(folder).unwrap();
        let mut out = Vec::new();
        for sub in ["cur", "new"] {
            if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
                for e in entries {
                    out.push(
                        String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap())
                            .into_owned(),
                    );
                }
            }
        }
        out
    }
}

fn addr(email: &str) -> Address {
    Address {
        name: None,
        email: email.into(),
    }
}

/// The form as the UI sends it back after editing a prefilled draft.
fn input_from(view: &DraftView) -> DraftInput {
    DraftInput {
        draft_id: view.draft_id,
        account_id: view.account_id,
        to: view.to.clone(),
        cc: view.cc.clone(),
        bcc: view.bcc.clone(),
        subject: view.subject.clone(),
        text: view.text.clone(),
        html: view.html.clone(),
        attachments: view.attachments.clone(),
        inline_images: view.inline_images.clone(),
        in_reply_to: view.in_reply_to.clone(),
        references: view.references.clone(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_waits_out_its_undo_window_then_goes_once_and_is_filed_in_sent() {
    let w = World::new().await;
    let original = w.original_id().await;

    let prefilled = w.api.compose_reply(original, true).await.unwrap();
    assert_eq!(
        prefilled.draft_id, None,
        "nothing is saved until the UI saves it"
    );
    assert_eq!(prefilled.account_id, w.account_id);
    assert_eq!(prefilled.from.email, "rep@example.test");
    assert_eq!(
        prefilled.to,
        [Address {
            name: Some("Dana Whitfield".into()),
            email: "dana@acme.test".into()
        }]
    );
    let cc: Vec<&str> = prefilled.cc.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        cc,
        ["omar@acme.test", "legal@acme.test"],
        "reply-all leaves me out"
    );
    assert_eq!(prefilled.subject, "Re: Renewal terms");
    assert_eq!(
        prefilled.in_reply_to.as_deref(),
        Some("renewal-2@acme.test")
    );
    assert_eq!(
        prefilled.references,
        ["renewal-1@acme.test", "renewal-2@acme.test"]
    );
    assert!(
        prefilled.text.contains("> Can we sign by Friday?"),
        "{}",
        prefilled.text
    );

    // Saved twice before the runner gets to it, then once more after: Drafts holds
    // one copy, the latest.
    let mut form = input_from(&prefilled);
    form.bcc = vec![addr("archive@crm.example")];
    form.text = format!("Yes, Friday works.\n{}", prefilled.text);
    let saved = w.api.save_draft(form.clone()).await.unwrap();
    let draft_id = saved.draft_id.unwrap();
    assert!(saved.saved_at.is_some());
    form.draft_id = Some(draft_id);
    form.subject = "Re: Renewal terms (v2)".into();
    let again = w.api.save_draft(form.clone()).await.unwrap();
    assert_eq!(
        again.draft_id,
        Some(draft_id),
        "the same draft, next revision"
    );
    let run = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert_eq!(run.drafts_uploaded, 1, "{run:?}");
    assert!(run.warnings.is_empty(), "{run:?}");
    form.subject = "Re: Renewal terms (v3)".into();
    w.api.save_draft(form.clone()).await.unwrap();
    w.api.run_outbox_once(w.account_id).await.unwrap();
    let drafts = w.folder_raw("Drafts");
    assert_eq!(drafts.len(), 1, "one copy in Drafts");
    assert!(drafts[0].contains("(v3)"), "the latest revision");
    assert_eq!(
        w.api.run_outbox_once(w.account_id).await.unwrap(),
        switchboard_api::dto::OutboxRunView {
            account_id: w.account_id,
            ..Default::default()
        },
        "nothing to do connects to nothing"
    );

    // Send with the shortest undo window.
    let queued = w.api.send(form.clone(), Some(1)).await.unwrap();
    let now = switchboard_core::Clock::now(w.clock.as_ref()).timestamp_millis();
    assert_eq!(queued.send_after, now + 5_000, "held to at least 5 s");
    assert_eq!(
        w.api.outbox_due_at(w.account_id).await.unwrap(),
        Some(queued.send_after)
    );
    w.advance_secs(4);
    let early = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert!(early.sent.is_empty(), "{early:?}");
    assert!(
        w.smtp.received().unwrap().is_empty(),
        "nothing goes inside the window"
    );

    w.advance_secs(1);
    let run = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert_eq!(run.sent, [queued.message_id.as_str()], "{run:?}");
    let got = w.smtp.received().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].rcpt_to,
        [
            "dana@acme.test",
            "omar@acme.test",
            "legal@acme.test",
            "archive@crm.example"
        ]
    );
    let wire = String::from_utf8_lossy(&got[0].data).into_owned();
    assert!(
        !wire.contains("archive@crm.example"),
        "Bcc is not transmitted:\n{wire}"
    );
    let parsed = parse_message(&got[0].data);
    assert_eq!(
        parsed.message_id.as_deref(),
        Some(queued.message_id.as_str())
    );
    assert_eq!(parsed.in_reply_to.as_deref(), Some("renewal-2@acme.test"));
    assert_eq!(
        parsed.references,
        ["renewal-1@acme.test", "renewal-2@acme.test"]
    );
    assert!(
        !wire.to_ascii_lowercase().contains("\nbcc:"),
        "no Bcc header:\n{wire}"
    );
    assert!(wire.contains("Yes, Friday works."));

    assert_eq!(
        w.folder_ids("Sent"),
        [Some(queued.message_id.clone())],
        "one copy in Sent"
    );
    assert!(
        w.folder_raw("Sent")[0].contains("archive@crm.example"),
        "Sent shows the Bcc"
    );
    assert!(
        w.folder_ids("Drafts").is_empty(),
        "its draft left Drafts once sent"
    );

    // Too late to undo now, in words the UI can show.
    let err = w.api.cancel_send(queued.outbox_id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("too late"), "{}", err.message);
    let outbox = w.api.list_outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].state.as_str(), outbox[0].subject.as_str()),
        ("done", "Re: Renewal terms (v3)")
    );
    assert!(outbox[0].sent_at.is_some());
    assert_eq!(w.api.outbox_due_at(w.account_id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undone_send_sends_nothing_and_comes_back_as_a_draft() {
    let w = World::new().await;
    let mut form = input_from(&w.api.compose_new(None).await.unwrap());
    form.to = vec![addr("dana@acme.test")];
    form.subject = "Pricing".into();
    form.html = Some("<p>See <b>attached</b>.</p>".into());
    form.attachments = vec![DraftFile {
        name: "quote.txt".into(),
        mime_type: "text/plain".into(),
        data_base64: "UXVvdGU6IDEwMCBFVVI=".into(),
    }];
    let queued = w.api.send(form.clone(), None).await.unwrap();
    let now = switchboard_core::Clock::now(w.clock.as_ref()).timestamp_millis();
    assert_eq!(
        queued.send_after,
        now + 10_000,
        "the default undo window is 10 s"
    );

    w.advance_secs(3);
    let back = w.api.cancel_send(queued.outbox_id).await.unwrap();
    assert!(back.draft_id.is_some());
    assert_eq!(back.subject, "Pricing");
    assert_eq!(back.html, form.html);
    assert_eq!(back.attachments, form.attachments);
    let err = w.api.cancel_send(queued.outbox_id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{}", err.message);

    w.advance_secs(60);
    let run = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert!(run.sent.is_empty(), "{run:?}");
    assert_eq!(run.drafts_uploaded, 1, "the draft is back, and in Drafts");
    assert!(w.smtp.received().unwrap().is_empty());
    assert!(w.folder_ids("Sent").is_empty());
    assert_eq!(w.folder_ids("Drafts").len(), 1);
    assert!(
        w.api.list_outbox().await.unwrap().is_empty(),
        "cancelled rows are not listed"
    );

    // Discarding it removes the Drafts copy on the next run.
    w.api.discard_draft(back.draft_id.unwrap()).await.unwrap();
    assert_eq!(
        w.api.outbox_due_at(w.account_id).await.unwrap(),
        Some(now + 63_000),
        "a discarded draft's copy is work for now"
    );
    let run = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert_eq!(run.drafts_deleted, 1, "{run:?}");
    assert!(w.folder_ids("Drafts").is_empty());
    let err = w
        .api
        .discard_draft(back.draft_id.unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_before_anything_is_queued() {
    let w = World::new().await;
    let mut form = input_from(&w.api.compose_new(Some(w.account_id)).await.unwrap());
    form.subject = "Hello".into();

    let err = w.api.send(form.clone(), Some(5)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("no recipients"), "{}", err.message);

    form.to = vec![addr("dana@acme.test")];
    form.cc = vec![addr("bob@")];
    let err = w.api.send(form.clone(), Some(5)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.starts_with("Cc: \"bob@\""), "{}", err.message);
    // A draft may hold it while the person is still typing.
    let saved = w.api.save_draft(form.clone()).await.unwrap();
    assert_eq!(saved.cc, [addr("bob@")]);

    form.cc.clear();
    form.attachments = vec![DraftFile {
        name: "huge.bin".into(),
        mime_type: "application/octet-stream".into(),
        data_base64: base64_zeros(26 * 1024 * 1024),
    }];
    let err = w.api.send(form.clone(), Some(5)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("limit is 25.0 MB"), "{}", err.message);

    let err = w.api.compose_reply(987_654, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    form.attachments.clear();
    form.account_id = 999;
    let err = w.api.send(form, Some(5)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(w.api.list_outbox().await.unwrap().is_empty());

    assert_eq!(w.api.undo_send_secs().await.unwrap(), 10);
    assert_eq!(w.api.set_undo_send_secs(90).await.unwrap(), 30);
    assert_eq!(w.api.undo_send_secs().await.unwrap(), 30);
    assert_eq!(w.api.set_undo_send_secs(1).await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_a_sent_folder_still_sends_and_says_so() {
    let w = World::new().await;
    // As if the server marked no folder \Sent and none was found by name.
    sqlx::query("UPDATE folders SET role = NULL WHERE role = 'sent'")
        .execute(w.api.store().pool())
        .await
        .unwrap();
    let mut form = input_from(&w.api.compose_new(None).await.unwrap());
    form.to = vec![addr("dana@acme.test")];
    form.subject = "No Sent here".into();
    let queued = w.api.send(form, Some(5)).await.unwrap();
    w.advance_secs(5);
    let run = w.api.run_outbox_once(w.account_id).await.unwrap();
    assert_eq!(run.sent, [queued.message_id], "{run:?}");
    assert_eq!(run.warnings.len(), 1, "{run:?}");
    assert!(
        run.warnings[0].contains("no Sent folder"),
        "{}",
        run.warnings[0]
    );
    assert_eq!(w.smtp.wait_for(1, Duration::from_secs(5)).unwrap().len(), 1);
    assert!(w.folder_ids("Sent").is_empty());
}

fn base64_zeros(bytes: usize) -> String {
    // Three zero bytes are "AAAA".
    "AAAA".repeat(bytes.div_ceil(3))
}
