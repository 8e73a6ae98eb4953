//! The calendar in the app: thin commands over `switchboard-api`, a background loop that
//! syncs calendar accounts (every few minutes, and right after a local change), and the
//! reminder loop that raises a notification when an event's reminder is due (missed ones
//! after a restart are shown once, marked late). The UI refetches on `calendar://changed`.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{Local, TimeZone};
use switchboard_api::dto::*;
use switchboard_api::Api;
use tauri::{AppHandle, Emitter, Manager, State};
use tokio::sync::Notify;

use crate::{notify, show_main_window, AppState};

type Cmd<T> = Result<T, ApiError>;

/// Events or calendars changed: the UI refetches.
pub const EVENT_CALENDAR_CHANGED: &str = "calendar://changed";
/// A clicked reminder: the UI opens the calendar at the event.
pub const EVENT_OPEN_EVENT: &str = "notification://open-event";

/// Between calendar sync passes when nothing asks for one sooner.
const SYNC_EVERY: Duration = Duration::from_secs(300);
/// The reminder loop looks again at least this often (new events, a changed clock).
const REMINDER_CHECK: Duration = Duration::from_secs(60);

fn kick() -> &'static Notify {
    static KICK: OnceLock<Notify> = OnceLock::new();
    KICK.get_or_init(Notify::new)
}

fn api(state: &State<'_, AppState>) -> Result<Api, ApiError> {
    state.workspace.clone()
}

/// A local change was stored: tell the UI, and sync soon to send it.
fn changed(app: &AppHandle) {
    let _ = app.emit(EVENT_CALENDAR_CHANGED, ());
    kick().notify_one();
}

#[tauri::command]
pub async fn list_calendars(state: State<'_, AppState>) -> Cmd<Vec<CalendarInfo>> {
    api(&state)?.list_calendars().await
}

#[tauri::command]
pub async fn update_calendar(
    app: AppHandle,
    state: State<'_, AppState>,
    args: UpdateCalendarArgs,
) -> Cmd<CalendarInfo> {
    let out = api(&state)?.update_calendar(args).await?;
    let _ = app.emit(EVENT_CALENDAR_CHANGED, ());
    Ok(out)
}

#[tauri::command]
pub async fn get_event(state: State<'_, AppState>, args: GetEventArgs) -> Cmd<EventDetail> {
    api(&state)?.get_event(args).await
}

#[tauri::command]
pub async fn save_event(
    app: AppHandle,
    state: State<'_, AppState>,
    args: EventDraft,
) -> Cmd<SaveEventResult> {
    let out = api(&state)?.save_event(args).await?;
    changed(&app);
    Ok(out)
}

#[tauri::command]
pub async fn delete_event(
    app: AppHandle,
    state: State<'_, AppState>,
    args: DeleteEventArgs,
) -> Cmd<()> {
    api(&state)?.delete_event(args).await?;
    changed(&app);
    Ok(())
}

#[tauri::command]
pub async fn resolve_conflict(
    app: AppHandle,
    state: State<'_, AppState>,
    args: ResolveConflictArgs,
) -> Cmd<()> {
    api(&state)?.resolve_conflict(args).await?;
    changed(&app);
    Ok(())
}

#[tauri::command]
pub async fn respond_to_event(
    app: AppHandle,
    state: State<'_, AppState>,
    args: RespondArgs,
) -> Cmd<()> {
    api(&state)?.respond_to_event(args).await?;
    changed(&app);
    Ok(())
}

#[tauri::command]
pub async fn add_caldav_account(
    app: AppHandle,
    state: State<'_, AppState>,
    input: CalDavAccountInput,
) -> Cmd<u32> {
    let found = api(&state)?.add_caldav_account(input).await?;
    changed(&app);
    Ok(found as u32)
}

#[tauri::command]
pub async fn sync_calendars(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Cmd<Vec<CalendarSyncSummary>> {
    let out = api(&state)?.sync_calendars_once(None).await?;
    let _ = app.emit(EVENT_CALENDAR_CHANGED, ());
    let _ = app.emit(crate::background::EVENT_ACCOUNT_STATUS, ());
    Ok(out)
}

#[tauri::command]
pub async fn invitation_of_message(
    state: State<'_, AppState>,
    message_id: i64,
) -> Cmd<Option<InvitationView>> {
    api(&state)?.invitation_of_message(message_id).await
}

#[tauri::command]
pub async fn calendar_settings(state: State<'_, AppState>) -> Cmd<CalendarSettings> {
    api(&state)?.calendar_settings().await
}

#[tauri::command]
pub async fn set_calendar_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: CalendarSettings,
) -> Cmd<CalendarSettings> {
    let out = api(&state)?.set_calendar_settings(settings).await?;
    let _ = app.emit(EVENT_CALENDAR_CHANGED, ());
    Ok(out)
}

#[tauri::command]
pub async fn respond_to_invitation(
    app: AppHandle,
    state: State<'_, AppState>,
    args: RespondInvitationArgs,
) -> Cmd<()> {
    api(&state)?.respond_to_invitation(args).await?;
    changed(&app);
    Ok(())
}

/// Starts the calendar sync loop and the reminder loop for the app's lifetime.
pub fn start(app: &AppHandle) {
    let Ok(api) = app.state::<AppState>().workspace.clone() else {
        return;
    };
    let sync_app = app.clone();
    let sync_api = api.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            if !sync_api.sync_paused().await.unwrap_or(false) {
                match sync_api.sync_calendars_once(None).await {
                    Ok(passes) => {
                        if !passes.is_empty() {
                            let _ = sync_app.emit(EVENT_CALENDAR_CHANGED, ());
                            let _ = sync_app.emit(crate::background::EVENT_ACCOUNT_STATUS, ());
                        }
                    }
                    Err(e) => tracing::warn!(code = %e.code, "calendar sync: {}", e.message),
                }
            }
            let _ = tokio::time::timeout(SYNC_EVERY, kick().notified()).await;
        }
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match api.take_due_reminders().await {
                Ok(due) => {
                    for r in &due {
                        announce_reminder(&app, r);
                    }
                }
                Err(e) => tracing::warn!(code = %e.code, "reminders: {}", e.message),
            }
            let now = chrono::Utc::now().timestamp_millis();
            let wait = match api.next_reminder_at().await.ok().flatten() {
                Some(at) if at > now => Duration::from_millis((at - now) as u64),
                Some(_) => Duration::from_millis(0),
                None => REMINDER_CHECK,
            };
            tokio::time::sleep(wait.min(REMINDER_CHECK)).await;
        }
    });
}

/// The notification text for a due reminder, in the machine's local time.
fn reminder_text(r: &ReminderView) -> (String, String) {
    let start = Local
        .timestamp_millis_opt(r.start)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default();
    if r.late {
        (
            format!("Missed reminder: {}", r.summary),
            format!("It started at {start} while Switchboard was closed"),
        )
    } else {
        (r.summary.clone(), format!("Starts at {start}"))
    }
}

fn announce_reminder(app: &AppHandle, r: &ReminderView) {
    let (summary, body) = reminder_text(r);
    let app = app.clone();
    let target = (r.calendar_id, r.uid.clone(), r.recurrence_id.clone());
    if let Err(e) = notify::show(&summary, &body, move || {
        show_main_window(&app);
        let _ = app.emit(EVENT_OPEN_EVENT, target);
    }) {
        tracing::warn!("reminder not shown: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::reminder_text;
    use switchboard_api::dto::ReminderView;

    #[test]
    fn a_missed_reminder_says_so() {
        let mut r = ReminderView {
            calendar_id: 1,
            uid: "u".into(),
            recurrence_id: None,
            summary: "Pipeline review".into(),
            start: 0,
            fire_at: 0,
            late: false,
        };
        assert_eq!(reminder_text(&r).0, "Pipeline review");
        r.late = true;
        let (title, body) = reminder_text(&r);
        assert_eq!(title, "Missed reminder: Pipeline review");
        assert!(body.contains("while Switchboard was closed"), "{body}");
    }
}
