//! `switchboard-cli`: the same command surface as the app, for scripts and headless
//! use. Output with `--json` is stable: fields are only ever added.

use clap::{Parser, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_api::dto::ImportReport;
use switchboard_api::Api;
use switchboard_core::ErrorCode;
use switchboard_secrets::KeychainStore;

mod accounts;
mod availability_cmd;
mod calendar_cmd;
mod search;

#[derive(Parser)]
#[command(
    name = "switchboard-cli",
    version,
    about = "Switchboard from the command line"
)]
struct Cli {
    /// Where the workspace lives (default: $SWITCHBOARD_DATA_DIR or the platform data dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Calendar files and accounts.
    Calendar {
        #[command(subcommand)]
        command: calendar_cmd::CalendarCommand,
    },
    /// The demo workspace.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Import mail, calendars or tickets from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Search mail, newest first. Words and "phrases" match subject, people, body and
    /// attachment names; operators: from: to: cc: subject: has:attachment is:unread
    /// is:read is:flagged in:FOLDER before:YYYY-MM-DD after:YYYY-MM-DD newer_than:7d
    /// older_than:1m, and -x to exclude. Dates are local days.
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Skip this many hits (for paging).
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// A JSON array of hits.
        #[arg(long)]
        json: bool,
        /// Print SQLite's query plan instead of hits.
        #[arg(long)]
        explain: bool,
    },
    /// Every thread with the Message-IDs of its messages, oldest first.
    Threads {
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Mail accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Sync mail accounts: one pass with --once, else keep syncing (IDLE on the Inbox,
    /// polling other folders) until interrupted.
    Sync {
        /// Only this account.
        #[arg(long)]
        account: Option<String>,
        /// One full pass over every folder, then exit 0 once everything is stored.
        #[arg(long)]
        once: bool,
        /// Print a JSON summary (progress still goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Free meeting times across calendars and attendees, best first.
    Availability(Box<availability_cmd::AvailabilityArgs>),
    /// Counts of what the workspace holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Generate the demo files and import them through the real import paths.
    Seed {
        #[arg(long)]
        json: bool,
    },
    /// Write a Maildir of generated, threaded messages (for benchmarks).
    Maildir {
        dir: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account.
    Add {
        #[command(subcommand)]
        kind: AccountKind,
    },
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AccountKind {
    /// An IMAP + SMTP account. The password is read from stdin and stored in the
    /// keychain only.
    Imap(Box<ImapArgs>),
    /// A Gmail account over the Gmail API, from a refresh token on stdin (the app signs
    /// in through the browser instead).
    Gmail(Box<ApiAccountArgs>),
    /// An Outlook / Microsoft 365 account over Microsoft Graph, from a refresh token on
    /// stdin.
    Graph(Box<ApiAccountArgs>),
    /// A CalDAV calendar account (Fastmail, Nextcloud, iCloud, Radicale, ...). The
    /// password is read from stdin and stored in the keychain only.
    Caldav(Box<CalDavArgs>),
}

#[derive(clap::Args)]
struct CalDavArgs {
    #[arg(long)]
    name: String,
    /// The server (its root or any URL on it; discovery starts at /.well-known/caldav).
    #[arg(long)]
    url: String,
    #[arg(long)]
    user: String,
    /// Read the password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(clap::Args)]
struct ApiAccountArgs {
    #[arg(long)]
    name: String,
    /// Read the OAuth refresh token from stdin (it goes to the keychain only).
    #[arg(long)]
    refresh_token_stdin: bool,
    /// The API root of a non-production server (default: the provider's).
    #[arg(long)]
    api_root: Option<String>,
    /// The token endpoint of a non-production server.
    #[arg(long)]
    token_url: Option<String>,
    /// The OAuth client id (default: SWITCHBOARD_GOOGLE_CLIENT_ID / SWITCHBOARD_MICROSOFT_CLIENT_ID).
    #[arg(long)]
    client_id: Option<String>,
    /// Graph: a shared mailbox to sync instead of your own (user id or address).
    #[arg(long)]
    mailbox: Option<String>,
    /// Seconds between sync passes (15-3600, default 60).
    #[arg(long)]
    poll_seconds: Option<u32>,
    /// Graph: days of mail fetched whole at sync time (default 90; 0 = all); older mail
    /// stores its header and fetches the body when opened.
    #[arg(long)]
    body_window_days: Option<u32>,
    /// Gmail: your Google Cloud project's per-user quota in units per minute (default
    /// 6,000; projects that used the Gmail API before May 2026 have 15,000).
    #[arg(long)]
    quota_units_per_minute: Option<u32>,
    /// Gmail: the Google Calendar API root of a non-production server (default Google's).
    #[arg(long)]
    calendar_api_root: Option<String>,
}

#[derive(clap::Args)]
struct ImapArgs {
    #[arg(long)]
    name: String,
    /// The address you send as (default: --user).
    #[arg(long)]
    email: Option<String>,
    /// Fill host/port/security from a provider: gmail, outlook, fastmail, icloud, yahoo.
    #[arg(long)]
    preset: Option<String>,
    #[arg(long)]
    host: Option<String>,
    #[arg(long)]
    port: Option<u16>,
    /// tls, starttls or none (none only to this machine).
    #[arg(long)]
    security: Option<String>,
    #[arg(long)]
    user: String,
    /// Read the password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
    #[arg(long)]
    smtp_host: Option<String>,
    #[arg(long)]
    smtp_port: Option<u16>,
    #[arg(long)]
    smtp_security: Option<String>,
    /// Extra CA certificate (PEM) to trust for both servers.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Full bodies for mail newer than this many days (0 = all); older mail gets headers.
    #[arg(long)]
    body_window_days: Option<u32>,
    /// Minutes between polls of folders other than the Inbox (1-60).
    #[arg(long)]
    poll_minutes: Option<u32>,
    /// Add the account even if the SMTP test fails.
    #[arg(long)]
    skip_smtp_check: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import an mbox file (mboxrd or mboxo).
    Mbox {
        file: PathBuf,
        #[arg(long)]
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Import a Maildir (Maildir++ subfolders become folders).
    Maildir {
        dir: PathBuf,
        #[arg(long)]
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Import an iCalendar file into a calendar.
    Ics {
        file: PathBuf,
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "Calendar")]
        calendar: String,
    },
}

/// Writes a line to stdout; a closed pipe (`| head`) ends output quietly instead of
/// panicking like `println!` does.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn print_json<T: Serialize>(value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    say!("{text}");
    Ok(())
}

fn print_import(r: &ImportReport, json: bool) -> Result<(), String> {
    if json {
        return print_json(r);
    }
    say!(
        "{}: {} seen, {} imported, {} duplicates, {} malformed (stored, flagged)",
        r.source,
        r.seen,
        r.imported,
        r.duplicates,
        r.malformed
    );
    for p in &r.problems {
        eprintln!("  {}: {}", p.position, p.reason);
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), (ErrorCode, String)> {
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(switchboard_store::default_data_dir);
    if let Command::Demo {
        command: DemoCommand::Maildir { dir, count, seed },
    } = &cli.command
    {
        let now = chrono::Utc::now();
        switchboard_demo::write_maildir(dir, *seed, *count, now).map_err(|e| {
            (
                ErrorCode::Internal,
                format!("cannot write {}: {e}", dir.display()),
            )
        })?;
        say!("wrote {count} messages to {}", dir.display());
        return Ok(());
    }
    if let Command::Calendar {
        command: calendar_cmd::CalendarCommand::Expand(args),
    } = &cli.command
    {
        // Reads a file only: no workspace is opened.
        return calendar_cmd::expand(args).map_err(|e| (ErrorCode::InvalidInput, e));
    }
    let api = Api::open(&data_dir, Arc::new(KeychainStore::default()))
        .await
        .map_err(|e| (e.code, e.message))?;
    let out = |r: Result<(), String>| r.map_err(|e| (ErrorCode::Internal, e));
    let api_err = |e: switchboard_api::dto::ApiError| (e.code, e.message);
    match cli.command {
        Command::Demo {
            command: DemoCommand::Seed { json },
        } => {
            let report = api.open_demo_workspace().await.map_err(api_err)?;
            if json {
                out(print_json(&report))?;
            } else {
                for r in &report.mail {
                    out(print_import(r, false))?;
                }
                say!(
                    "{} events, {} tickets, {} contacts",
                    report.events,
                    report.tickets,
                    report.contacts
                );
            }
        }
        Command::Demo {
            command: DemoCommand::Maildir { .. },
        } => {}
        Command::Calendar {
            command: calendar_cmd::CalendarCommand::Expand(_),
        } => {}
        Command::Import { command } => match command {
            ImportCommand::Mbox {
                file,
                account,
                json,
            } => {
                let r = api.import_mbox(&file, &account).await.map_err(api_err)?;
                out(print_import(&r, json))?;
            }
            ImportCommand::Maildir { dir, account, json } => {
                let r = api.import_maildir(&dir, &account).await.map_err(api_err)?;
                out(print_import(&r, json))?;
            }
            ImportCommand::Ics {
                file,
                account,
                calendar,
            } => {
                let r = api
                    .import_ics(&file, &account, &calendar)
                    .await
                    .map_err(api_err)?;
                say!(
                    "{}: {} events ({} broken)",
                    file.display(),
                    r.events,
                    r.broken
                );
                for (position, reason) in r.problems {
                    eprintln!("  {position}: {reason}");
                }
            }
        },
        Command::Search {
            query,
            limit,
            offset,
            json,
            explain,
        } => search::run(&api, &query, limit, offset, json, explain).await?,
        Command::Threads { account, json } => {
            let threads = api
                .thread_listing(account.as_deref())
                .await
                .map_err(api_err)?;
            if json {
                out(print_json(&threads))?;
            } else {
                for t in threads {
                    say!("{:>7}  {:>3}  {}", t.id, t.message_ids.len(), t.subject);
                }
            }
        }
        Command::Account { command } => crate::accounts::run_account(&api, command)
            .await
            .map_err(api_err)?,
        Command::Sync {
            account,
            once,
            json,
        } => crate::accounts::run_sync(&api, account.as_deref(), once, json)
            .await
            .map_err(api_err)?,
        Command::Availability(args) => availability_cmd::run(&api, *args).await?,
        Command::Calendar {
            command: calendar_cmd::CalendarCommand::Sync { account, json },
        } => crate::accounts::run_calendar_sync(&api, account.as_deref(), json)
            .await
            .map_err(api_err)?,
        Command::Stats { json } => {
            let stats = api.stats().await.map_err(api_err)?;
            if json {
                out(print_json(&stats))?;
            } else {
                say!("{stats:#?}");
            }
        }
    }
    api.store().close().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("error: {message}");
            // 2 = the workspace itself cannot be used; 1 = anything else.
            if code == ErrorCode::StoreUnusable {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
