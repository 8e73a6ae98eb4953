//! Desktop notifications (freedesktop Notify over D-Bus, via notify-rust). Clicking a
//! notification opens the item it is about.

use crate::show_main_window;
use switchboard_api::dto::{DemoReport, ListThreadsArgs, OpenTarget};
use switchboard_api::Api;
use tauri::{AppHandle, Emitter};

pub const APP_NAME: &str = "Switchboard";

/// Shows a notification; `on_open` runs if the user clicks it. Returns once the
/// notification server has accepted it.
pub fn show(
    summary: &str,
    body: &str,
    on_open: impl FnOnce() + Send + 'static,
) -> Result<(), String> {
    let handle = notify_rust::Notification::new()
        .appname(APP_NAME)
        .summary(summary)
        .body(body)
        .icon("mail-unread")
        .action("default", "Open")
        .show()
        .map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        handle.wait_for_action(|action| {
            if action == "default" {
                on_open();
            }
        });
    });
    Ok(())
}

/// Tells the user new mail arrived, pointing at the newest thread.
pub(crate) async fn announce_new_mail(app: &AppHandle, api: &Api, report: &DemoReport) {
    let imported: i64 = report.mail.iter().map(|r| r.imported).sum();
    if imported == 0 {
        return;
    }
    let Ok(page) = api
        .list_threads(ListThreadsArgs {
            account_id: None,
            offset: 0,
            limit: 1,
        })
        .await
    else {
        return;
    };
    let Some(thread) = page.items.into_iter().next() else {
        return;
    };
    let summary = format!("{imported} new messages");
    let from = thread.participants.last().cloned().unwrap_or_default();
    let body = format!("{from}: {}", thread.subject);
    let app = app.clone();
    let target = OpenTarget::Thread { id: thread.id };
    let result = show(&summary, &body, move || {
        show_main_window(&app);
        let _ = app.emit("notification://open", target);
    });
    if let Err(e) = result {
        tracing::warn!("notification not shown: {e}");
    }
}
