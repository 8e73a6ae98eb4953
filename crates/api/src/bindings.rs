//! Generates `ui/src/ipc/bindings.ts`: the TypeScript twins of the DTOs and one typed
//! wrapper per command. The command table here is the single source of truth for the
//! names the app registers; `src-tauri` has a test that checks it registers each one.

use crate::dto::*;
use switchboard_core::ErrorCode;
use ts_rs::{Config, TS};

/// A command as the UI sees it: its name, its arguments (name and TypeScript type, in
/// order) and its result.
pub struct CommandSig {
    pub name: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub ret: String,
}

fn ts<T: TS>(cfg: &Config) -> String {
    T::name(cfg)
}

pub fn commands() -> Vec<CommandSig> {
    let cfg = config();
    let c = |name, arg: Option<(&'static str, String)>, ret: String| CommandSig {
        name,
        args: arg.into_iter().collect(),
        ret,
    };
    vec![
        c("app_status", None, ts::<AppStatus>(&cfg)),
        c("open_demo_workspace", None, ts::<DemoReport>(&cfg)),
        c("list_accounts", None, ts::<Vec<AccountSummary>>(&cfg)),
        c(
            "list_threads",
            Some(("args", ts::<ListThreadsArgs>(&cfg))),
            ts::<ThreadPage>(&cfg),
        ),
        c(
            "get_thread",
            Some(("id", "number".into())),
            ts::<ThreadDetail>(&cfg),
        ),
        c(
            "fetch_body",
            Some(("messageId", "number".into())),
            ts::<MessageView>(&cfg),
        ),
        c(
            "allow_remote_content",
            Some(("email", "string".into())),
            "null".into(),
        ),
        c(
            "forget_remote_content",
            Some(("email", "string".into())),
            "null".into(),
        ),
        c(
            "save_attachment",
            Some(("args", ts::<SaveAttachmentArgs>(&cfg))),
            ts::<SavedAttachment>(&cfg),
        ),
        c(
            "open_attachment",
            Some(("attachment", ts::<AttachmentRef>(&cfg))),
            ts::<SavedAttachment>(&cfg),
        ),
        c("open_link", Some(("url", "string".into())), "null".into()),
        c(
            "search",
            Some(("args", ts::<SearchArgs>(&cfg))),
            ts::<Vec<SearchHit>>(&cfg),
        ),
        c(
            "list_events",
            Some(("args", ts::<ListEventsArgs>(&cfg))),
            ts::<Vec<EventInstance>>(&cfg),
        ),
        c(
            "list_ticket_sources",
            None,
            ts::<Vec<TicketSourceView>>(&cfg),
        ),
        c(
            "list_tickets",
            Some(("args", ts::<ListTicketsArgs>(&cfg))),
            ts::<TicketPage>(&cfg),
        ),
        c(
            "list_contacts",
            Some(("args", ts::<ListContactsArgs>(&cfg))),
            ts::<ContactPage>(&cfg),
        ),
        c(
            "get_contact",
            Some(("id", "number".into())),
            ts::<ContactDetail>(&cfg),
        ),
        c("sync_health", None, ts::<SyncHealth>(&cfg)),
        c(
            "set_sync_paused",
            Some(("paused", "boolean".into())),
            "null".into(),
        ),
        c("stats", None, ts::<Stats>(&cfg)),
        c(
            "provider_presets",
            None,
            ts::<Vec<ProviderPresetView>>(&cfg),
        ),
        c(
            "test_imap_account",
            Some(("input", ts::<ImapAccountInput>(&cfg))),
            ts::<ConnectionTest>(&cfg),
        ),
        c(
            "add_imap_account",
            Some(("input", ts::<ImapAccountInput>(&cfg))),
            ts::<ConnectionTest>(&cfg),
        ),
        CommandSig {
            name: "sign_in_account",
            args: vec![
                ("name", "string".into()),
                ("kind", r#""gmail" | "graph""#.into()),
            ],
            ret: "string".into(),
        },
        c("account_statuses", None, ts::<Vec<AccountStatusView>>(&cfg)),
        c(
            "list_folders",
            Some(("accountId", "number | null".into())),
            ts::<Vec<FolderView>>(&cfg),
        ),
        c("sync_now", None, ts::<Vec<SyncSummary>>(&cfg)),
        c(
            "apply_mail_action",
            Some(("action", ts::<MailAction>(&cfg))),
            "null".into(),
        ),
        c(
            "compose_new",
            Some(("accountId", "number | null".into())),
            ts::<DraftView>(&cfg),
        ),
        c(
            "compose_reply",
            Some(("args", ts::<ComposeReplyArgs>(&cfg))),
            ts::<DraftView>(&cfg),
        ),
        c(
            "compose_forward",
            Some(("messageId", "number".into())),
            ts::<DraftView>(&cfg),
        ),
        c(
            "save_draft",
            Some(("input", ts::<DraftInput>(&cfg))),
            ts::<DraftView>(&cfg),
        ),
        c(
            "discard_draft",
            Some(("draftId", "number".into())),
            "null".into(),
        ),
        c(
            "send_message",
            Some(("args", ts::<SendArgs>(&cfg))),
            ts::<QueuedSendView>(&cfg),
        ),
        c(
            "cancel_send",
            Some(("outboxId", "number".into())),
            ts::<DraftView>(&cfg),
        ),
        c("list_outbox", None, ts::<Vec<OutboxItemView>>(&cfg)),
        c(
            "retry_send",
            Some(("args", ts::<RetrySendArgs>(&cfg))),
            "null".into(),
        ),
        c("get_undo_send_secs", None, "number".into()),
        c(
            "set_undo_send_secs",
            Some(("secs", "number".into())),
            "number".into(),
        ),
        c("list_calendars", None, ts::<Vec<CalendarInfo>>(&cfg)),
        c(
            "update_calendar",
            Some(("args", ts::<UpdateCalendarArgs>(&cfg))),
            ts::<CalendarInfo>(&cfg),
        ),
        c(
            "get_event",
            Some(("args", ts::<GetEventArgs>(&cfg))),
            ts::<EventDetail>(&cfg),
        ),
        c(
            "save_event",
            Some(("args", ts::<EventDraft>(&cfg))),
            ts::<SaveEventResult>(&cfg),
        ),
        c(
            "delete_event",
            Some(("args", ts::<DeleteEventArgs>(&cfg))),
            "null".into(),
        ),
        c(
            "resolve_conflict",
            Some(("args", ts::<ResolveConflictArgs>(&cfg))),
            "null".into(),
        ),
        c(
            "respond_to_event",
            Some(("args", ts::<RespondArgs>(&cfg))),
            "null".into(),
        ),
        c(
            "add_caldav_account",
            Some(("input", ts::<CalDavAccountInput>(&cfg))),
            "number".into(),
        ),
        c("sync_calendars", None, ts::<Vec<CalendarSyncSummary>>(&cfg)),
        c(
            "invitation_of_message",
            Some(("messageId", "number".into())),
            format!("{} | null", ts::<InvitationView>(&cfg)),
        ),
        c("calendar_settings", None, ts::<CalendarSettings>(&cfg)),
        c(
            "set_calendar_settings",
            Some(("settings", ts::<CalendarSettings>(&cfg))),
            ts::<CalendarSettings>(&cfg),
        ),
        c(
            "respond_to_invitation",
            Some(("args", ts::<RespondInvitationArgs>(&cfg))),
            "null".into(),
        ),
        c(
            "available_times",
            Some(("args", ts::<AvailableTimesArgs>(&cfg))),
            ts::<AvailableTimes>(&cfg),
        ),
    ]
}

fn config() -> Config {
    Config::new().with_large_int("number")
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The whole generated file.
pub fn typescript_bindings() -> String {
    let cfg = config();
    let decls = [
        ErrorCode::decl(&cfg),
        ApiError::decl(&cfg),
        AppStatus::decl(&cfg),
        AccountSummary::decl(&cfg),
        Address::decl(&cfg),
        ListThreadsArgs::decl(&cfg),
        ThreadSummary::decl(&cfg),
        ThreadPage::decl(&cfg),
        AttachmentInfo::decl(&cfg),
        MessageView::decl(&cfg),
        AttachmentRef::decl(&cfg),
        SaveAttachmentArgs::decl(&cfg),
        SavedAttachment::decl(&cfg),
        ThreadDetail::decl(&cfg),
        SearchArgs::decl(&cfg),
        SearchHit::decl(&cfg),
        ListEventsArgs::decl(&cfg),
        EventInstance::decl(&cfg),
        TicketSourceView::decl(&cfg),
        ListTicketsArgs::decl(&cfg),
        TicketSummary::decl(&cfg),
        TicketPage::decl(&cfg),
        ListContactsArgs::decl(&cfg),
        ContactSummary::decl(&cfg),
        ContactPage::decl(&cfg),
        MessageRef::decl(&cfg),
        ContactDetail::decl(&cfg),
        JobView::decl(&cfg),
        CursorView::decl(&cfg),
        SyncHealth::decl(&cfg),
        Stats::decl(&cfg),
        ImportProblem::decl(&cfg),
        ImportReport::decl(&cfg),
        DemoReport::decl(&cfg),
        OpenTarget::decl(&cfg),
        ProviderPresetView::decl(&cfg),
        ImapAccountInput::decl(&cfg),
        ServerCheck::decl(&cfg),
        ConnectionTest::decl(&cfg),
        AccountStatusView::decl(&cfg),
        FolderView::decl(&cfg),
        SyncProgressView::decl(&cfg),
        SyncSummary::decl(&cfg),
        MailAction::decl(&cfg),
        DraftFile::decl(&cfg),
        DraftInlineImage::decl(&cfg),
        DraftInput::decl(&cfg),
        DraftView::decl(&cfg),
        ComposeReplyArgs::decl(&cfg),
        SendArgs::decl(&cfg),
        QueuedSendView::decl(&cfg),
        RetrySendArgs::decl(&cfg),
        OutboxItemView::decl(&cfg),
        OutboxRunView::decl(&cfg),
        CalendarInfo::decl(&cfg),
        UpdateCalendarArgs::decl(&cfg),
        EditScope::decl(&cfg),
        GetEventArgs::decl(&cfg),
        EventAttendeeView::decl(&cfg),
        MeetingView::decl(&cfg),
        FieldChange::decl(&cfg),
        ConflictInfo::decl(&cfg),
        EventDetail::decl(&cfg),
        EventDraft::decl(&cfg),
        SaveEventResult::decl(&cfg),
        DeleteEventArgs::decl(&cfg),
        ResolveConflictArgs::decl(&cfg),
        RespondArgs::decl(&cfg),
        CalDavAccountInput::decl(&cfg),
        CalendarSyncSummary::decl(&cfg),
        ReminderView::decl(&cfg),
        InvitationView::decl(&cfg),
        RespondInvitationArgs::decl(&cfg),
        CalendarSettings::decl(&cfg),
        AvailableTimesArgs::decl(&cfg),
        AvailabilitySlot::decl(&cfg),
        AvailableTimes::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated by `cargo test -p switchboard-api` with UPDATE_BINDINGS=1. Do not edit.\n\
         // Source: crates/api/src/dto.rs and crates/api/src/bindings.rs.\n\n\
         import { invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    for cmd in commands() {
        let params = cmd
            .args
            .iter()
            .map(|(arg, ty)| format!("{arg}: {ty}"))
            .collect::<Vec<_>>()
            .join(", ");
        let names = cmd.args.iter().map(|(arg, _)| *arg).collect::<Vec<_>>();
        let payload = if names.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", names.join(", "))
        };
        out.push_str(&format!(
            "export function {}({params}): Promise<{}> {{\n  return invoke(\"{}\"{payload});\n}}\n\n",
            camel(cmd.name),
            cmd.ret,
            cmd.name
        ));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn bindings_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings.ts")
    }

    /// Fails when the committed bindings do not match the Rust types. Run with
    /// UPDATE_BINDINGS=1 to rewrite the file.
    #[test]
    fn committed_bindings_are_current() {
        let want = typescript_bindings();
        let path = bindings_path();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/ipc/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p switchboard-api bindings`"
        );
    }

    #[test]
    fn command_names_become_camel_case() {
        assert_eq!(camel("list_threads"), "listThreads");
        assert_eq!(camel("stats"), "stats");
        assert_eq!(camel("set_sync_paused"), "setSyncPaused");
    }

    #[test]
    fn a_command_with_several_arguments_passes_them_by_name() {
        let b = typescript_bindings();
        assert!(b.contains(
            "export function signInAccount(name: string, kind: \"gmail\" | \"graph\"): Promise<string> {\n  return invoke(\"sign_in_account\", { name, kind });\n}"
        ), "{b}");
    }

    #[test]
    fn large_integers_are_numbers() {
        let b = typescript_bindings();
        assert!(b.contains("id: number"));
        assert!(!b.contains("bigint"));
    }
}
