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

/// Kills `child` with SIGKILL as soon as `moved` sees it change the store: `None` while
/// nothing changed, `Some(mid)` once something did (`mid`: the work is not complete yet).
/// Says whether the kill landed in the middle.
pub fn kill_once_moved(mut child: Child, mut moved: impl FnMut() -> Option<bool>) -> bool {
    let mut landed = false;
    let _ = wait_until(
        "the sync to store its first batches",
        Duration::from_secs(120),
        || {
            if child.try_wait().ok().flatten().is_some() {
                return true;
            }
            match moved() {
                None => false,
                Some(mid) => {
                    landed = mid;
                    true
                }
            }
        },
    );
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    landed
}

/// Starts `sync --once`, kills it with SIGKILL once it has stored some but not all of
/// `target` messages, and says whether the kill landed mid-sync.
pub fn kill_mid_sync(data: &Path, before: usize, target: usize) -> bool {
    kill_once_moved(sync_child(data), || {
        let n = stored_count(data);
        (n > before).then_some(n < target)
    })
}

/// Runs `child` to its end and fails the test unless it succeeded.
pub fn run_to_completion(child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `calendar sync --json` on the workspace.
pub fn calendar_sync_child(data: &Path) -> Child {
    cli()
        .arg("--data-dir")
        .arg(data)
        .args(["calendar", "sync", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts `calendar sync`, kills it with SIGKILL once `rows` of the store have moved from
/// `before` (and are not yet `target`), and says whether the kill landed mid-pass.
pub fn kill_mid_calendar_sync<R: PartialEq>(
    data: &Path,
    before: &R,
    target: &R,
    rows: impl Fn(&Path) -> R,
) -> bool {
    kill_once_moved(calendar_sync_child(data), || {
        let now = rows(data);
        (now != *before).then(|| now != *target)
    })
}

pub fn sync_to_completion(data: &Path) {
    run_to_completion(sync_child(data));
}
