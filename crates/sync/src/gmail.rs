//! Syncing a Gmail account over the Gmail API.
//!
//! A pass replays the account's local changes (`mail.remote` jobs) first, then maps the
//! labels to folders, then pulls:
//!
//! - **incremental** from the stored `historyId` with `history.list`: the records' net
//!   effect per message ([`plan_history`], pure) becomes deletions, label/flag updates
//!   and fetches of messages we do not hold;
//! - **full** on the first pass, or when Gmail no longer has our history (404): the
//!   profile's `historyId` is read first (so changes during the listing are caught by the
//!   next incremental pass), every id is listed, label membership is listed per label for
//!   the messages we already hold, and only the messages we do not hold are fetched
//!   (`format=raw`, in parallel within the account's quota). Messages gone from the server
//!   are deleted. A full pass interrupted by a crash starts again but fetches only what is
//!   still missing; nothing is stored twice because a row is found by its Gmail id.
//!
//! Messages with local changes not yet replayed keep their local state (the rule of
//! `changes`). Each batch of fetched messages is one transaction; the cursor is written
//! with the pass's last batch.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use switchboard_core::Clock;
use switchboard_mail::gmail::{
    all_mail_folder, folder_for_label, label_state, raw_to_new_message, GmailClient, GmailError,
    HistoryRecord, LabelState, ALL_MAIL,
};
use switchboard_mail::rest::Priority;
use switchboard_store::{MailFlag, RemoteChanges, RemoteFolder, RemoteOp, RemoteState, Store};
use tokio::task::JoinSet;

use crate::api_mail::ApiSyncError;
use crate::imap::{SyncProgress, SyncReport};

/// The account's history cursor.
pub const HISTORY_CURSOR: &str = "gmail:history";
/// Messages fetched and stored per transaction.
const FETCH_BATCH: usize = 250;

/// What a pass needs to know about the account.
pub struct GmailAccount<'a> {
    pub id: i64,
    pub name: &'a str,
}

/// One pass: replay local changes, labels, then incremental or full pull.
pub async fn sync_once(
    store: &Store,
    clock: &dyn Clock,
    client: &GmailClient,
    account: &GmailAccount<'_>,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, ApiSyncError> {
    replay_pending(store, clock, client, account.id).await?;
    let folders = sync_labels(store, client, account.id).await?;
    let mut report = SyncReport {
        folders: folders.len(),
        ..Default::default()
    };
    let cursor = store.cursor(account.id, HISTORY_CURSOR).await?;
    let pass = Pass {
        store,
        clock,
        client,
        account,
        folders: &folders,
    };
    match cursor {
        Some(start) => pass.incremental(&start, &mut report, progress).await?,
        None => pass.full(&mut report, progress).await?,
    }
    Ok(report)
}

/// Label id → folder id, with [`ALL_MAIL`].
type FolderMap = HashMap<String, i64>;

async fn sync_labels(
    store: &Store,
    client: &GmailClient,
    account_id: i64,
) -> Result<FolderMap, ApiSyncError> {
    let labels = client.labels().await?;
    let mut remote: Vec<RemoteFolder> = labels
        .iter()
        .filter_map(|l| folder_for_label(&l.id, &l.name, l.kind.as_deref() == Some("user")))
        .map(|f| RemoteFolder {
            name: f.name,
            wire_name: f.label_id,
            delimiter: Some("/".into()),
            role: f.role.map(str::to_owned),
            selectable: true,
        })
        .collect();
    let all = all_mail_folder();
    remote.push(RemoteFolder {
        name: all.name,
        wire_name: all.label_id,
        delimiter: Some("/".into()),
        role: all.role.map(str::to_owned),
        selectable: true,
    });
    let rows = store.sync_folders(account_id, &remote).await?;
    Ok(rows
        .into_iter()
        .filter_map(|f| f.wire_name.map(|w| (w, f.id)))
        .collect())
}

/// The net effect of history records on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEffect {
    /// Added or relabelled: its labels now (None when the records did not say).
    Present(Option<Vec<String>>),
    Deleted,
}

/// Folds history records, oldest first, into one effect per message id (pure).
pub fn plan_history(records: &[HistoryRecord]) -> HashMap<String, HistoryEffect> {
    let mut out: HashMap<String, HistoryEffect> = HashMap::new();
    for r in records {
        for m in &r.messages_added {
            out.insert(
                m.message.id.clone(),
                HistoryEffect::Present(m.message.label_ids.clone()),
            );
        }
        for m in r.labels_added.iter().chain(&r.labels_removed) {
            let id = &m.message.id;
            if out.get(id) == Some(&HistoryEffect::Deleted) {
                continue;
            }
            let labels = m.message.label_ids.clone();
            out.insert(id.clone(), HistoryEffect::Present(labels));
        }
        for m in &r.messages_deleted {
            out.insert(m.message.id.clone(), HistoryEffect::Deleted);
        }
    }
    out
}

struct Pass<'a> {
    store: &'a Store,
    clock: &'a dyn Clock,
    client: &'a GmailClient,
    account: &'a GmailAccount<'a>,
    folders: &'a FolderMap,
}

impl Pass<'_> {
    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    fn state(&self, id: &str, labels: &[String]) -> Option<RemoteState> {
        label_state(labels, self.folders).map(|s: LabelState| RemoteState {
            remote_id: id.to_owned(),
            home_folder_id: s.home_folder_id,
            label_folder_ids: s.label_folder_ids,
            seen: s.seen,
            flagged: s.flagged,
        })
    }

    async fn incremental(
        &self,
        start: &str,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Result<(), ApiSyncError> {
        let mut records: Vec<HistoryRecord> = Vec::new();
        let mut token: Option<String> = None;
        let mut latest: Option<String> = None;
        loop {
            let page = match self.client.history(start, token.as_deref()).await {
                Ok(p) => p,
                Err(GmailError::HistoryExpired(_)) => {
                    tracing::info!(
                        account = self.account.id,
                        "Gmail history expired; full resync"
                    );
                    return self.full(report, progress).await;
                }
                Err(e) => return Err(e.into()),
            };
            records.extend(page.history);
            if page.history_id.is_some() {
                latest = page.history_id;
            }
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        let cursor = latest
            .or_else(|| records.last().map(|r| r.id.clone()))
            .unwrap_or_else(|| start.to_owned());
        let effects = plan_history(&records);
        let held = self.store.remote_ids(self.account.id).await?;
        let pending = self.store.pending_remote_ids(self.account.id).await?;

        let mut delete = Vec::new();
        let mut update = Vec::new();
        let mut fetch = Vec::new();
        let mut relabel = Vec::new();
        for (id, effect) in effects {
            if pending.contains(&id) {
                continue;
            }
            match effect {
                HistoryEffect::Deleted => delete.push(id),
                HistoryEffect::Present(_) if !held.contains(&id) => fetch.push(id),
                HistoryEffect::Present(Some(labels)) => {
                    if let Some(s) = self.state(&id, &labels) {
                        update.push(s);
                    }
                }
                HistoryEffect::Present(None) => relabel.push(id),
            }
        }
        for id in relabel {
            match self.client.get_labels(&id).await {
                Ok(m) => {
                    if let Some(s) = self.state(&id, m.label_ids.as_deref().unwrap_or(&[])) {
                        update.push(s);
                    }
                }
                Err(GmailError::NotFound(_)) => delete.push(id),
                Err(e) => return Err(e.into()),
            }
        }
        let applied = self
            .store
            .apply_remote_changes(
                RemoteChanges {
                    account_id: self.account.id,
                    delete,
                    update,
                    cursor: fetch
                        .is_empty()
                        .then(|| (HISTORY_CURSOR.to_owned(), cursor.clone())),
                    ..Default::default()
                },
                self.now_ms(),
            )
            .await?;
        report.deleted += applied.changes.deleted;
        report.flags_changed += applied.changes.flags_changed;
        // A relabelled message we never held (e.g. after a crash): fetch it too.
        fetch.extend(applied.missing);
        if !fetch.is_empty() {
            let inbox = self.folders.get("INBOX").copied();
            let new = self
                .fetch_and_store(fetch, Some(cursor), report, progress)
                .await?;
            for (id, thread, seen, labels) in new {
                if !seen && inbox.is_some_and(|i| labels.contains(&i)) {
                    report.new_inbox.push((id, thread));
                }
            }
        }
        Ok(())
    }

    async fn full(
        &self,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Result<(), ApiSyncError> {
        let profile = self.client.profile().await?;
        let all = self.client.all_message_ids(None, true).await?;
        let held = self.store.remote_ids(self.account.id).await?;
        let pending = self.store.pending_remote_ids(self.account.id).await?;
        let on_server: HashSet<&str> = all.iter().map(|m| m.id.as_str()).collect();

        let delete: Vec<String> = held
            .iter()
            .filter(|id| !on_server.contains(id.as_str()) && !pending.contains(*id))
            .cloned()
            .collect();
        let mut update = Vec::new();
        let known: Vec<&str> = all
            .iter()
            .map(|m| m.id.as_str())
            .filter(|id| held.contains(*id) && !pending.contains(*id))
            .collect();
        if !known.is_empty() {
            // Label membership of what we hold: one listing per label, not one get each.
            let mut labels: HashMap<&str, Vec<String>> =
                known.iter().map(|id| (*id, Vec::new())).collect();
            let mut label_ids: Vec<&str> = self
                .folders
                .keys()
                .map(String::as_str)
                .filter(|l| *l != ALL_MAIL)
                .collect();
            label_ids.extend(["UNREAD", "STARRED"]);
            for label in label_ids {
                for m in self.client.all_message_ids(Some(label), true).await? {
                    if let Some(l) = labels.get_mut(m.id.as_str()) {
                        l.push(label.to_owned());
                    }
                }
            }
            for id in known {
                if let Some(s) = self.state(id, &labels[id]) {
                    update.push(s);
                }
            }
        }
        let fetch: Vec<String> = all
            .iter()
            .filter(|m| !held.contains(&m.id))
            .map(|m| m.id.clone())
            .collect();
        let applied = self
            .store
            .apply_remote_changes(
                RemoteChanges {
                    account_id: self.account.id,
                    delete,
                    update,
                    cursor: fetch
                        .is_empty()
                        .then(|| (HISTORY_CURSOR.to_owned(), profile.history_id.clone())),
                    ..Default::default()
                },
                self.now_ms(),
            )
            .await?;
        report.deleted += applied.changes.deleted;
        report.flags_changed += applied.changes.flags_changed;
        if !fetch.is_empty() {
            self.fetch_and_store(fetch, Some(profile.history_id), report, progress)
                .await?;
        }
        Ok(())
    }

    /// Fetches messages (newest first, as listed) in parallel within the budget and
    /// stores them in batches; the last batch carries `cursor`. Returns (message id,
    /// thread id, seen, label folders) of what was inserted.
    async fn fetch_and_store(
        &self,
        ids: Vec<String>,
        cursor: Option<String>,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Result<Vec<(i64, i64, bool, Vec<i64>)>, ApiSyncError> {
        let started = Instant::now();
        let total = ids.len();
        let mut done = 0;
        let mut inserted = Vec::new();
        let batches: Vec<Vec<String>> = ids.chunks(FETCH_BATCH).map(<[String]>::to_vec).collect();
        let last = batches.len().saturating_sub(1);
        for (i, batch) in batches.into_iter().enumerate() {
            let mut tasks = JoinSet::new();
            for (order, id) in batch.into_iter().enumerate() {
                let client = self.client.clone();
                tasks.spawn(async move {
                    (
                        order,
                        id.clone(),
                        client.get_raw(&id, Priority::Backfill).await,
                    )
                });
            }
            let mut fetched = Vec::new();
            let mut first_error: Option<ApiSyncError> = None;
            while let Some(joined) = tasks.join_next().await {
                let (order, id, result) = joined
                    .map_err(|e| ApiSyncError::Protocol(format!("fetch task failed: {e}")))?;
                match result {
                    Ok(m) => fetched.push((order, m)),
                    // Deleted between listing and fetching: the next pass's history says so.
                    Err(GmailError::NotFound(_)) => {
                        tracing::debug!(id, "Gmail message vanished before it was fetched")
                    }
                    Err(e) => {
                        if first_error.is_none() {
                            first_error = Some(e.into());
                        }
                    }
                }
            }
            fetched.sort_by_key(|(order, _)| *order);
            let now = self.now_ms();
            let mut insert = Vec::with_capacity(fetched.len());
            for (_, m) in fetched {
                let Some(state) = self.state(&m.id, &m.label_ids) else {
                    continue;
                };
                insert.push((raw_to_new_message(m, self.account.id, now), state, true));
            }
            let labels: Vec<Vec<i64>> = insert
                .iter()
                .map(|(_, s, _)| s.label_folder_ids.clone())
                .collect();
            // Stored even when some fetches failed; the cursor only when all succeeded.
            let cursor = match (&first_error, i == last) {
                (None, true) => cursor.clone().map(|c| (HISTORY_CURSOR.to_owned(), c)),
                _ => None,
            };
            let applied = self
                .store
                .apply_remote_changes(
                    RemoteChanges {
                        account_id: self.account.id,
                        insert,
                        cursor,
                        ..Default::default()
                    },
                    now,
                )
                .await?;
            report.fetched += applied.changes.inserted.len();
            let mut label_iter = labels.into_iter();
            for (id, thread, seen) in applied.changes.inserted {
                inserted.push((id, thread, seen, label_iter.next().unwrap_or_default()));
            }
            if let Some(e) = first_error {
                return Err(e);
            }
            done += FETCH_BATCH.min(total - done);
            let secs = started.elapsed().as_secs_f64().max(0.001);
            progress(&SyncProgress {
                account: self.account.name.to_owned(),
                folder: "All Mail".into(),
                folder_index: 0,
                folder_count: 1,
                done,
                total,
                rate: done as f64 / secs,
            });
        }
        Ok(inserted)
    }
}

/// Replays the account's `mail.remote` jobs, oldest first.
pub async fn replay_pending(
    store: &Store,
    clock: &dyn Clock,
    client: &GmailClient,
    account_id: i64,
) -> Result<usize, ApiSyncError> {
    let folders: HashMap<i64, String> = store
        .folders(Some(account_id))
        .await?
        .into_iter()
        .filter_map(|f| f.wire_name.map(|w| (f.id, w)))
        .collect();
    let mut done = 0;
    while let Some(job) = store
        .claim_remote_change(account_id, clock.now().timestamp_millis())
        .await?
    {
        let ids = &job.payload.remote_ids;
        let result = match &job.payload.op {
            RemoteOp::Flag { flag, add } => {
                let label = match flag {
                    MailFlag::Seen => "UNREAD",
                    MailFlag::Flagged => "STARRED",
                }
                .to_owned();
                // Seen is the absence of UNREAD.
                let adds_label = matches!(flag, MailFlag::Seen) != *add;
                let (a, r) = if adds_label {
                    (vec![label], vec![])
                } else {
                    (vec![], vec![label])
                };
                client
                    .batch_modify(ids, &a, &r, Priority::Interactive)
                    .await
            }
            RemoteOp::Move {
                add_folder_ids,
                remove_folder_ids,
                ..
            } => {
                let to_labels = |ids: &[i64]| -> Vec<String> {
                    ids.iter()
                        .filter_map(|f| folders.get(f))
                        .filter(|w| w.as_str() != ALL_MAIL)
                        .cloned()
                        .collect()
                };
                let add = to_labels(add_folder_ids);
                let remove = to_labels(remove_folder_ids);
                apply_label_move(client, ids, &add, &remove).await
            }
            RemoteOp::Delete => {
                let mut result = Ok(());
                for id in ids {
                    match client.delete(id, Priority::Interactive).await {
                        Ok(()) | Err(GmailError::NotFound(_)) => {}
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                result
            }
        };
        let now = clock.now().timestamp_millis();
        match result {
            Ok(()) | Err(GmailError::NotFound(_)) => {
                store.finish_job(job.id, now).await?;
                done += 1;
            }
            Err(e) if e.is_retryable() => {
                let retry = crate::changes::retry_delay(job.attempts);
                store
                    .fail_job(
                        job.id,
                        &e.to_string(),
                        Some(now + crate::api_mail::duration_ms(retry)),
                        now,
                    )
                    .await?;
                return Err(e.into());
            }
            Err(e) => {
                // Refused: the server's state wins at the next pull.
                store.fail_job(job.id, &e.to_string(), None, now).await?;
                if let GmailError::Rest(r) = &e {
                    if matches!(
                        r,
                        switchboard_mail::rest::RestError::NeedsSignIn(_)
                            | switchboard_mail::rest::RestError::Unauthorized(_)
                    ) {
                        return Err(e.into());
                    }
                }
            }
        }
    }
    Ok(done)
}

/// Trash and untrash are their own calls; every other label change is one batchModify.
async fn apply_label_move(
    client: &GmailClient,
    ids: &[String],
    add: &[String],
    remove: &[String],
) -> Result<(), GmailError> {
    let trash = add.iter().any(|l| l == "TRASH");
    let untrash = remove.iter().any(|l| l == "TRASH");
    for id in ids {
        if trash || untrash {
            match client.trash(id, trash, Priority::Interactive).await {
                Ok(()) | Err(GmailError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let add: Vec<String> = add.iter().filter(|l| *l != "TRASH").cloned().collect();
    let remove: Vec<String> = remove.iter().filter(|l| *l != "TRASH").cloned().collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    client
        .batch_modify(ids, &add, &remove, Priority::Interactive)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_mail::gmail::{HistoryMessage, MessageRef};

    fn m(id: &str, labels: Option<&[&str]>) -> HistoryMessage {
        HistoryMessage {
            message: MessageRef {
                id: id.into(),
                thread_id: "t".into(),
                label_ids: labels.map(|l| l.iter().map(|s| s.to_string()).collect()),
            },
        }
    }

    #[test]
    fn history_folds_to_the_last_word_per_message() {
        let records = vec![
            HistoryRecord {
                id: "1".into(),
                messages_added: vec![m("a", Some(&["INBOX", "UNREAD"])), m("b", Some(&["INBOX"]))],
                ..Default::default()
            },
            HistoryRecord {
                id: "2".into(),
                labels_removed: vec![m("a", Some(&["INBOX"]))],
                messages_deleted: vec![m("b", None)],
                ..Default::default()
            },
            HistoryRecord {
                id: "3".into(),
                labels_added: vec![m("b", Some(&["STARRED"])), m("c", None)],
                ..Default::default()
            },
        ];
        let plan = plan_history(&records);
        let labels = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(plan["a"], HistoryEffect::Present(labels(&["INBOX"])));
        assert_eq!(
            plan["b"],
            HistoryEffect::Deleted,
            "a deleted message stays deleted"
        );
        assert_eq!(
            plan["c"],
            HistoryEffect::Present(None),
            "labels unknown: ask"
        );
        assert_eq!(plan.len(), 3);
    }
}
