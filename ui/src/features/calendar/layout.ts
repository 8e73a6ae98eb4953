// Pure week-view geometry: which local day and minutes each event covers, and how
// overlapping events share a day column. Positions come from the viewer's local wall
// clock (Date's local getters), so DST days and events written in other zones land where
// the viewer's own clock says.
import type { EventInstance } from "../../ipc/bindings";
import { addLocalDays } from "../../lib/time";

const DAY_MS = 86_400_000;
export const MINUTES_PER_DAY = 24 * 60;
/** Shorter events are drawn this tall so they stay readable and clickable. */
export const MIN_VISUAL_MINUTES = 20;

export interface TimedSegment {
  event: EventInstance;
  /** 0 = Monday. */
  day: number;
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
  /** First and one-past-last day column (0 = Monday), clipped to the week. */
  startCol: number;
  endCol: number;
  lane: number;
}

export function weekDays(weekStart: Date): Date[] {
  return Array.from({ length: 7 }, (_, i) => addLocalDays(weekStart, i));
}

function localMinutes(ms: number): number {
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes();
}

/** Split timed events into per-day pieces and lay out overlaps side by side. */
export function timedSegments(events: EventInstance[], weekStart: Date): TimedSegment[] {
  const days = weekDays(weekStart);
  const out: TimedSegment[] = [];
  days.forEach((day, index) => {
    const dayStart = day.getTime();
    const dayEnd = addLocalDays(day, 1).getTime();
    const pieces: Omit<TimedSegment, "col" | "cols">[] = [];
    for (const event of events) {
      if (event.all_day) continue;
      const end = Math.max(event.end, event.start);
      const overlaps = event.start < dayEnd && (end > dayStart || (end === event.start && event.start >= dayStart));
      if (!overlaps) continue;
      const continued = event.start < dayStart;
      const continues = end > dayEnd;
      const startMin = continued ? 0 : localMinutes(event.start);
      const endMin = continues || end === dayEnd ? MINUTES_PER_DAY : Math.max(startMin, localMinutes(end));
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
 * The local dates an all-day event covers, end exclusive. All-day events are dates,
 * not instants: a start at exactly UTC midnight is read as that UTC date (a floating
 * DATE stored as UTC), anything else as the viewer's local date of the instant.
 */
export function allDayDates(event: EventInstance): { first: Date; endExclusive: Date } {
  const toDate = (ms: number) => {
    if (ms % DAY_MS === 0) {
      const d = new Date(ms);
      return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    }
    const d = new Date(ms);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  };
  const first = toDate(event.start);
  let endExclusive = toDate(event.end);
  if (endExclusive.getTime() <= first.getTime()) endExclusive = addLocalDays(first, 1);
  return { first, endExclusive };
}

/** All-day events as bars across day columns, stacked into lanes so none overlap. */
export function allDayBars(events: EventInstance[], weekStart: Date): AllDayBar[] {
  const weekEnd = addLocalDays(weekStart, 7);
  const columnOf = (d: Date) => Math.round((d.getTime() - weekStart.getTime()) / DAY_MS);
  const bars: Omit<AllDayBar, "lane">[] = [];
  for (const event of events) {
    if (!event.all_day) continue;
    const { first, endExclusive } = allDayDates(event);
    if (endExclusive <= weekStart || first >= weekEnd) continue;
    // Rounding absorbs the hour a DST change adds to or takes from a local "day".
    const startCol = Math.max(0, columnOf(first));
    const endCol = Math.min(7, columnOf(endExclusive));
    bars.push({ event, startCol, endCol: Math.max(endCol, startCol + 1) });
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
