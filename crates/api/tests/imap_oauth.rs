#![allow(clippy::unwrap_used)]
//! An IMAP account that signs in with OAuth2 (as Gmail and Outlook allow over IMAP):
//! the browser sign-in against a real authorization server (oidc-provider, driven by a
//! headless "browser"), XOAUTH2 to a Dovecot that checks the token at that server, the
//! tokens in the secret store only, and sync working with them.

use std::sync::Arc;
use std::time::Duration;
use switchboard_api::dto::ImapAccountInput;
use switchboard_api::imap_oauth::OAuthServer;
use switchboard_api::Api;
use switchboard_mail::imap::account::OAuthProvider;
use switchboard_secrets::MemoryStore;
use switchboard_testkit::{
    free_port, Dovecot, DovecotOAuth2, DovecotOptions, OidcOptions, OidcProvider,
};

fn servers() -> (Arc<OidcProvider>, Dovecot) {
    let oidc = OidcProvider::start(&OidcOptions {
        account: Dovecot::USER.to_owned(),
        introspection_client: true,
        access_token_ttl: Duration::from_secs(600),
    })
    .unwrap();
    let (client_id, client_secret) = oidc.introspection_client().unwrap();
    let dovecot = Dovecot::start_with_oauth2(
        DovecotOptions::default(),
        DovecotOAuth2 {
            introspection_url: oidc.introspection_url(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        },
    )
    .unwrap();
    (Arc::new(oidc), dovecot)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oauth_imap_account_signs_in_in_the_browser_and_syncs_over_xoauth2() {
    let (oidc, server) = tokio::task::spawn_blocking(servers).await.unwrap();
    for i in 0..3 {
        let raw = format!(
            "From: dana@acme.test\r\nTo: {}\r\nSubject: Deal {i}\r\nMessage-ID: <d{i}@acme.test>\r\n\r\nHello\r\n",
            Dovecot::USER
        );
        server.append("INBOX", raw.as_bytes(), &[]).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let api = Api::open(dir.path(), secrets.clone()).await.unwrap();
    let input = ImapAccountInput {
        name: "gmail-imap".into(),
        email: server.user().into(),
        user: server.user().into(),
        password: String::new(),
        imap_host: "127.0.0.1".into(),
        imap_port: server.imaps_port(),
        imap_security: "tls".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: free_port(),
        smtp_security: "none".into(),
        ca_file: Some(server.ca_pem().display().to_string()),
        body_window_days: Some(0),
        poll_minutes: Some(5),
        provider_saves_sent: Some(true),
    };
    let sign_in_server = OAuthServer {
        authorize_url: oidc.authorize_url(),
        token_url: oidc.token_url(),
        client_id: oidc.client_id().to_owned(),
        scopes: oidc.scopes(),
        extra_auth_params: vec![("prompt".into(), "consent".into())],
    };
    let browser = oidc.clone();
    let opened = Arc::new(std::sync::Mutex::new(None::<std::thread::JoinHandle<_>>));
    let slot = opened.clone();
    api.sign_in_imap_account(
        input,
        OAuthProvider::Google,
        Some(sign_in_server),
        move |url| {
            let url = url.to_owned();
            *slot.lock().unwrap() = Some(std::thread::spawn(move || {
                browser.follow_authorization(&url)
            }));
            Ok(())
        },
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{}\ndovecot log:\n{}\noidc log:\n{}",
            e.message,
            server.log(),
            oidc.log()
        )
    });
    let handle = opened.lock().unwrap().take().unwrap();
    handle.join().unwrap().unwrap();

    // Tokens only in the secret store.
    assert!(secrets.keys().iter().any(|k| k.ends_with("/oauth")));
    let settings: String = sqlx::query_scalar("SELECT settings_json FROM accounts")
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    assert!(settings.contains("\"oauth\""), "{settings}");
    assert!(
        !settings.to_lowercase().contains("access_token"),
        "{settings}"
    );

    let summaries = api.sync_imap_once(None, &mut |_| {}).await.unwrap();
    assert_eq!(summaries[0].fetched, 3);
}
