//! Background mail sync for the window's lifetime: one watcher over every IMAP account
//! (IDLE on each Inbox, polls for the rest) and one over every Gmail/Outlook account
//! (polls), restarted when accounts change or sync is resumed, stopped together when
//! sync is paused. Progress goes to the UI as `sync://progress`, stored mail as
//! `mail://changed`, new Inbox mail as a notification, a changed account status as
//! `account://status`; an account that needs a new sign-in gets one notification.

use crate::{notify, tray, AppState};
use std::collections::HashSet;
use std::sync::Mutex;
use switchboard_api::dto::SyncProgressView;
use switchboard_api::Api;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::{mpsc, watch};

/// An account's sync status may have changed: the UI refetches `account_statuses`.
pub const EVENT_ACCOUNT_STATUS: &str = "account://status";

/// The status an account is in when only a new sign-in can help.
const NEEDS_SIGN_IN: &str = "needs_sign_in";

#[derive(Default)]
pub struct SyncRunner {
    stop: Mutex<Option<watch::Sender<bool>>>,
}

/// Resolves once `true` is sent (or the runner dropped the sender).
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// The last folder of an account's pass has all its messages.
fn pass_ended(p: &SyncProgressView) -> bool {
    p.done >= p.total && p.folder_index + 1 >= p.folder_count
}

impl SyncRunner {
    fn take(&self) -> Option<watch::Sender<bool>> {
        self.stop.lock().ok().and_then(|mut s| s.take())
    }

    /// Stops the running watchers, if any.
    pub fn stop(&self) {
        if let Some(tx) = self.take() {
            let _ = tx.send(true);
        }
    }

    /// (Re)starts the watchers unless sync is paused.
    pub fn restart(&self, app: &AppHandle) {
        self.stop();
        let state = app.state::<AppState>();
        let Ok(api) = state.workspace.as_ref() else {
            return;
        };
        let api: Api = api.clone();
        let (tx, rx) = watch::channel(false);
        if let Ok(mut slot) = self.stop.lock() {
            *slot = Some(tx);
        }
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            if api.sync_paused().await.unwrap_or(false) {
                return;
            }
            // Accounts already waiting for a sign-in were announced when that happened
            // (before a restart, or in an earlier session): they get no second notification.
            let announced: HashSet<i64> = api
                .account_statuses()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|s| s.state == NEEDS_SIGN_IN)
                .map(|s| s.account_id)
                .collect();
            let (new_tx, new_rx) = mpsc::unbounded_channel::<Vec<(i64, i64)>>();
            let (sign_in_tx, sign_in_rx) = mpsc::unbounded_channel::<(i64, String)>();
            let announcer = tauri::async_runtime::spawn(announce(
                app.clone(),
                api.clone(),
                new_rx,
                sign_in_rx,
                announced,
            ));
            let imap = {
                let (app, api, rx, new_tx) = (app.clone(), api.clone(), rx.clone(), new_tx.clone());
                async move {
                    let mut progress = progress_events(app.clone());
                    let mut on_new = move |fresh: &[(i64, i64)]| {
                        let _ = new_tx.send(fresh.to_vec());
                    };
                    let result = api
                        .watch_imap_with(None, &mut progress, &mut on_new, stopped(rx))
                        .await;
                    if let Err(e) = result {
                        tracing::error!(code = %e.code, "mail sync stopped: {}", e.message);
                        let _ = app.emit("sync://error", e);
                    }
                }
            };
            let oauth = {
                let (app, api) = (app.clone(), api.clone());
                async move {
                    let mut progress = progress_events(app.clone());
                    let mut on_new = move |fresh: &[(i64, i64)]| {
                        let _ = new_tx.send(fresh.to_vec());
                    };
                    let mut on_needs_sign_in = move |id: i64, name: &str| {
                        let _ = sign_in_tx.send((id, name.to_owned()));
                    };
                    let result = api
                        .watch_api_accounts(
                            None,
                            &mut progress,
                            &mut on_new,
                            &mut on_needs_sign_in,
                            stopped(rx),
                        )
                        .await;
                    if let Err(e) = result {
                        tracing::error!(code = %e.code, "Gmail/Outlook sync stopped: {}", e.message);
                        let _ = app.emit("sync://error", e);
                    }
                }
            };
            tokio::join!(imap, oauth);
            // Both watchers dropped their senders: the announcer ends after the last one.
            let _ = announcer.await;
        });
    }
}

/// Forwards a watcher's progress to the UI; the end of a pass also means stored mail and
/// the account's status may have changed.
fn progress_events(app: AppHandle) -> impl FnMut(&SyncProgressView) + Send {
    move |p: &SyncProgressView| {
        let _ = app.emit("sync://progress", p.clone());
        if p.done == p.total {
            let _ = app.emit("mail://changed", ());
        }
        if pass_ended(p) {
            let _ = app.emit(EVENT_ACCOUNT_STATUS, ());
        }
    }
}

/// Tells the UI and the user what the watchers found: new Inbox mail, and accounts that
/// need a new sign-in (one notification each per sign-in that failed).
async fn announce(
    app: AppHandle,
    api: Api,
    mut new_mail: mpsc::UnboundedReceiver<Vec<(i64, i64)>>,
    mut needs_sign_in: mpsc::UnboundedReceiver<(i64, String)>,
    mut announced: HashSet<i64>,
) {
    let (mut mail_open, mut sign_in_open) = (true, true);
    while mail_open || sign_in_open {
        tokio::select! {
            fresh = new_mail.recv(), if mail_open => match fresh {
                Some(fresh) => {
                    let _ = app.emit("mail://changed", ());
                    tray::refresh(&app).await;
                    notify::announce_inbox_mail(&app, &api, &fresh).await;
                }
                None => mail_open = false,
            },
            account = needs_sign_in.recv(), if sign_in_open => match account {
                Some((id, name)) => {
                    let _ = app.emit(EVENT_ACCOUNT_STATUS, ());
                    if announced.insert(id) {
                        notify::announce_needs_sign_in(&app, &name);
                    }
                }
                None => sign_in_open = false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pass_ended;
    use switchboard_api::dto::SyncProgressView;

    fn progress(folder_index: u32, folder_count: u32, done: u32, total: u32) -> SyncProgressView {
        SyncProgressView {
            account: "work".into(),
            folder: "INBOX".into(),
            folder_index,
            folder_count,
            done,
            total,
            rate: 0.0,
        }
    }

    #[test]
    fn a_pass_ends_with_its_last_folder_complete() {
        let rows = [
            (progress(0, 3, 10, 10), false),
            (progress(2, 3, 9, 10), false),
            (progress(2, 3, 10, 10), true),
            (progress(0, 1, 0, 0), true),
        ];
        for (p, want) in rows {
            assert_eq!(pass_ended(&p), want, "{p:?}");
        }
    }
}
