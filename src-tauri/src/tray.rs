//! The tray icon: unread count, Open, Pause sync, Quit.

use crate::{show_main_window, AppState};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};

const TRAY_ID: &str = "main";

struct TrayItems {
    unread: MenuItem<Wry>,
    pause: CheckMenuItem<Wry>,
}

pub(crate) fn install(app: &AppHandle) -> tauri::Result<()> {
    let unread = MenuItem::with_id(app, "unread", "No unread mail", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Switchboard", true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(app, "pause", "Pause sync", true, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&unread, &separator, &open, &pause, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(include_bytes!("../../icons/tray.png"))?)
        .tooltip("Switchboard")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_main_window(app),
            "pause" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { toggle_pause(&app).await });
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    app.manage(TrayItems { unread, pause });
    Ok(())
}

async fn toggle_pause(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(api) = &state.workspace else { return };
    let Ok(paused) = api.sync_paused().await else {
        return;
    };
    if let Err(e) = api.set_sync_paused(!paused).await {
        tracing::warn!("cannot change sync pause: {e}");
        return;
    }
    let _ = app.emit("sync://paused", !paused);
    refresh(app).await;
}

/// Brings the tray's unread count and pause check mark up to date.
pub(crate) async fn refresh(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(api) = &state.workspace else { return };
    let (Ok(status), Some(items)) = (api.app_status().await, app.try_state::<TrayItems>()) else {
        return;
    };
    let label = match status.unread_total {
        0 => "No unread mail".to_string(),
        1 => "1 unread message".to_string(),
        n => format!("{n} unread messages"),
    };
    let _ = items.unread.set_text(&label);
    let _ = items.pause.set_checked(status.sync_paused);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(format!("Switchboard — {label}")));
        let title = (status.unread_total > 0).then(|| status.unread_total.to_string());
        let _ = tray.set_title(title);
    }
}
