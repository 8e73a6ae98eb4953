//! Replaying local mail changes to the IMAP server.
//!
//! The user's read/unread, flag, move, archive, Trash and empty-Trash actions are applied
//! locally at once and queued as `mail.*` jobs by `switchboard-store` (see its
//! `local_changes` module for the payloads). [`replay_pending`] sends them, oldest first
//! per account, at the start of every sync pass — before anything is pulled, so the pull
//! already sees the server with our changes:
//!
//! - `mail.flags` → `UID STORE uids +FLAGS.SILENT (\Seen)` (or `-FLAGS`, or `\Flagged`):
//!   only the flag the user changed;
//! - `mail.move` → `UID MOVE` (or `UID COPY` + `\Deleted` + `UID EXPUNGE`). When the server
//!   reports COPYUID, the local row takes the new UID, so the next sync does not fetch a
//!   duplicate; without it the UID-less local row is deleted and the next sync fetches the
//!   server's copy;
//! - `mail.expunge` → `\Deleted` + `UID EXPUNGE` of exactly the UIDs the user saw.
//!
//! # The rule for concurrent edits
//!
//! A local change wins until it is replayed: sync does not overwrite the flags of UIDs
//! with pending jobs and does not fetch a pending moved-away UID back into its old folder.
//! The replay sends only the delta (+/- one flag), so another client's concurrent change
//! to a different flag is kept on both sides. If the other client deleted or moved the
//! message meanwhile, the server ignores our UIDs: the flag or move job is done as a
//! no-op and the next sync shows the server's truth. If the folder's UIDVALIDITY changed,
//! our UIDs mean nothing there: nothing is sent, and the next sync starts the folder over.
//!
//! # Failures
//!
//! A network error leaves the job queued (attempts + 1, `last_error` set, retried after
//! [`retry_delay`]) and ends the pass with the error: the connection is gone anyway. A
//! refusal by the server (NO/BAD, e.g. a destination folder another client deleted) fails
//! the job for good — visible in sync health — and lets the server's state win: a move's
//! UID-less rows are dropped and the folder's next sync compares everything. Replaying a
//! job twice (a crash after the server acted, before we recorded it) is harmless: `+FLAGS`
//! again changes nothing, and a move or expunge of UIDs already gone is a no-op.

use crate::imap::{connect, ImapAccount, SyncError};
use std::time::Duration;
use switchboard_core::Clock;
use switchboard_mail::imap::{FolderCursor, ImapSession};
use switchboard_store::{folder_cursor_scope, FolderRow, MailChange, MailChangeJob, Store};

/// First retry after a network error; doubles per attempt up to [`RETRY_MAX`]. No
/// jitter: these are one device's own jobs, not a crowd of clients returning at once.
const RETRY_START: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(10 * 60);

/// The wait before retrying a job that failed on its `attempts`-th claim (1-based).
pub fn retry_delay(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    RETRY_START
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(RETRY_MAX)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Jobs the server carried out (or that had nothing left to do there).
    pub done: usize,
    /// Jobs the server refused; the next sync shows the server's state instead.
    pub failed: usize,
}

/// What the server did with one job, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOutcome {
    /// Flags stored or messages expunged (UIDs the server no longer had were ignored).
    Applied,
    /// Moved; (message id, UID in the destination) for each message the server reported
    /// with COPYUID.
    Moved { placed: Vec<(i64, i64)> },
    /// Nothing sent: the folder's UIDVALIDITY changed or the folder is gone, so the job's
    /// UIDs name nothing any more.
    Stale,
}

fn now_ms(clock: &dyn Clock) -> i64 {
    clock.now().timestamp_millis()
}

/// Sends the account's due `mail.*` jobs over `session`, oldest first, and records each
/// result. Stops at the first network error (returned; the job is retried later) or when
/// the next job is not due or is being run by another pass.
pub async fn replay_pending(
    store: &Store,
    clock: &dyn Clock,
    account_id: i64,
    session: &mut ImapSession,
) -> Result<ReplayReport, SyncError> {
    let mut report = ReplayReport::default();
    while let Some(job) = store.claim_mail_change(account_id, now_ms(clock)).await? {
        match execute_change(store, session, &job).await {
            Ok(outcome) => {
                record_change(store, clock, &job, outcome).await?;
                report.done += 1;
            }
            Err(e) if retry_later(&e) => {
                let now = now_ms(clock);
                let retry_at =
                    now + i64::try_from(retry_delay(job.attempts).as_millis()).unwrap_or(i64::MAX);
                tracing::info!(job = job.id, error = %e, retry_at, "mail change not sent; retrying later");
                store
                    .fail_job(job.id, &e.to_string(), Some(retry_at), now)
                    .await?;
                return Err(e);
            }
            Err(e) => {
                let now = now_ms(clock);
                tracing::warn!(job = job.id, error = %e, "mail change refused; the server's state wins");
                store.abandon_mail_change(&job, &e.to_string(), now).await?;
                distrust_cursor(store, account_id, job.payload.folder_id, now).await?;
                report.failed += 1;
            }
        }
    }
    // EXPUNGE/VANISHED/FETCH news caused by our own commands is not news.
    let _ = session.take_unsolicited();
    Ok(report)
}

/// Connects, replays the account's due changes and logs out; connects only when a
/// change is due. For "send my changes now" outside a sync pass.
pub async fn replay_account(
    store: &Store,
    clock: &dyn Clock,
    account: &ImapAccount<'_>,
) -> Result<ReplayReport, SyncError> {
    if !store
        .has_due_mail_changes(account.id, now_ms(clock))
        .await?
    {
        return Ok(ReplayReport::default());
    }
    let mut session = connect(account).await?;
    let report = replay_pending(store, clock, account.id, &mut session).await;
    let _ = session.logout().await;
    report
}

/// Whether a job that failed with this error is retried rather than given up.
fn retry_later(e: &SyncError) -> bool {
    match e {
        SyncError::Net(e) => e.is_retryable(),
        // Our own database hiccuped: the server may be fine, try again later.
        SyncError::Store(_) => true,
        SyncError::Config(_) => false,
    }
}

fn wire_name(folder: &FolderRow) -> String {
    folder
        .wire_name
        .clone()
        .unwrap_or_else(|| folder.name.clone())
}

/// Carries out one claimed job on the server. Records nothing: see [`record_change`].
pub async fn execute_change(
    store: &Store,
    session: &mut ImapSession,
    job: &MailChangeJob,
) -> Result<ServerOutcome, SyncError> {
    let p = &job.payload;
    let folders = store.folders(Some(p.account_id)).await?;
    let find = |id: i64| folders.iter().find(|f| f.id == id);
    let Some(source) = find(p.folder_id) else {
        // The server no longer lists the folder; its messages went with it.
        return Ok(ServerOutcome::Stale);
    };
    let dest = match job.change {
        MailChange::Move { dest_folder_id } => Some(find(dest_folder_id).ok_or_else(|| {
            SyncError::Config(format!(
                "the destination folder of job {} no longer exists",
                job.id
            ))
        })?),
        _ => None,
    };
    let uids: Vec<u32> = p
        .uids
        .iter()
        .filter_map(|u| u32::try_from(*u).ok())
        .collect();
    let selected = session.select(&wire_name(source), None, false).await?;
    if source
        .uidvalidity
        .is_some_and(|v| v != i64::from(selected.uidvalidity))
    {
        return Ok(ServerOutcome::Stale);
    }
    match (job.change, dest) {
        (MailChange::Flags { flag, add }, _) => {
            session.uid_store(&uids, add, &[flag.imap()]).await?;
            Ok(ServerOutcome::Applied)
        }
        (MailChange::Expunge, _) => {
            session.uid_expunge(&uids).await?;
            Ok(ServerOutcome::Applied)
        }
        (MailChange::Move { .. }, Some(dest)) => {
            let copied = session.uid_move_mapped(&uids, &wire_name(dest)).await?;
            let placed = match copied {
                // A destination UID is only meaningful under the UIDVALIDITY we hold.
                Some((validity, pairs)) if dest.uidvalidity == Some(i64::from(validity)) => pairs
                    .into_iter()
                    .filter_map(|(from, to)| {
                        let i = p.uids.iter().position(|u| *u == i64::from(from))?;
                        Some((p.message_ids[i], i64::from(to)))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok(ServerOutcome::Moved { placed })
        }
        (MailChange::Move { .. }, None) => {
            Err(SyncError::Config("move without destination".into()))
        }
    }
}

/// Records what the server did with a job, and marks it done, in one transaction.
pub async fn record_change(
    store: &Store,
    clock: &dyn Clock,
    job: &MailChangeJob,
    outcome: ServerOutcome,
) -> Result<(), SyncError> {
    let now = now_ms(clock);
    match (job.change, outcome) {
        (MailChange::Move { .. }, ServerOutcome::Moved { placed }) => {
            store.finish_mail_move(job, &placed, now).await?
        }
        // A stale move: the rows waiting for it go; the next sync shows the server's state.
        (MailChange::Move { .. }, _) => store.finish_mail_move(job, &[], now).await?,
        _ => store.finish_job(job.id, now).await?,
    }
    Ok(())
}

/// Makes the folder's next sync compare every UID and flag instead of trusting its
/// MODSEQ, so a local change the server refused is replaced by the server's state.
async fn distrust_cursor(
    store: &Store,
    account_id: i64,
    folder_id: i64,
    now: i64,
) -> Result<(), SyncError> {
    let scope = folder_cursor_scope(folder_id);
    if let Some(cursor) = store
        .cursor(account_id, &scope)
        .await?
        .as_deref()
        .and_then(FolderCursor::parse)
    {
        let cursor = FolderCursor {
            complete: false,
            ..cursor
        };
        store
            .set_cursor(account_id, &scope, &cursor.to_json(), now)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_five_seconds_to_ten_minutes() {
        for (attempts, secs) in [
            (0, 5),
            (1, 5),
            (2, 10),
            (3, 20),
            (7, 320),
            (8, 600),
            (99, 600),
        ] {
            assert_eq!(
                retry_delay(attempts),
                Duration::from_secs(secs),
                "{attempts}"
            );
        }
    }
}
