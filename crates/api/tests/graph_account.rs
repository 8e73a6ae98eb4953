#![allow(clippy::unwrap_used)]
//! An Outlook (Microsoft Graph) account through the API layer, against the Graph contract
//! fake: added from a refresh token, synced into the unified Inbox, the user's actions
//! replayed as Graph updates, a reply sent once through the outbox, and a revoked grant
//! ending in "needs sign-in".

use std::sync::Arc;
use switchboard_api::dto::{ApiAccountInput, DraftInput, ListThreadsArgs, MailAction};
use switchboard_api::Api;
use switchboard_core::{Clock, ErrorCode, FixedClock};
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{GraphFake, GraphFakeOptions};

fn raw(id: &str, subject: &str) -> String {
    format!(
        "From: Dana <dana@customer.example>\r\nTo: rep@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: {}\r\n\r\nbody\r\n",
        chrono::Utc::now().to_rfc2822()
    )
}

fn inbox_args() -> ListThreadsArgs {
    ListThreadsArgs {
        account_id: None,
        offset: 0,
        limit: 10,
        folder_id: None,
        role: Some("inbox".into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outlook_account_syncs_acts_sends_and_asks_for_sign_in_when_revoked() {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    let a = fake
        .insert("inbox", &raw("a@customer.example", "Pricing"), false)
        .unwrap();
    let b = fake
        .insert("inbox", &raw("b@customer.example", "Contract"), true)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let api = Api::open_with_clock(dir.path(), Arc::new(MemoryStore::new()), clock.clone())
        .await
        .unwrap();
    let email = api
        .add_api_account(ApiAccountInput {
            name: "outlook".into(),
            kind: "graph".into(),
            refresh_token: fake.grant().unwrap().refresh_token,
            api_root: Some(fake.api_root()),
            token_url: Some(fake.token_url()),
            client_id: Some("switchboard-test".into()),
            mailbox: None,
            poll_seconds: None,
            body_window_days: None,
            quota_units_per_minute: None,
            calendar_api_root: None,
        })
        .await
        .unwrap();
    assert_eq!(email, fake.user());
    let summaries = api.sync_api_once(None, &mut |_| {}).await.unwrap();
    assert_eq!(summaries[0].fetched, 2);
    assert_eq!(api.account_statuses().await.unwrap()[0].state, "up_to_date");
    assert_eq!(api.list_threads(inbox_args()).await.unwrap().items.len(), 2);

    // Read + archive, replayed to Graph.
    let local = |id: String| {
        let store = api.store().clone();
        async move { store.remote_message(1, &id).await.unwrap().unwrap().id }
    };
    let (la, lb) = (
        local(a.immutable_id.clone()).await,
        local(b.immutable_id.clone()).await,
    );
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
    assert_eq!(api.send_mail_changes(None).await.unwrap(), 2);
    let state = fake.state().unwrap();
    let mailbox = &state["mailboxes"][0];
    let folder_of = |id: &str| -> String {
        let m = mailbox["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["immutableId"] == id)
            .unwrap();
        let folder = m["folderId"].as_str().unwrap();
        let f = mailbox["folders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == folder)
            .unwrap();
        f["wellKnown"].as_str().unwrap_or_default().to_owned()
    };
    let read = mailbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["immutableId"] == a.immutable_id.as_str())
        .unwrap()["isRead"]
        .as_bool();
    assert_eq!(read, Some(true));
    assert_eq!(folder_of(&b.immutable_id), "archive");
    api.sync_api_once(None, &mut |_| {}).await.unwrap();
    assert_eq!(api.list_threads(inbox_args()).await.unwrap().items.len(), 1);

    // A reply goes out once, after the undo window.
    let reply = api.compose_reply(la, false).await.unwrap();
    let queued = api
        .send(
            DraftInput {
                draft_id: reply.draft_id,
                account_id: reply.account_id,
                to: reply.to.clone(),
                cc: vec![],
                bcc: vec![],
                subject: reply.subject.clone(),
                text: "Thanks.\n".into(),
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
    clock.set(clock.now() + chrono::Duration::seconds(6));
    assert_eq!(
        api.run_outbox_once(1).await.unwrap().sent,
        vec![queued.message_id.clone()]
    );
    assert!(api.run_outbox_once(1).await.unwrap().sent.is_empty());
    assert_eq!(fake.sends().unwrap().len(), 1);

    // Revoked: "needs sign-in", AuthExpired for the UI.
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

/// Mail older than the body window is stored header-only and fetched through `$value`
/// when it is opened.
#[tokio::test(flavor = "multi_thread")]
async fn an_old_graph_message_gets_its_body_when_opened() {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    let old = "From: Dana <dana@customer.example>\r\nTo: rep@example.test\r\nSubject: Old deal\r\n\
               Message-ID: <old@customer.example>\r\nDate: Tue, 10 Mar 2020 09:00:00 +0000\r\n\r\n\
               the old pricing sheet\r\n";
    let inserted = fake
        .insert_message(&serde_json::json!({
            "folder": "inbox",
            "raw": old,
            "isRead": true,
            "receivedDateTime": "2020-03-10T09:00:00Z",
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(dir.path(), Arc::new(MemoryStore::new()))
        .await
        .unwrap();
    api.add_api_account(ApiAccountInput {
        name: "outlook".into(),
        kind: "graph".into(),
        refresh_token: fake.grant().unwrap().refresh_token,
        api_root: Some(fake.api_root()),
        token_url: Some(fake.token_url()),
        client_id: Some("switchboard-test".into()),
        mailbox: None,
        poll_seconds: None,
        body_window_days: Some(90),
        quota_units_per_minute: None,
        calendar_api_root: None,
    })
    .await
    .unwrap();
    api.sync_api_once(None, &mut |_| {}).await.unwrap();
    let row = api
        .store()
        .remote_message(1, &inserted.immutable_id)
        .await
        .unwrap()
        .unwrap();
    let complete: bool = sqlx::query_scalar("SELECT body_complete FROM messages WHERE id = ?")
        .bind(row.id)
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    assert!(!complete, "stored header-only");
    let view = api.fetch_body(row.id).await.unwrap();
    assert!(
        format!("{view:?}").contains("old pricing sheet"),
        "{view:?}"
    );
    let complete: bool = sqlx::query_scalar("SELECT body_complete FROM messages WHERE id = ?")
        .bind(row.id)
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    assert!(complete);
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}
