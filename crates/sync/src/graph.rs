//! One sync pass of a Microsoft Graph mail account: replay the account's queued local
//! changes (`mail.remote` jobs), refresh the folder list, then pull each folder's
//! `messages/delta` round page by page.
//!
//! Each page is applied together with the folder's cursor in ONE store transaction, so a
//! pass stopped anywhere (kill -9 included) resumes from the page after the last one
//! applied and replays never duplicate (the store turns an insert of a held id into an
//! update). The cursor is a small JSON record ([`FolderCursor`]): which Graph folder it is
//! for, and where the folder's round stands:
//!
//! - `paging`: following a round's next links. `full` marks a snapshot round (first sync,
//!   or after Graph forgot our delta token with 410 `syncStateNotFound`); `reconcile`
//!   says the local folder may hold rows the snapshot will not mention (it had rows when
//!   the round began, or the round was interrupted and resumed).
//! - `reconcile`: a full round ended; before following its delta link, the folder's ids
//!   on the server are listed and every local row of the folder that is not there is
//!   checked by id (gone → deleted; moved → follows its folder). Being in the cursor,
//!   the check survives a crash too: a restart does it again.
//! - `delta`: up to date; the delta link asks for what changed since.
//!
//! A message reported removed from a folder is asked for by id before its row goes: with
//! immutable ids a move is "removed here, added there" and the row only changes folder.
//! Messages received within the body window are fetched as MIME (`$value`); older ones
//! are stored header-only from the delta entry (their body comes when they are opened).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use switchboard_core::Clock;
use switchboard_mail::graph::{
    header_only_message, mime_to_new_message, plan_delta_page, remote_folders, remote_state,
    GraphClient, GraphError, GraphMessage, PageContext, WELL_KNOWN_ROLES,
};
use switchboard_mail::rest::{Priority, RestError, RetryPolicy};
use switchboard_store::{
    FolderRow, MailFlag, NewMessage, RemoteChangeJob, RemoteChanges, RemoteOp, RemoteState, Store,
};

use crate::api_mail::{duration_ms, record_outcome, state, ApiSyncError};
use crate::imap::{SyncProgress, SyncReport};

impl From<GraphError> for ApiSyncError {
    fn from(e: GraphError) -> Self {
        match e {
            GraphError::Rest(r) => ApiSyncError::Rest(r),
            other => ApiSyncError::Protocol(other.to_string()),
        }
    }
}

/// How a pass behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSyncOptions {
    /// Messages received within this many days are fetched whole; older ones are stored
    /// header-only. 0 fetches every body.
    pub body_window_days: u32,
    /// MIME downloads in flight at once (Outlook allows 4 concurrent requests per mailbox).
    pub fetch_concurrency: usize,
    /// Stop after applying this many delta pages, as if the process died there (tests,
    /// and a bounded pass); the next pass resumes from the stored cursor.
    pub max_pages: Option<usize>,
}

impl Default for GraphSyncOptions {
    fn default() -> Self {
        Self {
            body_window_days: 90,
            fetch_concurrency: 4,
            max_pages: None,
        }
    }
}

/// The cursor scope of a folder's delta round.
pub fn cursor_scope(folder_id: i64) -> String {
    format!("graph:delta:{folder_id}")
}

/// Where a folder's delta round stands (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCursor {
    /// The Graph folder id the links belong to.
    pub folder: String,
    #[serde(flatten)]
    pub round: Round,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Round {
    Paging {
        link: String,
        full: bool,
        reconcile: bool,
    },
    Reconcile {
        delta_link: String,
    },
    Delta {
        delta_link: String,
    },
}

/// The round state after a page: its next link, or at the end of the round the delta
/// link (through a reconcile when the round was a snapshot that needs one).
pub fn next_round(
    current: &Round,
    page_next: Option<&str>,
    page_delta: Option<&str>,
) -> Option<Round> {
    let (full, reconcile) = match current {
        Round::Paging {
            full, reconcile, ..
        } => (*full, *reconcile),
        _ => (false, false),
    };
    match (page_next, page_delta) {
        (Some(link), _) => Some(Round::Paging {
            link: link.to_owned(),
            full,
            reconcile,
        }),
        (None, Some(delta)) if full && reconcile => Some(Round::Reconcile {
            delta_link: delta.to_owned(),
        }),
        (None, Some(delta)) => Some(Round::Delta {
            delta_link: delta.to_owned(),
        }),
        (None, None) => None,
    }
}

/// The round to continue from a stored cursor. A snapshot round that was interrupted
/// is reconciled when it ends: rows from its earlier pages may have gone meanwhile.
pub fn resume_round(stored: Option<&str>, folder_wire: &str) -> Option<Round> {
    let cursor: FolderCursor = serde_json::from_str(stored?).ok()?;
    if cursor.folder != folder_wire {
        return None;
    }
    Some(match cursor.round {
        Round::Paging { link, full, .. } if full => Round::Paging {
            link,
            full,
            reconcile: true,
        },
        other => other,
    })
}

fn now_ms(clock: &dyn Clock) -> i64 {
    clock.now().timestamp_millis()
}

/// One pass over the account (see the module documentation); records the outcome as the
/// account's status.
pub async fn sync_once(
    store: &Store,
    client: &GraphClient,
    account_id: i64,
    options: &GraphSyncOptions,
    clock: &dyn Clock,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, ApiSyncError> {
    store
        .set_account_status(account_id, state::SYNCING, None, None, now_ms(clock))
        .await?;
    let result = run_pass(store, client, account_id, options, clock, progress).await;
    record_outcome(store, account_id, &result, now_ms(clock)).await?;
    result
}

struct Pass<'a> {
    store: &'a Store,
    client: &'a GraphClient,
    account_id: i64,
    options: &'a GraphSyncOptions,
    clock: &'a dyn Clock,
    folder_by_wire: HashMap<String, i64>,
    held: HashSet<String>,
    pending: HashSet<String>,
    pages: usize,
    report: SyncReport,
}

async fn run_pass(
    store: &Store,
    client: &GraphClient,
    account_id: i64,
    options: &GraphSyncOptions,
    clock: &dyn Clock,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, ApiSyncError> {
    replay_remote_changes(store, client, account_id, clock).await?;
    let folders = sync_folder_list(store, client, account_id).await?;
    let mut pass = Pass {
        store,
        client,
        account_id,
        options,
        clock,
        folder_by_wire: folders
            .iter()
            .filter_map(|f| f.wire_name.clone().map(|w| (w, f.id)))
            .collect(),
        held: store.remote_ids(account_id).await?,
        pending: store.pending_remote_ids(account_id).await?,
        pages: 0,
        report: SyncReport {
            folders: folders.len(),
            ..SyncReport::default()
        },
    };
    for (index, folder) in folders.iter().enumerate() {
        progress(&SyncProgress {
            account: account_id.to_string(),
            folder: folder.name.clone(),
            folder_index: index,
            folder_count: folders.len(),
            done: 0,
            total: 0,
            rate: 0.0,
        });
        if !pass.sync_folder(folder).await? {
            break;
        }
    }
    Ok(pass.report)
}

/// Lists the folders (resolving the well-known ones for their roles) and stores them.
async fn sync_folder_list(
    store: &Store,
    client: &GraphClient,
    account_id: i64,
) -> Result<Vec<FolderRow>, ApiSyncError> {
    let listed = client.folders().await?;
    let mut well_known = Vec::new();
    for (name, _) in WELL_KNOWN_ROLES {
        if let Some(id) = client.well_known_folder_id(name).await? {
            well_known.push((name.to_owned(), id));
        }
    }
    let remote = remote_folders(&listed, &well_known);
    Ok(store.sync_folders(account_id, &remote).await?)
}

impl Pass<'_> {
    fn now(&self) -> i64 {
        now_ms(self.clock)
    }

    /// Pulls one folder's round to its end. False when `max_pages` stopped the pass.
    async fn sync_folder(&mut self, folder: &FolderRow) -> Result<bool, ApiSyncError> {
        let Some(wire) = folder.wire_name.clone() else {
            return Ok(true);
        };
        let scope = cursor_scope(folder.id);
        let stored = self.store.cursor(self.account_id, &scope).await?;
        let fresh = |had_rows: bool| Round::Paging {
            link: self.client.delta_start(&wire),
            full: true,
            reconcile: had_rows,
        };
        let mut round = resume_round(stored.as_deref(), &wire)
            .unwrap_or_else(|| fresh(folder.message_count > 0));
        let mut resets = 0;
        loop {
            let link = match &round {
                Round::Reconcile { delta_link } => {
                    let delta_link = delta_link.clone();
                    self.reconcile(folder, &wire, &scope, delta_link).await?;
                    return Ok(true);
                }
                Round::Paging { link, .. } => link.clone(),
                Round::Delta { delta_link } => delta_link.clone(),
            };
            if self.options.max_pages.is_some_and(|max| self.pages >= max) {
                return Ok(false);
            }
            let page = match self.client.delta(&link).await {
                Err(GraphError::SyncStateNotFound) if resets == 0 => {
                    tracing::info!(folder = %folder.name, "delta token expired; resyncing the folder");
                    resets += 1;
                    round = fresh(true);
                    continue;
                }
                other => other?,
            };
            self.pages += 1;
            let next = next_round(
                &round,
                page.next_link.as_deref(),
                page.delta_link.as_deref(),
            )
            .ok_or_else(|| {
                ApiSyncError::Protocol("a delta page without a next or delta link".into())
            })?;
            let incremental = matches!(round, Round::Delta { .. })
                || matches!(round, Round::Paging { full: false, .. });
            let cursor = FolderCursor {
                folder: wire.clone(),
                round: next.clone(),
            };
            self.apply_page(folder, &page.value, &scope, &cursor, incremental)
                .await?;
            round = next;
            if matches!(round, Round::Delta { .. }) {
                return Ok(true);
            }
        }
    }

    /// Plans a page, asks the server about removed messages, fetches new ones, and
    /// applies everything with the cursor.
    async fn apply_page(
        &mut self,
        folder: &FolderRow,
        items: &[GraphMessage],
        scope: &str,
        cursor: &FolderCursor,
        incremental: bool,
    ) -> Result<(), ApiSyncError> {
        let body_since_ms = (self.options.body_window_days > 0)
            .then(|| self.now() - i64::from(self.options.body_window_days) * 86_400_000);
        let plan = plan_delta_page(
            items,
            &PageContext {
                folder_id: folder.id,
                folder_by_wire: &self.folder_by_wire,
                held: &self.held,
                pending: &self.pending,
                body_since_ms,
            },
        );
        let mut update = plan.update;
        let mut delete = Vec::new();
        for id in plan.removed {
            let here = self
                .store
                .remote_message(self.account_id, &id)
                .await?
                .is_some_and(|row| row.folder_id == folder.id);
            if here {
                self.settle(folder.id, &id, &mut delete, &mut update)
                    .await?;
            }
        }
        let now = self.now();
        let mut insert: Vec<(NewMessage, RemoteState, bool)> = Vec::new();
        for (message, raw) in self.fetch_mime(&plan.fetch).await? {
            let state = remote_state(&message, &self.folder_by_wire, folder.id);
            insert.push((
                mime_to_new_message(&message, raw, self.account_id, now),
                state,
                true,
            ));
        }
        for (message, state) in plan.header_only {
            insert.push((
                header_only_message(&message, self.account_id, now),
                state,
                false,
            ));
        }
        let inserted_ids: Vec<String> =
            insert.iter().map(|(_, s, _)| s.remote_id.clone()).collect();
        let deleted = delete.clone();
        let cursor_json =
            serde_json::to_string(cursor).map_err(|e| ApiSyncError::Protocol(e.to_string()))?;
        let applied = self
            .store
            .apply_remote_changes(
                RemoteChanges {
                    account_id: self.account_id,
                    delete,
                    delete_only_in_folder: Some(folder.id),
                    update,
                    insert,
                    cursor: Some((scope.to_owned(), cursor_json)),
                },
                now,
            )
            .await?;
        self.held.extend(inserted_ids);
        for id in &deleted {
            self.held.remove(id);
        }
        let changes = applied.changes;
        self.report.fetched += changes.inserted.len();
        self.report.deleted += changes.deleted;
        self.report.flags_changed += changes.flags_changed;
        if incremental && folder.role.as_deref() == Some("inbox") {
            self.report.new_inbox.extend(
                changes
                    .inserted
                    .iter()
                    .filter(|(_, _, seen)| !seen)
                    .map(|(id, thread, _)| (*id, *thread)),
            );
        }
        Ok(())
    }

    /// A held message the folder no longer lists: gone (its row goes), moved to a folder
    /// we sync (the row follows), or still here (kept).
    async fn settle(
        &self,
        folder_id: i64,
        id: &str,
        delete: &mut Vec<String>,
        update: &mut Vec<RemoteState>,
    ) -> Result<(), ApiSyncError> {
        match self.client.message_state(id).await {
            Err(GraphError::NotFound(_)) => delete.push(id.to_owned()),
            Err(e) => return Err(e.into()),
            Ok(m) => {
                let now_in = m
                    .parent_folder_id
                    .as_ref()
                    .and_then(|p| self.folder_by_wire.get(p))
                    .copied();
                match now_in {
                    None => delete.push(id.to_owned()),
                    Some(f) if f != folder_id && !self.pending.contains(id) => {
                        update.push(remote_state(&m, &self.folder_by_wire, f));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// MIME of new messages, `fetch_concurrency` at a time; a message gone meanwhile is
    /// left out (the next round reports its removal).
    async fn fetch_mime(
        &self,
        wanted: &[(GraphMessage, RemoteState)],
    ) -> Result<Vec<(GraphMessage, Vec<u8>)>, ApiSyncError> {
        let mut out = Vec::with_capacity(wanted.len());
        let mut queue = wanted.iter().map(|(m, _)| m.clone());
        let mut running = tokio::task::JoinSet::new();
        let limit = self.options.fetch_concurrency.max(1);
        loop {
            while running.len() < limit {
                let Some(message) = queue.next() else { break };
                let client = self.client.clone();
                running.spawn(async move {
                    let raw = client.mime(&message.id, Priority::Backfill).await;
                    (message, raw)
                });
            }
            let Some(done) = running.join_next().await else {
                return Ok(out);
            };
            let (message, raw) =
                done.map_err(|e| ApiSyncError::Protocol(format!("a download task failed: {e}")))?;
            match raw {
                Ok(raw) => out.push((message, raw)),
                Err(GraphError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The end of a snapshot round: local rows of the folder that the server does not
    /// list are settled by id; then the folder follows its delta link.
    async fn reconcile(
        &mut self,
        folder: &FolderRow,
        wire: &str,
        scope: &str,
        delta_link: String,
    ) -> Result<(), ApiSyncError> {
        let on_server: HashSet<String> = self
            .client
            .folder_message_ids(wire)
            .await?
            .into_iter()
            .collect();
        let mut delete = Vec::new();
        let mut update = Vec::new();
        // Rows of this folder the server did not list: gone, or moved to a folder we
        // have not reached yet (settle decides).
        let candidates: Vec<String> = self
            .store
            .remote_ids_in_folder(self.account_id, folder.id)
            .await?
            .into_iter()
            .filter(|id| !on_server.contains(id) && !self.pending.contains(id))
            .collect();
        for id in candidates {
            self.settle(folder.id, &id, &mut delete, &mut update)
                .await?;
        }
        let cursor = FolderCursor {
            folder: wire.to_owned(),
            round: Round::Delta { delta_link },
        };
        let cursor_json =
            serde_json::to_string(&cursor).map_err(|e| ApiSyncError::Protocol(e.to_string()))?;
        let deleted = delete.clone();
        let applied = self
            .store
            .apply_remote_changes(
                RemoteChanges {
                    account_id: self.account_id,
                    delete,
                    delete_only_in_folder: Some(folder.id),
                    update,
                    insert: Vec::new(),
                    cursor: Some((scope.to_owned(), cursor_json)),
                },
                self.now(),
            )
            .await?;
        for id in &deleted {
            self.held.remove(id);
        }
        self.report.deleted += applied.changes.deleted;
        self.report.flags_changed += applied.changes.flags_changed;
        Ok(())
    }
}

/// Replays the account's queued local changes in order. A change the server refuses
/// for good is dropped and the server's state of its messages is taken back; one that
/// may work later stays queued (with a backoff) and stops the replay, keeping the order.
pub async fn replay_remote_changes(
    store: &Store,
    client: &GraphClient,
    account_id: i64,
    clock: &dyn Clock,
) -> Result<usize, ApiSyncError> {
    let folders = store.folders(Some(account_id)).await?;
    let wire_of: HashMap<i64, String> = folders
        .iter()
        .filter_map(|f| f.wire_name.clone().map(|w| (f.id, w)))
        .collect();
    let mut replayed = 0;
    while let Some(job) = store.claim_remote_change(account_id, now_ms(clock)).await? {
        let result = replay_job(client, &job, &wire_of).await;
        let now = now_ms(clock);
        match result {
            Ok(()) => {
                store.finish_job(job.id, now).await?;
                replayed += 1;
            }
            Err(e) if e.is_retryable() || e.needs_sign_in() => {
                let wait = match &e {
                    ApiSyncError::Rest(RestError::RateLimited { retry_after }) => *retry_after,
                    _ => job_backoff().backoff(u32::try_from(job.attempts).unwrap_or(u32::MAX)),
                };
                store
                    .fail_job(job.id, &e.to_string(), Some(now + duration_ms(wait)), now)
                    .await?;
                if e.needs_sign_in() {
                    return Err(e);
                }
                break;
            }
            Err(e) => {
                tracing::warn!(job = job.id, error = %e, "the server refused a local change; taking its state back");
                store.fail_job(job.id, &e.to_string(), None, now).await?;
                take_server_state(
                    store,
                    client,
                    account_id,
                    &job.payload.remote_ids,
                    &folders,
                    now,
                )
                .await?;
            }
        }
    }
    Ok(replayed)
}

/// Local changes that could not reach the server wait 30 s, doubling to 30 min.
fn job_backoff() -> RetryPolicy {
    RetryPolicy {
        backoff_start: std::time::Duration::from_secs(30),
        backoff_max: std::time::Duration::from_secs(30 * 60),
        ..RetryPolicy::default()
    }
}

async fn replay_job(
    client: &GraphClient,
    job: &RemoteChangeJob,
    wire_of: &HashMap<i64, String>,
) -> Result<(), ApiSyncError> {
    let p = Priority::Interactive;
    for id in &job.payload.remote_ids {
        let result = match &job.payload.op {
            RemoteOp::Flag {
                flag: MailFlag::Seen,
                add,
            } => client.set_read(id, *add, p).await,
            RemoteOp::Flag {
                flag: MailFlag::Flagged,
                add,
            } => client.set_flagged(id, *add, p).await,
            RemoteOp::Move { dest_folder_id, .. } => {
                let dest = wire_of.get(dest_folder_id).ok_or_else(|| {
                    ApiSyncError::Protocol(format!(
                        "the destination folder {dest_folder_id} is not a Graph folder of this account"
                    ))
                })?;
                client.move_to(id, dest, p).await.map(drop)
            }
            RemoteOp::Delete => client.delete(id, p).await,
        };
        match result {
            // The message is gone: nothing left to change.
            Ok(()) | Err(GraphError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// After a refused change: the server's state of these messages wins.
async fn take_server_state(
    store: &Store,
    client: &GraphClient,
    account_id: i64,
    ids: &[String],
    folders: &[FolderRow],
    now: i64,
) -> Result<(), ApiSyncError> {
    let folder_by_wire: HashMap<String, i64> = folders
        .iter()
        .filter_map(|f| f.wire_name.clone().map(|w| (w, f.id)))
        .collect();
    let mut changes = RemoteChanges {
        account_id,
        ..RemoteChanges::default()
    };
    for id in ids {
        let Some(row) = store.remote_message(account_id, id).await? else {
            continue;
        };
        match client.message_state(id).await {
            Ok(m) => changes
                .update
                .push(remote_state(&m, &folder_by_wire, row.folder_id)),
            Err(GraphError::NotFound(_)) => changes.delete.push(id.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    store.apply_remote_changes(changes, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(link: &str, full: bool, reconcile: bool) -> Round {
        Round::Paging {
            link: link.into(),
            full,
            reconcile,
        }
    }

    #[test]
    fn rounds_advance() {
        let delta = |l: &str| Round::Delta {
            delta_link: l.into(),
        };
        // (name, round, next link, delta link, next round)
        type Row<'a> = (
            &'a str,
            Round,
            Option<&'a str>,
            Option<&'a str>,
            Option<Round>,
        );
        let rows: Vec<Row<'_>> = vec![
            (
                "a next link keeps paging",
                paging("p1", true, false),
                Some("p2"),
                None,
                Some(paging("p2", true, false)),
            ),
            (
                "a first round without old rows ends up to date",
                paging("p1", true, false),
                None,
                Some("d1"),
                Some(delta("d1")),
            ),
            (
                "a resync ends with a reconcile",
                paging("p1", true, true),
                None,
                Some("d1"),
                Some(Round::Reconcile {
                    delta_link: "d1".into(),
                }),
            ),
            (
                "an incremental round pages without a reconcile",
                delta("d0"),
                Some("p2"),
                None,
                Some(paging("p2", false, false)),
            ),
            (
                "an incremental round ends up to date",
                paging("p2", false, false),
                None,
                Some("d2"),
                Some(delta("d2")),
            ),
            (
                "a page without links is an error",
                delta("d0"),
                None,
                None,
                None,
            ),
        ];
        for (name, current, next, delta_link, want) in rows {
            assert_eq!(next_round(&current, next, delta_link), want, "{name}");
        }
    }

    #[test]
    fn stored_cursors_resume() {
        let stored = |round: Round| {
            serde_json::to_string(&FolderCursor {
                folder: "F1".into(),
                round,
            })
            .unwrap_or_default()
        };
        let interrupted_snapshot = stored(paging("p3", true, false));
        assert_eq!(
            resume_round(Some(&interrupted_snapshot), "F1"),
            Some(paging("p3", true, true)),
            "an interrupted snapshot is reconciled at its end"
        );
        let incremental = stored(paging("p3", false, false));
        assert_eq!(
            resume_round(Some(&incremental), "F1"),
            Some(paging("p3", false, false))
        );
        assert_eq!(
            resume_round(Some(&interrupted_snapshot), "F2"),
            None,
            "a cursor of another Graph folder is not used"
        );
        assert_eq!(resume_round(Some("garbage"), "F1"), None);
        assert_eq!(resume_round(None, "F1"), None);
    }
}
