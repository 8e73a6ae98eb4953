import { describe, expect, it } from "vitest";
import { buildAxis } from "./axis";
import { createRange, moveTo, pointToSlot, resizeTo, snap, type GridGeometry } from "./drag";
import { civil, hourMinute, rfc3339, zonedToUtc } from "./tz";

const NY = "America/New_York";
const BERLIN = "Europe/Berlin";
const H = 3_600_000;
const M = 60_000;
const week = (y: number, m: number, d: number) => Array.from({ length: 7 }, (_, i) => civil(y, m, d + i));

describe("pointToSlot", () => {
  const geom: GridGeometry = { left: 10, top: 100, width: 752, gutter: 52, days: 7, rows: 24, hourHeight: 44 };
  it("maps a pointer to a day column and an axis position", () => {
    expect(pointToSlot(geom, 10 + 52 + 250, 100 + 44 * 9.5)).toEqual({ col: 2, pos: 9.5 });
  });
  it("clamps outside the grid", () => {
    expect(pointToSlot(geom, 0, 0)).toEqual({ col: 0, pos: 0 });
    expect(pointToSlot(geom, 5000, 5000)).toEqual({ col: 6, pos: 24 });
  });
});

describe("snap", () => {
  it("rounds to 15 minutes", () => {
    const base = Date.UTC(2026, 2, 10, 14, 0);
    expect(snap(base + 7 * M)).toBe(base);
    expect(snap(base + 8 * M)).toBe(base + 15 * M);
    expect(snap(base + 52 * M)).toBe(base + 45 * M);
  });
});

describe("moveTo", () => {
  const axis = buildAxis(week(2026, 3, 9), NY);
  const at = (d: number, minutes: number) => zonedToUtc(civil(2026, 3, d), minutes, NY);

  it("moves by the pointer's travel, snapped, keeping the duration", () => {
    const event = { start: at(10, 9 * 60), end: at(10, 10 * 60) };
    // Grabbed at 09:30 on Tuesday (col 1), dropped at 14:37 on Thursday (col 3).
    const r = moveTo(axis, event, { col: 1, pos: 9.5 }, { col: 3, pos: 14 + 37 / 60 });
    expect(hourMinute(r.start, NY)).toBe("14:00");
    expect(rfc3339(r.start, NY)).toBe("2026-03-12T14:00:00-04:00");
    expect(r.end - r.start).toBe(H);
  });

  it("across the spring-forward night, an hour-long event stays an hour long", () => {
    const axis2 = buildAxis(week(2026, 3, 2), NY);
    const sat = { start: zonedToUtc(civil(2026, 3, 7), 10 * 60, NY), end: zonedToUtc(civil(2026, 3, 7), 11 * 60, NY) };
    const r = moveTo(axis2, sat, { col: 5, pos: 10 }, { col: 6, pos: 10 });
    expect(rfc3339(r.start, NY)).toBe("2026-03-08T10:00:00-04:00");
    expect(r.end - r.start).toBe(H);
  });

  it("on Berlin's 25-hour day the repeated 02:00 row is a real hour", () => {
    const day = buildAxis([civil(2026, 10, 25)], BERLIN);
    const ev = { start: zonedToUtc(civil(2026, 10, 25), 60, BERLIN), end: zonedToUtc(civil(2026, 10, 25), 90, BERLIN) };
    // Dragged from row 1 to row 3 (the second 02:00).
    const r = moveTo(day, ev, { col: 0, pos: 1 }, { col: 0, pos: 3 });
    expect(rfc3339(r.start, BERLIN)).toBe("2026-10-25T02:00:00+01:00");
  });
});

describe("resizeTo", () => {
  const axis = buildAxis(week(2026, 3, 9), NY);
  const ev = { start: zonedToUtc(civil(2026, 3, 10), 9 * 60, NY), end: zonedToUtc(civil(2026, 3, 10), 10 * 60, NY) };
  it("moves the end to the pointer, snapped", () => {
    const r = resizeTo(axis, ev, { col: 1, pos: 11 + 20 / 60 });
    expect(hourMinute(r.end, NY)).toBe("11:15");
    expect(r.start).toBe(ev.start);
  });
  it("never ends less than 15 minutes after the start", () => {
    expect(resizeTo(axis, ev, { col: 1, pos: 3 }).end - ev.start).toBe(15 * M);
  });
});

describe("createRange", () => {
  const axis = buildAxis(week(2026, 3, 9), NY);
  it("a click gives an hour from the slot under it", () => {
    const r = createRange(axis, { col: 0, pos: 9.6 }, { col: 0, pos: 9.6 });
    expect([hourMinute(r.start, NY), hourMinute(r.end, NY)]).toEqual(["09:30", "10:30"]);
  });
  it("a drag spans what was dragged, either direction", () => {
    const r = createRange(axis, { col: 0, pos: 14 }, { col: 0, pos: 12.25 });
    expect([hourMinute(r.start, NY), hourMinute(r.end, NY)]).toEqual(["12:15", "14:00"]);
  });
});
