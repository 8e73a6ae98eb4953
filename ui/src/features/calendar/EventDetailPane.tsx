// The selected event at a glance: when (in the zone shown), where, calendar, markers,
// and the way into the editor.
import { Icon } from "../../components/Icon";
import { timeRangeText } from "./EventChip";
import { formatDate, dateIn } from "./tz";
import type { CalEvent } from "./types";

export function EventDetailPane({
  event,
  zone,
  onClose,
  onEdit,
}: {
  event: CalEvent;
  zone: string;
  onClose(): void;
  onEdit?(): void;
}) {
  return (
    <aside className="event-detail" data-testid="event-detail" aria-label="Event">
      <header className="pane-header">
        <h2 className="pane-header__title">{event.summary || "(untitled)"}</h2>
        {onEdit && (
          <button type="button" className="btn btn--small" data-testid="event-open" onClick={onEdit}>
            Open
          </button>
        )}
        <button type="button" className="icon-btn" aria-label="Close event" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <dl className="facts">
        <dt>When</dt>
        <dd>
          {formatDate(dateIn(event.start, zone), { weekday: "short", month: "short", day: "numeric" })}
          {event.all_day ? ", all day" : ` · ${timeRangeText(event, zone)}`}
        </dd>
        {event.location && (
          <>
            <dt>Where</dt>
            <dd>{event.location}</dd>
          </>
        )}
        <dt>Calendar</dt>
        <dd>
          <span className="swatch" style={{ background: event.color }} /> {event.calendar_name}
        </dd>
        {event.tzid && (
          <>
            <dt>Written in</dt>
            <dd>{event.tzid}</dd>
          </>
        )}
        {event.recurring && (
          <>
            <dt>Repeats</dt>
            <dd>Yes</dd>
          </>
        )}
        {event.meeting_url && (
          <>
            <dt>Meeting</dt>
            <dd className="event-detail__link">{event.meeting_url}</dd>
          </>
        )}
      </dl>
      {event.broken !== null && (
        <div className="badge badge--warning" role="note">
          <Icon name="warning" /> {event.broken}
        </div>
      )}
      {event.pending && (
        <div className="badge" role="note" data-testid="pending-note">
          <Icon name="sync" /> Not yet synced
        </div>
      )}
      {event.conflict && (
        <div className="badge badge--warning" role="note">
          <Icon name="warning" /> Changed on the server too: {event.conflict}
        </div>
      )}
    </aside>
  );
}
