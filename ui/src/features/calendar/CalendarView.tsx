// The calendar: toolbar (Today, prev/next, date label, day/week/month, time zones),
// the sidebar of calendars, the view itself, and the event detail/editor.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useNavigation } from "../../app/navigation";
import { useActionKey, useListKeys } from "../../app/keyboard";
import { ErrorNote } from "../../components/ErrorNote";
import { Icon } from "../../components/Icon";
import { buildAxis } from "./axis";
import { calendarMap, instanceKey, moveEvent, sameInstance, useCalendarChanged, useCalendars, useEvents } from "./data";
import type { TimeRange } from "./drag";
import { EventDetailPane } from "./EventDetailPane";
import { EventEditor, type EditorTarget } from "./EventEditor";
import { MonthView } from "./MonthView";
import { useSecondZonePref, useViewPref, useZonePref, type ViewMode } from "./prefs";
import { ScopePrompt } from "./ScopePrompt";
import { CalendarSidebar } from "./Sidebar";
import { TimeGrid } from "./TimeGrid";
import {
  addDays,
  addMonths,
  civil,
  dateIn,
  formatDate,
  isoDate,
  parseIsoDate,
  startOfDay,
  startOfWeek,
  type CivilDate,
} from "./tz";
import type { EventInstance, EditScope } from "../../ipc/bindings";
import { ZonePicker } from "./ZonePicker";
import { usePendingOpenEvent, type OpenEventRequest } from "./openEvent";
import { parseInstant } from "./editorForm";
import { getEvent } from "../../ipc/bindings";
import "./calendar.css";

/** The dates a view shows around `anchor`. */
export function viewDates(mode: ViewMode, anchor: CivilDate): CivilDate[] {
  if (mode === "day") return [anchor];
  if (mode === "week") {
    const monday = startOfWeek(anchor);
    return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  }
  const first = civil(anchor.y, anchor.m, 1);
  const gridStart = startOfWeek(first);
  const last = civil(anchor.y, anchor.m + 1, 0);
  const gridEnd = addDays(startOfWeek(last), 7);
  const out: CivilDate[] = [];
  for (let d = gridStart; out.length < 42; d = addDays(d, 1)) {
    if (d.y === gridEnd.y && d.m === gridEnd.m && d.d === gridEnd.d) break;
    out.push(d);
  }
  return out;
}

function step(mode: ViewMode, anchor: CivilDate, delta: number): CivilDate {
  if (mode === "day") return addDays(anchor, delta);
  if (mode === "week") return addDays(anchor, 7 * delta);
  return addMonths(anchor, delta);
}

function rangeLabel(mode: ViewMode, dates: CivilDate[], anchor: CivilDate): string {
  const first = dates[0] ?? anchor;
  const last = dates[dates.length - 1] ?? anchor;
  if (mode === "day") return formatDate(anchor, { weekday: "long", month: "long", day: "numeric", year: "numeric" });
  if (mode === "month") return formatDate(anchor, { month: "long", year: "numeric" });
  if (last.m === first.m) return `${formatDate(first, { month: "long", year: "numeric" })} · ${first.d}–${last.d}`;
  const short: Intl.DateTimeFormatOptions = { month: "short", day: "numeric" };
  const withYear: Intl.DateTimeFormatOptions = { ...short, year: "numeric" };
  return `${formatDate(first, last.y === first.y ? short : withYear)} – ${formatDate(last, withYear)}`;
}

interface PendingMove {
  event: EventInstance;
  range: TimeRange;
}

export function CalendarView() {
  const nav = useNavigation();
  const queryClient = useQueryClient();
  const now = useNow();
  const [zone, setZone] = useZonePref();
  const [secondZone, setSecondZone] = useSecondZonePref();
  const [mode, setMode] = useViewPref();
  const today = dateIn(now, zone);
  const anchor = nav.state.calendarWeek !== null ? dateIn(nav.state.calendarWeek, zone) : today;
  const setAnchor = (date: CivilDate | null) => nav.setWeek(date === null ? null : startOfDay(date, zone));

  const anchorKey = isoDate(anchor);
  // Day rows come from Intl for every hour shown: computed once per range and zone.
  const dates = useMemo(() => viewDates(mode, parseIsoDate(anchorKey) ?? civil(1970, 1, 1)), [mode, anchorKey]);
  const axis = useMemo(() => buildAxis(mode === "month" ? [] : dates, zone), [dates, zone, mode]);
  const dayStarts = [...dates, addDays(dates[dates.length - 1] ?? anchor, 1)].map((d) => startOfDay(d, zone));
  const from = dayStarts[0] ?? 0;
  const to = dayStarts[dayStarts.length - 1] ?? 0;
  const events = useEvents(from, to, zone);
  const calendars = useCalendars();
  useCalendarChanged();
  const byId = calendarMap(calendars.data);
  // Hidden calendars' events are not shown; a calendar's colour is its current one.
  const visible = (events.data ?? [])
    .filter((e) => byId.get(e.calendar_id)?.visible !== false)
    .map((e) => {
      const color = byId.get(e.calendar_id)?.color;
      return color && color !== e.color ? { ...e, color } : e;
    });
  // The instance clicked (a repeating event's instances share an id); from elsewhere
  // (a notification) only the id is known, and its first instance on screen is taken.
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  // An event a reminder notification asked for: shown once its day is on screen.
  const [wanted, setWanted] = useState<OpenEventRequest | null>(null);
  const wantedInstance = wanted
    ? (visible.find(
        (e) =>
          e.calendar_id === wanted.calendar_id &&
          e.uid === wanted.uid &&
          (wanted.recurrence_id === null || e.recurrence_id === wanted.recurrence_id),
      ) ?? null)
    : null;
  const selected =
    wantedInstance ??
    (nav.state.eventId === null
      ? null
      : (visible.find((e) => e.event_id === nav.state.eventId && instanceKey(e) === selectedKey) ??
        visible.find((e) => e.event_id === nav.state.eventId) ??
        null));

  const [pendingMove, setPendingMove] = useState<PendingMove | null>(null);
  const [editor, setEditor] = useState<EditorTarget | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: unknown } | null>(null);
  const [openRequest, takeOpenRequest] = usePendingOpenEvent();
  useEffect(() => {
    if (!openRequest) return;
    takeOpenRequest();
    getEvent(openRequest).then(
      (detail) => {
        nav.setWeek(startOfDay(dateIn(parseInstant(detail.start), zone), zone));
        setWanted(openRequest);
      },
      (error: unknown) => setActionError({ title: "Could not open the event", error }),
    );
  }, [openRequest, takeOpenRequest, nav, zone]);

  const canEdit = (event: EventInstance) => {
    const cal = byId.get(event.calendar_id);
    return event.broken === null && cal !== undefined && !cal.read_only;
  };

  const save = (event: EventInstance, range: TimeRange, scope: EditScope) => {
    setActionError(null);
    moveEvent(queryClient, { event, start: range.start, end: range.end, scope, viewZone: zone }).then(
      // The server had changed it too (412): show what changed and let me choose.
      (result) => {
        if (result.conflict) setEditor({ kind: "edit", event, conflict: result.conflict });
      },
      (error: unknown) => setActionError({ title: `Could not move “${event.summary || "(untitled)"}”`, error }),
    );
  };

  const onChange = (event: EventInstance, range: TimeRange) => {
    if (event.recurring) setPendingMove({ event, range });
    else save(event, range, "all");
  };

  function select(event: EventInstance) {
    setWanted(null);
    setSelectedKey(instanceKey(event));
    nav.showEvent(event.event_id);
  }

  const ordered = [...visible].sort((a, b) => a.start - b.start || a.event_id - b.event_id);
  const selectedIndex = selected ? ordered.findIndex((e) => sameInstance(e, selected)) : -1;
  const stepEvent = (delta: number) => {
    if (ordered.length === 0) return;
    const next = ordered[Math.max(0, Math.min(ordered.length - 1, selectedIndex === -1 ? 0 : selectedIndex + delta))];
    if (next) select(next);
  };
  useListKeys({
    next: () => stepEvent(1),
    prev: () => stepEvent(-1),
    open: () => {
      if (selected) setEditor({ kind: "edit", event: selected });
    },
    close: () => {
      if (nav.state.eventId === null && wanted === null) return false;
      setWanted(null);
      nav.closeEvent();
      return true;
    },
  });
  useActionKey("t", () => setAnchor(null));
  useActionKey("n", () => setAnchor(step(mode, anchor, 1)));
  useActionKey("p", () => setAnchor(step(mode, anchor, -1)));
  useActionKey("d", () => setMode("day"));
  useActionKey("w", () => setMode("week"));
  useActionKey("m", () => setMode("month"));

  const pickDay = (date: CivilDate) => {
    setAnchor(date);
    setMode("day");
  };
  const open = (event: EventInstance) => {
    select(event);
    setEditor({ kind: "edit", event });
  };
  const create = (range: TimeRange, allDay = false) =>
    setEditor({ kind: "new", start: range.start, end: allDay ? range.start : range.end, allDay });
  const createNow = () => {
    const start = Math.ceil(now / 3_600_000) * 3_600_000;
    create({ start, end: start + 3_600_000 });
  };

  const modeButton = (m: ViewMode, label: string, key: string) => (
    <button
      type="button"
      className={`btn btn--small${mode === m ? " is-active" : ""}`}
      aria-pressed={mode === m}
      data-testid={`view-${m}`}
      title={`${label} (${key})`}
      onClick={() => setMode(m)}
    >
      {label}
    </button>
  );

  return (
    <div
      className="calendar"
      data-zone={zone}
      data-testid="calendar-root"
      data-calendars={calendars.data ? calendars.data.length : undefined}
    >
      <div className="list-toolbar calendar__toolbar">
        <button type="button" className="btn btn--small" data-testid="week-today" title="Today (t)" onClick={() => setAnchor(null)}>
          Today
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label={`Previous ${mode}`}
          title="Previous (p)"
          data-testid="week-prev"
          onClick={() => setAnchor(step(mode, anchor, -1))}
        >
          <Icon name="chevronLeft" />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label={`Next ${mode}`}
          title="Next (n)"
          data-testid="week-next"
          onClick={() => setAnchor(step(mode, anchor, 1))}
        >
          <Icon name="chevronRight" />
        </button>
        <span className="list-toolbar__title" data-testid="week-label">
          {rangeLabel(mode, dates, anchor)}
        </span>
        {events.isFetching && <span className="muted">Loading…</span>}
        <span className="calendar__spacer" />
        <button type="button" className="btn btn--small btn--primary" data-testid="new-event" onClick={createNow}>
          New event
        </button>
        <div className="calendar__modes" role="group" aria-label="View">
          {modeButton("day", "Day", "d")}
          {modeButton("week", "Week", "w")}
          {modeButton("month", "Month", "m")}
        </div>
        <ZonePicker label="Time zone" value={zone} now={now} testId="zone" onChange={(z) => z && setZone(z)} />
        <ZonePicker
          label="Second time zone"
          value={secondZone}
          now={now}
          testId="second-zone"
          allowNone
          onChange={setSecondZone}
        />
      </div>
      {events.isError && <ErrorNote error={events.error} onRetry={() => void events.refetch()} />}
      {actionError && (
        <div className="calendar__error" data-testid="action-error">
          <strong>{actionError.title}</strong>
          <ErrorNote error={actionError.error} />
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setActionError(null)}>
            <Icon name="close" />
          </button>
        </div>
      )}
      <div className="calendar__main">
        <CalendarSidebar
          calendars={calendars.data}
          error={calendars.isError ? calendars.error : null}
          onRetry={() => void calendars.refetch()}
        />
        <div className="calendar__body">
          {mode === "month" ? (
            <MonthView
              dates={dates}
              dayStarts={dayStarts}
              month={anchor.m}
              events={visible}
              zone={zone}
              today={today}
              selected={selected}
              onSelect={select}
              onOpen={open}
              onPickDay={pickDay}
            />
          ) : (
            <TimeGrid
              key={mode}
              mode={mode}
              axis={axis}
              events={visible}
              zone={zone}
              secondZone={secondZone}
              now={now}
              today={today}
              selected={selected}
              canEdit={canEdit}
              onSelect={select}
              onOpen={open}
              onChange={onChange}
              onCreate={create}
              onPickDay={pickDay}
            />
          )}
        </div>
      </div>
      {selected && !editor && (
        <EventDetailPane
          event={selected}
          zone={zone}
          onClose={() => {
            setWanted(null);
            nav.closeEvent();
          }}
          onEdit={() => setEditor({ kind: "edit", event: selected })}
        />
      )}
      {editor && (
        <EventEditor target={editor} calendars={calendars.data ?? []} zone={zone} now={now} onClose={() => setEditor(null)} />
      )}
      {pendingMove && (
        <ScopePrompt
          title={`Move “${pendingMove.event.summary || "(untitled)"}”`}
          verb="Move"
          onChoose={(scope) => {
            const { event, range } = pendingMove;
            setPendingMove(null);
            save(event, range, scope);
          }}
          onCancel={() => setPendingMove(null)}
        />
      )}
    </div>
  );
}

/** The current time, refreshed every minute (for "today" and the now-line). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(id);
  }, []);
  return now;
}
