// Month view: weeks of day cells, each listing its first events and "+N more" (which
// opens that day).
import type { CSSProperties } from "react";
import { eventAttributes, eventClass, EventMarkers, eventTitle } from "./EventChip";
import { eventsByDate } from "./layout";
import { formatDate, hourMinute, isoDate, sameDate, type CivilDate } from "./tz";
import type { EventInstance } from "../../ipc/bindings";
import { sameInstance } from "./data";

export const MONTH_CELL_EVENTS = 3;

export function MonthView({
  dates,
  dayStarts,
  month,
  events,
  zone,
  today,
  selected,
  onSelect,
  onOpen,
  onPickDay,
}: {
  dates: CivilDate[];
  /** Start instant of each date, plus the end of the last. */
  dayStarts: number[];
  /** The month shown (1–12); other days are dimmed. */
  month: number;
  events: EventInstance[];
  zone: string;
  today: CivilDate;
  selected: EventInstance | null;
  onSelect(event: EventInstance): void;
  onOpen(event: EventInstance): void;
  onPickDay(date: CivilDate): void;
}) {
  const cells = eventsByDate(events, dates, zone, dayStarts);
  const weeks = Math.ceil(dates.length / 7);
  return (
    <div className="month" data-testid="month-view" data-week-start={isoDate(dates[0] ?? today)}>
      <div className="month__head">
        {dates.slice(0, 7).map((d, i) => (
          <div key={i} className="month__weekday">
            {formatDate(d, { weekday: "short" })}
          </div>
        ))}
      </div>
      <div className="month__grid" style={{ gridTemplateRows: `repeat(${weeks}, minmax(0, 1fr))` }}>
        {dates.map((date, i) => {
          const list = cells[i] ?? [];
          const shown = list.slice(0, list.length > MONTH_CELL_EVENTS ? MONTH_CELL_EVENTS - 1 : MONTH_CELL_EVENTS);
          const more = list.length - shown.length;
          return (
            <div
              key={i}
              className={[
                "month__cell",
                date.m !== month && "is-other-month",
                sameDate(date, today) && "is-today",
              ]
                .filter(Boolean)
                .join(" ")}
              data-testid="month-cell"
              data-date={isoDate(date)}
            >
              <button type="button" className="month__date" onClick={() => onPickDay(date)}>
                {date.d === 1 ? formatDate(date, { month: "short", day: "numeric" }) : date.d}
              </button>
              {shown.map((event) => (
                <div
                  key={`${event.event_id}:${event.recurrence_id ?? event.start}`}
                  {...eventAttributes(event, zone)}
                  className={eventClass("event event--month", event, selected !== null && sameInstance(event, selected))}
                  style={{ "--event-color": event.color || "var(--accent)" } as CSSProperties}
                  role="button"
                  tabIndex={0}
                  title={eventTitle(event, event.all_day ? "All day" : hourMinute(event.start, zone))}
                  onClick={() => onSelect(event)}
                  onDoubleClick={() => onOpen(event)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") onSelect(event);
                  }}
                >
                  <EventMarkers event={event} />
                  {!event.all_day && <span className="event__time">{hourMinute(event.start, zone)}</span>}
                  <span className="event__summary">{event.summary || "(untitled)"}</span>
                </div>
              ))}
              {more > 0 && (
                <button
                  type="button"
                  className="month__more btn--link"
                  data-testid="month-more"
                  onClick={() => onPickDay(date)}
                >
                  +{more} more
                </button>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
