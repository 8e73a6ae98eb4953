#![allow(clippy::unwrap_used)]
//! A Gmail account through the API layer, against the Gmail contract fake: added from a
//! refresh token (kept in the secret store only), synced into the unified Inbox, the
//! user's actions sent as label changes, and a revoked grant turning into "needs
//! sign-in" — once, with no retry loop.

use std::sync::Arc;
use switchboard_api::dto::{ApiAccountInput, ListThreadsArgs, MailAction};
use switchboard_api::Api;
use switchboard_core::ErrorCode;
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{GmailFake, GmailFakeOptions};

fn raw(id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Dana <dana@customer.example>\r\nTo: rep@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Tue, 10 Nov 2026 09:00:00 +0000\r\n\r\nbody\r\n"
    )
    .into_bytes()
}

/// The account as a script adds it: a refresh token, pointed at the fake.
fn account_input(fake: &GmailFake, refresh_token: String) -> ApiAccountInput {
    ApiAccountInput {
        name: "gmail".into(),
        kind: "gmail".into(),
        refresh_token,
        api_root: Some(fake.api_root()),
        token_url: Some(fake.token_url()),
        client_id: Some("switchboard-test".into()),
        mailbox: None,
        poll_seconds: None,
        body_window_days: None,
        quota_units_per_minute: None,
        calendar_api_root: None,
    }
}

fn labels(fake: &GmailFake, id: &str) -> Vec<String> {
    let state = fake.state().unwrap();
    let m = state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
        .clone();
    let mut l: Vec<String> = m["labelIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    l.sort();
    l
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gmail_account_syncs_acts_and_asks_for_sign_in_when_revoked() {
    let fake = GmailFake::start(GmailFakeOptions::default()).unwrap();
    let a = fake
        .insert(&raw("a@customer.example", "Pricing"), &["INBOX", "UNREAD"])
        .unwrap();
    let b = fake
        .insert(&raw("b@customer.example", "Contract"), &["INBOX"])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let api = Api::open(dir.path(), secrets.clone()).await.unwrap();

    let refresh = fake.grant().unwrap().refresh_token;
    let email = api
        .add_api_account(account_input(&fake, refresh.clone()))
        .await
        .unwrap();
    assert_eq!(email, fake.user());
    // The tokens live in the secret store; the database holds only the entry's name.
    assert!(secrets.keys().iter().any(|k| k.ends_with("/oauth")));
    let settings: String = sqlx::query_scalar("SELECT settings_json FROM accounts")
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    assert!(!settings.contains(&refresh), "{settings}");

    let summaries = api.sync_api_once(None, &mut |_| {}).await.unwrap();
    assert_eq!(summaries[0].fetched, 2);
    let statuses = api.account_statuses().await.unwrap();
    assert_eq!(statuses[0].state, "up_to_date");
    let inbox = api
        .list_threads(ListThreadsArgs {
            account_id: None,
            offset: 0,
            limit: 10,
            folder_id: None,
            role: Some("inbox".into()),
        })
        .await
        .unwrap();
    assert_eq!(inbox.items.len(), 2);

    // Read + archive, sent to Gmail as label changes.
    let local = |gmail_id: String| {
        let store = api.store().clone();
        async move {
            store
                .remote_message(1, &gmail_id)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (la, lb) = (local(a.id.clone()).await, local(b.id.clone()).await);
    api.apply_mail_action(MailAction::SetSeen {
        message_ids: vec![la],
        seen: true,
    })
    .await
    .unwrap();
    api.apply_mail_action(MailAction::Archive {
        message_ids: vec![lb],
    })
    .await
    .unwrap();
    api.sync_api_once(None, &mut |_| {}).await.unwrap();
    assert_eq!(labels(&fake, &a.id), vec!["INBOX"]);
    assert!(labels(&fake, &b.id).is_empty());
    let inbox = api
        .list_threads(ListThreadsArgs {
            account_id: None,
            offset: 0,
            limit: 10,
            folder_id: None,
            role: Some("inbox".into()),
        })
        .await
        .unwrap();
    assert_eq!(inbox.items.len(), 1);

    // Revoked: one refusal, status "needs sign-in", AuthExpired for the UI.
    fake.expire_tokens().unwrap();
    fake.revoke().unwrap();
    let err = api.sync_api_once(None, &mut |_| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthExpired, "{}", err.message);
    assert_eq!(
        api.account_statuses().await.unwrap()[0].state,
        "needs_sign_in"
    );
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}

/// A reply from a Gmail account goes through messages.send after the undo window, in the
/// original's Gmail thread, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_from_a_gmail_account_is_sent_through_the_api_once() {
    use switchboard_api::dto::DraftInput;
    use switchboard_core::{Clock, FixedClock};

    let fake = GmailFake::start(GmailFakeOptions::default()).unwrap();
    let original = fake
        .insert(&raw("q@customer.example", "Quote"), &["INBOX"])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let api = Api::open_with_clock(dir.path(), Arc::new(MemoryStore::new()), clock.clone())
        .await
        .unwrap();
    api.add_api_account(account_input(&fake, fake.grant().unwrap().refresh_token))
        .await
        .unwrap();
    api.sync_api_once(None, &mut |_| {}).await.unwrap();
    let message = api
        .store()
        .remote_message(1, &original.id)
        .await
        .unwrap()
        .unwrap();
    let reply = api.compose_reply(message.id, false).await.unwrap();
    assert_eq!(reply.from.email, fake.user());
    let queued = api
        .send(
            DraftInput {
                draft_id: reply.draft_id,
                account_id: reply.account_id,
                to: reply.to.clone(),
                cc: reply.cc.clone(),
                bcc: vec![],
                subject: reply.subject.clone(),
                text: "Here it is.\n".into(),
                html: None,
                attachments: vec![],
                inline_images: vec![],
                in_reply_to: reply.in_reply_to.clone(),
                references: reply.references.clone(),
            },
            Some(5),
        )
        .await
        .unwrap();
    // Nothing leaves during the undo window.
    assert!(api.run_outbox_once(1).await.unwrap().sent.is_empty());
    clock.set(clock.now() + chrono::Duration::seconds(6));
    let run = api.run_outbox_once(1).await.unwrap();
    assert_eq!(run.sent, vec![queued.message_id.clone()]);
    assert!(api.run_outbox_once(1).await.unwrap().sent.is_empty());
    let sends = fake.sends().unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].thread_id, original.thread_id);
    assert_eq!(
        sends[0].raw_message_id.as_deref(),
        Some(queued.message_id.as_str())
    );
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}

/// A draft saved in a Gmail account is created in Gmail's Drafts, replaced (not
/// duplicated) when saved again, and removed from Gmail when discarded.
#[tokio::test(flavor = "multi_thread")]
async fn gmail_drafts_are_created_replaced_and_removed_through_the_drafts_api() {
    use switchboard_api::dto::{Address, DraftInput};

    let fake = GmailFake::start(GmailFakeOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path(), Arc::new(MemoryStore::new()))
        .await
        .unwrap();
    api.add_api_account(account_input(&fake, fake.grant().unwrap().refresh_token))
        .await
        .unwrap();
    let input = |draft_id: Option<i64>, text: &str| DraftInput {
        draft_id,
        account_id: 1,
        to: vec![Address {
            name: None,
            email: "dana@customer.example".into(),
        }],
        cc: vec![],
        bcc: vec![],
        subject: "Proposal".into(),
        text: text.into(),
        html: None,
        attachments: vec![],
        inline_images: vec![],
        in_reply_to: None,
        references: vec![],
    };
    let drafts = || fake.state().unwrap()["drafts"].as_array().unwrap().len();

    let saved = api.save_draft(input(None, "first words")).await.unwrap();
    assert_eq!(api.run_outbox_once(1).await.unwrap().drafts_uploaded, 1);
    assert_eq!(drafts(), 1);
    api.save_draft(input(saved.draft_id, "second words"))
        .await
        .unwrap();
    assert_eq!(api.run_outbox_once(1).await.unwrap().drafts_uploaded, 1);
    assert_eq!(drafts(), 1, "replaced, not duplicated");
    assert_eq!(api.run_outbox_once(1).await.unwrap().drafts_uploaded, 0);
    api.discard_draft(saved.draft_id.unwrap()).await.unwrap();
    assert_eq!(api.run_outbox_once(1).await.unwrap().drafts_deleted, 1);
    assert_eq!(drafts(), 0);
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}
