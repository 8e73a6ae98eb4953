//! Desktop notifications (freedesktop Notify over D-Bus, via notify-rust). Clicking a
//! notification opens the item it is about.

use crate::show_main_window;
use switchboard_api::dto::{DemoReport, ListThreadsArgs, OpenTarget};
use switchboard_api::Api;
use tauri::{AppHandle, Emitter};

pub const APP_NAME: &str = "Switchboard";

/// A clicked notification about an account: the UI opens the accounts in Settings.
pub const EVENT_OPEN_ACCOUNTS: &str = "notification://open-accounts";

/// Shows a notification; `on_open` runs if the user clicks it. Returns once the
/// notification server has accepted it.
pub fn show(
    summary: &str,
    body: &str,
    on_open: impl FnOnce() + Send + 'static,
) -> Result<(), String> {
    show_with_icon("mail-unread", summary, body, on_open)
}

fn show_with_icon(
    icon: &str,
    summary: &str,
    body: &str,
    on_open: impl FnOnce() + Send + 'static,
) -> Result<(), String> {
    let handle = notify_rust::Notification::new()
        .appname(APP_NAME)
        .summary(summary)
        .body(body)
        .icon(icon)
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
            folder_id: None,
            role: None,
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

/// Tells the user about new Inbox mail from a sync: the sender and subject of one
/// message, or a count and the newest; clicking opens that thread.
pub(crate) async fn announce_inbox_mail(app: &AppHandle, api: &Api, fresh: &[(i64, i64)]) {
    let Some(&(newest_id, thread_id)) = fresh.iter().max_by_key(|(id, _)| *id) else {
        return;
    };
    let Ok(Some(message)) = api.store().message(newest_id).await else {
        return;
    };
    let sender = message
        .from_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or(message.from_email.clone())
        .unwrap_or_else(|| "Unknown sender".into());
    let (summary, body) = if fresh.len() == 1 {
        (sender, message.subject.clone())
    } else {
        (
            format!("{} new messages", fresh.len()),
            format!("{sender}: {}", message.subject),
        )
    };
    let app = app.clone();
    let target = OpenTarget::Thread { id: thread_id };
    let result = show(&summary, &body, move || {
        show_main_window(&app);
        let _ = app.emit("notification://open", target);
    });
    if let Err(e) = result {
        tracing::warn!("notification not shown: {e}");
    }
}

/// Tells the user an account stopped syncing until they sign in again; clicking opens
/// the accounts in Settings, where "Sign in again" is.
pub(crate) fn announce_needs_sign_in(app: &AppHandle, account: &str) {
    let app = app.clone();
    let result = show_with_icon(
        "dialog-password",
        &needs_sign_in_summary(account),
        "Its mail stopped syncing. Open Switchboard and choose Sign in again.",
        move || {
            show_main_window(&app);
            let _ = app.emit(EVENT_OPEN_ACCOUNTS, ());
        },
    );
    if let Err(e) = result {
        tracing::warn!("notification not shown: {e}");
    }
}

fn needs_sign_in_summary(account: &str) -> String {
    format!("{account} needs you to sign in again")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sign_in_notification_names_the_account() {
        assert_eq!(
            super::needs_sign_in_summary("Personal"),
            "Personal needs you to sign in again"
        );
    }
}
