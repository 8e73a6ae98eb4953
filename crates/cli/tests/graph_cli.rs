#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `account add graph` and `sync --once` against the Microsoft Graph contract fake, including
//! `kill -9` in the middle of an initial and of an incremental sync: after a restart the
//! local messages (Graph id, folder, read, flagged) equal the fake's — nothing lost,
//! nothing doubled. Needs a Secret Service (run under scripts/test-session.sh, as
//! `make test` does).

mod support;
use support::*;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use switchboard_testkit::{GraphFake, GraphFakeOptions};

/// (Graph immutable id, Graph folder id, read, flagged).
type Row = (String, String, bool, bool);

fn add_account(data: &Path, fake: &GraphFake) {
    let grant = fake.grant().unwrap();
    let mut child = cli()
        .arg("--data-dir")
        .arg(data)
        .args(["account", "add", "graph", "--name", "outlook"])
        .args([
            "--api-root",
            &fake.api_root(),
            "--token-url",
            &fake.token_url(),
        ])
        .args(["--client-id", "switchboard-test", "--refresh-token-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", grant.refresh_token).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(fake.user()), "{said}");
}

fn local_rows(data: &Path) -> BTreeSet<Row> {
    with_store(data, async |store| {
        let rows: Vec<(String, String, bool, bool)> = sqlx::query_as(
            "SELECT m.remote_id, f.wire_name, m.seen, m.flagged
             FROM messages m JOIN folders f ON f.id = m.folder_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let mut out = BTreeSet::new();
        for row in rows {
            let id = row.0.clone();
            assert!(out.insert(row), "{id} twice");
        }
        out
    })
}

fn fake_rows(fake: &GraphFake) -> BTreeSet<Row> {
    let state = fake.state().unwrap();
    let mut out = BTreeSet::new();
    for m in state["mailboxes"][0]["messages"].as_array().unwrap() {
        out.insert((
            m["immutableId"].as_str().unwrap().to_owned(),
            m["folderId"].as_str().unwrap().to_owned(),
            m["isRead"].as_bool().unwrap(),
            m["flagged"].as_bool().unwrap(),
        ));
    }
    out
}

#[test]
fn kill_9_during_graph_sync_loses_and_doubles_nothing() {
    // A little latency so the kill can land between pages.
    let fake = GraphFake::start(GraphFakeOptions {
        latency_ms: 2,
        ..Default::default()
    })
    .unwrap();
    let first: usize = 600;
    fake.bulk("inbox", first as u64, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, &fake);

    let mut landed = kill_mid_sync(&data, 0, first);
    sync_to_completion(&data);
    assert_eq!(local_rows(&data), fake_rows(&fake));

    // Another client changes things and more mail arrives; kill the incremental pass.
    let ids: Vec<String> = fake.state().unwrap()["mailboxes"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .take(20)
        .map(|m| m["immutableId"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids[..10] {
        fake.update(id, Some(true), Some(true)).unwrap();
    }
    for id in &ids[10..] {
        fake.delete(id).unwrap();
    }
    fake.bulk("inbox", first as u64, 2).unwrap();
    landed |= kill_mid_sync(&data, first - 10, first * 2 - 10);
    sync_to_completion(&data);
    let local = local_rows(&data);
    assert_eq!(local.len(), first * 2 - 10);
    assert_eq!(local, fake_rows(&fake));
    assert!(landed, "neither kill landed in the middle of a sync");
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}
