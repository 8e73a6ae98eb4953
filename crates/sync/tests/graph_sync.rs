#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Microsoft Graph mail sync against the Graph contract fake: after every pass the local
//! state equals the fake's (one row per immutable id, in its folder, read and flagged as
//! the server says, conversations threaded together), whatever happened in between
//! (another client, an expired delta token, an expired access token, a 429, a pass cut
//! off in the middle, local changes made offline). Every test ends by checking our
//! requests against the CSDL.

mod api_support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::Utc;
use serde_json::{json, Value};
use switchboard_core::{Clock, FixedClock};
use switchboard_mail::compose::{Draft, Mailbox as Address};
use switchboard_mail::graph::{GraphClient, Mailbox};
use switchboard_mail::rest::BudgetLimits;
use switchboard_store::{MailFlag, Store};
use switchboard_sync::graph::{sync_once, GraphSyncOptions};
use switchboard_sync::graph_send::{GraphMailbox, GraphTransport};
use switchboard_sync::imap::SyncReport;
use switchboard_sync::outbox::{Checkpoint, Outbox, SendAccount};
use switchboard_testkit::{GraphFailure, GraphFake, GraphFakeOptions};

struct Setup {
    fake: GraphFake,
    store: Store,
    _dir: tempfile::TempDir,
    client: GraphClient,
    clock: Arc<FixedClock>,
    account: i64,
    /// The fake's mailbox id of the synced mailbox.
    mailbox_id: String,
}

fn raw(id: &str, subject: &str, reply_to: Option<&str>) -> String {
    let refs = reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Dana Buyer <dana@customer.example>\r\nTo: rep@example.test\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}>\r\n{refs}\
         Date: Tue, 10 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nbody of {id}\r\n"
    )
}

fn client_for(fake: &GraphFake, account: i64, mailbox: Mailbox) -> GraphClient {
    let grant = fake.grant().unwrap();
    let grant = api_support::Grant {
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        expires_in: grant.expires_in,
    };
    let rest = api_support::rest_client(fake.token_url(), grant, account, BudgetLimits::GRAPH, 2);
    GraphClient::new(rest, &fake.api_root(), mailbox).with_page_size(5)
}

fn mailbox_json(state: &Value, id: &str) -> Value {
    state["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id || m["address"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no mailbox {id} in {state}"))
}

async fn setup_for(fake: GraphFake, mailbox: Mailbox) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Work", "graph", Some(fake.user()), 0)
        .await
        .unwrap();
    let client = client_for(&fake, account, mailbox.clone());
    let mailbox_id = match &mailbox {
        Mailbox::Me => fake.user().to_owned(),
        Mailbox::User(id) => id.clone(),
    };
    let mailbox_id = mailbox_json(&fake.state().unwrap(), &mailbox_id)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup {
        fake,
        store,
        _dir: dir,
        client,
        clock: Arc::new(FixedClock::new(Utc::now())),
        account,
        mailbox_id,
    }
}

async fn setup() -> Setup {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    fake.grant().unwrap();
    setup_for(fake, Mailbox::Me).await
}

/// (folder display path, read, flagged) per immutable id.
type MailState = BTreeMap<String, (String, bool, bool)>;

impl Setup {
    async fn try_sync_with(
        &self,
        options: &GraphSyncOptions,
    ) -> Result<SyncReport, switchboard_sync::api_mail::ApiSyncError> {
        sync_once(
            &self.store,
            &self.client,
            self.account,
            options,
            self.clock.as_ref(),
            &mut |_| {},
        )
        .await
    }

    async fn sync(&self) -> SyncReport {
        self.try_sync_with(&GraphSyncOptions::default())
            .await
            .unwrap()
    }

    fn advance(&self, secs: i64) {
        self.clock
            .set(self.clock.now() + chrono::Duration::seconds(secs));
    }

    fn server(&self) -> (MailState, HashMap<String, String>) {
        let mbx = mailbox_json(&self.fake.state().unwrap(), &self.mailbox_id);
        let folders: HashMap<String, (String, Option<String>)> = mbx["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_owned(),
                    (
                        f["displayName"].as_str().unwrap().to_owned(),
                        f["parentFolderId"].as_str().map(str::to_owned),
                    ),
                )
            })
            .collect();
        let path = |id: &str| {
            let mut parts = vec![];
            let mut cur = Some(id.to_owned());
            // The root (the one folder without a parent) is not part of a path.
            while let Some((name, Some(parent))) = cur.as_deref().and_then(|c| folders.get(c)) {
                parts.push(name.clone());
                cur = Some(parent.clone());
            }
            parts.reverse();
            parts.join("/")
        };
        let mut conversations = HashMap::new();
        let mut state = MailState::new();
        for m in mbx["messages"].as_array().unwrap() {
            let id = m["immutableId"].as_str().unwrap().to_owned();
            conversations.insert(id.clone(), m["conversationId"].as_str().unwrap().to_owned());
            state.insert(
                id,
                (
                    path(m["folderId"].as_str().unwrap()),
                    m["isRead"].as_bool().unwrap(),
                    m["flagged"].as_bool().unwrap_or(false),
                ),
            );
        }
        (state, conversations)
    }

    /// Local state, checking on the way that no id has two rows.
    async fn local(&self) -> MailState {
        let folders = self.store.folders(Some(self.account)).await.unwrap();
        let names: HashMap<i64, String> = folders.iter().map(|f| (f.id, f.name.clone())).collect();
        let rows: i64 = folders.iter().map(|f| f.message_count).sum();
        let ids = self.store.remote_ids(self.account).await.unwrap();
        assert_eq!(rows as usize, ids.len(), "one row per Graph id");
        let mut state = MailState::new();
        for id in ids {
            let m = self
                .store
                .remote_message(self.account, &id)
                .await
                .unwrap()
                .unwrap();
            state.insert(id, (names[&m.folder_id].clone(), m.seen, m.flagged));
        }
        state
    }

    async fn assert_equal_to_server(&self) {
        let (server, conversations) = self.server();
        assert_eq!(
            self.local().await,
            server,
            "local state differs from the fake's"
        );
        // Messages of one Graph conversation share one thread.
        let mut thread_of_conversation: HashMap<String, i64> = HashMap::new();
        for (id, conversation) in conversations {
            let row = self
                .store
                .remote_message(self.account, &id)
                .await
                .unwrap()
                .unwrap();
            let thread = self.store.message(row.id).await.unwrap().unwrap().thread_id;
            let first = *thread_of_conversation.entry(conversation).or_insert(thread);
            assert_eq!(first, thread, "conversation of {id} split across threads");
        }
    }

    fn assert_contract(&self) {
        assert_eq!(
            self.fake.contract_violations().unwrap(),
            Vec::<String>::new()
        );
    }

    async fn local_id(&self, remote: &str) -> i64 {
        self.store
            .remote_message(self.account, remote)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    async fn folder_named(&self, name: &str) -> i64 {
        self.store
            .folders(Some(self.account))
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap()
            .id
    }
}

#[tokio::test]
async fn first_and_incremental_sync_match_the_server() {
    let s = setup().await;
    let projects = s.fake.create_folder(None, "Projects").unwrap();
    let acme = s.fake.create_folder(Some(&projects), "Acme").unwrap();
    let first = s
        .fake
        .insert("inbox", &raw("q1@x", "Quote", None), false)
        .unwrap();
    let reply = s
        .fake
        .insert("inbox", &raw("q2@x", "Re: Quote", Some("q1@x")), true)
        .unwrap();
    s.fake
        .insert(&acme, &raw("a1@x", "Acme kickoff", None), false)
        .unwrap();
    s.fake.bulk("inbox", 23, 7).unwrap();
    assert_eq!(first.conversation_id, reply.conversation_id);

    let report = s.sync().await;
    assert_eq!(report.fetched, 26);
    s.assert_equal_to_server().await;
    let folders = s.store.folders(Some(s.account)).await.unwrap();
    let role = |name: &str| {
        folders
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .role
            .clone()
    };
    assert_eq!(role("Inbox").as_deref(), Some("inbox"));
    assert_eq!(role("Sent Items").as_deref(), Some("sent"));
    assert_eq!(role("Deleted Items").as_deref(), Some("trash"));
    assert_eq!(role("Projects/Acme"), None);

    // Another client reads, flags, moves, deletes; new mail arrives.
    s.fake
        .update(&first.immutable_id, Some(true), Some(true))
        .unwrap();
    s.fake.move_message(&reply.immutable_id, &acme).unwrap();
    let gone = s
        .fake
        .insert("inbox", &raw("g1@x", "Gone soon", None), false)
        .unwrap();
    s.sync().await;
    s.fake.delete(&gone.immutable_id).unwrap();
    let new = s
        .fake
        .insert("inbox", &raw("q3@x", "Re: Quote", Some("q2@x")), false)
        .unwrap();
    let moved_row = s.local_id(&reply.immutable_id).await;
    let report = s.sync().await;
    assert_eq!(report.fetched, 1);
    assert_eq!(report.deleted, 1);
    assert_eq!(
        report.new_inbox.len(),
        1,
        "the new unread Inbox message is announced"
    );
    assert_eq!(
        s.local_id(&reply.immutable_id).await,
        moved_row,
        "a moved message keeps its row"
    );
    assert_eq!(new.conversation_id, first.conversation_id);
    s.assert_equal_to_server().await;

    // A pass with nothing new changes nothing.
    let quiet = s.sync().await;
    assert_eq!(
        (quiet.fetched, quiet.deleted, quiet.flags_changed),
        (0, 0, 0)
    );
    s.assert_contract();
}

#[tokio::test]
async fn an_expired_delta_token_resyncs_without_duplicates() {
    let s = setup().await;
    s.fake.bulk("inbox", 17, 3).unwrap();
    let doomed = s
        .fake
        .insert("inbox", &raw("d1@x", "Doomed", None), false)
        .unwrap();
    s.sync().await;
    s.fake.expire_delta().unwrap();
    // While the token is dead: one message goes, one arrives, one is read elsewhere.
    s.fake.delete(&doomed.immutable_id).unwrap();
    let fresh = s
        .fake
        .insert("inbox", &raw("f1@x", "Fresh", None), false)
        .unwrap();
    s.fake
        .update(&fresh.immutable_id, Some(true), None)
        .unwrap();
    let report = s.sync().await;
    assert_eq!(report.fetched, 1, "only the new message is downloaded");
    assert_eq!(report.deleted, 1);
    s.assert_equal_to_server().await;
    let gone_410 = s
        .fake
        .requests()
        .unwrap()
        .iter()
        .filter(|r| r.status == 410)
        .count();
    assert!(gone_410 >= 1, "the fake answered 410");
    s.assert_contract();
}

#[tokio::test]
async fn a_pass_cut_off_mid_round_resumes_to_the_server_state() {
    let s = setup().await;
    s.fake.bulk("inbox", 30, 11).unwrap();
    let early = GraphSyncOptions {
        max_pages: Some(3),
        ..GraphSyncOptions::default()
    };
    // The first pass dies after 3 of 6 pages, as a kill -9 between pages would leave it.
    s.try_sync_with(&early).await.unwrap();
    let partial = s.local().await;
    assert!(
        !partial.is_empty() && partial.len() < 30,
        "{}",
        partial.len()
    );
    // Meanwhile a stored message goes and another client reads one.
    let (victim, _) = partial.iter().next().unwrap();
    s.fake.delete(victim).unwrap();
    s.sync().await;
    s.assert_equal_to_server().await;

    // The same during a resync after the delta token expired.
    s.fake.expire_delta().unwrap();
    s.fake.bulk("inbox", 6, 12).unwrap();
    s.try_sync_with(&GraphSyncOptions {
        max_pages: Some(2),
        ..GraphSyncOptions::default()
    })
    .await
    .unwrap();
    let local = s.local().await;
    let another = local.keys().find(|id| *id != victim).unwrap().clone();
    s.fake.delete(&another).unwrap();
    s.sync().await;
    s.assert_equal_to_server().await;
    s.assert_contract();
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_a_429_is_waited_out() {
    let s = setup().await;
    s.fake.bulk("inbox", 4, 5).unwrap();
    s.sync().await;
    s.fake.expire_tokens().unwrap();
    s.fake
        .insert("inbox", &raw("n1@x", "New", None), false)
        .unwrap();
    s.fake.clear_requests().unwrap();
    s.sync().await;
    let requests = s.fake.requests().unwrap();
    let refused = requests.iter().filter(|r| r.status == 401).count();
    assert_eq!(
        refused, 1,
        "one 401, then the refreshed token works: {requests:?}"
    );
    s.assert_equal_to_server().await;

    s.fake
        .fail_next(&GraphFailure {
            status: 429,
            count: 1,
            path_contains: Some("/delta".into()),
            retry_after: Some(1),
            code: Some("ApplicationThrottled".into()),
        })
        .unwrap();
    s.fake
        .insert("inbox", &raw("n2@x", "Newer", None), false)
        .unwrap();
    s.fake.clear_requests().unwrap();
    let report = s.sync().await;
    assert_eq!(report.fetched, 1);
    let requests = s.fake.requests().unwrap();
    let throttled = requests.iter().position(|r| r.status == 429).unwrap();
    // Retry-After is a lower bound on the next request (never an upper bound here).
    assert!(
        requests[throttled + 1].t_ms >= requests[throttled].t_ms + 1000,
        "the next request waited for Retry-After: {requests:?}"
    );
    s.assert_equal_to_server().await;
    let status = s.store.account_status(s.account).await.unwrap().unwrap();
    assert_eq!(status.state, "up_to_date");
    s.assert_contract();
}

#[tokio::test]
async fn local_changes_are_replayed_also_after_being_offline() {
    let s = setup().await;
    for i in 0..4 {
        s.fake
            .insert("inbox", &raw(&format!("l{i}@x"), "Local", None), false)
            .unwrap();
    }
    s.sync().await;
    let ids: Vec<String> = s.local().await.keys().cloned().collect();
    let local: Vec<i64> = {
        let mut v = vec![];
        for id in &ids {
            v.push(s.local_id(id).await);
        }
        v
    };
    let now = s.clock.now().timestamp_millis();
    s.store
        .remote_set_flag(&local[0..1], MailFlag::Seen, true, now)
        .await
        .unwrap();
    s.store
        .remote_set_flag(&local[1..2], MailFlag::Flagged, true, now)
        .await
        .unwrap();
    let archive = s.folder_named("Archive").await;
    s.store
        .remote_move(&local[2..3], archive, now)
        .await
        .unwrap();
    s.store
        .remote_move_to_role(&local[3..4], "trash", now)
        .await
        .unwrap();
    s.store.remote_empty_trash(s.account, now).await.unwrap();

    // Offline: every request fails for a while. The changes stay queued and win locally.
    s.fake
        .fail_next(&GraphFailure {
            // Three attempts of the first change, three of the folder list.
            status: 503,
            count: 6,
            ..GraphFailure::default()
        })
        .unwrap();
    let offline = s.try_sync_with(&GraphSyncOptions::default()).await;
    assert!(offline.is_err());
    assert_eq!(
        s.store.pending_remote_ids(s.account).await.unwrap().len(),
        4
    );
    // Another client reads the message we moved: our move must still happen.
    s.fake.update(&ids[2], Some(true), None).unwrap();

    s.advance(3600);
    s.sync().await;
    assert!(s
        .store
        .pending_remote_ids(s.account)
        .await
        .unwrap()
        .is_empty());
    let (server, _) = s.server();
    assert_eq!(server[&ids[0]], ("Inbox".into(), true, false));
    assert_eq!(server[&ids[1]], ("Inbox".into(), false, true));
    assert_eq!(server[&ids[2]], ("Archive".into(), true, false));
    assert!(!server.contains_key(&ids[3]), "emptied from Deleted Items");
    s.assert_equal_to_server().await;
    let status = s.store.account_status(s.account).await.unwrap().unwrap();
    assert_eq!(status.state, "up_to_date");
    s.assert_contract();
}

#[tokio::test]
async fn a_change_the_server_refuses_gives_way_to_the_server_state() {
    let s = setup().await;
    let m = s
        .fake
        .insert("inbox", &raw("r1@x", "Refused", None), false)
        .unwrap();
    s.sync().await;
    let local = s.local_id(&m.immutable_id).await;
    let now = s.clock.now().timestamp_millis();
    s.store
        .remote_set_flag(&[local], MailFlag::Seen, true, now)
        .await
        .unwrap();
    s.fake
        .fail_next(&GraphFailure {
            status: 403,
            count: 1,
            path_contains: Some("/messages/".into()),
            code: Some("ErrorAccessDenied".into()),
            ..GraphFailure::default()
        })
        .unwrap();
    s.sync().await;
    assert!(s
        .store
        .pending_remote_ids(s.account)
        .await
        .unwrap()
        .is_empty());
    s.assert_equal_to_server().await;
    assert!(
        !s.local().await[&m.immutable_id].1,
        "the server's unread wins"
    );
    s.assert_contract();
}

#[tokio::test]
async fn a_shared_mailbox_syncs_through_users() {
    let fake = GraphFake::start(GraphFakeOptions::default()).unwrap();
    fake.grant().unwrap();
    let user = fake.user().to_owned();
    let shared = fake
        .add_shared_mailbox("support@example.test", &[&user])
        .unwrap();
    fake.insert_message(&json!({
        "mailbox": shared, "folder": "inbox", "raw": raw("s1@x", "Help", None), "isRead": false
    }))
    .unwrap();
    fake.insert("inbox", &raw("own@x", "Mine", None), false)
        .unwrap();
    let s = setup_for(fake, Mailbox::User("support@example.test".into())).await;
    let report = s.sync().await;
    assert_eq!(report.fetched, 1, "only the shared mailbox's message");
    s.assert_equal_to_server().await;
    s.assert_contract();
}

#[tokio::test]
async fn old_messages_are_stored_header_only() {
    let s = setup().await;
    s.fake
        .insert_message(&json!({
            "folder": "inbox", "raw": raw("old@x", "Old quote", None),
            "receivedDateTime": "2020-01-01T10:00:00Z"
        }))
        .unwrap();
    let recent = s
        .fake
        .insert("inbox", &raw("new@x", "New quote", None), false)
        .unwrap();
    s.fake.clear_requests().unwrap();
    s.sync().await;
    let mime_fetches = s
        .fake
        .requests()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("$value"))
        .count();
    assert_eq!(mime_fetches, 1);
    let (server, _) = s.server();
    for id in server.keys() {
        let row = s.local_id(id).await;
        let complete = s.store.body_complete(row).await.unwrap().unwrap();
        assert_eq!(complete, *id == recent.immutable_id, "{id}");
        let message = s.store.message(row).await.unwrap().unwrap();
        assert!(message.subject.ends_with("quote"), "{}", message.subject);
    }
    s.assert_equal_to_server().await;
    s.assert_contract();
}

fn draft() -> Draft {
    let mut d = Draft::new(Address::named("Rep", "rep@example.test"));
    d.to.push(Address::new("lena@northwind.example"));
    d.subject = "Quote for 40 seats".into();
    d.text = "Hi Lena,\n\nthe quote is attached.\n".into();
    d
}

#[tokio::test]
async fn a_send_interrupted_anywhere_goes_exactly_once() {
    for crash in [
        Checkpoint::MarkedSending,
        Checkpoint::DataCommitted,
        Checkpoint::SmtpAnswered,
        Checkpoint::AcceptedRecorded,
    ] {
        let s = setup().await;
        let account = SendAccount {
            account_id: s.account,
            provider_saves_sent: true,
        };
        let outbox = || {
            Outbox::new(
                s.store.clone(),
                s.clock.clone(),
                fastrand::Rng::with_seed(1),
            )
        };
        let queued = outbox()
            .queue_send(s.account, &draft(), None, 5)
            .await
            .unwrap();
        s.advance(10);
        let mut transport = GraphTransport::new(s.client.clone());
        let mut mailbox = GraphMailbox::new(s.client.clone());
        let stopped = outbox()
            .crash_at(crash)
            .run_due(&account, &mut transport, &mut mailbox)
            .await;
        assert!(stopped.is_err(), "{crash:?}");

        // A new process: claims are released, the send resumes.
        let restarted = outbox();
        restarted.recover_after_restart().await.unwrap();
        let mut transport = GraphTransport::new(s.client.clone());
        let report = restarted
            .run_due(&account, &mut transport, &mut mailbox)
            .await
            .unwrap();
        assert_eq!(report.failed, 0, "{crash:?}");
        let sends = s.fake.sends().unwrap();
        assert_eq!(sends.len(), 1, "{crash:?}: {sends:?}");
        assert_eq!(
            sends[0].internet_message_id,
            format!("<{}>", queued.message_id),
            "{crash:?}"
        );
        assert!(sends[0].saved);
        let (server, _) = s.server();
        let drafts_left = server.values().filter(|(f, _, _)| f == "Drafts").count();
        assert_eq!(drafts_left, 0, "{crash:?}: no draft is left behind");
        s.assert_contract();
    }
}
