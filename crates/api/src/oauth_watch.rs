//! Keeping Gmail and Graph accounts in sync: a pass per account every `poll_seconds`
//! (cheap when nothing changed: one history or delta request), backing off after
//! errors, and stopping an account — once, with its status saying so — when only a new
//! sign-in can help.

use std::time::Duration;

use switchboard_sync::api_mail::state;

use crate::dto::SyncProgressView;
use crate::{Api, ApiResult};

/// Waits after a failed pass: 30 s doubling to 15 min.
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(30)
        .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(5)))
        .min(Duration::from_secs(15 * 60))
}

impl Api {
    /// Every Gmail/Graph account (or the one named) until `stop` resolves. New unread
    /// Inbox mail is reported through `on_new` as (message id, thread id); an account
    /// that needs a new sign-in is reported once through `on_needs_sign_in` and left
    /// alone until it is signed in again (which restarts the watcher).
    pub async fn watch_api_accounts(
        &self,
        only: Option<&str>,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
        on_new: &mut switchboard_sync::imap::OnNewInbox<'_>,
        on_needs_sign_in: &mut (dyn FnMut(i64, &str) + Send),
        stop: impl std::future::Future<Output = ()> + Send,
    ) -> ApiResult<()> {
        let accounts = self.api_accounts(only).await?;
        if accounts.is_empty() {
            stop.await;
            return Ok(());
        }
        tokio::pin!(stop);
        // Next pass due per account (tokio time), failures so far, stopped for sign-in.
        let start = tokio::time::Instant::now();
        let mut due: Vec<(tokio::time::Instant, u32, bool)> =
            accounts.iter().map(|_| (start, 0, false)).collect();
        loop {
            let Some((i, at)) = due
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.2)
                .map(|(i, d)| (i, d.0))
                .min_by_key(|(_, at)| *at)
            else {
                stop.await;
                return Ok(());
            };
            tokio::select! {
                () = &mut stop => return Ok(()),
                () = tokio::time::sleep_until(at) => {}
            }
            let (row, config) = &accounts[i];
            let result = tokio::select! {
                () = &mut stop => return Ok(()),
                r = self.sync_api_account(row, config, progress) => r,
            };
            let poll = Duration::from_secs(u64::from(config.poll_seconds.clamp(15, 3600)));
            match result {
                Ok(report) => {
                    if !report.new_inbox.is_empty() {
                        on_new(&report.new_inbox);
                    }
                    due[i] = (tokio::time::Instant::now() + poll, 0, false);
                }
                Err(e) => {
                    let status = self.store.account_status(row.id).await?;
                    match status.as_ref().map(|s| s.state.as_str()) {
                        Some(state::NEEDS_SIGN_IN) => {
                            tracing::warn!(account = %row.name, "needs a new sign-in; sync stopped");
                            on_needs_sign_in(row.id, &row.name);
                            due[i].2 = true;
                        }
                        Some(state::RATE_LIMITED) => {
                            let until = status.and_then(|s| s.until_ms).unwrap_or(0);
                            let wait = u64::try_from(until - self.now_ms()).unwrap_or(0);
                            due[i] = (
                                tokio::time::Instant::now() + Duration::from_millis(wait).max(poll),
                                due[i].1,
                                false,
                            );
                        }
                        _ => {
                            let failures = due[i].1 + 1;
                            tracing::warn!(account = %row.name, error = %e.message, failures, "sync pass failed");
                            due[i] = (
                                tokio::time::Instant::now() + backoff(failures),
                                failures,
                                false,
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_to_fifteen_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(5), Duration::from_secs(480));
        assert_eq!(backoff(9), Duration::from_secs(900));
    }
}
