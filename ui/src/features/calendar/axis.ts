// The time grid's vertical axis. A day in a zone is cut into hour rows of real elapsed
// time from its midnight, so a spring-forward day has 23 rows (00, 01, 03, …) and a
// fall-back day 25 (…, 02, 02, 03, …). Several days side by side share one axis: the
// longest day's rows; a shorter day leaves the rows it lacks empty (hatched), so 14:00
// sits at the same height in every column of a week.
import { addDays, HOUR, hourMinute, startOfDay, type CivilDate } from "./tz";

export interface DayColumn {
  date: CivilDate;
  /** First and one-past-last instant of the day in the zone. */
  start: number;
  end: number;
  /** Start instant of each hour row of this day. */
  rows: number[];
  /** Wall-clock "HH:mm" of each row. */
  labels: string[];
  /** Axis row each of this day's rows sits on. */
  axisIndex: number[];
  /** Axis rows this day has no hour for (skipped by a DST change). */
  missing: number[];
}

export interface Axis {
  zone: string;
  /** Row labels of the axis (the longest day's wall clock). */
  labels: string[];
  columns: DayColumn[];
}

function dayRows(date: CivilDate, zone: string) {
  const start = startOfDay(date, zone);
  const end = startOfDay(addDays(date, 1), zone);
  const rows: number[] = [];
  for (let t = start; t < end; t += HOUR) rows.push(t);
  return { date, start, end, rows, labels: rows.map((t) => hourMinute(t, zone)) };
}

export function buildAxis(dates: CivilDate[], zone: string): Axis {
  const days = dates.map((d) => dayRows(d, zone));
  // The longest day gives the axis; among equals, one with the usual 24 rows.
  let longest = days[0];
  for (const d of days) if (longest && d.rows.length > longest.rows.length) longest = d;
  const labels = longest ? longest.labels : [];
  const columns = days.map((day): DayColumn => {
    const axisIndex: number[] = [];
    let j = 0;
    for (const label of day.labels) {
      while (j < labels.length && labels[j] !== label) j++;
      if (j >= labels.length) break;
      axisIndex.push(j++);
    }
    if (axisIndex.length !== day.labels.length) {
      // Not a subsequence (an exotic transition): row by row.
      axisIndex.length = 0;
      day.labels.forEach((_, i) => axisIndex.push(Math.min(i, labels.length - 1)));
    }
    const used = new Set(axisIndex);
    const missing = labels.map((_, i) => i).filter((i) => !used.has(i));
    return { ...day, axisIndex, missing };
  });
  return { zone, labels, columns };
}

/** Where instant `ms` sits in a column, in axis rows (fractional); clamped to the day. */
export function positionOf(ms: number, col: DayColumn): number {
  if (ms <= col.start) return col.axisIndex[0] ?? 0;
  const last = col.rows.length - 1;
  if (ms >= col.end) return (col.axisIndex[last] ?? 0) + 1;
  const i = Math.min(last, Math.floor((ms - col.start) / HOUR));
  const rowStart = col.rows[i] ?? col.start;
  const rowEnd = col.rows[i + 1] ?? col.end;
  return (col.axisIndex[i] ?? 0) + (ms - rowStart) / (rowEnd - rowStart);
}

/** The instant at axis position `pos` in a column; a missing row maps to the next hour there is. */
export function instantAt(pos: number, col: DayColumn): number {
  if (pos <= 0) return col.start;
  const axisRow = Math.floor(pos);
  const frac = pos - axisRow;
  const i = col.axisIndex.indexOf(axisRow);
  if (i === -1) {
    const next = col.axisIndex.findIndex((a) => a > axisRow);
    return next === -1 ? col.end : (col.rows[next] ?? col.end);
  }
  const rowStart = col.rows[i] ?? col.start;
  const rowEnd = col.rows[i + 1] ?? col.end;
  return rowStart + frac * (rowEnd - rowStart);
}

/** The column holding instant `ms`, or -1. */
export function columnOf(ms: number, axis: Axis): number {
  return axis.columns.findIndex((c) => ms >= c.start && ms < c.end);
}
