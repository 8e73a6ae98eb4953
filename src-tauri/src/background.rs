//! Background mail sync for the window's lifetime: one watcher over every IMAP account
//! (IDLE on each Inbox, polls for the rest), restarted when accounts change or sync is
//! resumed, stopped when sync is paused. Progress goes to the UI as `sync://progress`,
//! stored mail as `mail://changed`, new Inbox mail as a notification.

use crate::{notify, tray, AppState};
use std::sync::Mutex;
use switchboard_api::Api;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::oneshot;

#[derive(Default)]
pub struct SyncRunner {
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl SyncRunner {
    fn take(&self) -> Option<oneshot::Sender<()>> {
        self.stop.lock().ok().and_then(|mut s| s.take())
    }

    /// Stops the running watcher, if any.
    pub fn stop(&self) {
        if let Some(tx) = self.take() {
            let _ = tx.send(());
        }
    }

    /// (Re)starts the watcher unless sync is paused.
    pub fn restart(&self, app: &AppHandle) {
        self.stop();
        let state = app.state::<AppState>();
        let Ok(api) = state.workspace.as_ref() else {
            return;
        };
        let api: Api = api.clone();
        let (tx, rx) = oneshot::channel::<()>();
        if let Ok(mut slot) = self.stop.lock() {
            *slot = Some(tx);
        }
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            if api.sync_paused().await.unwrap_or(false) {
                return;
            }
            let progress_app = app.clone();
            let mut progress = move |p: &switchboard_api::dto::SyncProgressView| {
                let _ = progress_app.emit("sync://progress", p.clone());
                if p.done == p.total {
                    let _ = progress_app.emit("mail://changed", ());
                }
            };
            let (new_tx, mut new_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<(i64, i64)>>();
            let mut on_new = move |fresh: &[(i64, i64)]| {
                let _ = new_tx.send(fresh.to_vec());
            };
            let notifier = {
                let app = app.clone();
                let api = api.clone();
                tauri::async_runtime::spawn(async move {
                    while let Some(fresh) = new_rx.recv().await {
                        let _ = app.emit("mail://changed", ());
                        tray::refresh(&app).await;
                        notify::announce_inbox_mail(&app, &api, &fresh).await;
                    }
                })
            };
            let stop = async {
                let _ = rx.await;
            };
            if let Err(e) = api
                .watch_imap_with(None, &mut progress, &mut on_new, stop)
                .await
            {
                tracing::error!(code = %e.code, "mail sync stopped: {}", e.message);
                let _ = app.emit("sync://error", e);
            }
            drop(on_new);
            let _ = notifier.await;
        });
    }
}
