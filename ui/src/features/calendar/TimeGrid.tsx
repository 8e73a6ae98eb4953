// Day and week views: hour gutter(s), an all-day row, and one column per day with the
// timed events laid out side by side, the current-time line, and drag to move, resize
// (bottom edge) or create (on empty grid).
import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type PointerEvent as ReactPointerEvent } from "react";
import { positionOf, type Axis } from "./axis";
import {
  changed,
  createRange,
  DRAG_THRESHOLD_PX,
  moveTo,
  pointToSlot,
  resizeTo,
  type GridGeometry,
  type Slot,
  type TimeRange,
} from "./drag";
import { eventAttributes, eventClass, EventMarkers, eventTitle, timeRangeText } from "./EventChip";
import { allDayBars, MIN_VISUAL_MINUTES, shiftAllDay, timedSegments, type AllDayBar, type TimedSegment } from "./layout";
import { formatDate, hourMinute, isoDate, sameDate, zoneAbbreviation, type CivilDate } from "./tz";
import type { EventInstance } from "../../ipc/bindings";
import { sameInstance } from "./data";

export const HOUR_HEIGHT = 44;
export const GUTTER_PX = 52;
const FIRST_VISIBLE_HOUR = 7;

export interface TimeGridProps {
  mode: "day" | "week";
  axis: Axis;
  events: EventInstance[];
  zone: string;
  secondZone: string | null;
  now: number;
  today: CivilDate;
  selected: EventInstance | null;
  /** Whether this event may be dragged (writable calendar, understood event). */
  canEdit(event: EventInstance): boolean;
  onSelect(event: EventInstance): void;
  onOpen(event: EventInstance): void;
  onChange(event: EventInstance, range: TimeRange): void;
  onCreate(range: TimeRange, allDay?: boolean): void;
  onPickDay(date: CivilDate): void;
}

type Drag =
  | { kind: "move" | "resize" | "days"; event: EventInstance; grab: Slot; x: number; y: number; moved: boolean; range: TimeRange }
  | { kind: "create"; grab: Slot; x: number; y: number; moved: boolean; range: TimeRange };

export function TimeGrid(props: TimeGridProps) {
  const { axis, zone, secondZone, now, today, selected } = props;
  const dates = axis.columns.map((c) => c.date);
  const gutters = secondZone ? 2 : 1;
  const gutterWidth = GUTTER_PX * gutters;
  const columnsTemplate = `repeat(${gutters}, ${GUTTER_PX}px) repeat(${dates.length}, minmax(0, 1fr))`;
  const gridRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const dragRef = useRef<Drag | null>(null);
  const suppressClick = useRef(false);

  useLayoutEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = FIRST_VISIBLE_HOUR * HOUR_HEIGHT - 8;
  }, []);

  // While dragging, the dragged event is drawn at its new times.
  const shown =
    drag && drag.kind !== "create" && drag.moved
      ? props.events.map((e) => (sameInstance(e, drag.event) ? { ...e, start: drag.range.start, end: drag.range.end } : e))
      : props.events;
  const segments = timedSegments(shown, axis);
  const bars = allDayBars(shown, dates, zone);
  const lanes = bars.reduce((max, b) => Math.max(max, b.lane + 1), 0);
  const todayIndex = dates.findIndex((d) => sameDate(d, today));
  const rows = axis.labels.length;
  const refColumn = axis.columns[todayIndex === -1 ? 0 : todayIndex] ?? axis.columns[0];

  const geometry = (): GridGeometry => {
    const rect = gridRef.current?.getBoundingClientRect();
    return {
      left: rect?.left ?? 0,
      top: rect?.top ?? 0,
      width: rect?.width ?? 0,
      gutter: gutterWidth,
      days: dates.length,
      rows,
      hourHeight: HOUR_HEIGHT,
    };
  };

  const update = (next: Drag | null) => {
    dragRef.current = next;
    setDrag(next);
  };

  useEffect(() => {
    if (!drag) return;
    const onMove = (e: PointerEvent) => {
      const d = dragRef.current;
      if (!d) return;
      const moved = d.moved || Math.hypot(e.clientX - d.x, e.clientY - d.y) >= DRAG_THRESHOLD_PX;
      if (!moved) return;
      const slot = pointToSlot(geometry(), e.clientX, e.clientY);
      let range: TimeRange;
      if (d.kind === "move") range = moveTo(axis, d.event, d.grab, slot);
      else if (d.kind === "days") {
        const days = slot.col - d.grab.col;
        range = { start: shiftAllDay(d.event.start, days, zone), end: shiftAllDay(d.event.end, days, zone) };
      }
      else if (d.kind === "resize") range = resizeTo(axis, d.event, slot);
      else range = createRange(axis, d.grab, slot);
      update({ ...d, moved, range });
    };
    const onUp = () => {
      const d = dragRef.current;
      update(null);
      if (!d) return;
      if (d.kind === "create") {
        props.onCreate(d.range);
        return;
      }
      if (!d.moved) return;
      suppressClick.current = true;
      if (changed(d.event, d.range)) props.onChange(d.event, d.range);
    };
    const onCancel = () => update(null);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        update(null);
      }
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onCancel);
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      window.removeEventListener("keydown", onKey, true);
    };
    // The listeners read the latest drag through the ref; re-subscribe only when a drag starts or ends.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [drag === null]);

  const startEventDrag = (e: ReactPointerEvent, event: EventInstance, kind: "move" | "resize" | "days") => {
    // Never a drag-to-create on the grid behind an event.
    e.stopPropagation();
    // A drag's own click may never have come (the event moved away from the pointer).
    suppressClick.current = false;
    if (e.button !== 0 || !props.canEdit(event) || event.all_day !== (kind === "days")) return;
    const grab = pointToSlot(geometry(), e.clientX, e.clientY);
    update({ kind, event, grab, x: e.clientX, y: e.clientY, moved: false, range: { start: event.start, end: event.end } });
  };

  const startCreate = (e: ReactPointerEvent) => {
    if (e.button !== 0) return;
    const grab = pointToSlot(geometry(), e.clientX, e.clientY);
    update({ kind: "create", grab, x: e.clientX, y: e.clientY, moved: false, range: createRange(axis, grab, grab) });
  };

  const onEventClick = (event: EventInstance) => {
    if (suppressClick.current) {
      suppressClick.current = false;
      return;
    }
    props.onSelect(event);
  };

  return (
    <div
      className={`week week--${props.mode}`}
      data-testid={`${props.mode}-view`}
      data-week-start={isoDate(dates[0] ?? today)}
      data-rows={rows}
      data-dragging={drag?.moved ? drag.kind : undefined}
    >
      <div className="week__scroll" ref={scrollRef}>
        <div className="week__sticky">
          <div className="week__head" style={{ gridTemplateColumns: columnsTemplate }}>
            <div className="week__gutter week__zone" data-testid="zone-abbr" title={zone}>
              {zoneAbbreviation(refColumn?.start ?? now, zone)}
            </div>
            {secondZone && (
              <div className="week__gutter week__zone" data-testid="second-zone-abbr" title={secondZone}>
                {zoneAbbreviation(refColumn?.start ?? now, secondZone)}
              </div>
            )}
            {axis.columns.map((c, i) => (
              <button
                type="button"
                key={i}
                className={`week__day-head${i === todayIndex ? " is-today" : ""}`}
                data-testid="day-head"
                data-hours={c.rows.length}
                onClick={() => props.onPickDay(c.date)}
              >
                <span className="week__weekday">{formatDate(c.date, { weekday: "short" })}</span>
                <span className="week__date">{c.date.d}</span>
                {c.rows.length !== 24 && (
                  <span className="week__dst muted" title="Clocks change this day">
                    {c.rows.length}h
                  </span>
                )}
              </button>
            ))}
          </div>
          <div
            className="week__allday"
            data-testid="allday-row"
            style={{ gridTemplateColumns: columnsTemplate, gridTemplateRows: `repeat(${Math.max(1, lanes)}, 22px)` }}
            onClick={(e) => {
              // A click on the row (not on an event) creates an all-day event that day.
              if (e.target !== e.currentTarget) return;
              const slot = pointToSlot(geometry(), e.clientX, 0);
              if (e.clientX - geometry().left < gutterWidth) return;
              const column = axis.columns[slot.col];
              if (column) props.onCreate({ start: column.start, end: column.end }, true);
            }}
          >
            <div
              className="week__gutter week__allday-label"
              style={{ gridRow: `1 / span ${Math.max(1, lanes)}`, gridColumn: `1 / span ${gutters}` }}
            >
              all-day
            </div>
            {bars.map((bar) => (
              <AllDayEvent
                key={bar.event.event_id + ":" + bar.event.start}
                bar={bar}
                gutters={gutters}
                zone={zone}
                selected={selected !== null && sameInstance(bar.event, selected)}
                onSelect={() => onEventClick(bar.event)}
                onOpen={() => props.onOpen(bar.event)}
                onPointerDown={(e) => startEventDrag(e, bar.event, "days")}
              />
            ))}
          </div>
        </div>
        <div
          className="week__grid"
          ref={gridRef}
          data-testid="time-grid"
          style={{ height: rows * HOUR_HEIGHT, gridTemplateColumns: columnsTemplate }}
        >
          <div className="week__gutter week__hours" data-testid="hour-gutter">
            {axis.labels.map((label, h) => (
              <div key={h} className="week__hour-label" data-testid="hour-label" style={{ top: h * HOUR_HEIGHT }}>
                {h === 0 ? "" : label}
              </div>
            ))}
          </div>
          {secondZone && refColumn && (
            <div className="week__gutter week__hours week__hours--second" data-testid="second-gutter">
              {axis.labels.map((_, h) => {
                const j = refColumn.axisIndex.indexOf(h);
                const t = j === -1 ? null : refColumn.rows[j];
                return (
                  <div key={h} className="week__hour-label" data-testid="second-hour-label" style={{ top: h * HOUR_HEIGHT }}>
                    {h === 0 || t === null || t === undefined ? "" : hourMinute(t, secondZone)}
                  </div>
                );
              })}
            </div>
          )}
          {axis.columns.map((column, day) => (
            <div
              key={day}
              className={`week__column${day === todayIndex ? " is-today" : ""}`}
              data-testid="day-column"
              data-date={isoDate(column.date)}
              onPointerDown={startCreate}
            >
              {column.missing.map((row) => (
                <div
                  key={`missing-${row}`}
                  className="week__missing"
                  data-testid="missing-hour"
                  style={{ top: row * HOUR_HEIGHT, height: HOUR_HEIGHT }}
                  title="No such time this day: the clocks changed"
                />
              ))}
              {segments
                .filter((s) => s.day === day)
                .map((s) => (
                  <TimedEvent
                    key={`${s.event.event_id}:${s.event.recurrence_id ?? s.event.start}`}
                    segment={s}
                    zone={zone}
                    editable={props.canEdit(s.event)}
                    dragging={drag !== null && drag.kind !== "create" && drag.moved && sameInstance(drag.event, s.event)}
                    selected={selected !== null && sameInstance(s.event, selected)}
                    onSelect={() => onEventClick(s.event)}
                    onOpen={() => props.onOpen(s.event)}
                    onPointerDown={(e, kind) => startEventDrag(e, s.event, kind)}
                  />
                ))}
              {drag?.kind === "create" && drag.moved && day === axis.columns.findIndex((c) => drag.range.start >= c.start && drag.range.start < c.end) && (
                <div
                  className="week__draft"
                  data-testid="create-preview"
                  style={{
                    top: positionOf(drag.range.start, column) * HOUR_HEIGHT,
                    height: (positionOf(drag.range.end, column) - positionOf(drag.range.start, column)) * HOUR_HEIGHT,
                  }}
                >
                  {hourMinute(drag.range.start, zone)}–{hourMinute(drag.range.end, zone)}
                </div>
              )}
              {day === todayIndex && (
                <div
                  className="week__now"
                  data-testid="now-line"
                  style={{ top: positionOf(now, column) * HOUR_HEIGHT }}
                  aria-hidden="true"
                />
              )}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function TimedEvent({
  segment,
  zone,
  editable,
  dragging,
  selected,
  onSelect,
  onOpen,
  onPointerDown,
}: {
  segment: TimedSegment;
  zone: string;
  editable: boolean;
  dragging: boolean;
  selected: boolean;
  onSelect(): void;
  onOpen(): void;
  onPointerDown(e: ReactPointerEvent, kind: "move" | "resize"): void;
}) {
  const { event, startMin, endMin, col, cols } = segment;
  const duration = Math.max(endMin - startMin, MIN_VISUAL_MINUTES);
  const style = {
    top: (startMin / 60) * HOUR_HEIGHT,
    height: (duration / 60) * HOUR_HEIGHT - 2,
    left: `calc(${(col / cols) * 100}% + 1px)`,
    width: `calc(${100 / cols}% - 3px)`,
    "--event-color": event.color || "var(--accent)",
  } as CSSProperties;
  const label = timeRangeText(event, zone);
  return (
    <div
      {...eventAttributes(event, zone)}
      data-continued={segment.continued ? "true" : undefined}
      className={eventClass("event", event, selected) + (dragging ? " is-dragging" : "") + (editable ? " is-editable" : "")}
      style={style}
      role="button"
      tabIndex={0}
      title={eventTitle(event, label)}
      onClick={(e) => {
        e.stopPropagation();
        onSelect();
      }}
      onDoubleClick={onOpen}
      onPointerDown={(e) => onPointerDown(e, "move")}
      onKeyDown={(e) => {
        if (e.key === "Enter") onSelect();
      }}
    >
      <span className="event__time">
        <EventMarkers event={event} />
        {label}
      </span>
      <span className="event__summary">{event.summary || "(untitled)"}</span>
      {editable && !segment.continues && (
        <div
          className="event__resize"
          data-testid="resize-handle"
          aria-hidden="true"
          onPointerDown={(e) => onPointerDown(e, "resize")}
        />
      )}
    </div>
  );
}

function AllDayEvent({
  bar,
  gutters,
  zone,
  selected,
  onSelect,
  onOpen,
  onPointerDown,
}: {
  bar: AllDayBar;
  gutters: number;
  zone: string;
  selected: boolean;
  onSelect(): void;
  onOpen(): void;
  onPointerDown(e: ReactPointerEvent): void;
}) {
  const { event } = bar;
  const style = {
    gridColumn: `${bar.startCol + gutters + 1} / ${bar.endCol + gutters + 1}`,
    gridRow: bar.lane + 1,
    "--event-color": event.color || "var(--accent)",
  } as CSSProperties;
  return (
    <div
      {...eventAttributes(event, zone)}
      className={eventClass("event event--all-day", event, selected)}
      style={style}
      role="button"
      tabIndex={0}
      title={eventTitle(event, "All day")}
      onClick={onSelect}
      onPointerDown={onPointerDown}
      onDoubleClick={onOpen}
      onKeyDown={(e) => {
        if (e.key === "Enter") onSelect();
      }}
    >
      <EventMarkers event={event} />
      <span className="event__summary">{event.summary || "(untitled)"}</span>
    </div>
  );
}
