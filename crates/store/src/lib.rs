//! Switchboard's local store: one SQLite database (WAL) holding accounts, mail, threads,
//! contacts, calendars, tickets, durable jobs, sync cursors and the audit log.
//!
//! The store applies plans computed elsewhere; it never talks to a network. Every write
//! that belongs together (a batch of messages and its cursor) happens in one transaction.
//! A database that this build cannot use — written by a newer schema or not a database —
//! is refused with [`StoreError::SchemaTooNew`] / [`StoreError::Corrupt`] before anything
//! writes to it. Entry points: [`Store::open`], then the query modules' methods.
//!
//! Compile-checked queries (`sqlx::query!`) rely on the committed `.sqlx/` cache;
//! full-text queries use runtime `query_as` because FTS5 virtual tables are opaque to
//! the macros.

mod account_config;
mod calendar;
mod calendar_sync;
mod contacts;
mod delete;
mod folder_sync;
mod ingest;
mod jobs;
mod local_changes;
mod mail;
mod open;
mod outbox;
mod reading;
mod reminders;
mod remote_changes;
mod remote_mail;
mod search;
mod stats;
mod thread_scope;
mod tickets;

pub use account_config::AccountConfigRow;
pub use calendar::{EventRow, NewAttendee, NewEvent};
pub use calendar_sync::{
    CalendarRow, PendingResource, RemoteCalendar, ResourceChange, ResourceRow, SyncedCalendar,
};
pub use contacts::{ContactRow, NewContact};
pub use delete::delete_messages_tx;
pub use folder_sync::{
    folder_cursor_scope, AppliedChanges, FolderChanges, FolderRow, LocalUid, RemoteFolder,
};
pub use jobs::{CursorRow, JobRow};
pub use local_changes::{
    LocalChange, MailChange, MailChangeJob, MailChangePayload, MailFlag, MAIL_EXPUNGE_JOB,
    MAIL_FLAGS_JOB, MAIL_MOVE_JOB,
};
pub use mail::{
    AttachmentRow, MessageRow, NewAttachment, NewMessage, StoredOutcome, ThreadListingRow,
    ThreadRow, TicketMailRow,
};
pub use open::default_data_dir;
pub use outbox::{ClaimedSend, DraftRow, NewOutboxMessage, OutboxRow, OutboxState};
pub use reading::BodyFetchTarget;
pub use reminders::ReminderRow;
pub use remote_changes::{RemoteChangeJob, RemoteChangePayload, RemoteOp, MAIL_REMOTE_JOB};
pub use remote_mail::{
    AccountStatusRow, AppliedRemote, RemoteChanges, RemoteMessageRow, RemoteState,
};
pub use search::{
    Condition, SearchFilters, SearchQuery, SearchRow, SearchTerm, TextField, MATCH_END, MATCH_START,
};
pub use stats::StoreStats;
pub use thread_scope::FolderScope;
pub use tickets::{NewTicket, TicketFilter, TicketRow, TicketSourceRow};

use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use switchboard_core::ErrorCode;

/// The database file name inside the data directory.
pub const DB_FILE: &str = "switchboard.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} was written by a newer version of Switchboard (schema version {found}; this \
         version knows up to {known}). It has not been changed: update Switchboard or choose \
         another data directory."
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{path} is not a usable Switchboard database ({reason}). It has not been changed: \
         move it aside or choose another data directory."
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::SchemaTooNew { .. } | Self::Corrupt { .. } => ErrorCode::StoreUnusable,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation() => ErrorCode::Conflict,
            _ => ErrorCode::Internal,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on the open database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, refusing files it cannot
    /// use without modifying them, then applies pending migrations.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let pool = open::open_pool(&path).await?;
        Ok(Self { pool, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Folds the write-ahead log into the database file, then closes every connection.
    /// After this the main file holds everything, whatever the connections' own
    /// shutdown still does in the background.
    pub async fn close(&self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!("checkpoint before close failed: {e}");
        }
        self.pool.close().await;
    }

    /// Reads a free-form setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?", key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query!(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key,
            value
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends to the audit log.
    pub async fn audit(
        &self,
        at_ms: i64,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        let detail = detail.to_string();
        sqlx::query!(
            "INSERT INTO audit_log (at, actor, action, subject, detail_json) VALUES (?, ?, ?, ?, ?)",
            at_ms,
            actor,
            action,
            subject,
            detail
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates the account if it does not exist; returns its id either way.
    pub async fn ensure_account(
        &self,
        name: &str,
        kind: &str,
        email: Option<&str>,
        now_ms: i64,
    ) -> Result<i64> {
        sqlx::query!(
            "INSERT INTO accounts (name, kind, email, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING",
            name,
            kind,
            email,
            now_ms
        )
        .execute(&self.pool)
        .await?;
        let id = sqlx::query_scalar!("SELECT id AS \"id!\" FROM accounts WHERE name = ?", name)
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn account_id(&self, name: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar!("SELECT id AS \"id!\" FROM accounts WHERE name = ?", name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn accounts(&self) -> Result<Vec<AccountRow>> {
        let rows = sqlx::query_as!(
            AccountRow,
            r#"SELECT a.id AS "id!", a.name, a.kind, a.email, a.secret_ref,
                 (SELECT count(*) FROM messages m WHERE m.account_id = a.id) AS "message_count!: i64",
                 (SELECT count(*) FROM messages m WHERE m.account_id = a.id AND m.seen = 0) AS "unread_count!: i64"
               FROM accounts a ORDER BY a.name"#
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Records the keychain entry name holding an account's secret (never the secret).
    pub async fn set_account_secret_ref(&self, account_id: i64, secret_ref: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET secret_ref = ? WHERE id = ?")
            .bind(secret_ref)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates the folder if needed; returns its id.
    pub async fn ensure_folder(
        &self,
        account_id: i64,
        name: &str,
        role: Option<&str>,
    ) -> Result<i64> {
        sqlx::query!(
            "INSERT INTO folders (account_id, name, role) VALUES (?, ?, ?)
             ON CONFLICT (account_id, name) DO NOTHING",
            account_id,
            name,
            role
        )
        .execute(&self.pool)
        .await?;
        let id = sqlx::query_scalar!(
            "SELECT id AS \"id!\" FROM folders WHERE account_id = ? AND name = ?",
            account_id,
            name
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub secret_ref: Option<String>,
    pub message_count: i64,
    pub unread_count: i64,
}
