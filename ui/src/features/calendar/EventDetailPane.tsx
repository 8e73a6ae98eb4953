// The selected event at a glance: when (in the zone shown), where, calendar, markers,
// reminder, meeting link, my answer to an invitation (Accept / Tentative / Decline), and
// the way into the editor.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorNote } from "../../components/ErrorNote";
import { Icon } from "../../components/Icon";
import { invalidateCalendar } from "./data";
import { timeRangeText } from "./EventChip";
import { formatDate, dateIn } from "./tz";
import { openLink, respondToEvent, type EventInstance } from "../../ipc/bindings";
import type { Partstat } from "./kinds";

const ANSWER: Record<string, string> = {
  ACCEPTED: "Accepted",
  TENTATIVE: "Tentative",
  DECLINED: "Declined",
  "NEEDS-ACTION": "Not answered yet",
};

export function EventDetailPane({
  event,
  zone,
  onClose,
  onEdit,
}: {
  event: EventInstance;
  zone: string;
  onClose(): void;
  onEdit?(): void;
}) {
  const queryClient = useQueryClient();
  const respond = useMutation({
    mutationFn: (partstat: Partstat) =>
      respondToEvent({
        calendar_id: event.calendar_id,
        uid: event.uid,
        recurrence_id: event.recurrence_id ?? null,
        partstat,
      }),
    onSuccess: () => invalidateCalendar(queryClient),
  });
  const invited = event.my_partstat !== null && event.my_partstat !== undefined;
  const answer = respond.variables ?? event.my_partstat ?? null;
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
            <dd className="event-detail__link">
              <button type="button" className="btn btn--small" data-testid="join-meeting" onClick={() => void openLink(event.meeting_url!)}>
                Join
              </button>{" "}
              {event.meeting_url}
            </dd>
          </>
        )}
        {event.has_alarm && (
          <>
            <dt>Reminder</dt>
            <dd data-testid="has-reminder">Set</dd>
          </>
        )}
        {invited && (
          <>
            <dt>Invitation</dt>
            <dd data-testid="my-answer">
              {event.organizer ? `From ${event.organizer}. ` : ""}
              {ANSWER[answer ?? ""] ?? answer}
            </dd>
          </>
        )}
      </dl>
      {invited && (
        <div className="event-detail__rsvp" role="group" aria-label="Your answer" data-testid="detail-rsvp">
          {(["ACCEPTED", "TENTATIVE", "DECLINED"] as const).map((p) => (
            <button
              key={p}
              type="button"
              className={`btn btn--small${answer === p ? " is-active" : ""}`}
              aria-pressed={answer === p}
              disabled={respond.isPending}
              data-testid={`detail-rsvp-${p.toLowerCase()}`}
              onClick={() => respond.mutate(p)}
            >
              {p === "ACCEPTED" ? "Accept" : p === "TENTATIVE" ? "Tentative" : "Decline"}
            </button>
          ))}
        </div>
      )}
      {respond.isError && <ErrorNote error={respond.error} />}
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
