#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! A password handed to Switchboard reaches the OS keychain and nothing else: not the
//! database (or its WAL), not the log file. Runs against the real Secret Service of
//! `scripts/test-session.sh`.

use std::path::Path;
use std::sync::Arc;
use switchboard_api::Api;
use switchboard_secrets::{KeychainStore, Secret, SecretStore};

const PASSWORD: &str = "hunter2-Zq9!-do-not-leak";

fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needle));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread")]
async fn password_goes_to_the_keychain_only() {
    let dir = tempfile::tempdir().unwrap();
    let guard = switchboard_api::logging::init_logging(dir.path(), false).unwrap();
    let service = format!("switchboard-leak-test-{}", std::process::id());
    let keychain = Arc::new(KeychainStore::new(service));
    let api = Api::open(dir.path(), keychain.clone()).await.unwrap();
    api.store()
        .ensure_account("Work", "imap", Some("me@example.com"), 0)
        .await
        .unwrap();

    let secret = Secret::new(PASSWORD.to_string());
    // Even a careless log line that includes the secret prints it redacted.
    tracing::warn!(?secret, "about to store {}", secret);
    let key = api.set_account_secret("Work", secret).await.unwrap();

    let stored = keychain
        .get(&key)
        .unwrap()
        .expect("the keychain holds the password");
    assert_eq!(stored.expose(), PASSWORD);
    let accounts = api.store().accounts().await.unwrap();
    assert_eq!(accounts[0].secret_ref.as_deref(), Some(key.as_str()));

    api.store().close().await;
    drop(guard); // flushes the log file
    let log_dir = switchboard_api::logging::log_dir(dir.path());
    let log_text: String = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        log_text.contains("<redacted>"),
        "the log line was written: {log_text}"
    );
    assert!(log_text.contains(&key), "the key name may be logged");
    assert_eq!(
        files_containing(dir.path(), PASSWORD.as_bytes()),
        Vec::<String>::new()
    );

    keychain.delete(&key).unwrap();
    assert!(keychain.get(&key).unwrap().is_none());
}
