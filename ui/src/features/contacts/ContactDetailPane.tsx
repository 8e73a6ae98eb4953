import { useQuery } from "@tanstack/react-query";
import { getContact } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { useNavigation } from "../../app/navigation";
import { formatDateTime, formatListDate, startOfLocalWeek } from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/Spinner";
import { Icon } from "../../components/Icon";
import { initials } from "./ContactList";

export function ContactDetailPane({ contactId, onClose }: { contactId: number; onClose: () => void }) {
  const nav = useNavigation();
  const contact = useQuery({ queryKey: queryKeys.contact(contactId), queryFn: () => getContact(contactId) });
  const c = contact.data;
  const title = c ? (c.name ?? c.emails[0] ?? "(no name)") : "";
  const now = new Date();
  return (
    <section className="detail-pane" data-testid="contact-detail" data-contact-id={contactId} aria-label="Contact">
      <header className="pane-header">
        {c && (
          <span className="avatar avatar--large" aria-hidden="true">
            {initials(title)}
          </span>
        )}
        <div className="pane-header__stack">
          <h2 className="pane-header__title">{title}</h2>
          {c?.company && <div className="muted">{c.company}</div>}
        </div>
        <button type="button" className="icon-btn" aria-label="Close contact" title="Close (Esc)" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {contact.isPending && <Loading />}
      {contact.isError && <ErrorNote error={contact.error} onRetry={() => void contact.refetch()} />}
      {c && (
        <div className="detail-pane__scroll">
          <ul className="chips" aria-label="Email addresses">
            {c.emails.map((e) => (
              <li key={e} className="chip">
                {e}
              </li>
            ))}
          </ul>

          <section className="detail-section" data-testid="contact-messages">
            <h3>Messages {c.messages.length > 0 && <span className="muted">{c.messages.length}</span>}</h3>
            {c.messages.length === 0 && <p className="muted">No messages.</p>}
            <ul className="ref-list">
              {c.messages.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    className="ref-row"
                    data-testid="contact-message"
                    data-thread-id={m.thread_id}
                    data-message-id={m.id}
                    onClick={() => {
                      nav.clearSearch();
                      nav.openThread(m.thread_id);
                    }}
                  >
                    <span className="ref-row__main">{m.subject || "(no subject)"}</span>
                    <span className="ref-row__sub">{m.from}</span>
                    <time className="ref-row__date">{formatListDate(m.date, now)}</time>
                  </button>
                </li>
              ))}
            </ul>
          </section>

          <section className="detail-section" data-testid="contact-events">
            <h3>Events {c.events.length > 0 && <span className="muted">{c.events.length}</span>}</h3>
            {c.events.length === 0 && <p className="muted">No events.</p>}
            <ul className="ref-list">
              {c.events.map((e) => (
                <li key={`${e.event_id}:${e.start}`}>
                  <button
                    type="button"
                    className={`ref-row${e.broken !== null ? " is-broken" : ""}`}
                    data-testid="contact-event"
                    data-event-id={e.event_id}
                    onClick={() => nav.showEvent(e.event_id, startOfLocalWeek(new Date(e.start)).getTime())}
                  >
                    <span className="ref-row__main">{e.summary || "(untitled)"}</span>
                    <span className="ref-row__sub">{e.calendar_name}</span>
                    <time className="ref-row__date">{e.all_day ? formatListDate(e.start, now) : formatDateTime(e.start)}</time>
                  </button>
                </li>
              ))}
            </ul>
          </section>

          <section className="detail-section" data-testid="contact-tickets">
            <h3>Tickets {c.tickets.length > 0 && <span className="muted">{c.tickets.length}</span>}</h3>
            {c.tickets.length === 0 && <p className="muted">No tickets.</p>}
            <ul className="ref-list">
              {c.tickets.map((t) => (
                <li key={t.id}>
                  <button
                    type="button"
                    className="ref-row"
                    data-testid="contact-ticket"
                    data-ticket-id={t.id}
                    onClick={() => nav.openTicket(t.id, t)}
                  >
                    <span className="ref-row__main">{t.title || "(untitled)"}</span>
                    <span className={`status status--${t.status}`}>{t.status}</span>
                    <time className="ref-row__date">{formatListDate(t.updated_at, now)}</time>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </div>
      )}
    </section>
  );
}
