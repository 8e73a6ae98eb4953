import { useEffect, useRef, useState } from "react";
import { listContacts, type ContactSummary } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { usePagedList } from "../../lib/usePagedList";
import { useListCursor } from "../../app/keyboard";
import { ErrorNote } from "../../components/ErrorNote";
import { EmptyState } from "../../components/EmptyState";
import { Loading } from "../../components/Spinner";

export const CONTACT_PAGE_SIZE = 100;
const ROW_HEIGHT = 52;

interface Props {
  query: string;
  openContactId: number | null;
  onOpen: (id: number) => void;
  onClose: () => boolean;
}

export function ContactList({ query, openContactId, onOpen, onClose }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The cursor belongs to one query's results; a new query starts without one.
  const [cursorAt, setCursorAt] = useState<{ query: string; index: number } | null>(null);
  const cursor = cursorAt?.query === query ? cursorAt.index : null;
  const setCursor = (index: number) => setCursorAt({ query, index });
  const list = usePagedList<ContactSummary>({
    queryKey: queryKeys.contacts(query),
    fetchPage: (offset, limit) => listContacts({ query: query === "" ? null : query, offset, limit }),
    pageSize: CONTACT_PAGE_SIZE,
    rowHeight: ROW_HEIGHT,
    scrollRef,
  });

  useEffect(() => {
    scrollRef.current?.scrollTo?.({ top: 0 });
  }, [query]);

  useListCursor({
    count: list.total,
    cursor,
    setCursor,
    reveal: (index) => list.virtualizer.scrollToIndex(index, { align: "auto" }),
    open: (index) => {
      const contact = list.itemAt(index);
      if (contact) onOpen(contact.id);
    },
    close: onClose,
  });

  return (
    <div className="list-scroll" ref={scrollRef} data-testid="contact-list" role="listbox" aria-label="Contacts">
      {list.isPending && <Loading />}
      {list.error && <ErrorNote error={list.error} />}
      {!list.isPending && !list.error && list.total === 0 && (
        <EmptyState title={query ? "No contacts match" : "No contacts yet"} />
      )}
      <div className="list-canvas" style={{ height: list.virtualizer.getTotalSize() }}>
        {list.virtualItems.map((v) => {
          const contact = list.itemAt(v.index);
          const style = { transform: `translateY(${v.start}px)`, height: v.size };
          if (!contact) {
            return <div key={v.key} className="contact-row thread-row--placeholder" style={style} aria-hidden="true" />;
          }
          const title = contact.name ?? contact.emails[0] ?? "(no name)";
          return (
            <div
              key={v.key}
              className={[
                "contact-row",
                v.index === cursor && "is-cursor",
                contact.id === openContactId && "is-open",
              ]
                .filter(Boolean)
                .join(" ")}
              style={style}
              role="option"
              aria-selected={contact.id === openContactId}
              data-testid="contact-row"
              data-contact-id={contact.id}
              data-index={v.index}
              onClick={() => {
                setCursor(v.index);
                onOpen(contact.id);
              }}
            >
              <span className="avatar" aria-hidden="true">
                {initials(title)}
              </span>
              <div className="contact-row__text">
                <div className="contact-row__name">{title}</div>
                <div className="contact-row__sub">
                  {[contact.company, contact.name ? contact.emails[0] : null].filter(Boolean).join(" · ")}
                </div>
              </div>
              <div className="contact-row__counts muted">
                {contact.message_count > 0 && <span title="Messages">{contact.message_count} msg</span>}
                {contact.ticket_count > 0 && <span title="Tickets">{contact.ticket_count} tkt</span>}
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function initials(name: string): string {
  const words = name.replace(/[<>"@].*$/, "").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]?.[0], words[words.length - 1]?.[0]] : [name[0]];
  return letters.join("").toUpperCase() || "?";
}
