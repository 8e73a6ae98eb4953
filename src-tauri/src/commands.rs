//! Thin Tauri commands over `switchboard-api`. Each one: get the workspace, call the
//! API, return its result. Names and signatures mirror `switchboard_api::bindings`.

use crate::{background, notify, tray, AppState};
use switchboard_api::dto::*;
use switchboard_api::Api;
use tauri::{AppHandle, Emitter, State};

type Cmd<T> = Result<T, ApiError>;

/// Every command the app registers, in the order of `generate_handler!` below; a test
/// checks this list against the generated bindings.
pub const COMMAND_NAMES: &[&str] = &[
    "app_status",
    "open_demo_workspace",
    "list_accounts",
    "list_threads",
    "get_thread",
    "fetch_body",
    "allow_remote_content",
    "forget_remote_content",
    "save_attachment",
    "open_attachment",
    "open_link",
    "search",
    "list_events",
    "list_ticket_sources",
    "list_tickets",
    "list_contacts",
    "get_contact",
    "sync_health",
    "set_sync_paused",
    "stats",
    "provider_presets",
    "test_imap_account",
    "add_imap_account",
    "sign_in_account",
    "account_statuses",
    "list_folders",
    "sync_now",
    "apply_mail_action",
    "compose_new",
    "compose_reply",
    "compose_forward",
    "save_draft",
    "discard_draft",
    "send_message",
    "cancel_send",
    "list_outbox",
    "retry_send",
    "get_undo_send_secs",
    "set_undo_send_secs",
    "list_calendars",
    "update_calendar",
    "get_event",
    "save_event",
    "delete_event",
    "resolve_conflict",
    "respond_to_event",
    "add_caldav_account",
    "sync_calendars",
    "invitation_of_message",
    "calendar_settings",
    "set_calendar_settings",
    "respond_to_invitation",
    "available_times",
];

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_status,
        open_demo_workspace,
        list_accounts,
        list_threads,
        get_thread,
        fetch_body,
        allow_remote_content,
        forget_remote_content,
        save_attachment,
        open_attachment,
        open_link,
        search,
        list_events,
        list_ticket_sources,
        list_tickets,
        list_contacts,
        get_contact,
        sync_health,
        set_sync_paused,
        stats,
        provider_presets,
        test_imap_account,
        add_imap_account,
        sign_in_account,
        account_statuses,
        list_folders,
        sync_now,
        apply_mail_action,
        compose_new,
        compose_reply,
        compose_forward,
        save_draft,
        discard_draft,
        send_message,
        cancel_send,
        list_outbox,
        retry_send,
        get_undo_send_secs,
        set_undo_send_secs,
        crate::calendar::list_calendars,
        crate::calendar::update_calendar,
        crate::calendar::get_event,
        crate::calendar::save_event,
        crate::calendar::delete_event,
        crate::calendar::resolve_conflict,
        crate::calendar::respond_to_event,
        crate::calendar::add_caldav_account,
        crate::calendar::sync_calendars,
        crate::calendar::invitation_of_message,
        crate::calendar::calendar_settings,
        crate::calendar::set_calendar_settings,
        crate::calendar::respond_to_invitation,
        available_times,
    ]
}

fn api<'a>(state: &'a State<'_, AppState>) -> Cmd<&'a Api> {
    state.workspace.as_ref().map_err(Clone::clone)
}

/// "Insert my available times" in the composer.
#[tauri::command]
async fn available_times(
    state: State<'_, AppState>,
    args: AvailableTimesArgs,
) -> Cmd<AvailableTimes> {
    api(&state)?.available_times(args).await
}

#[tauri::command]
async fn app_status(state: State<'_, AppState>) -> Cmd<AppStatus> {
    match &state.workspace {
        Ok(api) => api.app_status().await,
        Err(e) => Ok(switchboard_api::unusable_status(&state.data_dir, e.clone())),
    }
}

#[tauri::command]
async fn open_demo_workspace(app: AppHandle, state: State<'_, AppState>) -> Cmd<DemoReport> {
    let api = api(&state)?;
    let report = api.open_demo_workspace().await?;
    let _ = app.emit("workspace://changed", ());
    tray::refresh(&app).await;
    notify::announce_new_mail(&app, api, &report).await;
    Ok(report)
}

#[tauri::command]
async fn list_accounts(state: State<'_, AppState>) -> Cmd<Vec<AccountSummary>> {
    api(&state)?.list_accounts().await
}

#[tauri::command]
async fn list_threads(state: State<'_, AppState>, args: ListThreadsArgs) -> Cmd<ThreadPage> {
    api(&state)?.list_threads(args).await
}

#[tauri::command]
async fn get_thread(state: State<'_, AppState>, id: i64) -> Cmd<ThreadDetail> {
    api(&state)?.get_thread(id).await
}

#[tauri::command]
async fn fetch_body(state: State<'_, AppState>, message_id: i64) -> Cmd<MessageView> {
    api(&state)?.fetch_body(message_id).await
}

#[tauri::command]
async fn allow_remote_content(state: State<'_, AppState>, email: String) -> Cmd<()> {
    api(&state)?.allow_remote_content(&email).await
}

#[tauri::command]
async fn forget_remote_content(state: State<'_, AppState>, email: String) -> Cmd<()> {
    api(&state)?.forget_remote_content(&email).await
}

#[tauri::command]
async fn save_attachment(
    state: State<'_, AppState>,
    args: SaveAttachmentArgs,
) -> Cmd<SavedAttachment> {
    api(&state)?.save_attachment(args).await
}

#[tauri::command]
async fn open_attachment(
    state: State<'_, AppState>,
    attachment: AttachmentRef,
) -> Cmd<SavedAttachment> {
    api(&state)?.open_attachment(attachment).await
}

#[tauri::command]
async fn open_link(state: State<'_, AppState>, url: String) -> Cmd<()> {
    api(&state)?.open_link(&url).await
}

#[tauri::command]
async fn search(state: State<'_, AppState>, args: SearchArgs) -> Cmd<Vec<SearchHit>> {
    api(&state)?.search(args).await
}

#[tauri::command]
async fn list_events(state: State<'_, AppState>, args: ListEventsArgs) -> Cmd<Vec<EventInstance>> {
    api(&state)?.list_events(args).await
}

#[tauri::command]
async fn list_ticket_sources(state: State<'_, AppState>) -> Cmd<Vec<TicketSourceView>> {
    api(&state)?.list_ticket_sources().await
}

#[tauri::command]
async fn list_tickets(state: State<'_, AppState>, args: ListTicketsArgs) -> Cmd<TicketPage> {
    api(&state)?.list_tickets(args).await
}

#[tauri::command]
async fn list_contacts(state: State<'_, AppState>, args: ListContactsArgs) -> Cmd<ContactPage> {
    api(&state)?.list_contacts(args).await
}

#[tauri::command]
async fn get_contact(state: State<'_, AppState>, id: i64) -> Cmd<ContactDetail> {
    api(&state)?.get_contact(id).await
}

#[tauri::command]
async fn sync_health(state: State<'_, AppState>) -> Cmd<SyncHealth> {
    api(&state)?.sync_health().await
}

#[tauri::command]
async fn set_sync_paused(app: AppHandle, state: State<'_, AppState>, paused: bool) -> Cmd<()> {
    api(&state)?.set_sync_paused(paused).await?;
    let _ = app.emit("sync://paused", paused);
    if paused {
        state.sync.stop();
    } else {
        state.sync.restart(&app);
        state.outbox.wake();
    }
    tray::refresh(&app).await;
    Ok(())
}

#[tauri::command]
async fn stats(state: State<'_, AppState>) -> Cmd<Stats> {
    api(&state)?.stats().await
}

#[tauri::command]
async fn provider_presets(state: State<'_, AppState>) -> Cmd<Vec<ProviderPresetView>> {
    Ok(api(&state)?.provider_presets())
}

#[tauri::command]
async fn test_imap_account(
    state: State<'_, AppState>,
    input: ImapAccountInput,
) -> Cmd<ConnectionTest> {
    api(&state)?.test_imap_account(input).await
}

#[tauri::command]
async fn add_imap_account(
    app: AppHandle,
    state: State<'_, AppState>,
    input: ImapAccountInput,
) -> Cmd<ConnectionTest> {
    let test = api(&state)?.add_imap_account(input, false).await?;
    state.sync.restart(&app);
    Ok(test)
}

/// Signs in to a Gmail or Outlook account in the system browser (adding it, or renewing
/// a sign-in the provider refused), then restarts background sync so it syncs again.
#[tauri::command]
async fn sign_in_account(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    kind: String,
) -> Cmd<String> {
    let email = api(&state)?
        .sign_in_api_account_in_browser(&name, &kind)
        .await?;
    state.sync.restart(&app);
    let _ = app.emit(background::EVENT_ACCOUNT_STATUS, ());
    Ok(email)
}

#[tauri::command]
async fn account_statuses(state: State<'_, AppState>) -> Cmd<Vec<AccountStatusView>> {
    api(&state)?.account_statuses().await
}

#[tauri::command]
async fn list_folders(state: State<'_, AppState>, account_id: Option<i64>) -> Cmd<Vec<FolderView>> {
    api(&state)?.list_folders(account_id).await
}

#[tauri::command]
async fn sync_now(app: AppHandle, state: State<'_, AppState>) -> Cmd<Vec<SyncSummary>> {
    let progress_app = app.clone();
    let mut progress = move |p: &SyncProgressView| {
        let _ = progress_app.emit("sync://progress", p.clone());
    };
    let api = api(&state)?;
    let imap = api.sync_imap_once(None, &mut progress).await;
    // Gmail and Outlook accounts sync even when an IMAP server failed; a failed API
    // account shows in its status, not as the command's error.
    let oauth = api.sync_each_api_account(&mut progress).await;
    let _ = app.emit("mail://changed", ());
    let _ = app.emit(background::EVENT_ACCOUNT_STATUS, ());
    tray::refresh(&app).await;
    let mut summaries = imap?;
    summaries.extend(oauth?);
    Ok(summaries)
}

/// Applies a mail action locally, then sends it to the server in the background (the
/// watcher would also pick it up on its next pass).
#[tauri::command]
async fn apply_mail_action(
    app: AppHandle,
    state: State<'_, AppState>,
    action: MailAction,
) -> Cmd<()> {
    let api = api(&state)?.clone();
    api.apply_mail_action(action).await?;
    let _ = app.emit("mail://changed", ());
    tray::refresh(&app).await;
    tauri::async_runtime::spawn(async move {
        if let Err(e) = api.send_mail_changes(None).await {
            tracing::info!(code = %e.code, "mail changes wait for the next sync: {}", e.message);
        }
    });
    Ok(())
}

// ---- Compose and the outbox: local at once; the outbox runner does the server work.

#[tauri::command]
async fn compose_new(state: State<'_, AppState>, account_id: Option<i64>) -> Cmd<DraftView> {
    api(&state)?.compose_new(account_id).await
}

#[tauri::command]
async fn compose_reply(state: State<'_, AppState>, args: ComposeReplyArgs) -> Cmd<DraftView> {
    api(&state)?.compose_reply(args.message_id, args.all).await
}

#[tauri::command]
async fn compose_forward(state: State<'_, AppState>, message_id: i64) -> Cmd<DraftView> {
    api(&state)?.compose_forward(message_id).await
}

#[tauri::command]
async fn save_draft(state: State<'_, AppState>, input: DraftInput) -> Cmd<DraftView> {
    let saved = api(&state)?.save_draft(input).await?;
    state.outbox.wake();
    Ok(saved)
}

#[tauri::command]
async fn discard_draft(state: State<'_, AppState>, draft_id: i64) -> Cmd<()> {
    api(&state)?.discard_draft(draft_id).await?;
    state.outbox.wake();
    Ok(())
}

#[tauri::command]
async fn send_message(
    app: AppHandle,
    state: State<'_, AppState>,
    args: SendArgs,
) -> Cmd<QueuedSendView> {
    let queued = api(&state)?.send(args.draft, args.undo_secs).await?;
    state.outbox.wake();
    let _ = app.emit("outbox://changed", ());
    Ok(queued)
}

#[tauri::command]
async fn cancel_send(app: AppHandle, state: State<'_, AppState>, outbox_id: i64) -> Cmd<DraftView> {
    let draft = api(&state)?.cancel_send(outbox_id).await?;
    state.outbox.wake();
    let _ = app.emit("outbox://changed", ());
    Ok(draft)
}

#[tauri::command]
async fn list_outbox(state: State<'_, AppState>) -> Cmd<Vec<OutboxItemView>> {
    api(&state)?.list_outbox().await
}

#[tauri::command]
async fn retry_send(app: AppHandle, state: State<'_, AppState>, args: RetrySendArgs) -> Cmd<()> {
    api(&state)?.retry_send(args.outbox_id, args.resend).await?;
    state.outbox.wake();
    let _ = app.emit("outbox://changed", ());
    Ok(())
}

#[tauri::command]
async fn get_undo_send_secs(state: State<'_, AppState>) -> Cmd<u32> {
    api(&state)?.undo_send_secs().await
}

#[tauri::command]
async fn set_undo_send_secs(state: State<'_, AppState>, secs: u32) -> Cmd<u32> {
    api(&state)?.set_undo_send_secs(secs).await
}

#[cfg(test)]
mod tests {
    use super::COMMAND_NAMES;

    #[test]
    fn registered_commands_match_the_generated_bindings() {
        let bound: Vec<&str> = switchboard_api::bindings::commands()
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(COMMAND_NAMES, bound.as_slice());
    }
}
