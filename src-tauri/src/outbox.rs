//! The outbox in the background: at start-up sends a crashed run left half-way resume,
//! then one loop sleeps until the next send is due (an undo window ending, a retry) or
//! until a command wakes it (a send queued or undone, a draft saved or discarded), and
//! runs each account's due work through `Api::run_outbox_once`. After a send the UI
//! hears `mail://changed`; after any change to the outbox, `outbox://changed`. An
//! account whose pass fails (offline, wrong password) or leaves work undone waits
//! longer each time, up to five minutes, so a dead server is not hammered.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_api::Api;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;

use crate::AppState;

/// The longest sleep without a wake-up: new accounts and missed events are noticed
/// within this time.
const IDLE_CHECK: Duration = Duration::from_secs(60);
const FIRST_BACKOFF_MS: i64 = 5_000;
const MAX_BACKOFF_MS: i64 = 5 * 60_000;

#[derive(Default)]
pub struct OutboxRunner {
    wake: Arc<Notify>,
}

/// Per-account waiting after a failed pass.
#[derive(Clone, Copy)]
struct Backoff {
    failures: u32,
    until_ms: i64,
}

fn backoff_ms(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_BACKOFF_MS
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF_MS)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl OutboxRunner {
    /// Something was queued, undone, saved or discarded: look again now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts the loop for the app's lifetime (no-op without a usable workspace).
    pub fn start(&self, app: &AppHandle) {
        let state = app.state::<AppState>();
        let Ok(api) = state.workspace.as_ref() else {
            return;
        };
        let api: Api = api.clone();
        let wake = self.wake.clone();
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            match api.recover_outbox().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(released = n, "outbox: resuming sends left by the last run")
                }
                Err(e) => tracing::error!(code = %e.code, "outbox recovery failed: {}", e.message),
            }
            let mut backoff: HashMap<i64, Backoff> = HashMap::new();
            loop {
                let next = run_due_accounts(&api, &app, &mut backoff).await;
                let wait = next
                    .map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)))
                    .unwrap_or(IDLE_CHECK)
                    .min(IDLE_CHECK);
                let _ = tokio::time::timeout(wait, wake.notified()).await;
            }
        });
    }
}

/// Runs every account whose work is due and returns when the next is (ms).
async fn run_due_accounts(
    api: &Api,
    app: &AppHandle,
    backoff: &mut HashMap<i64, Backoff>,
) -> Option<i64> {
    // "Pause sync" holds sending too: nothing leaves while the user has said stop. The
    // queue stays as it is and resuming wakes this loop.
    if api.sync_paused().await.unwrap_or(false) {
        return None;
    }
    let accounts = match api.outbox_accounts().await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(code = %e.code, "outbox: cannot list accounts: {}", e.message);
            return Some(now_ms() + IDLE_CHECK.as_millis() as i64);
        }
    };
    backoff.retain(|id, _| accounts.contains(id));
    let mut next: Option<i64> = None;
    let mut earliest = |at: i64| next = Some(next.map_or(at, |n: i64| n.min(at)));
    for account_id in accounts {
        let due = match api.outbox_due_at(account_id).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(account_id, code = %e.code, "outbox: {}", e.message);
                continue;
            }
        };
        let Some(due) = due else {
            backoff.remove(&account_id);
            continue;
        };
        let now = now_ms();
        let not_before = backoff
            .get(&account_id)
            .map_or(due, |b| due.max(b.until_ms));
        if not_before > now {
            earliest(not_before);
            continue;
        }
        let failed = match api.run_outbox_once(account_id).await {
            Ok(run) => {
                for w in &run.warnings {
                    tracing::warn!(account_id, "outbox: {w}");
                }
                if !run.sent.is_empty() {
                    tracing::info!(account_id, sent = run.sent.len(), "outbox: sent");
                    let _ = app.emit("mail://changed", ());
                }
                let _ = app.emit("outbox://changed", ());
                false
            }
            Err(e) => {
                tracing::warn!(account_id, code = %e.code, "outbox pass failed: {}", e.message);
                let _ = app.emit("outbox://changed", ());
                true
            }
        };
        // Work still due right after a pass (a draft that would not upload) counts as a
        // failure too, or the loop would spin on it.
        let still_due = api.outbox_due_at(account_id).await.ok().flatten();
        let now = now_ms();
        if failed || still_due.is_some_and(|at| at <= now) {
            let b = backoff.entry(account_id).or_insert(Backoff {
                failures: 0,
                until_ms: now,
            });
            b.failures += 1;
            b.until_ms = now + backoff_ms(b.failures);
            earliest(b.until_ms);
        } else {
            backoff.remove(&account_id);
            if let Some(at) = still_due {
                earliest(at);
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_from_five_seconds_to_five_minutes() {
        let got: Vec<i64> = [1, 2, 3, 4, 6, 7, 30].map(backoff_ms).to_vec();
        assert_eq!(
            got,
            [5_000, 10_000, 20_000, 40_000, 160_000, 300_000, 300_000]
        );
    }
}
