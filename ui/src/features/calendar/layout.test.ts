import { describe, expect, it } from "vitest";
import { eventFixture } from "../../test/fixtures";
import { buildAxis } from "./axis";
import { allDayBars, allDayDates, eventsByDate, layoutColumns, shiftAllDay, timedSegments } from "./layout";
import { addDays, civil, startOfDay } from "./tz";

const NY = "America/New_York";
const monday = civil(2026, 3, 9); // week of Mon 9 March 2026, New York
const week = (first: ReturnType<typeof civil>) => Array.from({ length: 7 }, (_, i) => addDays(first, i));
const axisOf = (first: ReturnType<typeof civil>) => buildAxis(week(first), NY);
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
    const segments = timedSegments([eventFixture(1, { start: at(1, 22), end: at(2, 2) })], axisOf(monday));
    expect(segments.map((s) => [s.day, s.startMin, s.endMin, s.continued, s.continues])).toEqual([
      [1, 22 * 60, 24 * 60, false, true],
      [2, 0, 2 * 60, true, false],
    ]);
  });

  it("an event ending exactly at midnight stays on its day", () => {
    const segments = timedSegments([eventFixture(1, { start: at(0, 23), end: at(1, 0) })], axisOf(monday));
    expect(segments.map((s) => [s.day, s.startMin, s.endMin])).toEqual([[0, 23 * 60, 24 * 60]]);
  });

  it("ignores all-day events and events outside the week", () => {
    const segments = timedSegments(
      [eventFixture(1, { all_day: true }), eventFixture(2, { start: at(8, 9), end: at(8, 10) })],
      axisOf(monday),
    );
    expect(segments).toEqual([]);
  });

  it("positions by local wall clock on the day DST starts", () => {
    const prevMonday = civil(2026, 3, 2);
    // Sunday 8 March: 01:00 EST, then 03:00 EDT; an event 01:30–03:30 lasts one real hour.
    const start = new Date(2026, 2, 8, 1, 30).getTime();
    const end = new Date(2026, 2, 8, 3, 30).getTime();
    expect(end - start).toBe(3_600_000);
    const [s] = timedSegments([eventFixture(1, { start, end })], axisOf(prevMonday));
    // The week's axis has 24 rows (00..23); that Sunday has no 02:00 row, so 03:30 sits
    // where 03:30 sits on every other day.
    expect([s?.day, s?.startMin, s?.endMin]).toEqual([6, 90, 210]);
    // Drawn in that day alone (23 rows), the hour lasts one row.
    const [d] = timedSegments([eventFixture(1, { start, end })], buildAxis([civil(2026, 3, 8)], NY));
    expect([d?.startMin, d?.endMin]).toEqual([90, 150]);
  });
});

describe("all-day events", () => {
  it("reads UTC-midnight starts as dates, not instants", () => {
    const { first, endExclusive } = allDayDates(
      eventFixture(1, { all_day: true, start: Date.UTC(2026, 2, 11), end: Date.UTC(2026, 2, 12) }),
      "Asia/Tokyo",
    );
    expect([first, endExclusive]).toEqual([civil(2026, 3, 11), civil(2026, 3, 12)]);
  });

  it("reads dates the backend placed at midnight in the viewer's zone", () => {
    // list_events with time_zone=Europe/Berlin: 11–12 March is 10 Mar 23:00Z to 12 Mar 23:00Z.
    const { first, endExclusive } = allDayDates(
      eventFixture(1, { all_day: true, start: Date.UTC(2026, 2, 10, 23), end: Date.UTC(2026, 2, 12, 23) }),
      "Europe/Berlin",
    );
    expect([first, endExclusive]).toEqual([civil(2026, 3, 11), civil(2026, 3, 13)]);
    const ny = allDayDates(
      eventFixture(1, { all_day: true, start: startOfDay(civil(2026, 3, 8), NY), end: startOfDay(civil(2026, 3, 9), NY) }),
      NY,
    );
    expect([ny.first, ny.endExclusive]).toEqual([civil(2026, 3, 8), civil(2026, 3, 9)]);
  });

  it("stacks overlapping bars into lanes and clips them to the week", () => {
    const bars = allDayBars(
      [
        eventFixture(1, { all_day: true, start: Date.UTC(2026, 2, 5), end: Date.UTC(2026, 2, 11) }),
        eventFixture(2, { all_day: true, start: Date.UTC(2026, 2, 10), end: Date.UTC(2026, 2, 12) }),
        eventFixture(3, { all_day: true, start: Date.UTC(2026, 2, 13), end: Date.UTC(2026, 2, 20) }),
        eventFixture(4, { all_day: true, start: Date.UTC(2026, 2, 20), end: Date.UTC(2026, 2, 21) }),
      ],
      week(monday),
      NY,
    );
    expect(bars.map((b) => [b.event.event_id, b.startCol, b.endCol, b.lane])).toEqual([
      [1, 0, 2, 0],
      [2, 1, 3, 1],
      [3, 4, 7, 0],
    ]);
  });
});

describe("eventsByDate (month cells)", () => {
  it("lists all-day events first on every date they cover, timed ones on their day in the zone", () => {
    const dates = [civil(2026, 3, 10), civil(2026, 3, 11), civil(2026, 3, 12)];
    const starts = [...dates, civil(2026, 3, 13)].map((d) => startOfDay(d, NY));
    // 23:30 in New York on the 10th is the 11th in Berlin.
    const late = Date.UTC(2026, 2, 11, 3, 30);
    const cells = eventsByDate(
      [
        eventFixture(1, { start: late, end: late + 1_800_000 }),
        eventFixture(2, { all_day: true, start: Date.UTC(2026, 2, 10), end: Date.UTC(2026, 2, 12) }),
      ],
      dates,
      NY,
      starts,
    );
    expect(cells.map((c) => c.map((e) => e.event_id))).toEqual([[2, 1], [2], []]);
    const berlin = eventsByDate([eventFixture(1, { start: late, end: late + 1_800_000 })], dates, "Europe/Berlin", [
      ...dates,
      civil(2026, 3, 13),
    ].map((d) => startOfDay(d, "Europe/Berlin")));
    expect(berlin.map((c) => c.map((e) => e.event_id))).toEqual([[], [1], []]);
  });
});

describe("shiftAllDay", () => {
  it("moves UTC-midnight dates and zone-midnight dates by whole days, across DST", () => {
    expect(shiftAllDay(Date.UTC(2026, 2, 7), 2, NY)).toBe(Date.UTC(2026, 2, 9));
    // Saturday 7 March 00:00 EST → Monday 9 March 00:00 EDT: 47 hours later.
    const sat = startOfDay(civil(2026, 3, 7), NY);
    expect(shiftAllDay(sat, 2, NY)).toBe(startOfDay(civil(2026, 3, 9), NY));
    expect(shiftAllDay(sat, 2, NY) - sat).toBe(47 * 3_600_000);
  });
});
