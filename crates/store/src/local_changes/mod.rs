//! Local mail changes, offline first: read/unread, flag, move, archive, Trash and empty
//! Trash are applied to the local rows at once and, in the SAME transaction, queued as
//! durable jobs that `switchboard-sync` replays to the server later (`sync::changes`).
//!
//! # Jobs
//!
//! One job per user action and (account, source folder), kind `mail.flags`, `mail.move`
//! or `mail.expunge`, with the payload [`MailChangePayload`]:
//!
//! ```json
//! {"account_id": 1, "folder_id": 7, "uids": [41, 42], "message_ids": [900, 901],
//!  "flag": "seen", "add": true}              // mail.flags: +FLAGS/-FLAGS of ONE flag
//! {"account_id": 1, "folder_id": 7, "uids": [41], "message_ids": [900],
//!  "dest_folder_id": 9}                      // mail.move
//! {"account_id": 1, "folder_id": 12, "uids": [5, 6], "message_ids": [950, 951]}
//!                                            // mail.expunge (empty Trash)
//! ```
//!
//! `uids[i]` is the server UID in `folder_id` of local message `message_ids[i]`. While a
//! job is queued or running, [`Store::pending_uids`] reports its UIDs, and the sync
//! planner neither applies server flags to them nor fetches them back.
//!
//! # Messages without a UID
//!
//! A moved message sits in its destination with `uid = NULL` until the move is replayed
//! (the replay then sets the UID the server reports with COPYUID, or deletes the row so
//! the next sync fetches the server's copy). A change to such a message is *coalesced*
//! into its queued move: the message is taken out of that job and the change is expressed
//! against where the message still is on the server — its original folder and UID:
//!
//! - move again: one move from the original folder to the new destination (none at all
//!   when it goes back where it came from: the row gets its old UID back);
//! - flag: a flag job on the original folder and UID, then the move again (flags travel
//!   with MOVE/COPY);
//! - empty Trash: an expunge in the original folder.
//!
//! A message whose move is being sent to the server at this very moment (its job is
//! `running`) cannot be coalesced: the action changes nothing and reports the message in
//! [`LocalChange::in_flight`] (the API answers `conflict`; trying again after the replay
//! finishes — milliseconds later — works). Messages of accounts that have no server (kind
//! other than `imap`) and UID-less messages without a queued move change locally only.
//!
//! # Concurrent edits on the server
//!
//! A local change wins until it is replayed: sync does not overwrite the flags of pending
//! UIDs and does not fetch a pending moved-away UID back into its old folder. The replay
//! sends only the delta — `+FLAGS`/`-FLAGS` of the one flag the user changed — so another
//! client's change to another flag survives, and a change to the same flag is decided by
//! order of arrival at the server (ours comes last when it is replayed later). When the
//! other client deleted or moved the message meanwhile, our flag or move job is a no-op
//! and the next sync shows the server's truth.

mod replay;

use crate::delete::delete_messages_tx;
use crate::mail::refresh_threads;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};
use std::collections::{BTreeMap, HashMap};

pub const MAIL_FLAGS_JOB: &str = "mail.flags";
pub const MAIL_MOVE_JOB: &str = "mail.move";
pub const MAIL_EXPUNGE_JOB: &str = "mail.expunge";

/// The flags a user changes from Switchboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailFlag {
    Seen,
    Flagged,
}

impl MailFlag {
    /// The IMAP system flag.
    pub fn imap(self) -> &'static str {
        match self {
            MailFlag::Seen => "\\Seen",
            MailFlag::Flagged => "\\Flagged",
        }
    }

    fn column(self) -> &'static str {
        match self {
            MailFlag::Seen => "seen",
            MailFlag::Flagged => "flagged",
        }
    }
}

/// A `mail.*` job's payload (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailChangePayload {
    pub account_id: i64,
    /// The folder the UIDs belong to (the source of a move).
    pub folder_id: i64,
    pub uids: Vec<i64>,
    /// Local message ids, one per UID in the same order.
    pub message_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<MailFlag>,
    /// `mail.flags`: add (true) or remove the flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_folder_id: Option<i64>,
}

/// What a claimed job asks the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailChange {
    Flags { flag: MailFlag, add: bool },
    Move { dest_folder_id: i64 },
    Expunge,
}

/// A claimed `mail.*` job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailChangeJob {
    pub id: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
    pub change: MailChange,
    pub payload: MailChangePayload,
}

/// What a local action did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalChange {
    /// Messages whose local state changed.
    pub changed: usize,
    /// Jobs queued for the server.
    pub jobs: Vec<i64>,
    /// Accounts with new jobs (their sync should run soon).
    pub accounts: Vec<i64>,
    /// Messages whose previous move is on its way to the server right now. When this is
    /// not empty the action changed NOTHING; try again once that replay finished.
    pub in_flight: Vec<i64>,
}

/// A message an action touches, with where it is on the server.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Target {
    id: i64,
    account_id: i64,
    folder_id: i64,
    uid: Option<i64>,
    seen: bool,
    flagged: bool,
    thread_id: i64,
    dedupe_key: String,
    /// The account has a server to replay to.
    remote: bool,
}

/// Where a message still is on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// On the server in its local folder under its local UID.
    Direct { folder: i64, uid: i64 },
    /// Moved locally, not yet on the server: still at `folder`/`uid` there. Taken out of
    /// its queued move job already.
    Detached { folder: i64, uid: i64 },
    /// Nothing to replay (no server, or no known server copy).
    LocalOnly,
}

const TARGET_COLUMNS: &str = "SELECT m.id, m.account_id, m.folder_id, m.uid, m.seen, m.flagged,
        m.thread_id, m.dedupe_key, (a.kind = 'imap') AS remote
     FROM messages m JOIN accounts a ON a.id = m.account_id";

fn json_list<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

async fn targets(tx: &mut Transaction<'_, Sqlite>, ids: &[i64]) -> Result<Vec<Target>> {
    Ok(sqlx::query_as::<_, Target>(&format!(
        "{TARGET_COLUMNS} WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id"
    ))
    .bind(json_list(ids))
    .fetch_all(&mut **tx)
    .await?)
}

async fn enqueue(
    tx: &mut Transaction<'_, Sqlite>,
    kind: &str,
    payload: &MailChangePayload,
    now_ms: i64,
) -> Result<i64> {
    let json = serde_json::to_string(payload)
        .map_err(|e| StoreError::Invalid(format!("job payload: {e}")))?;
    Ok(sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload_json, run_after, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3, ?3) RETURNING id",
    )
    .bind(kind)
    .bind(json)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?)
}

/// Finds where each UID-less remote message still is on the server (its queued move
/// job) and takes it out of that job. Returns the origins, or the messages whose move
/// is running (then nothing was changed).
async fn origins(
    tx: &mut Transaction<'_, Sqlite>,
    targets: &[&Target],
) -> Result<std::result::Result<HashMap<i64, Origin>, Vec<i64>>> {
    let mut out = HashMap::new();
    let mut uidless = Vec::new();
    for t in targets {
        match (t.remote, t.uid) {
            (false, _) => {
                out.insert(t.id, Origin::LocalOnly);
            }
            (true, Some(uid)) => {
                out.insert(
                    t.id,
                    Origin::Direct {
                        folder: t.folder_id,
                        uid,
                    },
                );
            }
            (true, None) => uidless.push(t.id),
        }
    }
    if uidless.is_empty() {
        return Ok(Ok(out));
    }
    let jobs: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT j.id, j.state, j.payload_json, m.value FROM jobs j,
                json_each(j.payload_json, '$.message_ids') m
         WHERE j.kind = ?1 AND j.state IN ('queued', 'running')
           AND m.value IN (SELECT value FROM json_each(?2))
         ORDER BY j.id",
    )
    .bind(MAIL_MOVE_JOB)
    .bind(json_list(&uidless))
    .fetch_all(&mut **tx)
    .await?;
    let running: Vec<i64> = jobs
        .iter()
        .filter(|(_, state, _, _)| state == "running")
        .map(|(_, _, _, m)| *m)
        .collect();
    if !running.is_empty() {
        return Ok(Err(running));
    }
    // Job -> (payload, messages to take out of it).
    let mut detach: BTreeMap<i64, (String, Vec<i64>)> = BTreeMap::new();
    for (job, _, payload, message) in jobs {
        detach
            .entry(job)
            .or_insert_with(|| (payload, Vec::new()))
            .1
            .push(message);
    }
    for (job, (payload, messages)) in detach {
        let mut p: MailChangePayload = serde_json::from_str(&payload)
            .map_err(|e| StoreError::Invalid(format!("job {job} payload: {e}")))?;
        let mut keep_uids = Vec::new();
        let mut keep_ids = Vec::new();
        for (uid, id) in p.uids.iter().zip(&p.message_ids) {
            if messages.contains(id) {
                out.insert(
                    *id,
                    Origin::Detached {
                        folder: p.folder_id,
                        uid: *uid,
                    },
                );
            } else {
                keep_uids.push(*uid);
                keep_ids.push(*id);
            }
        }
        if keep_ids.is_empty() {
            // Coalesced away entirely: nothing of it is left to send.
            sqlx::query("DELETE FROM jobs WHERE id = ?")
                .bind(job)
                .execute(&mut **tx)
                .await?;
        } else {
            p.uids = keep_uids;
            p.message_ids = keep_ids;
            sqlx::query("UPDATE jobs SET payload_json = ? WHERE id = ?")
                .bind(serde_json::to_string(&p).unwrap_or_default())
                .bind(job)
                .execute(&mut **tx)
                .await?;
        }
    }
    for id in uidless {
        out.entry(id).or_insert(Origin::LocalOnly);
    }
    Ok(Ok(out))
}

/// Collects (uid, message id) per (account, folder[, destination]) key, in message order,
/// then queues one job per key.
#[derive(Default)]
struct JobBatch {
    groups: BTreeMap<JobKey, UidList>,
}

/// (account, folder, destination folder or 0)
type JobKey = (i64, i64, i64);
/// UIDs and their message ids, in the same order.
type UidList = (Vec<i64>, Vec<i64>);

impl JobBatch {
    fn add(&mut self, account: i64, folder: i64, dest: i64, uid: i64, message: i64) {
        let g = self.groups.entry((account, folder, dest)).or_default();
        g.0.push(uid);
        g.1.push(message);
    }

    async fn enqueue(
        self,
        tx: &mut Transaction<'_, Sqlite>,
        kind: &str,
        template: &MailChangePayload,
        now_ms: i64,
        out: &mut LocalChange,
    ) -> Result<()> {
        for ((account, folder, dest), (uids, message_ids)) in self.groups {
            let payload = MailChangePayload {
                account_id: account,
                folder_id: folder,
                uids,
                message_ids,
                dest_folder_id: (kind == MAIL_MOVE_JOB).then_some(dest),
                ..template.clone()
            };
            out.jobs.push(enqueue(tx, kind, &payload, now_ms).await?);
            if !out.accounts.contains(&account) {
                out.accounts.push(account);
            }
        }
        Ok(())
    }
}

fn template() -> MailChangePayload {
    MailChangePayload {
        account_id: 0,
        folder_id: 0,
        uids: Vec::new(),
        message_ids: Vec::new(),
        flag: None,
        add: None,
        dest_folder_id: None,
    }
}

impl Store {
    /// Starts a local-change transaction holding the write lock from its first statement,
    /// so the replay runner cannot claim a job between our read of it and our rewrite.
    async fn begin_change(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Sets or clears one flag on messages (ids that do not exist are ignored), refreshes
    /// their threads' counters, and queues `mail.flags` jobs for the ones that changed.
    pub async fn set_messages_flag(
        &self,
        message_ids: &[i64],
        flag: MailFlag,
        value: bool,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let mut tx = self.begin_change().await?;
        let all = targets(&mut tx, message_ids).await?;
        let changing: Vec<&Target> = all
            .iter()
            .filter(|t| match flag {
                MailFlag::Seen => t.seen != value,
                MailFlag::Flagged => t.flagged != value,
            })
            .collect();
        let mut out = LocalChange::default();
        if changing.is_empty() {
            return Ok(out);
        }
        let origins = match origins(&mut tx, &changing).await? {
            Ok(o) => o,
            Err(in_flight) => {
                out.in_flight = in_flight;
                return Ok(out);
            }
        };
        let ids: Vec<i64> = changing.iter().map(|t| t.id).collect();
        sqlx::query(&format!(
            "UPDATE messages SET {} = ? WHERE id IN (SELECT value FROM json_each(?))",
            flag.column()
        ))
        .bind(value)
        .bind(json_list(&ids))
        .execute(&mut *tx)
        .await?;
        let mut threads: Vec<i64> = changing.iter().map(|t| t.thread_id).collect();
        threads.sort_unstable();
        threads.dedup();
        refresh_threads(&mut tx, &threads).await?;
        out.changed = ids.len();

        let mut flags = JobBatch::default();
        let mut moves = JobBatch::default();
        for t in &changing {
            match origins.get(&t.id).copied().unwrap_or(Origin::LocalOnly) {
                Origin::Direct { folder, uid } => flags.add(t.account_id, folder, 0, uid, t.id),
                Origin::Detached { folder, uid } => {
                    // Flag it where it still is, then move it on again.
                    flags.add(t.account_id, folder, 0, uid, t.id);
                    moves.add(t.account_id, folder, t.folder_id, uid, t.id);
                }
                Origin::LocalOnly => {}
            }
        }
        let flag_template = MailChangePayload {
            flag: Some(flag),
            add: Some(value),
            ..template()
        };
        flags
            .enqueue(&mut tx, MAIL_FLAGS_JOB, &flag_template, now_ms, &mut out)
            .await?;
        moves
            .enqueue(&mut tx, MAIL_MOVE_JOB, &template(), now_ms, &mut out)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves messages to a folder of their own account: each row goes to the folder at
    /// once (with `uid = NULL` until the server assigns one) and `mail.move` jobs are
    /// queued. Messages already there are left alone.
    pub async fn move_messages_to(
        &self,
        message_ids: &[i64],
        dest_folder_id: i64,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let mut tx = self.begin_change().await?;
        let dest_account: Option<i64> =
            sqlx::query_scalar("SELECT account_id FROM folders WHERE id = ?")
                .bind(dest_folder_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(dest_account) = dest_account else {
            return Err(StoreError::NotFound(format!("folder {dest_folder_id}")));
        };
        let all = targets(&mut tx, message_ids).await?;
        if all.iter().any(|t| t.account_id != dest_account) {
            return Err(StoreError::Invalid(
                "messages can only be moved to a folder of their own account".into(),
            ));
        }
        let dests: HashMap<i64, i64> = HashMap::from([(dest_account, dest_folder_id)]);
        let out = move_in(&mut tx, &all, &dests, now_ms).await?;
        if out.in_flight.is_empty() {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// Moves messages to their account's folder with this role (`trash`, `archive`).
    /// Fails with `NotFound`, changing nothing, when an account has no such folder.
    pub async fn move_messages_to_role(
        &self,
        message_ids: &[i64],
        role: &str,
        now_ms: i64,
    ) -> Result<LocalChange> {
        let mut tx = self.begin_change().await?;
        let all = targets(&mut tx, message_ids).await?;
        let mut dests: HashMap<i64, i64> = HashMap::new();
        for t in &all {
            if dests.contains_key(&t.account_id) {
                continue;
            }
            let folder = role_folder(&mut tx, t.account_id, role).await?;
            dests.insert(t.account_id, folder);
        }
        let out = move_in(&mut tx, &all, &dests, now_ms).await?;
        if out.in_flight.is_empty() {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// Empties an account's Trash: its messages are deleted locally at once and
    /// `mail.expunge` jobs remove exactly those from the server. Mail another client put
    /// into Trash since our last sync is not touched (the user never saw it).
    pub async fn empty_trash(&self, account_id: i64, now_ms: i64) -> Result<LocalChange> {
        let mut tx = self.begin_change().await?;
        let trash = role_folder(&mut tx, account_id, "trash").await?;
        let all = sqlx::query_as::<_, Target>(&format!(
            "{TARGET_COLUMNS} WHERE m.folder_id = ? ORDER BY m.id"
        ))
        .bind(trash)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = LocalChange::default();
        if all.is_empty() {
            return Ok(out);
        }
        let refs: Vec<&Target> = all.iter().collect();
        let origins = match origins(&mut tx, &refs).await? {
            Ok(o) => o,
            Err(in_flight) => {
                out.in_flight = in_flight;
                return Ok(out);
            }
        };
        let mut expunge = JobBatch::default();
        for t in &all {
            match origins.get(&t.id).copied().unwrap_or(Origin::LocalOnly) {
                // Trashed but not yet moved on the server: expunge it where it is.
                Origin::Direct { folder, uid } | Origin::Detached { folder, uid } => {
                    expunge.add(t.account_id, folder, 0, uid, t.id)
                }
                Origin::LocalOnly => {}
            }
        }
        let ids: Vec<i64> = all.iter().map(|t| t.id).collect();
        delete_messages_tx(&mut tx, &ids).await?;
        out.changed = ids.len();
        expunge
            .enqueue(&mut tx, MAIL_EXPUNGE_JOB, &template(), now_ms, &mut out)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Ids of a thread's messages, optionally only unread ones.
    pub async fn thread_message_ids(&self, thread_id: i64, unread_only: bool) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM messages WHERE thread_id = ? AND (? = 0 OR seen = 0) ORDER BY id",
        )
        .bind(thread_id)
        .bind(unread_only)
        .fetch_all(&self.pool)
        .await?)
    }
}

async fn role_folder(tx: &mut Transaction<'_, Sqlite>, account_id: i64, role: &str) -> Result<i64> {
    let folder: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM folders WHERE account_id = ? AND role = ? ORDER BY id LIMIT 1",
    )
    .bind(account_id)
    .bind(role)
    .fetch_optional(&mut **tx)
    .await?;
    match folder {
        Some(f) => Ok(f),
        None => {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM accounts WHERE id = ?")
                .bind(account_id)
                .fetch_optional(&mut **tx)
                .await?;
            Err(StoreError::NotFound(format!(
                "account {:?} has no {role} folder: the server lists none with that role \
                 (create one on the server, e.g. \"{}\", then sync)",
                name.unwrap_or_else(|| account_id.to_string()),
                capitalised(role)
            )))
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Moves each target to its account's destination (`dests`: account -> folder) inside
/// the caller's transaction. The caller commits only when `in_flight` is empty.
async fn move_in(
    tx: &mut Transaction<'_, Sqlite>,
    all: &[Target],
    dests: &HashMap<i64, i64>,
    now_ms: i64,
) -> Result<LocalChange> {
    let mut out = LocalChange::default();
    let moving: Vec<&Target> = all
        .iter()
        .filter(|t| dests.get(&t.account_id).is_some_and(|d| *d != t.folder_id))
        .collect();
    if moving.is_empty() {
        return Ok(out);
    }
    let origins = match origins(tx, &moving).await? {
        Ok(o) => o,
        Err(in_flight) => {
            out.in_flight = in_flight;
            return Ok(out);
        }
    };
    let mut moves = JobBatch::default();
    let mut dropped = Vec::new();
    for t in &moving {
        let dest = dests[&t.account_id];
        let origin = origins.get(&t.id).copied().unwrap_or(Origin::LocalOnly);
        // Back where the server still has it: the old UID is valid again, nothing to send.
        let home = matches!(origin, Origin::Detached { folder, .. } if folder == dest);
        let new_uid = match origin {
            Origin::Detached { uid, .. } if home => Some(uid),
            _ => None,
        };
        // The destination already holds this message (same dedupe key): keep that copy.
        let twin: bool = sqlx::query_scalar(
            "SELECT count(*) > 0 FROM messages WHERE folder_id = ? AND dedupe_key = ? AND id != ?",
        )
        .bind(dest)
        .bind(&t.dedupe_key)
        .bind(t.id)
        .fetch_one(&mut **tx)
        .await?;
        if twin {
            dropped.push(t.id);
        } else {
            sqlx::query("UPDATE messages SET folder_id = ?, uid = ? WHERE id = ?")
                .bind(dest)
                .bind(new_uid)
                .bind(t.id)
                .execute(&mut **tx)
                .await?;
        }
        out.changed += 1;
        match origin {
            Origin::Direct { folder, uid } => moves.add(t.account_id, folder, dest, uid, t.id),
            Origin::Detached { folder, uid } if !home => {
                moves.add(t.account_id, folder, dest, uid, t.id)
            }
            Origin::Detached { .. } | Origin::LocalOnly => {}
        }
    }
    delete_messages_tx(tx, &dropped).await?;
    moves
        .enqueue(tx, MAIL_MOVE_JOB, &template(), now_ms, &mut out)
        .await?;
    Ok(out)
}
