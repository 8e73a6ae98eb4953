import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { search } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { formatListDate } from "../../lib/time";
import { useListCursor } from "../../app/keyboard";
import { ErrorNote } from "../../components/ErrorNote";
import { EmptyState } from "../../components/EmptyState";
import { Loading } from "../../components/Spinner";
import { Icon } from "../../components/Icon";
import { toApiError } from "../../ipc/errors";
import "./search.css";

export const SEARCH_LIMIT = 50;

interface Props {
  query: string;
  openThreadId: number | null;
  onOpen: (threadId: number) => void;
  onClose: () => boolean;
  onClear: () => void;
}

export function SearchResults({ query, openThreadId, onOpen, onClose, onClear }: Props) {
  const hits = useQuery({ queryKey: queryKeys.search(query), queryFn: () => search({ query, limit: SEARCH_LIMIT }) });
  const [cursor, setCursor] = useState<number | null>(null);
  const count = hits.data?.length ?? 0;

  useListCursor({
    count,
    cursor,
    setCursor,
    reveal: (index) =>
      document.querySelector(`[data-testid="search-hit"][data-index="${index}"]`)?.scrollIntoView?.({ block: "nearest" }),
    open: (index) => {
      const hit = hits.data?.[index];
      if (hit) onOpen(hit.thread_id);
    },
    // Esc first closes the open conversation, then leaves the search.
    close: () => {
      if (onClose()) return true;
      onClear();
      return true;
    },
  });

  const now = new Date();
  return (
    <div className="search-results" data-testid="search-results" data-query={query}>
      <div className="list-toolbar">
        <span className="list-toolbar__title">
          {hits.data ? `${count}${count === SEARCH_LIMIT ? "+" : ""} results` : "Searching"} for “{query}”
        </span>
        <button type="button" className="icon-btn" aria-label="Clear search" title="Clear search" onClick={onClear}>
          <Icon name="close" />
        </button>
      </div>
      <div className="list-scroll" role="listbox" aria-label="Search results">
        {hits.isPending && <Loading label="Searching…" />}
        {hits.isError && (
          // A query the backend cannot read (a malformed date) fails the same way again.
          <ErrorNote
            error={hits.error}
            onRetry={toApiError(hits.error).code === "invalid_input" ? undefined : () => void hits.refetch()}
          />
        )}
        {hits.data && count === 0 && (
          <EmptyState title="No matches">Try fewer or different words, or check the operators under “?”.</EmptyState>
        )}
        {hits.data?.map((hit, index) => (
          <div
            key={hit.message_id}
            className={[
              "search-hit",
              index === cursor && "is-cursor",
              hit.thread_id === openThreadId && "is-open",
            ]
              .filter(Boolean)
              .join(" ")}
            role="option"
            aria-selected={hit.thread_id === openThreadId}
            data-testid="search-hit"
            data-thread-id={hit.thread_id}
            data-message-id={hit.message_id}
            data-index={index}
            onClick={() => {
              setCursor(index);
              onOpen(hit.thread_id);
            }}
          >
            <div className="thread-row__top">
              <span className="thread-row__participants">{hit.from}</span>
              <time className="thread-row__date" dateTime={new Date(hit.date).toISOString()}>
                {formatListDate(hit.date, now)}
              </time>
            </div>
            <div className="search-hit__subject-line">
              <span className="thread-row__subject">{hit.subject || "(no subject)"}</span>
              {hit.folder && (
                <span className="search-hit__folder" data-testid="search-hit-folder" title={`In ${hit.folder}`}>
                  {hit.folder}
                </span>
              )}
            </div>
            {/* snippet_html is escaped by the backend except for its <mark> tags. */}
            <div className="search-hit__snippet" dangerouslySetInnerHTML={{ __html: hit.snippet_html }} />
          </div>
        ))}
      </div>
    </div>
  );
}
