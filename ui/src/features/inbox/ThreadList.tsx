import { useRef, useState } from "react";
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
}

export function ThreadList({ accountId, folderId, openThreadId, onOpen, onClose }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState<number | null>(null);
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

  useListCursor({
    count: list.total,
    cursor,
    setCursor,
    reveal: (index) => list.virtualizer.scrollToIndex(index, { align: "auto" }),
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
                {thread.unread_count > 0 && <span className="unread-dot" aria-label="Unread" />}
                <span className="thread-row__participants">{thread.participants.join(", ") || "(nobody)"}</span>
                {thread.message_count > 1 && <span className="thread-row__count">{thread.message_count}</span>}
                <span className="thread-row__markers">
                  {thread.flagged && (
                    <span className="marker marker--flag" data-testid="flag-marker">
                      <Icon name="flag" title="Flagged" />
                    </span>
                  )}
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
