//! Without a Secret Service every operation fails with `SecretError::NoBackend`, whose
//! message tells the user what to do, and never falls back to another store.
//!
//! `keyring` connects once per process, so the test re-runs itself in a child process
//! whose session bus address points nowhere.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::process::Command;

use switchboard_secrets::{KeychainStore, Secret, SecretError, SecretStore};

const CHILD_FLAG: &str = "SWITCHBOARD_SECRETS_UNAVAILABLE_CHILD";

#[test]
fn without_a_secret_service_every_operation_says_what_to_do() {
    if std::env::var_os(CHILD_FLAG).is_some() {
        check_no_backend();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "without_a_secret_service_every_operation_says_what_to_do",
            "--nocapture",
        ])
        .env(CHILD_FLAG, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/switchboard-test-bus",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_no_backend() {
    let store = KeychainStore::new("switchboard-test-unavailable");
    let results = [
        store
            .set("account/1/imap-password", &Secret::from("x"))
            .err(),
        store.get("account/1/imap-password").err(),
        store.delete("account/1/imap-password").err(),
    ];
    for result in results {
        let err = result.expect("an operation without a keyring must fail");
        assert!(matches!(err, SecretError::NoBackend(_)), "{err:?}");
        assert!(err.is_retryable());
        let message = err.to_string();
        assert!(message.contains("GNOME Keyring or KWallet"), "{message}");
        assert!(message.contains("unlock"), "{message}");
    }
}
