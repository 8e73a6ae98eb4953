// What a conversation-level command sends, worked out from the thread's messages, and
// how the cached thread looks once the backend has applied it (so the UI can show the
// result before the refetch lands).
//
// Star follows Gmail: starring a conversation stars its latest message; unstarring it
// clears every star in it. Mark unread marks the latest message unread, which is enough
// to make the conversation unread again without touching the older ones on the server.
import type { MailAction, MessageView, ThreadDetail, ThreadSummary } from "../../ipc/bindings";

/** A conversation is starred when any of its messages is. */
export function isStarred(messages: readonly MessageView[]): boolean {
  return messages.some((m) => m.flagged);
}

export function messageIds(messages: readonly MessageView[]): number[] {
  return messages.map((m) => m.id);
}

/** Star toggle: unstar every starred message, or star the latest one. */
export function starToggleAction(messages: readonly MessageView[]): MailAction | null {
  const starred = messages.filter((m) => m.flagged).map((m) => m.id);
  if (starred.length > 0) return { kind: "set_flagged", message_ids: starred, flagged: false };
  const latest = messages.at(-1);
  return latest ? { kind: "set_flagged", message_ids: [latest.id], flagged: true } : null;
}

export function markUnreadAction(messages: readonly MessageView[]): MailAction | null {
  const latest = messages.at(-1);
  return latest ? { kind: "set_seen", message_ids: [latest.id], seen: false } : null;
}

/** The thread as it will be after a flag change; other actions leave it as it is. */
export function applyToThread(thread: ThreadDetail, action: MailAction): ThreadDetail {
  const patch = (change: (m: MessageView) => MessageView): ThreadDetail => ({
    ...thread,
    messages: thread.messages.map(change),
  });
  switch (action.kind) {
    case "set_seen":
      return patch((m) => (action.message_ids.includes(m.id) ? { ...m, unread: !action.seen } : m));
    case "set_flagged":
      return patch((m) => (action.message_ids.includes(m.id) ? { ...m, flagged: action.flagged } : m));
    case "mark_thread_read":
      return action.thread_id === thread.id ? patch((m) => ({ ...m, unread: false })) : thread;
    default:
      return thread;
  }
}

/** The list row's markers, recomputed from the thread's messages. */
export function summaryFrom(summary: ThreadSummary, thread: ThreadDetail): ThreadSummary {
  return {
    ...summary,
    flagged: isStarred(thread.messages),
    unread_count: thread.messages.filter((m) => m.unread).length,
  };
}
