// How one event looks wherever it is drawn: colour, time, title and its markers
// (broken, not yet synced, in conflict, recurring).
import type { ReactNode } from "react";
import { Icon } from "../../components/Icon";
import { hourMinute } from "./tz";
import type { EventInstance } from "../../ipc/bindings";

export function timeRangeText(event: EventInstance, zone: string): string {
  return `${hourMinute(event.start, zone)}–${hourMinute(event.end, zone)}`;
}

export function eventAttributes(event: EventInstance, zone: string) {
  return {
    "data-testid": "event",
    "data-event-id": event.event_id,
    "data-start": new Date(event.start).toISOString(),
    "data-local-start": localIso(event.start, zone),
    "data-summary": event.summary,
    "data-all-day": event.all_day ? "true" : undefined,
    "data-broken": event.broken !== null ? "true" : undefined,
    "data-pending": event.pending ? "true" : undefined,
    "data-conflict": event.conflict ? "true" : undefined,
  };
}

function localIso(ms: number, zone: string): string {
  const f = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return f.format(new Date(ms)).replace(" ", "T");
}

export function eventClass(base: string, event: EventInstance, selected: boolean): string {
  return [
    base,
    event.broken !== null && "is-broken",
    event.pending && "is-pending",
    event.conflict && "is-conflict",
    event.status === "CANCELLED" && "is-cancelled",
    event.my_partstat === "DECLINED" && "is-declined",
    event.my_partstat === "NEEDS-ACTION" && "is-invite",
    selected && "is-selected",
  ]
    .filter(Boolean)
    .join(" ");
}

export function eventTitle(event: EventInstance, when: string): string {
  return [
    `${when} ${event.summary || "(untitled)"}`,
    event.broken ? `⚠ ${event.broken}` : null,
    event.pending ? "Not yet synced" : null,
    event.conflict ? `Conflict: ${event.conflict}` : null,
    event.my_partstat === "NEEDS-ACTION" ? "Invitation: not answered yet" : null,
  ]
    .filter(Boolean)
    .join("\n");
}

/** The small icons in front of an event's text. */
export function EventMarkers({ event }: { event: EventInstance }): ReactNode {
  return (
    <>
      {event.broken !== null && (
        <span className="event__marker event__marker--broken" data-testid="broken-marker">
          <Icon name="warning" title={event.broken} />
        </span>
      )}
      {event.conflict && (
        <span className="event__marker event__marker--conflict" data-testid="conflict-marker">
          <Icon name="warning" title={`Changed on the server too: ${event.conflict}`} />
        </span>
      )}
      {event.pending && (
        <span className="event__marker event__marker--pending" data-testid="pending-marker">
          <Icon name="sync" title="Not yet synced" />
        </span>
      )}
    </>
  );
}
