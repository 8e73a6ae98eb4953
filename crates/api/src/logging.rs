//! Logging: `tracing` to stderr and to a daily-rolling file in the log directory.
//! Secrets never reach a log because they only travel as `Secret<T>`, whose Debug and
//! Display print `<redacted>`; a test reads the log file back to prove it.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

pub const LOG_FILE_PREFIX: &str = "switchboard.log";

/// The log directory for a data directory.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// Installs the global subscriber. Keep the guard alive for the process lifetime: it
/// flushes the file writer on drop. Calling it twice keeps the first subscriber.
pub fn init_logging(data_dir: &Path, to_stderr: bool) -> std::io::Result<WorkerGuard> {
    let dir = log_dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .max_log_files(14)
        .build(&dir)
        .map_err(std::io::Error::other)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tao=warn,wry=warn"));
    let file_layer = fmt::layer().with_ansi(false).with_writer(writer);
    let stderr_layer = to_stderr.then(|| fmt::layer().with_writer(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    Ok(guard)
}
