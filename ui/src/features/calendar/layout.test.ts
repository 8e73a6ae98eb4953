import { describe, expect, it } from "vitest";
import { eventFixture } from "../../test/fixtures";
import { allDayBars, allDayDates, layoutColumns, timedSegments } from "./layout";

const monday = new Date(2026, 2, 9); // week of Mon 9 March 2026, New York
const at = (day: number, h: number, m = 0) => new Date(2026, 2, 9 + day, h, m).getTime();

describe("layoutColumns", () => {
  const seg = (id: number, startMin: number, endMin: number) => ({ event: eventFixture(id), startMin, endMin });
  const cols = (items: ReturnType<typeof seg>[]) =>
    Object.fromEntries(layoutColumns(items).map((s) => [s.event.event_id, [s.col, s.cols]]));

  it.each([
    ["no overlap", [seg(1, 60, 120), seg(2, 120, 180)], { 1: [0, 1], 2: [0, 1] }],
    ["two overlapping", [seg(1, 60, 120), seg(2, 90, 150)], { 1: [0, 2], 2: [1, 2] }],
    ["three at once", [seg(1, 60, 120), seg(2, 60, 120), seg(3, 60, 120)], { 1: [0, 3], 2: [1, 3], 3: [2, 3] }],
    [
      "a chain reuses a freed column",
      [seg(1, 60, 120), seg(2, 90, 180), seg(3, 130, 200)],
      { 1: [0, 2], 2: [1, 2], 3: [0, 2] },
    ],
    ["zero-length events still take visual room", [seg(1, 60, 60), seg(2, 70, 90)], { 1: [0, 2], 2: [1, 2] }],
    ["a separate cluster keeps full width", [seg(1, 60, 120), seg(2, 90, 120), seg(3, 600, 660)], {
      1: [0, 2],
      2: [1, 2],
      3: [0, 1],
    }],
  ])("%s", (_name, items, expected) => {
    expect(cols(items)).toEqual(expected);
  });
});

describe("timedSegments", () => {
  it("splits an event that crosses midnight into two days", () => {
    const segments = timedSegments([eventFixture(1, { start: at(1, 22), end: at(2, 2) })], monday);
    expect(segments.map((s) => [s.day, s.startMin, s.endMin, s.continued, s.continues])).toEqual([
      [1, 22 * 60, 24 * 60, false, true],
      [2, 0, 2 * 60, true, false],
    ]);
  });

  it("an event ending exactly at midnight stays on its day", () => {
    const segments = timedSegments([eventFixture(1, { start: at(0, 23), end: at(1, 0) })], monday);
    expect(segments.map((s) => [s.day, s.startMin, s.endMin])).toEqual([[0, 23 * 60, 24 * 60]]);
  });

  it("ignores all-day events and events outside the week", () => {
    const segments = timedSegments(
      [eventFixture(1, { all_day: true }), eventFixture(2, { start: at(8, 9), end: at(8, 10) })],
      monday,
    );
    expect(segments).toEqual([]);
  });

  it("positions by local wall clock on the day DST starts", () => {
    const prevMonday = new Date(2026, 2, 2);
    // Sunday 8 March: 01:00 EST, then 03:00 EDT; an event 01:30–03:30 lasts one real hour.
    const start = new Date(2026, 2, 8, 1, 30).getTime();
    const end = new Date(2026, 2, 8, 3, 30).getTime();
    expect(end - start).toBe(3_600_000);
    const [s] = timedSegments([eventFixture(1, { start, end })], prevMonday);
    expect([s?.day, s?.startMin, s?.endMin]).toEqual([6, 90, 210]);
  });
});

describe("all-day events", () => {
  it("reads UTC-midnight starts as dates, not instants", () => {
    const { first, endExclusive } = allDayDates(
      eventFixture(1, { all_day: true, start: Date.UTC(2026, 2, 11), end: Date.UTC(2026, 2, 12) }),
    );
    expect([first.getDate(), endExclusive.getDate()]).toEqual([11, 12]);
  });

  it("stacks overlapping bars into lanes and clips them to the week", () => {
    const bars = allDayBars(
      [
        eventFixture(1, { all_day: true, start: Date.UTC(2026, 2, 5), end: Date.UTC(2026, 2, 11) }),
        eventFixture(2, { all_day: true, start: Date.UTC(2026, 2, 10), end: Date.UTC(2026, 2, 12) }),
        eventFixture(3, { all_day: true, start: Date.UTC(2026, 2, 13), end: Date.UTC(2026, 2, 20) }),
        eventFixture(4, { all_day: true, start: Date.UTC(2026, 2, 20), end: Date.UTC(2026, 2, 21) }),
      ],
      monday,
    );
    expect(bars.map((b) => [b.event.event_id, b.startCol, b.endCol, b.lane])).toEqual([
      [1, 0, 2, 0],
      [2, 1, 3, 1],
      [3, 4, 7, 0],
    ]);
  });
});
