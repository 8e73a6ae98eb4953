//! IMAP/SMTP accounts: presets, connection tests, adding an account (password to the
//! keychain only), the folder tree, and running a sync pass.

use crate::dto::{
    ApiError, ConnectionTest, FolderView, ImapAccountInput, ProviderPresetView, ServerCheck,
    SyncProgressView, SyncSummary,
};
use crate::{Api, ApiResult};
use std::path::PathBuf;
use std::time::Duration;
use switchboard_core::ErrorCode;
use switchboard_mail::imap::{ImapAccountConfig, ImapSession, PRESETS};
use switchboard_mail::net::{Endpoint, NetError, Security};
use switchboard_secrets::Secret;
use switchboard_store::AccountConfigRow;
use switchboard_sync::imap::{ImapAccount, SyncError, SyncProgress};

const TEST_TIMEOUT: Duration = Duration::from_secs(15);

fn security_name(s: Security) -> String {
    match s {
        Security::Tls => "tls",
        Security::StartTls => "starttls",
        Security::None => "none",
    }
    .to_owned()
}

fn parse_security(s: &str, which: &str) -> ApiResult<Security> {
    Security::parse(s).ok_or_else(|| {
        ApiError::invalid(format!(
            "{which} security must be tls, starttls or none (got {s:?})"
        ))
    })
}

pub(crate) fn net_error(e: NetError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Net(n) => net_error(n),
            SyncError::Store(s) => s.into(),
            SyncError::Config(c) => ApiError::new(ErrorCode::Internal, c),
        }
    }
}

fn check(result: Result<(), NetError>, ok_message: &str) -> ServerCheck {
    match result {
        Ok(()) => ServerCheck {
            ok: true,
            kind: None,
            message: ok_message.to_owned(),
        },
        Err(e) => ServerCheck {
            ok: false,
            kind: Some(e.kind().to_owned()),
            message: e.to_string(),
        },
    }
}

pub(crate) fn config_from_input(input: &ImapAccountInput) -> ApiResult<ImapAccountConfig> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid("the account needs a name"));
    }
    if !input.email.contains('@') {
        return Err(ApiError::invalid(format!(
            "{:?} is not an email address",
            input.email
        )));
    }
    if input.imap_host.trim().is_empty() || input.smtp_host.trim().is_empty() {
        return Err(ApiError::invalid("IMAP and SMTP hosts are required"));
    }
    let ca_file = input
        .ca_file
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from);
    let imap = Endpoint {
        host: input.imap_host.trim().to_owned(),
        port: input.imap_port,
        security: parse_security(&input.imap_security, "IMAP")?,
        ca_file: ca_file.clone(),
    };
    let smtp = Endpoint {
        host: input.smtp_host.trim().to_owned(),
        port: input.smtp_port,
        security: parse_security(&input.smtp_security, "SMTP")?,
        ca_file,
    };
    Ok(ImapAccountConfig {
        email: input.email.trim().to_owned(),
        user: if input.user.trim().is_empty() {
            input.email.trim().to_owned()
        } else {
            input.user.trim().to_owned()
        },
        imap,
        smtp,
        body_window_days: input.body_window_days.unwrap_or(90),
        poll_minutes: input.poll_minutes.unwrap_or(5),
        provider_saves_sent: input.provider_saves_sent.unwrap_or(false),
    }
    .clamp())
}

fn parse_config(row: &AccountConfigRow) -> ApiResult<ImapAccountConfig> {
    serde_json::from_str(&row.settings_json).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("account {:?} has unreadable settings: {e}", row.name),
        )
    })
}

pub(crate) fn to_progress_view(p: &SyncProgress) -> SyncProgressView {
    SyncProgressView {
        account: p.account.clone(),
        folder: p.folder.clone(),
        folder_index: p.folder_index as u32,
        folder_count: p.folder_count as u32,
        done: p.done as u32,
        total: p.total as u32,
        rate: p.rate,
    }
}

/// Tests both servers of an account without storing anything.
pub async fn test_servers(config: &ImapAccountConfig, password: &str) -> ConnectionTest {
    let imap = async {
        let s = ImapSession::connect(&config.imap, &config.user, password, TEST_TIMEOUT).await?;
        s.logout().await
    };
    let smtp = switchboard_mail::smtp::test_smtp_connection(
        &config.smtp,
        &config.user,
        password,
        TEST_TIMEOUT,
    );
    let (imap, smtp) = tokio::join!(imap, smtp);
    let warnings = [config.imap.warning(), config.smtp.warning()]
        .into_iter()
        .flatten()
        .collect();
    ConnectionTest {
        imap: check(imap, "IMAP login succeeded"),
        smtp: check(smtp.map(|_| ()), "SMTP login succeeded"),
        warnings,
    }
}

impl Api {
    pub fn provider_presets(&self) -> Vec<ProviderPresetView> {
        PRESETS
            .iter()
            .map(|p| ProviderPresetView {
                id: p.id.into(),
                label: p.label.into(),
                imap_host: p.imap_host.into(),
                imap_port: p.imap_port,
                imap_security: security_name(p.imap_security),
                smtp_host: p.smtp_host.into(),
                smtp_port: p.smtp_port,
                smtp_security: security_name(p.smtp_security),
                note: p.note.into(),
            })
            .collect()
    }

    /// Tries the IMAP and SMTP servers with these settings; says clearly what failed.
    pub async fn test_imap_account(&self, input: ImapAccountInput) -> ApiResult<ConnectionTest> {
        let config = config_from_input(&input)?;
        Ok(test_servers(&config, &input.password).await)
    }

    /// Adds (or updates) an IMAP account after its IMAP login works. The password is
    /// stored in the keychain; the database keeps only the entry's name.
    pub async fn add_imap_account(
        &self,
        input: ImapAccountInput,
        require_smtp: bool,
    ) -> ApiResult<ConnectionTest> {
        let config = config_from_input(&input)?;
        let test = test_servers(&config, &input.password).await;
        if !test.imap.ok {
            return Err(ApiError::new(
                code_for_kind(test.imap.kind.as_deref()),
                format!("IMAP: {}", test.imap.message),
            ));
        }
        if require_smtp && !test.smtp.ok {
            return Err(ApiError::new(
                code_for_kind(test.smtp.kind.as_deref()),
                format!("SMTP: {}", test.smtp.message),
            ));
        }
        let settings = serde_json::to_string(&config)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        self.store
            .upsert_account_config(
                &input.name,
                "imap",
                Some(&config.email),
                &settings,
                self.now_ms(),
            )
            .await?;
        self.set_account_secret(&input.name, Secret::new(input.password))
            .await?;
        self.store
            .audit(
                self.now_ms(),
                "user",
                "account.add",
                None,
                &serde_json::json!({"account": input.name, "kind": "imap"}),
            )
            .await?;
        Ok(test)
    }

    /// The folder tree of one account, or of all with `None`.
    pub async fn list_folders(&self, account_id: Option<i64>) -> ApiResult<Vec<FolderView>> {
        Ok(self
            .store
            .folders(account_id)
            .await?
            .into_iter()
            .map(|f| {
                let parts: Vec<&str> = match f.delimiter.as_deref() {
                    Some(d) if !d.is_empty() => f.name.split(d).collect(),
                    _ => vec![f.name.as_str()],
                };
                FolderView {
                    id: f.id,
                    account_id: f.account_id,
                    label: parts.last().copied().unwrap_or(&f.name).to_owned(),
                    depth: parts.len().saturating_sub(1) as u32,
                    name: f.name.clone(),
                    role: f.role,
                    message_count: f.message_count,
                    unread_count: f.unread_count,
                }
            })
            .collect())
    }

    /// The IMAP accounts with settings, optionally only the one named.
    pub(crate) async fn imap_accounts(
        &self,
        only: Option<&str>,
    ) -> ApiResult<Vec<(AccountConfigRow, ImapAccountConfig)>> {
        let rows = self.store.account_configs(Some("imap")).await?;
        if let Some(name) = only {
            if !rows.iter().any(|r| r.name == name) {
                return Err(ApiError::not_found(format!(
                    "no IMAP account named {name:?}"
                )));
            }
        }
        rows.into_iter()
            .filter(|r| only.is_none_or(|n| r.name == n))
            .map(|r| parse_config(&r).map(|c| (r, c)))
            .collect()
    }

    pub(crate) async fn account_password(
        &self,
        row: &AccountConfigRow,
    ) -> ApiResult<Secret<String>> {
        let key = row.secret_ref.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::AuthExpired,
                format!(
                    "account {:?} has no stored password; add it again",
                    row.name
                ),
            )
        })?;
        let secrets = self.secrets.clone();
        let found = tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        found.ok_or_else(|| {
            ApiError::new(
                ErrorCode::AuthExpired,
                format!(
                    "the keychain has no password for {:?}; add the account again",
                    row.name
                ),
            )
        })
    }

    /// One full sync pass over every IMAP account (or the one named).
    pub async fn sync_imap_once(
        &self,
        only: Option<&str>,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
    ) -> ApiResult<Vec<SyncSummary>> {
        let mut out = Vec::new();
        for (row, config) in self.imap_accounts(only).await? {
            let login = self.imap_login(&row).await?;
            let account = ImapAccount {
                id: row.id,
                name: &row.name,
                config: &config,
                login: login.login(),
            };
            let mut forward = |p: &SyncProgress| progress(&to_progress_view(p));
            let report = switchboard_sync::imap::sync_once(
                &self.store,
                self.clock.as_ref(),
                &account,
                &mut forward,
            )
            .await?;
            out.push(SyncSummary {
                account: row.name.clone(),
                folders: report.folders as u32,
                fetched: report.fetched as u32,
                deleted: report.deleted as u32,
                flags_changed: report.flags_changed as u32,
                new_inbox: report.new_inbox.len() as u32,
            });
        }
        Ok(out)
    }
}

fn code_for_kind(kind: Option<&str>) -> ErrorCode {
    match kind {
        Some("auth_failed") => ErrorCode::AuthExpired,
        Some("connection_refused") | Some("timeout") | Some("network") => ErrorCode::Offline,
        _ => ErrorCode::InvalidInput,
    }
}

impl Api {
    /// Keeps every IMAP account (or the one named) in sync until `stop` resolves:
    /// IDLE on each Inbox, polls for the rest, reconnects with backoff. New unread Inbox
    /// mail is reported through `on_new` as (message id, thread id).
    pub async fn watch_imap(
        &self,
        only: Option<&str>,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
        stop: impl std::future::Future<Output = ()> + Send,
    ) -> ApiResult<()> {
        self.watch_imap_with(only, progress, &mut |_| {}, stop)
            .await
    }

    pub async fn watch_imap_with(
        &self,
        only: Option<&str>,
        progress: &mut (dyn FnMut(&SyncProgressView) + Send),
        on_new: &mut switchboard_sync::imap::OnNewInbox<'_>,
        stop: impl std::future::Future<Output = ()> + Send,
    ) -> ApiResult<()> {
        let accounts = self.imap_accounts(only).await?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel();
        let (new_tx, mut new_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<(i64, i64)>>();
        let mut tasks = tokio::task::JoinSet::new();
        for (row, config) in accounts {
            let login = self.imap_login(&row).await?;
            let store = self.store.clone();
            let clock = self.clock.clone();
            let stop_rx = stop_rx.clone();
            let progress_tx = progress_tx.clone();
            let new_tx = new_tx.clone();
            tasks.spawn(async move {
                let account = ImapAccount {
                    id: row.id,
                    name: &row.name,
                    config: &config,
                    login: login.login(),
                };
                let mut progress = |p: &SyncProgress| {
                    let _ = progress_tx.send(to_progress_view(p));
                };
                let mut on_new = |fresh: &[(i64, i64)]| {
                    let _ = new_tx.send(fresh.to_vec());
                };
                let result = switchboard_sync::imap::watch_account(
                    &store,
                    clock.as_ref(),
                    &account,
                    &mut progress,
                    &mut on_new,
                    stop_rx,
                )
                .await;
                if let Err(e) = &result {
                    tracing::error!(account = %row.name, error = %e, "sync stopped");
                }
                result.map_err(ApiError::from)
            });
        }
        drop(progress_tx);
        drop(new_tx);
        tokio::pin!(stop);
        let mut first_error: Option<ApiError> = None;
        loop {
            tokio::select! {
                _ = &mut stop => {
                    let _ = stop_tx.send(true);
                }
                Some(p) = progress_rx.recv() => progress(&p),
                Some(fresh) = new_rx.recv() => on_new(&fresh),
                joined = tasks.join_next() => match joined {
                    None => break,
                    Some(Ok(Err(e))) => { first_error.get_or_insert(e); }
                    Some(Ok(Ok(()))) => {}
                    Some(Err(e)) => { first_error.get_or_insert(ApiError::new(ErrorCode::Internal, e.to_string())); }
                },
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
