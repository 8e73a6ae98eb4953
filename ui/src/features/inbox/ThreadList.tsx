import { useImperativeHandle, useRef, useState, type Ref } from "react";
import { listThreads, type ThreadSummary } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { usePagedList } from "../../lib/usePagedList";
import { formatListDate } from "../../lib/time";
import { useListCursor } from "../../app/keyboard";
import { ErrorNote } from "../../components/ErrorNote";
import { EmptyState } from "../../components/EmptyState";
import { Loading } from "../../components/Spinner";
import { Icon } from "../../components/Icon";

export const THREAD_PAGE_SIZE = 100;
const ROW_HEIGHT = 68;

interface Props {
  accountId: number | null;
  /** A folder of the account; null lists the Inbox (of the account, or of all accounts). */
  folderId: number | null;
  openThreadId: number | null;
  onOpen: (id: number) => void;
  onClose: () => boolean;
  /** The row's star was clicked (the thread is not opened). */
  onToggleStar: (id: number) => void;
  ref?: Ref<ThreadListHandle>;
}

/** What the inbox asks of the list when a command acts on its threads. */
export interface ThreadListHandle {
  /** The thread under the keyboard cursor, if its row is loaded. */
  cursorThread(): ThreadSummary | null;
  /** Puts the cursor on the thread after `id` (before it when `id` is last), as after archiving `id`. */
  advancePast(id: number): void;
}

// The cursor remembers its thread as well as its row, so that when rows above it come or
// go (the thread archived a moment ago drops out on refetch) it stays on the same thread.
interface Cursor {
  index: number;
  id: number | null;
}

/** Where `id` is, searching outward from `around` over the rows that are loaded. */
function findRow(id: number, around: number, itemAt: (index: number) => ThreadSummary | undefined): number | null {
  if (itemAt(around)?.id === id) return around;
  for (let d = 1; d <= THREAD_PAGE_SIZE; d++) {
    if (around - d >= 0 && itemAt(around - d)?.id === id) return around - d;
    if (itemAt(around + d)?.id === id) return around + d;
  }
  return null;
}

export function ThreadList({ accountId, folderId, openThreadId, onOpen, onClose, onToggleStar, ref }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [cursorAt, setCursorAt] = useState<Cursor | null>(null);
  const list = usePagedList<ThreadSummary>({
    queryKey: [...queryKeys.threads(accountId), folderId],
    fetchPage: (offset, limit) =>
      listThreads({
        account_id: accountId,
        offset,
        limit,
        ...(folderId !== null ? { folder_id: folderId } : { role: "inbox" }),
      }),
    pageSize: THREAD_PAGE_SIZE,
    rowHeight: ROW_HEIGHT,
    scrollRef,
  });

  const cursor =
    cursorAt === null || list.total === 0
      ? null
      : Math.min(
          list.total - 1,
          cursorAt.id === null ? cursorAt.index : (findRow(cursorAt.id, cursorAt.index, list.itemAt) ?? cursorAt.index),
        );
  const setCursor = (index: number) => setCursorAt({ index, id: list.itemAt(index)?.id ?? null });
  const reveal = (index: number) => list.virtualizer.scrollToIndex(index, { align: "auto" });

  useImperativeHandle(ref, () => ({
    cursorThread: () => (cursor === null ? null : (list.itemAt(cursor) ?? null)),
    advancePast: (id) => {
      const index = findRow(id, cursor ?? list.virtualItems[0]?.index ?? 0, list.itemAt);
      if (index === null) return;
      const next = list.itemAt(index + 1);
      const prev = index > 0 ? list.itemAt(index - 1) : undefined;
      const to: Cursor = next
        ? { index: index + 1, id: next.id }
        : prev && index + 1 >= list.total
          ? { index: index - 1, id: prev.id }
          : // The next row's page is not loaded: stay on the row, which the next thread takes over.
            { index, id: null };
      setCursorAt(to);
      reveal(to.index);
    },
  }));

  useListCursor({
    count: list.total,
    cursor,
    setCursor,
    reveal,
    open: (index) => {
      const thread = list.itemAt(index);
      if (thread) onOpen(thread.id);
    },
    close: onClose,
  });

  const now = new Date();
  return (
    <div className="list-scroll" ref={scrollRef} data-testid="thread-list" role="listbox" aria-label="Threads">
      {list.isPending && <Loading />}
      {list.error && <ErrorNote error={list.error} />}
      {!list.isPending && !list.error && list.total === 0 && (
        <EmptyState title="No conversations">Mail you import or sync shows up here.</EmptyState>
      )}
      <div className="list-canvas" style={{ height: list.virtualizer.getTotalSize() }}>
        {list.virtualItems.map((v) => {
          const thread = list.itemAt(v.index);
          const style = { transform: `translateY(${v.start}px)`, height: v.size };
          if (!thread) {
            return <div key={v.key} className="thread-row thread-row--placeholder" style={style} aria-hidden="true" />;
          }
          const classes = [
            "thread-row",
            thread.unread_count > 0 && "is-unread",
            v.index === cursor && "is-cursor",
            thread.id === openThreadId && "is-open",
          ]
            .filter(Boolean)
            .join(" ");
          return (
            <div
              key={v.key}
              className={classes}
              style={style}
              role="option"
              aria-selected={thread.id === openThreadId}
              data-testid="thread-row"
              data-thread-id={thread.id}
              data-index={v.index}
              onClick={() => {
                setCursor(v.index);
                onOpen(thread.id);
              }}
            >
              <div className="thread-row__top">
                <button
                  type="button"
                  className={`star-toggle${thread.flagged ? " is-starred" : ""}`}
                  data-testid="star-toggle"
                  aria-pressed={thread.flagged}
                  aria-label="Star"
                  title={thread.flagged ? "Unstar (s)" : "Star (s)"}
                  onClick={(e) => {
                    // Starring is not opening.
                    e.stopPropagation();
                    onToggleStar(thread.id);
                  }}
                >
                  <Icon name="star" />
                </button>
                {thread.unread_count > 0 && <span className="unread-dot" aria-label="Unread" />}
                <span className="thread-row__participants">{thread.participants.join(", ") || "(nobody)"}</span>
                {thread.message_count > 1 && <span className="thread-row__count">{thread.message_count}</span>}
                <span className="thread-row__markers">
                  {thread.has_attachments && (
                    <span className="marker" data-testid="attachment-marker">
                      <Icon name="paperclip" title="Has attachments" />
                    </span>
                  )}
                </span>
                <time className="thread-row__date" dateTime={new Date(thread.last_date).toISOString()}>
                  {formatListDate(thread.last_date, now)}
                </time>
              </div>
              <div className="thread-row__subject">{thread.subject || "(no subject)"}</div>
              <div className="thread-row__snippet">{thread.snippet}</div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
