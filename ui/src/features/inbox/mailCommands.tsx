// The inbox's mail commands (archive, Trash, move, star, read/unread, empty Trash) over
// the one `apply_mail_action` command. The backend changes the local store before it
// answers, so each command awaits it and then refetches what it touches; star and
// read/unread also patch the cached thread and its list row at once. A failure is shown
// in a toast with the backend's message (e.g. the account has no Archive folder).
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  applyMailAction,
  getThread,
  type ApiError,
  type MailAction,
  type MessageView,
  type ThreadDetail,
  type ThreadPage,
} from "../../ipc/bindings";
import { errorTitle, toApiError } from "../../ipc/errors";
import { queryKeys } from "../../ipc/queryKeys";
import { MAIL_QUERY_PREFIXES } from "../sync/syncEvents";
import { applyToThread, markUnreadAction, messageIds, starToggleAction, summaryFrom } from "./threadActions";

export interface CommandFailure {
  title: string;
  error: ApiError;
}

export interface MailCommands {
  archive(threadId: number): Promise<void>;
  trash(threadId: number): Promise<void>;
  moveTo(threadId: number, folderId: number): Promise<void>;
  toggleStar(threadId: number): Promise<void>;
  markRead(threadId: number): Promise<void>;
  markUnread(threadId: number): Promise<void>;
  emptyTrash(accountId: number): Promise<void>;
  failure: CommandFailure | null;
  dismissFailure(): void;
}

interface Options {
  /** The thread left the list it was in (archived, trashed or moved). */
  onLeave(threadId: number): void;
  /** The thread was marked unread. */
  onMarkedUnread(threadId: number): void;
}

/** Shows `action`'s effect on a thread in the cache before the backend's answer is refetched. */
function patchCaches(queryClient: QueryClient, threadId: number, action: MailAction) {
  const detail = queryClient.getQueryData<ThreadDetail>(queryKeys.thread(threadId));
  if (!detail) return;
  const next = applyToThread(detail, action);
  queryClient.setQueryData(queryKeys.thread(threadId), next);
  queryClient.setQueriesData<ThreadPage>({ queryKey: ["threads"] }, (page) =>
    page?.items.some((t) => t.id === threadId)
      ? { ...page, items: page.items.map((t) => (t.id === threadId ? summaryFrom(t, next) : t)) }
      : page,
  );
}

export function useMailCommands(options: Options): MailCommands {
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<CommandFailure | null>(null);
  // The callbacks run after an await; they must see the view as it is then.
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });

  const commands = useMemo(() => {
    const refetch = () => {
      for (const queryKey of MAIL_QUERY_PREFIXES) void queryClient.invalidateQueries({ queryKey });
    };
    const messagesOf = async (threadId: number): Promise<MessageView[]> =>
      (await queryClient.fetchQuery({ queryKey: queryKeys.thread(threadId), queryFn: () => getThread(threadId) }))
        .messages;

    /** Runs one command; true when the backend applied it. */
    const run = async (title: string, build: () => Promise<MailAction | null>, threadId?: number) => {
      let action: MailAction | null = null;
      try {
        action = await build();
        if (!action) return false;
        if (threadId !== undefined) patchCaches(queryClient, threadId, action);
        await applyMailAction(action);
        setFailure(null);
        return true;
      } catch (e) {
        setFailure({ title, error: toApiError(e) });
        return false;
      } finally {
        if (action) refetch();
      }
    };

    const leave = async (title: string, threadId: number, build: (messages: MessageView[]) => MailAction) => {
      if (await run(title, async () => build(await messagesOf(threadId)))) latest.current.onLeave(threadId);
    };

    return {
      archive: (threadId: number) =>
        leave("Could not archive", threadId, (messages) => ({ kind: "archive", message_ids: messageIds(messages) })),
      trash: (threadId: number) =>
        leave("Could not move to Trash", threadId, (messages) => ({ kind: "trash", message_ids: messageIds(messages) })),
      moveTo: (threadId: number, folderId: number) =>
        leave("Could not move", threadId, (messages) => ({
          kind: "move",
          message_ids: messageIds(messages),
          folder_id: folderId,
        })),
      toggleStar: async (threadId: number) => {
        await run("Could not change the star", async () => starToggleAction(await messagesOf(threadId)), threadId);
      },
      markRead: async (threadId: number) => {
        await run("Could not mark read", async () => ({ kind: "mark_thread_read", thread_id: threadId }), threadId);
      },
      markUnread: async (threadId: number) => {
        const done = await run("Could not mark unread", async () => markUnreadAction(await messagesOf(threadId)), threadId);
        if (done) latest.current.onMarkedUnread(threadId);
      },
      emptyTrash: async (accountId: number) => {
        await run("Could not empty Trash", async () => ({ kind: "empty_trash", account_id: accountId }));
      },
    };
  }, [queryClient]);

  const dismissFailure = useCallback(() => setFailure(null), []);
  return { ...commands, failure, dismissFailure };
}

/** The failed command, with the backend's message; stays until dismissed or the next command works. */
export function CommandFailureToast({ failure, onDismiss }: { failure: CommandFailure; onDismiss(): void }) {
  return (
    <div className="toast toast--error" role="alert" data-testid="mail-action-error" data-code={failure.error.code}>
      <strong>{failure.title}</strong>
      <span className="toast__detail">
        {errorTitle(failure.error.code)}: {failure.error.message}
      </span>
      <button type="button" className="btn btn--small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
