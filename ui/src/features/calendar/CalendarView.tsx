import { useQuery } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from "react";
import { listEvents, type EventInstance } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { useNavigation } from "../../app/navigation";
import { useListKeys } from "../../app/keyboard";
import {
  addLocalDays,
  formatDayLong,
  formatMonthYear,
  formatWeekday,
  localHourMinute,
  localIsoMinute,
  sameLocalDay,
  startOfLocalWeek,
} from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { Icon } from "../../components/Icon";
import { allDayBars, MIN_VISUAL_MINUTES, timedSegments, weekDays, type AllDayBar, type TimedSegment } from "./layout";

const HOUR_HEIGHT = 44;
const FIRST_VISIBLE_HOUR = 7;

export function CalendarView() {
  const nav = useNavigation();
  const now = useNow();
  const weekStart = nav.state.calendarWeek !== null ? new Date(nav.state.calendarWeek) : startOfLocalWeek(now);
  const from = weekStart.getTime();
  const to = addLocalDays(weekStart, 7).getTime();
  const events = useQuery({ queryKey: queryKeys.events(from, to), queryFn: () => listEvents({ from, to }) });
  const days = weekDays(weekStart);
  const segments = events.data ? timedSegments(events.data, weekStart) : [];
  const bars = events.data ? allDayBars(events.data, weekStart) : [];
  const selected = events.data?.find((e) => e.event_id === nav.state.eventId) ?? null;

  const scrollRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = FIRST_VISIBLE_HOUR * HOUR_HEIGHT - 8;
  }, []);

  const ordered = [...(events.data ?? [])].sort((a, b) => a.start - b.start || a.event_id - b.event_id);
  const selectedIndex = ordered.findIndex((e) => e.event_id === nav.state.eventId);
  const step = (delta: number) => {
    if (ordered.length === 0) return;
    const next = ordered[Math.max(0, Math.min(ordered.length - 1, selectedIndex === -1 ? 0 : selectedIndex + delta))];
    if (next) nav.showEvent(next.event_id);
  };
  useListKeys({
    next: () => step(1),
    prev: () => step(-1),
    open: () => {},
    close: () => {
      if (nav.state.eventId === null) return false;
      nav.closeEvent();
      return true;
    },
  });

  const lastDay = days[6] ?? weekStart;
  const todayIndex = days.findIndex((d) => sameLocalDay(d, now));
  const lanes = bars.reduce((max, b) => Math.max(max, b.lane + 1), 0);

  return (
    <div className="calendar">
      <div className="list-toolbar calendar__toolbar">
        <button type="button" className="btn btn--small" data-testid="week-today" onClick={() => nav.setWeek(null)}>
          Today
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Previous week"
          data-testid="week-prev"
          onClick={() => nav.setWeek(addLocalDays(weekStart, -7).getTime())}
        >
          <Icon name="chevronLeft" />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Next week"
          data-testid="week-next"
          onClick={() => nav.setWeek(addLocalDays(weekStart, 7).getTime())}
        >
          <Icon name="chevronRight" />
        </button>
        <span className="list-toolbar__title" data-testid="week-label">
          {formatMonthYear(weekStart)}
          <span className="muted">
            {" "}
            · {weekStart.getDate()}–{lastDay.getDate()}
            {lastDay.getMonth() !== weekStart.getMonth() ? ` ${formatMonthYear(lastDay)}` : ""}
          </span>
        </span>
        {events.isFetching && <span className="muted">Loading…</span>}
      </div>
      {events.isError && <ErrorNote error={events.error} onRetry={() => void events.refetch()} />}
      <div className="week" data-testid="week-view" data-week-start={localIsoMinute(from).slice(0, 10)}>
        {/* Day headers and the all-day row sit inside the scroller (sticky), so their
            columns share the grid's width whatever the scrollbar takes. */}
        <div className="week__scroll" ref={scrollRef}>
          <div className="week__sticky">
            <div className="week__head">
              <div className="week__gutter" />
              {days.map((d, i) => (
                <div key={i} className={`week__day-head${i === todayIndex ? " is-today" : ""}`}>
                  <span className="week__weekday">{formatWeekday(d)}</span>
                  <span className="week__date">{d.getDate()}</span>
                </div>
              ))}
            </div>
            <div className="week__allday" style={{ gridTemplateRows: `repeat(${Math.max(1, lanes)}, 22px)` }}>
              <div className="week__gutter week__allday-label" style={{ gridRow: `1 / span ${Math.max(1, lanes)}` }}>
                all-day
              </div>
              {bars.map((bar) => (
                <AllDayEvent
                  key={bar.event.event_id + ":" + bar.event.start}
                  bar={bar}
                  selected={bar.event.event_id === nav.state.eventId}
                  onSelect={() => nav.showEvent(bar.event.event_id)}
                />
              ))}
            </div>
          </div>
          <div className="week__grid" style={{ height: 24 * HOUR_HEIGHT }}>
            <div className="week__gutter week__hours">
              {Array.from({ length: 24 }, (_, h) => (
                <div key={h} className="week__hour-label" style={{ top: h * HOUR_HEIGHT }}>
                  {h === 0 ? "" : `${String(h).padStart(2, "0")}:00`}
                </div>
              ))}
            </div>
            {days.map((d, day) => (
              <div key={day} className={`week__column${day === todayIndex ? " is-today" : ""}`} data-date={localIsoMinute(d.getTime()).slice(0, 10)}>
                {segments
                  .filter((s) => s.day === day)
                  .map((s) => (
                    <TimedEvent
                      key={`${s.event.event_id}:${s.event.start}`}
                      segment={s}
                      selected={s.event.event_id === nav.state.eventId}
                      onSelect={() => nav.showEvent(s.event.event_id)}
                    />
                  ))}
                {day === todayIndex && (
                  <div
                    className="week__now"
                    style={{ top: ((now.getHours() * 60 + now.getMinutes()) / 60) * HOUR_HEIGHT }}
                    aria-hidden="true"
                  />
                )}
              </div>
            ))}
          </div>
        </div>
      </div>
      {selected && <EventDetail event={selected} onClose={() => nav.closeEvent()} />}
    </div>
  );
}

function timeRange(event: EventInstance): string {
  return `${localHourMinute(event.start)}–${localHourMinute(event.end)}`;
}

function eventAttributes(event: EventInstance) {
  return {
    "data-testid": "event",
    "data-event-id": event.event_id,
    "data-start": new Date(event.start).toISOString(),
    "data-local-start": localIsoMinute(event.start),
    "data-summary": event.summary,
    "data-all-day": event.all_day ? "true" : undefined,
    "data-broken": event.broken !== null ? "true" : undefined,
  };
}

function eventClass(base: string, event: EventInstance, selected: boolean): string {
  return [base, event.broken !== null && "is-broken", selected && "is-selected"].filter(Boolean).join(" ");
}

function TimedEvent({ segment, selected, onSelect }: { segment: TimedSegment; selected: boolean; onSelect: () => void }) {
  const { event, startMin, endMin, col, cols } = segment;
  const duration = Math.max(endMin - startMin, MIN_VISUAL_MINUTES);
  const style = {
    top: (startMin / 60) * HOUR_HEIGHT,
    height: (duration / 60) * HOUR_HEIGHT - 2,
    left: `calc(${(col / cols) * 100}% + 1px)`,
    width: `calc(${100 / cols}% - 3px)`,
    "--event-color": event.color || "var(--accent)",
  } as CSSProperties;
  const label = timeRange(event);
  return (
    <div
      {...eventAttributes(event)}
      data-continued={segment.continued ? "true" : undefined}
      className={eventClass("event", event, selected)}
      style={style}
      role="button"
      tabIndex={0}
      title={`${label} ${event.summary}${event.broken ? `\n⚠ ${event.broken}` : ""}`}
      onClick={onSelect}
      onKeyDown={(e) => {
        if (e.key === "Enter") onSelect();
      }}
    >
      <span className="event__time">
        {event.broken !== null && <Icon name="warning" title={event.broken} />}
        {label}
      </span>
      <span className="event__summary">{event.summary || "(untitled)"}</span>
    </div>
  );
}

function AllDayEvent({ bar, selected, onSelect }: { bar: AllDayBar; selected: boolean; onSelect: () => void }) {
  const { event } = bar;
  const style = {
    gridColumn: `${bar.startCol + 2} / ${bar.endCol + 2}`,
    gridRow: bar.lane + 1,
    "--event-color": event.color || "var(--accent)",
  } as CSSProperties;
  return (
    <div
      {...eventAttributes(event)}
      className={eventClass("event event--all-day", event, selected)}
      style={style}
      role="button"
      tabIndex={0}
      title={event.summary + (event.broken ? `\n⚠ ${event.broken}` : "")}
      onClick={onSelect}
      onKeyDown={(e) => {
        if (e.key === "Enter") onSelect();
      }}
    >
      {event.broken !== null && <Icon name="warning" title={event.broken} />}
      <span className="event__summary">{event.summary || "(untitled)"}</span>
    </div>
  );
}

function EventDetail({ event, onClose }: { event: EventInstance; onClose: () => void }) {
  return (
    <aside className="event-detail" data-testid="event-detail" aria-label="Event">
      <header className="pane-header">
        <h2 className="pane-header__title">{event.summary || "(untitled)"}</h2>
        <button type="button" className="icon-btn" aria-label="Close event" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <dl className="facts">
        <dt>When</dt>
        <dd>
          {formatDayLong(event.start)}
          {event.all_day ? ", all day" : ` · ${timeRange(event)}`}
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
      </dl>
      {event.broken !== null && (
        <div className="badge badge--warning" role="note">
          <Icon name="warning" /> {event.broken}
        </div>
      )}
    </aside>
  );
}

/** The current time, refreshed every minute (for "today" and the now-line). */
function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const id = window.setInterval(() => setNow(new Date()), 60_000);
    return () => window.clearInterval(id);
  }, []);
  return now;
}
