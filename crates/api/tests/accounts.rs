#![allow(clippy::unwrap_used)]
//! Adding an IMAP account: the connection test says what is wrong in words a person can
//! act on, the password reaches the secret store only, and a synced account shows its
//! folder tree with unread counts.

use std::sync::Arc;
use switchboard_api::dto::{ImapAccountInput, SyncProgressView};
use switchboard_api::Api;
use switchboard_core::ErrorCode;
use switchboard_secrets::{MemoryStore, SecretStore};
use switchboard_testkit::{free_port, Dovecot, SmtpSink};

fn input(server: &Dovecot, smtp: &SmtpSink, password: &str) -> ImapAccountInput {
    ImapAccountInput {
        name: "work".into(),
        email: server.user().into(),
        user: server.user().into(),
        password: password.into(),
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
    }
}

async fn api(dir: &std::path::Path) -> (Api, Arc<MemoryStore>) {
    let secrets = Arc::new(MemoryStore::new());
    (Api::open(dir, secrets.clone()).await.unwrap(), secrets)
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_tests_name_what_is_wrong() {
    let server = Dovecot::start().unwrap();
    // A submission server that offers no login at all.
    let smtp = SmtpSink::start_without_auth().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (api, _) = api(dir.path()).await;

    let ok = api
        .test_imap_account(input(&server, &smtp, server.password()))
        .await
        .unwrap();
    assert!(ok.imap.ok, "{:?}", ok.imap);
    assert_eq!(
        ok.smtp.kind.as_deref(),
        Some("unsupported"),
        "{:?}",
        ok.smtp
    );
    assert_eq!(
        ok.warnings.len(),
        1,
        "plain-text SMTP to localhost is allowed with a warning"
    );

    let kind = |t: switchboard_api::dto::ConnectionTest| t.imap.kind;
    let mut wrong_password = input(&server, &smtp, "nope");
    wrong_password.smtp_port = free_port();
    let t = api.test_imap_account(wrong_password).await.unwrap();
    assert_eq!(t.smtp.kind.as_deref(), Some("connection_refused"));
    assert_eq!(kind(t).as_deref(), Some("auth_failed"));

    let mut refused = input(&server, &smtp, server.password());
    refused.imap_port = free_port();
    assert_eq!(
        kind(api.test_imap_account(refused).await.unwrap()).as_deref(),
        Some("connection_refused")
    );

    let mut untrusted = input(&server, &smtp, server.password());
    untrusted.ca_file = None;
    let t = api.test_imap_account(untrusted).await.unwrap();
    assert_eq!(t.imap.kind.as_deref(), Some("tls"), "{}", t.imap.message);

    let mut tls_to_plain = input(&server, &smtp, server.password());
    tls_to_plain.imap_port = server.imap_port();
    assert_eq!(
        kind(api.test_imap_account(tls_to_plain).await.unwrap()).as_deref(),
        Some("tls")
    );

    let mut unknown = input(&server, &smtp, server.password());
    unknown.imap_host = "no-such-host.invalid".into();
    assert_eq!(
        kind(api.test_imap_account(unknown).await.unwrap()).as_deref(),
        Some("host_not_found")
    );

    let mut remote_plain = input(&server, &smtp, server.password());
    remote_plain.smtp_host = "smtp.example.com".into();
    let t = api.test_imap_account(remote_plain).await.unwrap();
    assert_eq!(t.smtp.kind.as_deref(), Some("plaintext_not_allowed"));

    let mut bad_security = input(&server, &smtp, server.password());
    bad_security.imap_security = "ssl3".into();
    let err = api.test_imap_account(bad_security).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_added_account_keeps_its_password_in_the_secret_store_and_syncs_its_folders() {
    let server = Dovecot::start().unwrap();
    let smtp = SmtpSink::start_without_auth().unwrap();
    server
        .append(
            "INBOX",
            b"From: Dana <dana@acme.test>\r\nSubject: Hello\r\nMessage-ID: <h1@acme.test>\r\n\r\nhi\r\n",
            &[],
        )
        .unwrap();
    server.create_folder("Projects/Acme").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (api, secrets) = api(dir.path()).await;

    let err = api
        .add_imap_account(input(&server, &smtp, "wrong"), true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthExpired);
    assert!(api.list_accounts().await.unwrap().is_empty());

    // SMTP offers no login here: requiring it refuses the account, not requiring adds it.
    let err = api
        .add_imap_account(input(&server, &smtp, server.password()), true)
        .await
        .unwrap_err();
    assert!(err.message.starts_with("SMTP:"), "{}", err.message);
    assert!(api.list_accounts().await.unwrap().is_empty());
    api.add_imap_account(input(&server, &smtp, server.password()), false)
        .await
        .unwrap();
    let accounts = api.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    let key = format!("account/{}/password", accounts[0].id);
    assert_eq!(
        secrets.get(&key).unwrap().unwrap().expose(),
        server.password()
    );
    let settings: String = sqlx::query_scalar("SELECT settings_json FROM accounts")
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    assert!(!settings.contains(server.password()));

    let mut seen: Vec<SyncProgressView> = Vec::new();
    let mut progress = |p: &SyncProgressView| seen.push(p.clone());
    let summary = api.sync_imap_once(None, &mut progress).await.unwrap();
    assert_eq!(summary[0].fetched, 1);
    assert!(seen
        .iter()
        .any(|p| p.folder == "INBOX" && p.done == 1 && p.total == 1));

    let folders = api.list_folders(Some(accounts[0].id)).await.unwrap();
    let inbox = folders
        .iter()
        .find(|f| f.role.as_deref() == Some("inbox"))
        .unwrap();
    assert_eq!((inbox.message_count, inbox.unread_count), (1, 1));
    let acme = folders.iter().find(|f| f.name == "Projects/Acme").unwrap();
    assert_eq!((acme.label.as_str(), acme.depth), ("Acme", 1));
    assert_eq!(folders[0].role.as_deref(), Some("inbox"), "Inbox first");
}
