//! `account add imap|gmail|graph|caldav`, `account list`, `sync` and `calendar sync`.

use crate::{print_json, say, AccountCommand, AccountKind, ApiAccountArgs, ImapArgs};
use std::io::BufRead;
use switchboard_api::dto::{
    ApiAccountInput, ApiError, CalDavAccountInput, ImapAccountInput, SyncProgressView,
};
use switchboard_api::Api;

fn read_password_line() -> Result<String, ApiError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| ApiError::invalid(format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(ApiError::invalid("no password on stdin"));
    }
    Ok(password)
}

fn imap_input(api: &Api, a: ImapArgs) -> Result<ImapAccountInput, ApiError> {
    if !a.password_stdin {
        return Err(ApiError::invalid(
            "pass the password on stdin with --password-stdin (never as an argument)",
        ));
    }
    let preset = match &a.preset {
        Some(id) => Some(
            api.provider_presets()
                .into_iter()
                .find(|p| p.id.eq_ignore_ascii_case(id))
                .ok_or_else(|| ApiError::invalid(format!("unknown preset {id:?}")))?,
        ),
        None => None,
    };
    let need = |v: Option<String>, from_preset: Option<String>, what: &str| {
        v.or(from_preset)
            .ok_or_else(|| ApiError::invalid(format!("--{what} is required (or use --preset)")))
    };
    let host = need(a.host, preset.as_ref().map(|p| p.imap_host.clone()), "host")?;
    let port = a
        .port
        .or(preset.as_ref().map(|p| p.imap_port))
        .ok_or_else(|| ApiError::invalid("--port is required (or use --preset)"))?;
    let security = need(
        a.security,
        preset.as_ref().map(|p| p.imap_security.clone()),
        "security",
    )?;
    let smtp_host = a
        .smtp_host
        .or(preset.as_ref().map(|p| p.smtp_host.clone()))
        .unwrap_or_else(|| host.clone());
    let smtp_port = a
        .smtp_port
        .or(preset.as_ref().map(|p| p.smtp_port))
        .unwrap_or(587);
    let smtp_security = a
        .smtp_security
        .or(preset.as_ref().map(|p| p.smtp_security.clone()))
        .unwrap_or_else(|| "starttls".into());
    let password = read_password_line()?;
    Ok(ImapAccountInput {
        name: a.name,
        email: a.email.unwrap_or_else(|| a.user.clone()),
        user: a.user,
        password,
        imap_host: host,
        imap_port: port,
        imap_security: security,
        smtp_host,
        smtp_port,
        smtp_security,
        ca_file: a.ca_file.map(|p| p.display().to_string()),
        body_window_days: a.body_window_days,
        poll_minutes: a.poll_minutes,
        provider_saves_sent: None,
    })
}

pub async fn run_account(api: &Api, command: AccountCommand) -> Result<(), ApiError> {
    match command {
        AccountCommand::Add {
            kind: AccountKind::Imap(args),
        } => {
            let skip_smtp = args.skip_smtp_check;
            let input = imap_input(api, *args)?;
            let name = input.name.clone();
            let test = api.add_imap_account(input, !skip_smtp).await?;
            for w in &test.warnings {
                eprintln!("warning: {w}");
            }
            if !test.smtp.ok {
                eprintln!("warning: SMTP: {}", test.smtp.message);
            }
            say!("added IMAP account {name:?} (password stored in the keychain)");
        }
        AccountCommand::Add {
            kind: AccountKind::Gmail(args),
        } => add_api_account(api, "gmail", *args).await?,
        AccountCommand::Add {
            kind: AccountKind::Graph(args),
        } => add_api_account(api, "graph", *args).await?,
        AccountCommand::Add {
            kind: AccountKind::Caldav(args),
        } => {
            if !args.password_stdin {
                return Err(ApiError::invalid(
                    "pass the password on stdin with --password-stdin (never as an argument)",
                ));
            }
            let name = args.name.clone();
            let calendars = api
                .add_caldav_account(CalDavAccountInput {
                    name: args.name,
                    url: args.url,
                    user: args.user,
                    password: read_password_line()?,
                })
                .await?;
            say!(
                "added CalDAV account {name:?} with {calendars} calendars (password stored in the keychain)"
            );
        }
        AccountCommand::List { json } => {
            let accounts = api.list_accounts().await?;
            if json {
                print_json(&accounts).map_err(ApiError::invalid)?;
            } else {
                for a in accounts {
                    say!(
                        "{:<20} {:<6} {:<30} {} messages, {} unread",
                        a.name,
                        a.kind,
                        a.email.unwrap_or_default(),
                        a.message_count,
                        a.unread_count
                    );
                }
            }
        }
    }
    Ok(())
}

async fn add_api_account(api: &Api, kind: &str, a: ApiAccountArgs) -> Result<(), ApiError> {
    if !a.refresh_token_stdin {
        return Err(ApiError::invalid(
            "pass the refresh token on stdin with --refresh-token-stdin (never as an argument)",
        ));
    }
    let refresh_token =
        read_password_line().map_err(|_| ApiError::invalid("no refresh token on stdin"))?;
    let name = a.name.clone();
    let email = api
        .add_api_account(ApiAccountInput {
            name: a.name,
            kind: kind.to_owned(),
            refresh_token,
            api_root: a.api_root,
            token_url: a.token_url,
            client_id: a.client_id,
            mailbox: a.mailbox,
            poll_seconds: a.poll_seconds,
            body_window_days: a.body_window_days,
            quota_units_per_minute: a.quota_units_per_minute,
            calendar_api_root: a.calendar_api_root,
        })
        .await?;
    say!("added {kind} account {name:?} for {email} (tokens stored in the keychain)");
    Ok(())
}

/// Progress on stderr: one line per folder step, rewritten in place on a terminal.
fn print_progress(p: &SyncProgressView) {
    use std::io::IsTerminal as _;
    let line = format!(
        "{} [{}/{}] {}: {}/{} ({:.0} msg/s)",
        p.account,
        p.folder_index + 1,
        p.folder_count,
        p.folder,
        p.done,
        p.total,
        p.rate
    );
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K{line}");
    } else if p.done == p.total {
        eprintln!("{line}");
    }
}

pub async fn run_sync(
    api: &Api,
    account: Option<&str>,
    once: bool,
    json: bool,
) -> Result<(), ApiError> {
    let mut progress = |p: &SyncProgressView| print_progress(p);
    let kind = match account {
        Some(name) => Some(api.account_kind(name).await?),
        None => None,
    };
    let imap = kind.as_deref().is_none_or(|k| k == "imap");
    let oauth = kind.as_deref().is_none_or(|k| k == "gmail" || k == "graph");
    if once {
        let mut summaries = Vec::new();
        if imap {
            summaries.extend(api.sync_imap_once(account, &mut progress).await?);
        }
        if oauth {
            summaries.extend(api.sync_api_once(account, &mut progress).await?);
        }
        if json {
            print_json(&summaries).map_err(ApiError::invalid)?;
        } else {
            for s in summaries {
                say!(
                    "{}: {} folders, {} fetched, {} deleted, {} flag changes",
                    s.account,
                    s.folders,
                    s.fetched,
                    s.deleted,
                    s.flags_changed
                );
            }
        }
        return Ok(());
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut api_progress = |p: &SyncProgressView| print_progress(p);
    let imap_watch = async {
        if imap {
            api.watch_imap(account, &mut progress, stopped(stop_rx.clone()))
                .await
        } else {
            Ok(())
        }
    };
    let api_watch = async {
        if oauth {
            api.watch_api_accounts(
                account,
                &mut api_progress,
                &mut |_| {},
                &mut |_, name| eprintln!("{name}: needs a new sign-in; its sync stopped"),
                stopped(stop_rx.clone()),
            )
            .await
        } else {
            Ok(())
        }
    };
    let watchers = async {
        let (a, b) = tokio::join!(imap_watch, api_watch);
        a.and(b)
    };
    tokio::pin!(watchers);
    tokio::select! {
        result = &mut watchers => result,
        _ = tokio::signal::ctrl_c() => {
            let _ = stop_tx.send(true);
            watchers.await
        }
    }
}

/// `calendar sync`: one pass, a line (or JSON object) per account; exit 1 if any failed.
pub async fn run_calendar_sync(api: &Api, only: Option<&str>, json: bool) -> Result<(), ApiError> {
    let summaries = api.sync_calendars_once(only).await?;
    if json {
        print_json(&summaries).map_err(ApiError::invalid)?;
    } else {
        for s in &summaries {
            match &s.error {
                Some(e) => say!("{}: failed: {e}", s.account),
                None => say!(
                    "{}: {} calendars, {} fetched, {} deleted, {} sent, {} conflicts",
                    s.account,
                    s.calendars,
                    s.fetched,
                    s.deleted,
                    s.pushed,
                    s.conflicts
                ),
            }
        }
    }
    if let Some(failed) = summaries.iter().find(|s| s.error.is_some()) {
        return Err(ApiError::new(
            switchboard_core::ErrorCode::Offline,
            format!(
                "calendar sync of {} failed: {}",
                failed.account,
                failed.error.clone().unwrap_or_default()
            ),
        ));
    }
    Ok(())
}
