//! The desktop shell: one window, the tray, desktop notifications, and thin commands
//! over `switchboard-api`. No domain logic lives here: a command parses its arguments,
//! calls the API and maps the error; everything else is wiring.

mod background;
mod calendar;
pub mod commands;
pub mod notify;
mod outbox;
mod tray;

use std::path::PathBuf;
use std::sync::Arc;
use switchboard_api::dto::ApiError;
use switchboard_api::Api;
use switchboard_secrets::KeychainStore;
use tauri::Manager;

/// Shared by every command: the workspace, or why it could not be opened.
pub struct AppState {
    pub data_dir: PathBuf,
    pub workspace: Result<Api, ApiError>,
    pub sync: background::SyncRunner,
    pub outbox: outbox::OutboxRunner,
}

/// `--data-dir DIR` (or `--data-dir=DIR`) from the command line, else
/// `SWITCHBOARD_DATA_DIR`, else the platform data directory.
pub fn data_dir_from_args(args: impl IntoIterator<Item = String>) -> PathBuf {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(dir) = args.next() {
                return PathBuf::from(dir);
            }
        } else if let Some(dir) = arg.strip_prefix("--data-dir=") {
            return PathBuf::from(dir);
        }
    }
    switchboard_store::default_data_dir()
}

/// Without a GPU, WebKitGTK composites through a software GL (llvmpipe): scrolling the
/// inbox then drops frames (over 50 ms at fling speed) and each web process maps LLVM.
/// Non-composited rendering is smoother and ~110 MB smaller there. Measured with
/// bench/app.sh; a user's own setting wins.
#[cfg(target_os = "linux")]
fn prefer_non_composited_rendering_without_gpu() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let has_render_node = std::fs::read_dir("/dev/dri")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    if !has_render_node {
        // Runs first thing in main, before any other thread exists.
        std::env::set_var(VAR, "1");
    }
}

pub fn run() {
    #[cfg(target_os = "linux")]
    prefer_non_composited_rendering_without_gpu();
    let data_dir = data_dir_from_args(std::env::args().skip(1));
    let _log_guard = match switchboard_api::logging::init_logging(&data_dir, true) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: file logging is off ({e})");
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let workspace = runtime.block_on(Api::open(&data_dir, Arc::new(KeychainStore::default())));
    if let Err(e) = &workspace {
        tracing::error!(code = %e.code, "workspace unusable: {}", e.message);
    }
    tracing::info!(data_dir = %data_dir.display(), "starting Switchboard");

    let result = tauri::Builder::default()
        .manage(AppState {
            data_dir,
            workspace,
            sync: background::SyncRunner::default(),
            outbox: outbox::OutboxRunner::default(),
        })
        .invoke_handler(commands::handler())
        .setup(|app| {
            if let Err(e) = tray::install(app.handle()) {
                // A desktop without a tray (no StatusNotifier host) still gets the window.
                tracing::warn!("tray unavailable: {e}");
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { tray::refresh(&handle).await });
            app.state::<AppState>().sync.restart(app.handle());
            app.state::<AppState>().outbox.start(app.handle());
            calendar::start(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!("the app stopped with an error: {e}");
        std::process::exit(1);
    }
}

/// Brings the main window to the front.
pub(crate) fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::data_dir_from_args;
    use std::path::PathBuf;

    #[test]
    fn data_dir_comes_from_either_flag_form() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            data_dir_from_args(args(&["--data-dir", "/tmp/a"])),
            PathBuf::from("/tmp/a")
        );
        assert_eq!(
            data_dir_from_args(args(&["x", "--data-dir=/tmp/b"])),
            PathBuf::from("/tmp/b")
        );
    }
}
