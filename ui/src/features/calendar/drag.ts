// Pure drag math for the time grid: pointer → (day column, axis position), and the
// times a move, a resize or a drag-to-create ends at, snapped to 15 minutes. Times move
// by real elapsed time, so a one-hour event stays one hour long across a DST change.
import { instantAt, type Axis } from "./axis";
import { MINUTE } from "./tz";

export const SNAP_MINUTES = 15;
/** A pointer that moves less than this many pixels is a click, not a drag. */
export const DRAG_THRESHOLD_PX = 4;

export interface GridGeometry {
  /** The grid's box on screen (getBoundingClientRect of the scrolled content). */
  left: number;
  top: number;
  width: number;
  /** Width taken by the hour gutter(s) on the left. */
  gutter: number;
  days: number;
  /** Rows of the axis and the height of one. */
  rows: number;
  hourHeight: number;
}

export interface Slot {
  /** Day column. */
  col: number;
  /** Axis position in rows (fractional). */
  pos: number;
}

export function snap(ms: number, minutes = SNAP_MINUTES): number {
  const step = minutes * MINUTE;
  return Math.round(ms / step) * step;
}

export function floorTo(ms: number, minutes = SNAP_MINUTES): number {
  const step = minutes * MINUTE;
  return Math.floor(ms / step) * step;
}

/** The column and axis position under a pointer, clamped to the grid. */
export function pointToSlot(geom: GridGeometry, clientX: number, clientY: number): Slot {
  const colWidth = (geom.width - geom.gutter) / Math.max(1, geom.days);
  const col = Math.floor((clientX - geom.left - geom.gutter) / colWidth);
  const pos = (clientY - geom.top) / geom.hourHeight;
  return {
    col: Math.max(0, Math.min(geom.days - 1, col)),
    pos: Math.max(0, Math.min(geom.rows, pos)),
  };
}

export function slotInstant(axis: Axis, slot: Slot): number {
  const column = axis.columns[slot.col] ?? axis.columns[0];
  return column ? instantAt(slot.pos, column) : 0;
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * Moving an event grabbed at `grab` to the pointer at `to`: the grabbed point follows
 * the pointer, the start snaps to 15 minutes, the duration is kept.
 */
export function moveTo(axis: Axis, event: TimeRange, grab: Slot, to: Slot): TimeRange {
  const grabOffset = slotInstant(axis, grab) - event.start;
  const start = snap(slotInstant(axis, to) - grabOffset);
  return { start, end: start + (event.end - event.start) };
}

/** Dragging the bottom edge: the end follows the pointer (snapped), at least 15 minutes after the start. */
export function resizeTo(axis: Axis, event: TimeRange, to: Slot): TimeRange {
  const end = Math.max(snap(slotInstant(axis, to)), event.start + SNAP_MINUTES * MINUTE);
  return { start: event.start, end };
}

/** The range a drag (or click, `a` = `b`) on empty grid proposes for a new event. */
export function createRange(axis: Axis, a: Slot, b: Slot, clickMinutes = 60): TimeRange {
  const ta = slotInstant(axis, a);
  const tb = slotInstant(axis, b);
  const start = floorTo(Math.min(ta, tb));
  const end = snap(Math.max(ta, tb));
  if (end - start < SNAP_MINUTES * MINUTE) return { start, end: start + clickMinutes * MINUTE };
  return { start, end };
}

export function changed(before: TimeRange, after: TimeRange): boolean {
  return before.start !== after.start || before.end !== after.end;
}
