import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { listTicketSources, listTickets, type TicketSummary } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { useNavigation } from "../../app/navigation";
import { useListCursor } from "../../app/keyboard";
import { formatDateTime, formatListDate } from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { EmptyState } from "../../components/EmptyState";
import { Icon } from "../../components/Icon";

export const TICKET_STATUSES = ["new", "active", "waiting", "closed"] as const;
export const TICKET_URGENCIES = ["low", "normal", "high", "critical"] as const;
export const TICKET_PAGE_SIZE = 50;

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function TicketsView() {
  const nav = useNavigation();
  const [sourceId, setSourceId] = useState<number | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [urgency, setUrgency] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const [cursor, setCursor] = useState<number | null>(null);

  const sources = useQuery({ queryKey: queryKeys.ticketSources, queryFn: listTicketSources });
  const filter = { source_id: sourceId, status, urgency, offset };
  const page = useQuery({
    queryKey: queryKeys.tickets(filter),
    queryFn: () => listTickets({ ...filter, contact_id: null, limit: TICKET_PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const items = page.data?.items ?? [];
  const total = page.data?.total ?? 0;

  const changeFilter = (apply: () => void) => {
    apply();
    setOffset(0);
    setCursor(null);
  };
  const goToPage = (newOffset: number) => {
    setOffset(newOffset);
    setCursor(null);
  };

  const openTicket = nav.state.ticketId;
  const detail =
    items.find((t) => t.id === openTicket) ??
    (nav.state.ticketSnapshot?.id === openTicket ? nav.state.ticketSnapshot : null);

  useListCursor({
    count: items.length,
    cursor,
    setCursor,
    reveal: (index) =>
      document.querySelector(`[data-testid="ticket-row"][data-index="${index}"]`)?.scrollIntoView?.({ block: "nearest" }),
    open: (index) => {
      const ticket = items[index];
      if (ticket) nav.openTicket(ticket.id, ticket);
    },
    close: () => {
      if (openTicket === null) return false;
      nav.closeTicket();
      return true;
    },
  });

  const now = new Date();
  return (
    <div className="split split--wide-list">
      <div className="split__list tickets">
        <div className="list-toolbar">
          <span className="list-toolbar__title">Tickets</span>
          <select
            className="select select--compact"
            data-testid="filter-source"
            aria-label="Source"
            value={sourceId === null ? "" : String(sourceId)}
            onChange={(e) => changeFilter(() => setSourceId(e.target.value === "" ? null : Number(e.target.value)))}
          >
            <option value="">All sources</option>
            {sources.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <select
            className="select select--compact"
            data-testid="filter-status"
            aria-label="Status"
            value={status ?? ""}
            onChange={(e) => changeFilter(() => setStatus(e.target.value || null))}
          >
            <option value="">Any status</option>
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {capitalise(s)}
              </option>
            ))}
          </select>
          <select
            className="select select--compact"
            data-testid="filter-urgency"
            aria-label="Urgency"
            value={urgency ?? ""}
            onChange={(e) => changeFilter(() => setUrgency(e.target.value || null))}
          >
            <option value="">Any urgency</option>
            {TICKET_URGENCIES.map((u) => (
              <option key={u} value={u}>
                {capitalise(u)}
              </option>
            ))}
          </select>
          <span className="spacer" />
          <span className="muted" data-testid="ticket-range">
            {total === 0 ? "0" : `${offset + 1}–${offset + items.length}`} of {total}
          </span>
          <button
            type="button"
            className="icon-btn"
            aria-label="Previous page"
            data-testid="tickets-prev"
            disabled={offset === 0}
            onClick={() => goToPage(Math.max(0, offset - TICKET_PAGE_SIZE))}
          >
            <Icon name="chevronLeft" />
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Next page"
            data-testid="tickets-next"
            disabled={offset + TICKET_PAGE_SIZE >= total}
            onClick={() => goToPage(offset + TICKET_PAGE_SIZE)}
          >
            <Icon name="chevronRight" />
          </button>
        </div>
        {page.isError && <ErrorNote error={page.error} onRetry={() => void page.refetch()} />}
        <div className="table-scroll">
          <table className="table" data-testid="ticket-table" aria-busy={page.isFetching}>
            <thead>
              <tr>
                <th>Title</th>
                <th>Customer</th>
                <th>Source</th>
                <th>Status</th>
                <th>Urgency</th>
                <th className="table__date">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t, index) => (
                <tr
                  key={t.id}
                  className={[index === cursor && "is-cursor", t.id === openTicket && "is-open"].filter(Boolean).join(" ")}
                  data-testid="ticket-row"
                  data-ticket-id={t.id}
                  data-source-id={t.source_id}
                  data-source-kind={t.source_kind}
                  data-status={t.status}
                  data-urgency={t.urgency}
                  data-index={index}
                  aria-selected={t.id === openTicket}
                  onClick={() => {
                    setCursor(index);
                    nav.openTicket(t.id, t);
                  }}
                >
                  <td className="table__title">{t.title || "(untitled)"}</td>
                  <td>{t.customer_name ?? t.customer_email ?? "—"}</td>
                  <td>
                    <span className="source-tag" title={t.source_kind}>
                      {t.source_name}
                    </span>
                  </td>
                  <td>
                    <span className={`status status--${t.status}`}>{capitalise(t.status)}</span>
                  </td>
                  <td>
                    <span className={`urgency urgency--${t.urgency}`}>{capitalise(t.urgency)}</span>
                  </td>
                  <td className="table__date">{formatListDate(t.updated_at, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data && items.length === 0 && <EmptyState title="No tickets match these filters" />}
        </div>
      </div>
      {openTicket !== null && (
        <div className="split__detail">
          <TicketDetail ticketId={openTicket} ticket={detail} onClose={nav.closeTicket} />
        </div>
      )}
    </div>
  );
}

function TicketDetail({
  ticketId,
  ticket,
  onClose,
}: {
  ticketId: number;
  ticket: TicketSummary | null;
  onClose: () => void;
}) {
  return (
    <section className="detail-pane" data-testid="ticket-detail" data-ticket-id={ticketId} aria-label="Ticket">
      <header className="pane-header">
        <h2 className="pane-header__title">{ticket ? ticket.title || "(untitled)" : `Ticket ${ticketId}`}</h2>
        <button type="button" className="icon-btn" aria-label="Close ticket" title="Close (Esc)" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {ticket ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <span className={`status status--${ticket.status}`}>{capitalise(ticket.status)}</span>
          </dd>
          <dt>Urgency</dt>
          <dd>
            <span className={`urgency urgency--${ticket.urgency}`}>{capitalise(ticket.urgency)}</span>
          </dd>
          <dt>Customer</dt>
          <dd>
            {ticket.customer_name ?? "—"}
            {ticket.customer_email && <div className="muted">{ticket.customer_email}</div>}
          </dd>
          <dt>Source</dt>
          <dd>
            {ticket.source_name} <span className="muted">({ticket.source_kind})</span>
          </dd>
          <dt>External id</dt>
          <dd>
            <code>{ticket.external_id}</code>
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(ticket.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{formatDateTime(ticket.updated_at)}</dd>
        </dl>
      ) : (
        <EmptyState title="Not on this page">Change the filters or page to find this ticket in the list.</EmptyState>
      )}
    </section>
  );
}
