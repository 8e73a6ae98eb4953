//! What the `kill -9` CLI tests share: running the CLI, opening its store, and killing a
//! `sync --once` in the middle.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use switchboard_testkit::wait_until;

pub fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
}

pub fn sync_child(data: &Path) -> Child {
    cli()
        .arg("--data-dir")
        .arg(data)
        .args(["sync", "--once", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `f` on the workspace's store, opened and closed around it.
pub fn with_store<T>(data: &Path, f: impl AsyncFnOnce(&switchboard_store::Store) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = switchboard_store::Store::open(data).await.unwrap();
        let out = f(&store).await;
        store.close().await;
        out
    })
}

pub fn stored_count(data: &Path) -> usize {
    with_store(data, async |store| {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap() as usize
    })
}

/// Starts `sync --once`, kills it with SIGKILL once it has stored some but not all of
/// `target` messages, and says whether the kill landed mid-sync.
pub fn kill_mid_sync(data: &Path, before: usize, target: usize) -> bool {
    let mut child = sync_child(data);
    let mut landed = false;
    let _ = wait_until(
        "the sync to store its first batches",
        Duration::from_secs(120),
        || {
            let n = stored_count(data);
            if n > before && n < target {
                landed = true;
                return true;
            }
            n >= target || child.try_wait().ok().flatten().is_some()
        },
    );
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    landed
}

pub fn sync_to_completion(data: &Path) {
    let out = sync_child(data).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
