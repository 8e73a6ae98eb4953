//! `KeychainStore` against the real Secret Service. The suite runs `cargo test` inside
//! `scripts/test-session.sh`, which provides a private session bus and an unlocked
//! gnome-keyring; outside it these tests fail with a message saying so rather than skip.
//!
//! Each test files its entries under a service name of its own and removes them when it
//! ends, so tests can run in parallel and on a developer's own keyring.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use switchboard_secrets::{KeychainStore, Secret, SecretStore};

/// A keychain store under a unique service name that deletes `keys` when dropped.
struct Scratch {
    store: KeychainStore,
    keys: Vec<String>,
}

impl Scratch {
    fn new(test: &str, keys: &[&str]) -> Self {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "no D-Bus session bus: the keychain tests need a running Secret Service. Run them \
             inside scripts/test-session.sh, e.g. \
             `scripts/test-session.sh cargo test -p switchboard-secrets` \
             (scripts/install-deps.sh test installs what it needs)"
        );
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let service = format!("switchboard-test-{test}-{}-{nanos}", std::process::id());
        Self {
            store: KeychainStore::new(service),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    fn service(&self) -> &str {
        self.store.service()
    }

    fn get(&self, key: &str) -> Option<String> {
        self.store
            .get(key)
            .unwrap_or_else(|err| panic!("get {key}: {err}"))
            .map(|secret| secret.expose().clone())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for key in &self.keys {
            let _ = self.store.delete(key);
        }
    }
}

/// Runs `secret-tool`, the Secret Service's own command-line client, so the tests see what
/// is really in the keyring rather than trusting the crate under test.
fn secret_tool(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool is missing: run scripts/install-deps.sh test (libsecret-tools)");
    let input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        let mut input = input;
        input.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn lookup_with_secret_tool(service: &str, key: &str) -> Option<String> {
    let out = secret_tool(&["lookup", "service", service, "username", key], None);
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn set_get_overwrite_delete() {
    let key = "account/3/imap-password";
    let scratch = Scratch::new("round-trip", &[key]);
    let store = &scratch.store;

    store.set(key, &Secret::from("first")).unwrap();
    assert_eq!(scratch.get(key).as_deref(), Some("first"));

    store.set(key, &Secret::from("second")).unwrap();
    assert_eq!(scratch.get(key).as_deref(), Some("second"));
    assert_eq!(
        lookup_with_secret_tool(scratch.service(), key).as_deref(),
        Some("second"),
        "the value must be in the Secret Service, as one item"
    );

    store.delete(key).unwrap();
    assert_eq!(scratch.get(key), None);
    assert_eq!(lookup_with_secret_tool(scratch.service(), key), None);
}

#[test]
fn missing_keys_read_as_none_and_delete_quietly() {
    let scratch = Scratch::new("missing", &[]);
    assert_eq!(scratch.get("account/404/imap-password"), None);
    scratch.store.delete("account/404/imap-password").unwrap();
}

#[test]
fn services_and_keys_do_not_collide() {
    let key = "crm/hubspot/api-key";
    let ours = Scratch::new("ours", &[key, "crm/pipedrive/api-key"]);
    let theirs = Scratch::new("theirs", &[key]);

    ours.store.set(key, &Secret::from("ours")).unwrap();
    ours.store
        .set("crm/pipedrive/api-key", &Secret::from("pipedrive"))
        .unwrap();
    theirs.store.set(key, &Secret::from("theirs")).unwrap();

    assert_eq!(ours.get(key).as_deref(), Some("ours"));
    assert_eq!(theirs.get(key).as_deref(), Some("theirs"));

    ours.store.delete(key).unwrap();
    assert_eq!(ours.get(key), None);
    assert_eq!(
        ours.get("crm/pipedrive/api-key").as_deref(),
        Some("pipedrive")
    );
    assert_eq!(theirs.get(key).as_deref(), Some("theirs"));
}

#[test]
fn values_keep_every_character() {
    let key = "account/7/oauth-refresh-token";
    let scratch = Scratch::new("unicode", &[key]);
    let long = "ä🔑x ".repeat(2000);
    for value in ["pässwörd 🔑 with spaces", " ", long.as_str()] {
        scratch.store.set(key, &Secret::from(value)).unwrap();
        assert_eq!(scratch.get(key).as_deref(), Some(value));
    }
}

#[test]
fn reads_items_stored_by_other_secret_service_clients() {
    let key = "account/9/caldav-password";
    let scratch = Scratch::new("interop", &[key]);
    let out = secret_tool(
        &[
            "store",
            "--label",
            "stored by secret-tool",
            "service",
            scratch.service(),
            "username",
            key,
        ],
        Some("from-secret-tool"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(scratch.get(key).as_deref(), Some("from-secret-tool"));
}

#[test]
fn deleting_removes_every_entry_the_key_matches() {
    let key = "account/5/smtp-password";
    let scratch = Scratch::new("duplicates", &[key]);
    scratch.store.set(key, &Secret::from("ours")).unwrap();
    // Another client files a second item that the same service and user name also match.
    let out = secret_tool(
        &[
            "store",
            "--label",
            "duplicate",
            "service",
            scratch.service(),
            "username",
            key,
            "origin",
            "other-app",
        ],
        Some("theirs"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let err = scratch
        .store
        .get(key)
        .expect_err("two matching items are ambiguous");
    assert!(!err.is_retryable());
    assert!(!err.to_string().contains("ours") && !err.to_string().contains("theirs"));

    scratch.store.delete(key).unwrap();
    assert_eq!(scratch.get(key), None);
    let out = secret_tool(&["search", "--all", "service", scratch.service()], None);
    let listing = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(!listing.contains(key), "left behind: {listing}");
}

#[test]
fn shared_between_threads() {
    let keys: Vec<String> = (0..4)
        .map(|i| format!("account/{i}/imap-password"))
        .collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let scratch = Scratch::new("threads", &key_refs);
    let store = Arc::new(scratch.store.clone());

    let workers: Vec<_> = keys
        .iter()
        .cloned()
        .map(|key| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                store
                    .set(&key, &Secret::new(format!("value of {key}")))
                    .unwrap();
                store.get(&key).unwrap().map(|s| s.expose().clone())
            })
        })
        .collect();
    for (key, worker) in keys.iter().zip(workers) {
        assert_eq!(worker.join().unwrap(), Some(format!("value of {key}")));
    }
}
