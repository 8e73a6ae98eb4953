// Pure calendar geometry: where each event sits in the time grid of a zone (rows of the
// shared axis, see axis.ts), how overlapping events share a day column, the all-day row's
// bars, and month cells. DST days and events written in other zones land where the
// chosen zone's clock says.
import { positionOf, type Axis } from "./axis";
import { addDays, civil, dateIn, daysBetween, DAY_MS, zonedToUtc, type CivilDate } from "./tz";
import type { EventInstance } from "../../ipc/bindings";

/** Shorter events are drawn this tall so they stay readable and clickable. */
export const MIN_VISUAL_MINUTES = 20;

export interface TimedSegment {
  event: EventInstance;
  /** Column index in the axis (0 = first day shown). */
  day: number;
  /** Axis position in minutes (axis row × 60). */
  startMin: number;
  endMin: number;
  /** Started on an earlier day / runs on past this day. */
  continued: boolean;
  continues: boolean;
  col: number;
  cols: number;
}

export interface AllDayBar {
  event: EventInstance;
  /** First and one-past-last day column, clipped to the days shown. */
  startCol: number;
  endCol: number;
  lane: number;
}

/** Split timed events into per-day pieces and lay out overlaps side by side. */
export function timedSegments(events: EventInstance[], axis: Axis): TimedSegment[] {
  const out: TimedSegment[] = [];
  axis.columns.forEach((column, index) => {
    const pieces: Omit<TimedSegment, "col" | "cols">[] = [];
    for (const event of events) {
      if (event.all_day) continue;
      const end = Math.max(event.end, event.start);
      const overlaps =
        event.start < column.end && (end > column.start || (end === event.start && event.start >= column.start));
      if (!overlaps) continue;
      const continued = event.start < column.start;
      const continues = end > column.end;
      const startMin = positionOf(event.start, column) * 60;
      const endMin = Math.max(startMin, positionOf(end, column) * 60);
      pieces.push({ event, day: index, startMin, endMin, continued, continues });
    }
    out.push(...layoutColumns(pieces));
  });
  return out;
}

/**
 * Classic calendar packing: events that overlap (directly or through a chain) form a
 * cluster; each takes the first column free at its start; all share the cluster's width.
 */
export function layoutColumns<T extends { startMin: number; endMin: number; event: EventInstance }>(
  items: T[],
): (T & { col: number; cols: number })[] {
  const sorted = [...items].sort(
    (a, b) => a.startMin - b.startMin || b.endMin - a.endMin || a.event.event_id - b.event.event_id,
  );
  const placed: (T & { col: number; cols: number })[] = [];
  let cluster: (T & { col: number; cols: number })[] = [];
  let columnEnds: number[] = [];
  let clusterEnd = -1;
  const flush = () => {
    for (const item of cluster) item.cols = columnEnds.length;
    placed.push(...cluster);
    cluster = [];
    columnEnds = [];
  };
  for (const item of sorted) {
    const visualEnd = Math.max(item.endMin, item.startMin + MIN_VISUAL_MINUTES);
    if (item.startMin >= clusterEnd) flush();
    let col = columnEnds.findIndex((end) => end <= item.startMin);
    if (col === -1) {
      col = columnEnds.length;
      columnEnds.push(visualEnd);
    } else {
      columnEnds[col] = visualEnd;
    }
    cluster.push({ ...item, col, cols: 1 });
    clusterEnd = Math.max(clusterEnd, visualEnd);
  }
  flush();
  return placed;
}

/**
 * The dates an all-day event covers, end exclusive. All-day events are dates, not
 * instants: a start at exactly UTC midnight is read as that UTC date (a DATE stored as
 * UTC midnight), anything else as the date of the instant in `zone`.
 */
export function allDayDates(event: EventInstance, zone: string): { first: CivilDate; endExclusive: CivilDate } {
  const toDate = (ms: number): CivilDate => {
    if (ms % DAY_MS === 0) {
      const d = new Date(ms);
      return civil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    }
    return dateIn(ms, zone);
  };
  const first = toDate(event.start);
  let endExclusive = toDate(event.end);
  if (daysBetween(first, endExclusive) <= 0) endExclusive = addDays(first, 1);
  return { first, endExclusive };
}

/** An all-day boundary moved by whole days, kept in the form it came in (UTC or zone midnight). */
export function shiftAllDay(ms: number, days: number, zone: string): number {
  if (ms % DAY_MS === 0) return ms + days * DAY_MS;
  return zonedToUtc(addDays(dateIn(ms, zone), days), 0, zone);
}

/** All-day events as bars across day columns, stacked into lanes so none overlap. */
export function allDayBars(events: EventInstance[], dates: CivilDate[], zone: string): AllDayBar[] {
  const first = dates[0];
  if (!first) return [];
  const n = dates.length;
  const bars: Omit<AllDayBar, "lane">[] = [];
  for (const event of events) {
    if (!event.all_day) continue;
    const span = allDayDates(event, zone);
    const startCol = daysBetween(first, span.first);
    const endCol = daysBetween(first, span.endExclusive);
    if (endCol <= 0 || startCol >= n) continue;
    const s = Math.max(0, startCol);
    bars.push({ event, startCol: s, endCol: Math.max(Math.min(n, endCol), s + 1) });
  }
  bars.sort((a, b) => a.startCol - b.startCol || b.endCol - a.endCol || a.event.event_id - b.event.event_id);
  const laneEnds: number[] = [];
  return bars.map((bar) => {
    let lane = laneEnds.findIndex((end) => end <= bar.startCol);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = bar.endCol;
    return { ...bar, lane };
  });
}

/** The events of each date (all-day ones first, then by start), for the month view. */
export function eventsByDate(events: EventInstance[], dates: CivilDate[], zone: string, dayStarts: number[]): EventInstance[][] {
  const cells: EventInstance[][] = dates.map(() => []);
  const first = dates[0];
  if (!first) return cells;
  for (const event of events) {
    if (event.all_day) {
      const span = allDayDates(event, zone);
      const from = Math.max(0, daysBetween(first, span.first));
      const to = Math.min(dates.length, daysBetween(first, span.endExclusive));
      for (let i = from; i < to; i++) cells[i]?.push(event);
      continue;
    }
    dates.forEach((_, i) => {
      const start = dayStarts[i] ?? 0;
      const end = dayStarts[i + 1] ?? Infinity;
      const hit = event.start < end && (event.end > start || (event.end <= event.start && event.start >= start));
      if (hit) cells[i]?.push(event);
    });
  }
  for (const cell of cells) {
    cell.sort((a, b) => Number(b.all_day) - Number(a.all_day) || a.start - b.start || a.event_id - b.event_id);
  }
  return cells;
}
