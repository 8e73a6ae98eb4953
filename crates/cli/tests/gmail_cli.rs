#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `account add gmail` and `sync --once` against the Gmail contract fake, including
//! `kill -9` in the middle of an initial and of an incremental sync: after a restart the
//! local messages (Gmail id, folders, read, starred) equal the fake's — nothing lost,
//! nothing doubled. Needs a Secret Service (run under scripts/test-session.sh, as
//! `make test` does).

mod support;
use support::*;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use switchboard_mail::gmail::label_state;
use switchboard_testkit::{GmailFake, GmailFakeOptions};

/// (Gmail id, home folder, label folders, seen, flagged) with folders by wire name.
type Row = (String, String, Vec<String>, bool, bool);

fn add_account(data: &Path, fake: &GmailFake) {
    let grant = fake.grant().unwrap();
    let mut child = cli()
        .arg("--data-dir")
        .arg(data)
        .args(["account", "add", "gmail", "--name", "gmail"])
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
        let rows: Vec<(String, String, String, bool, bool)> = sqlx::query_as(
            "SELECT m.remote_id, f.wire_name,
                    coalesce((SELECT group_concat(lf.wire_name, ' ') FROM
                        (SELECT l.folder_id FROM message_labels l WHERE l.message_id = m.id) x
                        JOIN folders lf ON lf.id = x.folder_id), ''),
                    m.seen, m.flagged
             FROM messages m JOIN folders f ON f.id = m.folder_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let mut out = BTreeSet::new();
        for (id, home, labels, seen, flagged) in rows {
            let mut labels: Vec<String> = labels.split_whitespace().map(str::to_owned).collect();
            labels.sort();
            assert!(
                out.insert((id.clone(), home, labels, seen, flagged)),
                "{id} twice"
            );
        }
        out
    })
}

fn fake_rows(fake: &GmailFake, data: &Path) -> BTreeSet<Row> {
    let folders: HashMap<String, i64> = with_store(data, async |store| {
        store
            .folders(None)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|f| f.wire_name.map(|w| (w, f.id)))
            .collect()
    });
    let wire: HashMap<i64, String> = folders.iter().map(|(w, id)| (*id, w.clone())).collect();
    let mut out = BTreeSet::new();
    for m in fake.state().unwrap()["messages"].as_array().unwrap() {
        let labels: Vec<String> = m["labelIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect();
        let s = label_state(&labels, &folders).unwrap();
        let mut listed: Vec<String> = s.label_folder_ids.iter().map(|f| wire[f].clone()).collect();
        listed.sort();
        out.insert((
            m["id"].as_str().unwrap().to_owned(),
            wire[&s.home_folder_id].clone(),
            listed,
            s.seen,
            s.flagged,
        ));
    }
    out
}

#[test]
fn kill_9_during_gmail_sync_loses_and_doubles_nothing() {
    // A little latency so the kill can land between batches.
    let fake = GmailFake::start(GmailFakeOptions {
        latency_ms: 2,
        ..Default::default()
    })
    .unwrap();
    // Small enough to stay inside Gmail's per-minute quota (the fake enforces it).
    let first = 600;
    fake.bulk(first).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, &fake);

    let mut landed = kill_mid_sync(&data, 0, first);
    sync_to_completion(&data);
    assert_eq!(local_rows(&data), fake_rows(&fake, &data));

    // Another client changes things and more mail arrives; kill the incremental pass.
    let ids: Vec<String> = fake.state().unwrap()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .take(20)
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids[..10] {
        fake.modify(id, &["STARRED"], &["INBOX"]).unwrap();
    }
    for id in &ids[10..] {
        fake.delete(id).unwrap();
    }
    fake.bulk(first).unwrap();
    landed |= kill_mid_sync(&data, first - 10, first * 2 - 10);
    sync_to_completion(&data);
    let local = local_rows(&data);
    assert_eq!(local.len(), first * 2 - 10);
    assert_eq!(local, fake_rows(&fake, &data));
    assert!(landed, "neither kill landed in the middle of a sync");
    let violations = fake.contract_violations().unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}
