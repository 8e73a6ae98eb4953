#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `account add imap` and `sync --once` against a real Dovecot, including `kill -9` in
//! the middle of an initial and of an incremental sync: after a restart the local set of
//! messages (folder, UID, Message-ID) equals the server's — nothing lost, nothing doubled.
//! Needs a Secret Service (run under scripts/test-session.sh, as `make test` does).

mod support;
use support::*;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use switchboard_testkit::{free_port, Dovecot};

type Row = (String, u32, Option<String>);

fn add_account(data: &Path, server: &Dovecot, password: &str) -> Output {
    let mut child = cli()
        .arg("--data-dir")
        .arg(data)
        .args([
            "account",
            "add",
            "imap",
            "--name",
            "work",
            "--host",
            "127.0.0.1",
        ])
        .args([
            "--port",
            &server.imap_port().to_string(),
            "--security",
            "starttls",
        ])
        .arg("--ca-file")
        .arg(server.ca_pem())
        .args(["--user", server.user(), "--password-stdin"])
        .args([
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &free_port().to_string(),
        ])
        .args([
            "--smtp-security",
            "none",
            "--skip-smtp-check",
            "--body-window-days",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn message(i: usize) -> Vec<u8> {
    let root = i - i % 4;
    let refs = if i == root {
        String::new()
    } else {
        format!("In-Reply-To: <m{root}@acme.test>\r\nReferences: <m{root}@acme.test>\r\n")
    };
    format!(
        "From: Dana <dana@acme.test>\r\nTo: rep@example.test\r\nSubject: Deal {root}\r\n\
         Date: 01 Oct 2026 10:00:00 +0000\r\nMessage-ID: <m{i}@acme.test>\r\n{refs}\r\n{}\r\n",
        "pipeline forecast numbers ".repeat(120)
    )
    .into_bytes()
}

fn server_rows(server: &Dovecot) -> BTreeSet<Row> {
    let mut out = BTreeSet::new();
    for (folder, _) in server.folders().unwrap() {
        for m in server.server_state(&folder).unwrap() {
            out.insert((folder.clone(), m.uid, m.message_id));
        }
    }
    out
}

fn local_rows(data: &Path) -> BTreeSet<Row> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = switchboard_store::Store::open(data).await.unwrap();
        let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT f.name, m.uid, m.message_id FROM messages m JOIN folders f ON f.id = m.folder_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        store.close().await;
        rows.into_iter().map(|(f, u, m)| (f, u as u32, m)).collect()
    })
}

#[test]
fn kill_9_during_initial_and_incremental_sync_loses_and_doubles_nothing() {
    let server = Dovecot::start().unwrap();
    let first = 3000;
    server.bulk_fill("INBOX", (0..first).map(message)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = add_account(&data, &server, server.password());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut landed = kill_mid_sync(&data, 0, first);
    sync_to_completion(&data);
    assert_eq!(local_rows(&data), server_rows(&server));

    // More mail arrives; kill the incremental pass too.
    server
        .bulk_fill("INBOX", (first..first * 2).map(message))
        .unwrap();
    landed |= kill_mid_sync(&data, first, first * 2);
    sync_to_completion(&data);
    let local = local_rows(&data);
    assert_eq!(local.len(), first * 2);
    assert_eq!(local, server_rows(&server));
    assert!(landed, "neither kill landed in the middle of a sync");
}

#[test]
fn a_wrong_password_is_refused_clearly_and_nothing_is_stored() {
    let server = Dovecot::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = add_account(&data, &server, "not-the-password");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("authentication failed"), "{err}");
    let list = cli()
        .arg("--data-dir")
        .arg(&data)
        .args(["account", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

#[test]
fn the_password_must_come_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli()
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "account",
            "add",
            "imap",
            "--name",
            "w",
            "--host",
            "localhost",
            "--port",
            "143",
        ])
        .args(["--security", "starttls", "--user", "u"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-stdin"));
}
