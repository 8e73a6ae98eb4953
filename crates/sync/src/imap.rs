//! One IMAP account's sync pass: list folders, then per folder ask the server what
//! changed (QRESYNC, CONDSTORE or a UID comparison), plan it with
//! [`switchboard_mail::imap::plan_folder`], and apply it batch by batch — each batch and
//! the folder's cursor in one transaction, newest messages first.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use switchboard_auth::{AccountTokens, AuthError};
use switchboard_core::Clock;
use switchboard_mail::imap::account::{imap_date, Credential};
use switchboard_mail::imap::{
    fetched_to_new_message, plan_folder, FetchedMessage, Flags, FolderCursor, FolderPlan,
    ImapAccountConfig, ImapSession, RemoteFolderState,
};
use switchboard_mail::net::{NetError, NetResult};
use switchboard_secrets::Secret;
use switchboard_store::{
    folder_cursor_scope, FolderChanges, FolderRow, NewMessage, RemoteFolder, Store,
};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages per fetch + store batch (full bodies); headers go in bigger batches.
const FULL_BATCH: usize = 500;
const HEADER_BATCH: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Store(#[from] switchboard_store::StoreError),
    #[error("{0}")]
    Config(String),
}

impl SyncError {
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Net(e) => e.is_retryable(),
            SyncError::Store(_) | SyncError::Config(_) => false,
        }
    }
}

/// Progress of a pass, for the progress bar and `switchboard-cli sync`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncProgress {
    pub account: String,
    pub folder: String,
    pub folder_index: usize,
    pub folder_count: usize,
    pub done: usize,
    pub total: usize,
    /// Messages per second in this folder so far.
    pub rate: f64,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub folders: usize,
    pub fetched: usize,
    pub deleted: usize,
    pub flags_changed: usize,
    /// New unread Inbox messages found by an incremental pass: (message id, thread id).
    pub new_inbox: Vec<(i64, i64)>,
}

/// What a pass needs to know about the account.
pub struct ImapAccount<'a> {
    pub id: i64,
    pub name: &'a str,
    pub config: &'a ImapAccountConfig,
    /// The password, or OAuth2 tokens (XOAUTH2).
    pub login: Login<'a>,
}

pub async fn connect(account: &ImapAccount<'_>) -> NetResult<ImapSession> {
    connect_with(account.config, account.login).await
}

/// How an account proves itself to its IMAP and SMTP servers.
#[derive(Debug, Clone, Copy)]
pub enum Login<'a> {
    /// The password from the keychain.
    Password(&'a str),
    /// OAuth2 (an account whose [`switchboard_mail::imap::account::AccountAuth`] is
    /// `oauth`): bearer tokens that [`AccountTokens`] keeps fresh.
    OAuth(&'a AccountTokens),
}

/// [`connect`] with the login given explicitly. With OAuth a refused token is renewed
/// once and the login tried once more ([`with_bearer`]).
pub async fn connect_with(config: &ImapAccountConfig, login: Login<'_>) -> NetResult<ImapSession> {
    let (endpoint, user) = (&config.imap, config.user.as_str());
    match login {
        Login::Password(password) => {
            ImapSession::connect(endpoint, user, password, CONNECT_TIMEOUT).await
        }
        Login::OAuth(tokens) => {
            with_bearer(
                tokens,
                |e| matches!(e, NetError::AuthFailed(_)),
                |token| async move {
                    let bearer = Credential::Bearer(token.expose());
                    ImapSession::connect_with(endpoint, user, bearer, CONNECT_TIMEOUT).await
                },
            )
            .await
        }
    }
}

/// Runs `attempt` with the account's access token. When the server refuses it
/// (`refused`), [`AccountTokens::after_rejection`] renews it (unless another caller
/// already has) and `attempt` runs once more; a second refusal is the caller's error.
/// A token that cannot be had is [`NetError::AuthFailed`] when only a new sign-in can
/// help (`NeedsSignIn`, never retried: `AccountTokens` stays signed out) and a retryable
/// network error when the provider was unreachable.
pub async fn with_bearer<T, E, Fut>(
    tokens: &AccountTokens,
    refused: impl Fn(&E) -> bool,
    mut attempt: impl FnMut(Secret<String>) -> Fut,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
    E: From<NetError>,
{
    let token = tokens
        .access_token()
        .await
        .map_err(|e| E::from(auth_error(e)))?;
    match attempt(token.clone()).await {
        Err(e) if refused(&e) => {
            tracing::info!("the server refused the access token; renewing it once");
            let renewed = tokens
                .after_rejection(&token)
                .await
                .map_err(|e| E::from(auth_error(e)))?;
            attempt(renewed).await
        }
        other => other,
    }
}

fn auth_error(err: AuthError) -> NetError {
    if err.is_retryable() {
        NetError::Io(std::io::Error::other(err.to_string()))
    } else {
        NetError::AuthFailed(err.to_string())
    }
}

/// Folder order for a pass: Inbox first, then what people look at, Trash and Junk last.
fn folder_rank(role: Option<&str>) -> u8 {
    match role {
        Some("inbox") => 0,
        Some("sent") => 1,
        Some("drafts") => 2,
        Some("archive") => 3,
        None => 4,
        Some("junk") => 5,
        Some("trash") => 6,
        Some(_) => 4,
    }
}

/// Special-use by name when the server has no SPECIAL-USE attributes.
pub fn role_by_name(name: &str) -> Option<&'static str> {
    let last = name
        .rsplit(['/', '.'])
        .next()
        .unwrap_or(name)
        .to_lowercase();
    Some(match last.as_str() {
        "inbox" => "inbox",
        "sent" | "sent items" | "sent messages" | "sent mail" | "gesendet" | "envoyés" => "sent",
        "drafts" | "draft" | "entwürfe" | "brouillons" => "drafts",
        "archive" | "archives" | "all mail" | "archiv" => "archive",
        "trash" | "deleted items" | "deleted messages" | "bin" | "papierkorb" | "corbeille" => {
            "trash"
        }
        "junk" | "spam" | "junk e-mail" | "junk email" | "bulk mail" => "junk",
        _ => return None,
    })
}

/// Lists the server's folders and mirrors them locally.
pub async fn sync_folder_list(
    store: &Store,
    session: &mut ImapSession,
    account_id: i64,
) -> Result<Vec<FolderRow>, SyncError> {
    let listed = session.list().await?;
    let mut taken: HashSet<&'static str> = HashSet::new();
    let mut remote: Vec<RemoteFolder> = Vec::with_capacity(listed.len());
    // SPECIAL-USE first, then names for roles still free.
    for f in &listed {
        if let Some(r) = f.special_use {
            taken.insert(r);
        }
    }
    for f in listed {
        let role = match f.special_use {
            Some("all") | Some("flagged") => None,
            Some(r) => Some(r),
            None => role_by_name(&f.name).filter(|r| taken.insert(r)),
        };
        remote.push(RemoteFolder {
            name: f.name,
            wire_name: f.wire_name,
            delimiter: f.delimiter,
            role: role.map(str::to_owned),
            selectable: f.selectable,
        });
    }
    Ok(store.sync_folders(account_id, &remote).await?)
}

/// One full pass over every folder of the account.
pub async fn sync_once(
    store: &Store,
    clock: &dyn Clock,
    account: &ImapAccount<'_>,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, SyncError> {
    let mut session = connect(account).await?;
    let qresync = session.enable_qresync().await?;
    crate::changes::replay_pending(store, clock, account.id, &mut session).await?;
    let mut folders = sync_folder_list(store, &mut session, account.id).await?;
    folders.retain(|f| f.selectable);
    folders.sort_by_key(|f| folder_rank(f.role.as_deref()));
    let mut report = SyncReport {
        folders: folders.len(),
        ..Default::default()
    };
    let count = folders.len();
    for (i, folder) in folders.iter().enumerate() {
        let mut pass = FolderPass {
            store,
            clock,
            account,
            folder,
            qresync,
            index: i,
            count,
        };
        pass.run(&mut session, &mut report, progress).await?;
    }
    let _ = session.logout().await;
    Ok(report)
}

/// Syncs only the folders with these roles (e.g. the Inbox after IDLE news).
pub async fn sync_roles(
    store: &Store,
    clock: &dyn Clock,
    account: &ImapAccount<'_>,
    session: &mut ImapSession,
    roles: &[&str],
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, SyncError> {
    let qresync = session.has("QRESYNC");
    let folders: Vec<FolderRow> = store
        .folders(Some(account.id))
        .await?
        .into_iter()
        .filter(|f| f.selectable && f.role.as_deref().is_some_and(|r| roles.contains(&r)))
        .collect();
    let mut report = SyncReport {
        folders: folders.len(),
        ..Default::default()
    };
    let count = folders.len();
    for (i, folder) in folders.iter().enumerate() {
        let mut pass = FolderPass {
            store,
            clock,
            account,
            folder,
            qresync,
            index: i,
            count,
        };
        pass.run(session, &mut report, progress).await?;
    }
    Ok(report)
}

struct FolderPass<'a> {
    store: &'a Store,
    clock: &'a dyn Clock,
    account: &'a ImapAccount<'a>,
    folder: &'a FolderRow,
    qresync: bool,
    index: usize,
    count: usize,
}

impl FolderPass<'_> {
    async fn run(
        &mut self,
        session: &mut ImapSession,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Result<(), SyncError> {
        let store = self.store;
        let folder = self.folder;
        let wire = folder
            .wire_name
            .clone()
            .unwrap_or_else(|| folder.name.clone());
        let scope = folder_cursor_scope(folder.id);
        let cursor = store
            .cursor(self.account.id, &scope)
            .await?
            .as_deref()
            .and_then(FolderCursor::parse);
        let trusted = cursor.filter(|c| c.complete && c.highestmodseq.is_some());
        let qresync_args = match trusted {
            Some(c) if self.qresync => c.highestmodseq.map(|m| (c.uidvalidity, m)),
            _ => None,
        };
        let sel = session.select(&wire, qresync_args, false).await?;
        let pending: HashSet<u32> = store
            .pending_uids(folder.id)
            .await?
            .into_iter()
            .filter_map(|u| u32::try_from(u).ok())
            .collect();
        let same_validity = trusted.is_some_and(|c| c.uidvalidity == sel.uidvalidity);

        // Nothing changed since our cursor (CONDSTORE): done with two counts, without
        // loading the folder's UID list (100k rows cost more than the whole exchange).
        if same_validity
            && sel.highestmodseq.is_some()
            && trusted.and_then(|c| c.highestmodseq) == sel.highestmodseq
        {
            let pending_list: Vec<i64> = pending.iter().map(|u| i64::from(*u)).collect();
            let stored = store.folder_uid_count(folder.id, None).await?;
            let pending_here = store
                .folder_uid_count(folder.id, Some(&pending_list))
                .await?;
            let in_flight = pending_list.len() as i64 - pending_here;
            if i64::from(sel.exists) == stored + in_flight {
                self.report_progress(progress, 0, 0, Instant::now());
                return Ok(());
            }
        }

        let local: BTreeMap<u32, Flags> = store
            .folder_uids(folder.id)
            .await?
            .into_iter()
            .filter_map(|l| {
                u32::try_from(l.uid).ok().map(|u| {
                    (
                        u,
                        Flags {
                            seen: l.seen,
                            flagged: l.flagged,
                        },
                    )
                })
            })
            .collect();
        // Also a first sync whose folder row remembers a different UIDVALIDITY.
        let reset_from_row = cursor.is_none()
            && folder
                .uidvalidity
                .is_some_and(|v| v != i64::from(sel.uidvalidity))
            && !local.is_empty();

        let mut remote = RemoteFolderState {
            uidvalidity: sel.uidvalidity,
            exists: sel.exists,
            highestmodseq: sel.highestmodseq,
            ..Default::default()
        };
        let mut plan: Option<FolderPlan> = None;
        if same_validity && qresync_args.is_some() {
            remote.vanished = sel.vanished.clone();
            remote.flags = sel
                .changed
                .iter()
                .map(|f| (f.uid, Flags::from_imap(&f.flags)))
                .collect();
            let p = plan_folder(cursor, &local, &pending, &remote);
            if !p.needs_full_compare {
                plan = Some(p);
            }
        }
        let plan = match plan {
            Some(p) => p,
            None => {
                remote.vanished.clear();
                remote.all_uids = Some(if sel.exists == 0 {
                    Vec::new()
                } else {
                    session.uid_search("ALL").await?
                });
                remote.flags = if local.is_empty() || reset_from_row {
                    Vec::new()
                } else {
                    let since = if same_validity {
                        trusted.and_then(|c| c.highestmodseq)
                    } else {
                        None
                    };
                    session
                        .uid_fetch_flags(None, since)
                        .await?
                        .into_iter()
                        .map(|f| (f.uid, Flags::from_imap(&f.flags)))
                        .collect()
                };
                let base = if reset_from_row {
                    folder
                        .uidvalidity
                        .and_then(|v| u32::try_from(v).ok())
                        .map(|v| FolderCursor {
                            uidvalidity: v,
                            highestmodseq: None,
                            complete: false,
                        })
                } else {
                    cursor
                };
                plan_folder(base, &local, &pending, &remote)
            }
        };
        self.apply(
            session,
            plan,
            &sel_summary(&remote),
            cursor.is_some(),
            report,
            progress,
        )
        .await
    }

    async fn apply(
        &mut self,
        session: &mut ImapSession,
        plan: FolderPlan,
        remote: &SelSummary,
        had_cursor: bool,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Result<(), SyncError> {
        let account_id = self.account.id;
        let folder_id = self.folder.id;
        let final_cursor = FolderCursor {
            uidvalidity: remote.uidvalidity,
            highestmodseq: remote.highestmodseq,
            complete: true,
        };
        let working_cursor = FolderCursor {
            complete: false,
            ..final_cursor
        };
        let mut first = FolderChanges {
            account_id,
            folder_id,
            reset_uidvalidity: plan.reset.then_some(i64::from(remote.uidvalidity)),
            uidvalidity: Some(i64::from(remote.uidvalidity)),
            delete_uids: plan.delete.iter().map(|u| i64::from(*u)).collect(),
            flags: plan
                .flags
                .iter()
                .map(|(u, f)| (i64::from(*u), f.seen, f.flagged))
                .collect(),
            insert: Vec::new(),
            cursor: None,
        };
        report.deleted += plan.delete.len();
        if plan.fetch.is_empty() {
            first.cursor = Some(final_cursor.to_json());
            let applied = self
                .store
                .apply_folder_changes(first, self.clock.now().timestamp_millis())
                .await?;
            report.flags_changed += applied.flags_changed;
            self.report_progress(progress, 0, 0, Instant::now());
            return Ok(());
        }
        first.cursor = Some(working_cursor.to_json());
        self.store
            .apply_folder_changes(first, self.clock.now().timestamp_millis())
            .await?;

        // Which of the messages to fetch get their whole body now.
        let window = self.account.config.body_window_days;
        let full: HashSet<u32> = if window == 0 {
            plan.fetch.iter().copied().collect()
        } else {
            let since = self.clock.now().timestamp_millis() - i64::from(window) * 86_400_000;
            session
                .uid_search(&format!("SINCE {}", imap_date(since)))
                .await?
                .into_iter()
                .collect()
        };
        let mut batches: Vec<(Vec<u32>, bool)> = Vec::new();
        let mut current: Vec<u32> = Vec::new();
        let mut current_full = true;
        for &uid in &plan.fetch {
            let is_full = full.contains(&uid);
            let limit = if current_full {
                FULL_BATCH
            } else {
                HEADER_BATCH
            };
            if !current.is_empty() && (is_full != current_full || current.len() >= limit) {
                batches.push((std::mem::take(&mut current), current_full));
            }
            current_full = is_full;
            current.push(uid);
        }
        if !current.is_empty() {
            batches.push((current, current_full));
        }

        let total = plan.fetch.len();
        let started = Instant::now();
        let mut done = 0usize;
        self.report_progress(progress, done, total, started);
        let is_inbox = self.folder.role.as_deref() == Some("inbox");
        let uidvalidity = remote.uidvalidity;
        let now = self.clock.now().timestamp_millis();
        // Fetch batch n+1 while batch n is parsed and stored.
        let mut pending_store: Option<(Vec<FetchedMessage>, bool, bool)> = None;
        let last_index = batches.len() - 1;
        for (i, (uids, full)) in batches.iter().enumerate() {
            let fetch = async {
                let mut got = Vec::with_capacity(uids.len());
                session
                    .uid_fetch_messages(uids, !full, |m| got.push(m))
                    .await
                    .map(|_| got)
            };
            let previous = pending_store.take();
            let store_prev =
                self.store_fetched(previous, uidvalidity, now, working_cursor, final_cursor);
            let (fetched, stored) = tokio::join!(fetch, store_prev);
            if let Some(applied) = stored? {
                done += applied.0;
                if is_inbox && had_cursor {
                    report.new_inbox.extend(applied.1);
                }
                self.report_progress(progress, done, total, started);
            }
            pending_store = Some((fetched?, *full, i == last_index));
        }
        if let Some(applied) = self
            .store_fetched(
                pending_store.take(),
                uidvalidity,
                now,
                working_cursor,
                final_cursor,
            )
            .await?
        {
            done += applied.0;
            if is_inbox && had_cursor {
                report.new_inbox.extend(applied.1);
            }
            self.report_progress(progress, done, total, started);
        }
        report.fetched += done;
        Ok(())
    }

    /// Parses and stores one fetched batch; returns (count, new unread (id, thread)).
    async fn store_fetched(
        &self,
        batch: Option<(Vec<FetchedMessage>, bool, bool)>,
        uidvalidity: u32,
        now: i64,
        working: FolderCursor,
        final_cursor: FolderCursor,
    ) -> Result<Option<(usize, Vec<(i64, i64)>)>, SyncError> {
        let Some((fetched, full, last)) = batch else {
            return Ok(None);
        };
        let account_id = self.account.id;
        let folder_id = self.folder.id;
        let count = fetched.len();
        let parsed: Vec<(NewMessage, bool)> = tokio::task::spawn_blocking(move || {
            fetched
                .into_iter()
                .map(|m| {
                    (
                        fetched_to_new_message(m, account_id, folder_id, uidvalidity, now),
                        full,
                    )
                })
                .collect()
        })
        .await
        .map_err(|e| SyncError::Config(format!("parser task failed: {e}")))?;
        let cursor = if last { final_cursor } else { working };
        let applied = self
            .store
            .apply_folder_changes(
                FolderChanges {
                    account_id,
                    folder_id,
                    insert: parsed,
                    cursor: Some(cursor.to_json()),
                    ..Default::default()
                },
                self.clock.now().timestamp_millis(),
            )
            .await?;
        let unread: Vec<(i64, i64)> = applied
            .inserted
            .iter()
            .filter(|(_, _, seen)| !seen)
            .map(|(id, thread, _)| (*id, *thread))
            .collect();
        Ok(Some((count, unread)))
    }

    fn report_progress(
        &self,
        progress: &mut (dyn FnMut(&SyncProgress) + Send),
        done: usize,
        total: usize,
        started: Instant,
    ) {
        let secs = started.elapsed().as_secs_f64();
        progress(&SyncProgress {
            account: self.account.name.to_owned(),
            folder: self.folder.name.clone(),
            folder_index: self.index,
            folder_count: self.count,
            done,
            total,
            rate: if secs > 0.0 { done as f64 / secs } else { 0.0 },
        });
    }
}

struct SelSummary {
    uidvalidity: u32,
    highestmodseq: Option<u64>,
}

fn sel_summary(remote: &RemoteFolderState) -> SelSummary {
    SelSummary {
        uidvalidity: remote.uidvalidity,
        highestmodseq: remote.highestmodseq,
    }
}

/// Told about new unread Inbox mail: (message id, thread id) pairs.
pub type OnNewInbox<'a> = dyn FnMut(&[(i64, i64)]) + Send + 'a;

/// Longest single IDLE before re-issuing it (servers drop idlers after ~30 min).
const IDLE_MAX: Duration = Duration::from_secs(25 * 60);
const BACKOFF_START: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// The delay before reconnect attempt `n` (0-based): doubling from 1 s to 5 min, with
/// up to 25% jitter (`jitter` in 0..1, passed in) so many clients don't return at once.
pub fn backoff_delay(attempt: u32, jitter: f64) -> Duration {
    let base = BACKOFF_START
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(BACKOFF_MAX);
    base.mul_f64(1.0 + 0.25 * jitter.clamp(0.0, 1.0))
}

/// Keeps an account in sync until `stop` turns true: a full pass, then IDLE on the Inbox
/// (new mail is fetched within seconds), a full pass over every folder each
/// `poll_minutes`, and reconnects with backoff when the connection drops. Returns an
/// error only for problems retrying cannot fix (a wrong password).
pub async fn watch_account(
    store: &Store,
    clock: &dyn Clock,
    account: &ImapAccount<'_>,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
    on_new_inbox: &mut OnNewInbox<'_>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), SyncError> {
    let mut attempt: u32 = 0;
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let result = watch_session(store, clock, account, progress, on_new_inbox, &mut stop).await;
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.is_retryable() => {
                let delay = backoff_delay(attempt, fastrand::f64());
                attempt = attempt.saturating_add(1);
                tracing::warn!(account = account.name, error = %e, ?delay, "sync connection lost; reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

async fn watch_session(
    store: &Store,
    clock: &dyn Clock,
    account: &ImapAccount<'_>,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
    on_new_inbox: &mut OnNewInbox<'_>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<(), SyncError> {
    let report = sync_once(store, clock, account, progress).await?;
    if !report.new_inbox.is_empty() {
        on_new_inbox(&report.new_inbox);
    }
    let poll = Duration::from_secs(u64::from(account.config.poll_minutes.clamp(1, 60)) * 60);
    let mut next_poll = tokio::time::Instant::now() + poll;
    let mut session = connect(account).await?;
    session.enable_qresync().await?;
    let inbox = store
        .folders(Some(account.id))
        .await?
        .into_iter()
        .find(|f| f.role.as_deref() == Some("inbox"));
    let Some(inbox) = inbox else {
        return Err(SyncError::Config("the server has no INBOX".into()));
    };
    let wire = inbox.wire_name.clone().unwrap_or(inbox.name.clone());
    session.select(&wire, None, true).await?;
    loop {
        if *stop.borrow() {
            let _ = session.logout().await;
            return Ok(());
        }
        let until_poll = next_poll.saturating_duration_since(tokio::time::Instant::now());
        if until_poll.is_zero() {
            let report = sync_once(store, clock, account, progress).await?;
            if !report.new_inbox.is_empty() {
                on_new_inbox(&report.new_inbox);
            }
            next_poll = tokio::time::Instant::now() + poll;
            continue;
        }
        let changed = if session.has("IDLE") {
            tokio::select! {
                r = session.idle(until_poll.min(IDLE_MAX)) => r?,
                _ = stop.changed() => { return Ok(()); }
            }
        } else {
            // No IDLE: poll the Inbox every minute.
            tokio::select! {
                _ = tokio::time::sleep(until_poll.min(Duration::from_secs(60))) => true,
                _ = stop.changed() => { return Ok(()); }
            }
        };
        let _ = session.take_unsolicited();
        if changed {
            // Our own queued changes first, so the pull sees the server after them.
            crate::changes::replay_pending(store, clock, account.id, &mut session).await?;
            let report =
                sync_roles(store, clock, account, &mut session, &["inbox"], progress).await?;
            if !report.new_inbox.is_empty() {
                on_new_inbox(&report.new_inbox);
            }
            session.select(&wire, None, true).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OAuth account against Dovecot checking tokens at a real authorization server:
    /// a token the server refuses is renewed once (rotating the refresh token in the
    /// keychain) and the login succeeds; a refused refresh token is a permanent
    /// auth_failed that asks the provider nothing more.
    #[tokio::test(flavor = "multi_thread")]
    async fn oauth_login_renews_a_refused_token_once() {
        use std::sync::Arc;
        use switchboard_auth::{
            authorization_url, LoopbackListener, Pkce, ProviderConfig, State, TokenClient,
        };
        use switchboard_mail::net::{Endpoint, Security};
        use switchboard_secrets::{MemoryStore, SecretStore};
        use switchboard_testkit::{
            Dovecot, DovecotOAuth2, DovecotOptions, OidcOptions, OidcProvider,
        };

        let (oidc, server) = tokio::task::spawn_blocking(|| {
            let oidc = OidcProvider::start(&OidcOptions {
                account: Dovecot::USER.to_owned(),
                introspection_client: true,
                ..OidcOptions::default()
            })
            .unwrap();
            let (client_id, client_secret) = oidc.introspection_client().unwrap();
            let oauth2 = DovecotOAuth2 {
                introspection_url: oidc.introspection_url(),
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
            };
            let server = Dovecot::start_with_oauth2(DovecotOptions::default(), oauth2).unwrap();
            (Arc::new(oidc), server)
        })
        .await
        .unwrap();
        let provider = ProviderConfig {
            authorize_url: oidc.authorize_url(),
            token_url: oidc.token_url(),
            client_id: oidc.client_id().to_owned(),
            client_secret: None,
            scopes: oidc.scopes(),
            extra_auth_params: vec![("prompt".to_owned(), "consent".to_owned())],
        };
        let listener = LoopbackListener::bind().await.unwrap();
        let redirect_uri = listener.redirect_uri();
        let (pkce, state) = (Pkce::generate().unwrap(), State::generate().unwrap());
        let url = authorization_url(&provider, &redirect_uri, state.as_str(), &pkce.challenge)
            .unwrap()
            .to_string();
        let browser = oidc.clone();
        let follow = tokio::task::spawn_blocking(move || browser.follow_authorization(&url));
        let code = listener
            .wait_for_code(&state, Duration::from_secs(30))
            .await
            .unwrap();
        follow.await.unwrap().unwrap();
        let client = TokenClient::new().unwrap();
        let mut signed_in = client
            .exchange_code(
                &provider,
                &code,
                &pkce.verifier,
                &redirect_uri,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let first_refresh = signed_in.refresh_token.clone().unwrap();
        // What the keychain holds looks valid for an hour, but the server refuses it.
        signed_in.access_token = Secret::from("revoked-access-token");

        let store = Arc::new(MemoryStore::new());
        let tokens = AccountTokens::new(provider.clone(), store.clone(), "account/7/oauth", client);
        tokens.save(&signed_in).unwrap();
        let config = ImapAccountConfig {
            email: Dovecot::USER.to_owned(),
            user: Dovecot::USER.to_owned(),
            imap: Endpoint {
                host: server.host().to_owned(),
                port: server.imaps_port(),
                security: Security::Tls,
                ca_file: Some(server.ca_pem().to_path_buf()),
            },
            smtp: Endpoint {
                host: server.host().to_owned(),
                port: 1,
                security: Security::None,
                ca_file: None,
            },
            body_window_days: 90,
            poll_minutes: 5,
            provider_saves_sent: false,
        };
        let mut session = connect_with(&config, Login::OAuth(&tokens)).await.unwrap();
        assert!(session
            .list()
            .await
            .unwrap()
            .iter()
            .any(|f| f.name == "INBOX"));
        let stored = store.get("account/7/oauth").unwrap().unwrap();
        assert!(
            !stored.expose().contains(first_refresh.expose().as_str()),
            "rotated"
        );

        // A refresh token the provider no longer accepts: auth_failed, and sticky.
        let stale = AccountTokens::new(
            provider,
            Arc::new(MemoryStore::new()),
            "account/8/oauth",
            TokenClient::new().unwrap(),
        );
        signed_in.refresh_token = Some(first_refresh);
        stale.save(&signed_in).unwrap();
        let err = connect_with(&config, Login::OAuth(&stale))
            .await
            .err()
            .unwrap();
        assert!(matches!(err, NetError::AuthFailed(_)), "{err:?}");
        assert!(!err.is_retryable());
        assert!(stale.needs_sign_in());
    }

    #[test]
    fn backoff_doubles_to_a_cap_with_bounded_jitter() {
        assert_eq!(backoff_delay(0, 0.0), Duration::from_secs(1));
        assert_eq!(backoff_delay(3, 0.0), Duration::from_secs(8));
        assert_eq!(backoff_delay(30, 0.0), BACKOFF_MAX);
        assert_eq!(backoff_delay(0, 1.0), Duration::from_millis(1250));
        assert!(backoff_delay(30, 1.0) <= BACKOFF_MAX.mul_f64(1.25));
    }

    #[test]
    fn roles_by_name() {
        for (name, role) in [
            ("INBOX", Some("inbox")),
            ("Sent Items", Some("sent")),
            ("INBOX.Sent", Some("sent")),
            ("[Gmail]/Spam", Some("junk")),
            ("Deleted Items", Some("trash")),
            ("Projects/Acme", None),
        ] {
            assert_eq!(role_by_name(name), role, "{name}");
        }
    }
}
