//! Opening the database safely: look before writing.

use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The platform data directory (`~/.local/share/switchboard` on Linux), unless
/// `SWITCHBOARD_DATA_DIR` says otherwise.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("app", "Switchboard", "switchboard")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".switchboard"))
}

pub(crate) async fn open_pool(path: &Path) -> Result<SqlitePool> {
    if path.exists() {
        inspect_existing(path).await?;
    }
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", "-32000")
        .pragma("temp_store", "memory")
        .log_statements(tracing::log::LevelFilter::Trace);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Checks an existing file read-only: it must be SQLite, and its schema must not be
/// newer than this build's migrations. Nothing here writes to the file.
async fn inspect_existing(path: &Path) -> Result<()> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let mut header = [0u8; 16];
    let len = std::fs::metadata(path)?.len();
    if len == 0 {
        // SQLite treats an empty file as an empty database.
        return Ok(());
    }
    let mut file = std::fs::File::open(path)?;
    if file.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
        return Err(corrupt(
            "the file does not start with the SQLite header".into(),
        ));
    }
    drop(file);

    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    let mut conn = options
        .connect()
        .await
        .map_err(|e| corrupt(e.to_string()))?;
    let has_migrations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| corrupt(e.to_string()))?;
    if has_migrations > 0 {
        let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| corrupt(e.to_string()))?;
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(found) = found.filter(|f| *f > known) {
            conn.close().await.ok();
            return Err(StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                known,
            });
        }
    }
    conn.close().await.ok();
    Ok(())
}
