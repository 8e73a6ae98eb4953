//! Local imports (mbox, Maildir) through the same store path as sync: parse, then
//! store in batches, each batch in one transaction. Parsing runs on a blocking thread
//! while the previous batch is written, so both cores work.

use crate::maildir::maildir_entries;
use crate::mbox::split_mbox;
use crate::parse::parse_message;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use switchboard_store::{NewMessage, Store, StoreError, StoredOutcome};
use tokio::sync::mpsc;

const BATCH: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub position: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub seen: usize,
    pub imported: usize,
    pub duplicates: usize,
    /// Stored with their raw bytes but flagged as not fully readable.
    pub malformed: usize,
    /// Every flagged or skipped message, by position, with the reason.
    pub problems: Vec<ImportProblem>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One parsed batch on its way to the store, plus problems found while reading.
struct Batch {
    messages: Vec<NewMessage>,
    problems: Vec<ImportProblem>,
    seen: usize,
}

impl Batch {
    fn empty() -> Self {
        Self {
            messages: Vec::with_capacity(BATCH),
            problems: Vec::new(),
            seen: 0,
        }
    }
}

/// The producer side: collects parsed messages and hands full batches to the writer.
struct Batcher {
    tx: mpsc::Sender<Batch>,
    batch: Batch,
}

impl Batcher {
    fn new(tx: mpsc::Sender<Batch>) -> Self {
        Self {
            tx,
            batch: Batch::empty(),
        }
    }

    fn seen(&mut self) {
        self.batch.seen += 1;
    }

    fn problem(&mut self, position: String, reason: impl Into<String>) {
        self.batch.problems.push(ImportProblem {
            position,
            reason: reason.into(),
        });
    }

    /// Queues a message; false when the writer has gone (it failed), so reading stops.
    fn push(&mut self, msg: NewMessage, position: &str) -> bool {
        if let Some(reason) = &msg.parse_error {
            let reason = format!("stored with its raw bytes but flagged: {reason}");
            self.problem(position.to_owned(), reason);
        }
        self.batch.messages.push(msg);
        if self.batch.messages.len() < BATCH {
            return true;
        }
        let full = std::mem::replace(&mut self.batch, Batch::empty());
        self.tx.blocking_send(full).is_ok()
    }

    fn finish(self) {
        let _ = self.tx.blocking_send(self.batch);
    }
}

async fn drain(
    store: &Store,
    mut rx: mpsc::Receiver<Batch>,
    now_ms: i64,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    while let Some(batch) = rx.recv().await {
        summary.seen += batch.seen;
        summary.problems.extend(batch.problems);
        let outcomes = store.store_messages(&batch.messages, None, now_ms).await?;
        for (msg, outcome) in batch.messages.iter().zip(outcomes) {
            match outcome {
                StoredOutcome::Inserted { .. } => {
                    summary.imported += 1;
                    if msg.parse_error.is_some() {
                        summary.malformed += 1;
                    }
                }
                StoredOutcome::Duplicate { .. } => summary.duplicates += 1,
            }
        }
    }
    Ok(summary)
}

/// Imports every message of an mbox file into one folder. Re-importing the same file
/// adds nothing (messages are keyed by Message-ID, or a content hash without one).
pub async fn import_mbox(
    store: &Store,
    account_id: i64,
    folder_id: i64,
    path: &Path,
    now_ms: i64,
) -> Result<ImportSummary, ImportError> {
    let data = tokio::fs::read(path)
        .await
        .map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let (tx, rx) = mpsc::channel::<Batch>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let (entries, garbage) = split_mbox(&data);
        drop(data);
        let mut out = Batcher::new(tx);
        if let Some(end) = garbage {
            out.problem(
                "byte 0".into(),
                format!("{end} bytes before the first \"From \" line are not a message and were skipped"),
            );
        }
        for entry in entries {
            out.seen();
            let position = entry.position();
            if entry.raw.iter().all(u8::is_ascii_whitespace) {
                out.problem(position, "empty message skipped");
                continue;
            }
            let fallback = entry.envelope_date.unwrap_or(now_ms);
            let msg = parse_message(&entry.raw).into_new_message(
                entry.raw,
                account_id,
                folder_id,
                fallback,
                Some(position.clone()),
            );
            if !out.push(msg, &position) {
                return;
            }
        }
        out.finish();
    });
    let summary = drain(store, rx, now_ms).await;
    producer.await.ok();
    summary
}

/// Imports a Maildir (top level as INBOX, Maildir++ subfolders by name), keeping the
/// Seen and Flagged flags from the file names.
pub async fn import_maildir(
    store: &Store,
    account_id: i64,
    root: &Path,
    now_ms: i64,
) -> Result<ImportSummary, ImportError> {
    let io_err = |source| ImportError::Io {
        path: root.to_path_buf(),
        source,
    };
    let root_owned = root.to_path_buf();
    let entries = tokio::task::spawn_blocking(move || maildir_entries(&root_owned))
        .await
        .map_err(|e| io_err(std::io::Error::other(e)))?
        .map_err(io_err)?;
    let mut folders: HashMap<String, i64> = HashMap::new();
    for e in &entries {
        if !folders.contains_key(&e.folder) {
            let role = (e.folder == "INBOX").then_some("inbox");
            let id = store.ensure_folder(account_id, &e.folder, role).await?;
            folders.insert(e.folder.clone(), id);
        }
    }
    if folders.is_empty() {
        store
            .ensure_folder(account_id, "INBOX", Some("inbox"))
            .await?;
    }
    let (tx, rx) = mpsc::channel::<Batch>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let mut out = Batcher::new(tx);
        for entry in entries {
            out.seen();
            let position = entry
                .path
                .file_name()
                .map(|n| format!("{}/{}", entry.folder, n.to_string_lossy()))
                .unwrap_or_default();
            let raw = match std::fs::read(&entry.path) {
                Ok(raw) => raw,
                Err(e) => {
                    out.problem(position, format!("unreadable: {e}"));
                    continue;
                }
            };
            if raw.iter().all(u8::is_ascii_whitespace) {
                out.problem(position, "empty message skipped");
                continue;
            }
            let parsed = parse_message(&raw);
            // The file's time stands in for an unreadable Date header.
            let fallback = if parsed.date.is_some() {
                now_ms
            } else {
                std::fs::metadata(&entry.path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(now_ms, |d| d.as_millis() as i64)
            };
            let folder_id = folders.get(&entry.folder).copied().unwrap_or_default();
            let mut msg = parsed.into_new_message(
                raw,
                account_id,
                folder_id,
                fallback,
                Some(position.clone()),
            );
            msg.seen = entry.seen;
            msg.flagged = entry.flagged;
            if !out.push(msg, &position) {
                return;
            }
        }
        out.finish();
    });
    let summary = drain(store, rx, now_ms).await;
    producer.await.ok();
    summary
}
