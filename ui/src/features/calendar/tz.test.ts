import { describe, expect, it } from "vitest";
import { buildAxis, instantAt, positionOf } from "./axis";
import {
  addMonths,
  civil,
  dateIn,
  dayLengthMinutes,
  hourMinute,
  offsetMinutes,
  rfc3339,
  shiftWall,
  searchZones,
  startOfDay,
  startOfWeek,
  wallParts,
  zonedToUtc,
} from "./tz";

const NY = "America/New_York";
const BERLIN = "Europe/Berlin";
const H = 3_600_000;

describe("zone math through Intl", () => {
  it.each([
    ["America/New_York spring forward", NY, civil(2026, 3, 8), 23 * 60],
    ["America/New_York fall back", NY, civil(2026, 11, 1), 25 * 60],
    ["Europe/Berlin fall back", BERLIN, civil(2026, 10, 25), 25 * 60],
    ["Europe/Berlin spring forward", BERLIN, civil(2026, 3, 29), 23 * 60],
    ["Australia/Lord_Howe half-hour fall back", "Australia/Lord_Howe", civil(2026, 4, 5), 24.5 * 60],
    ["Asia/Kolkata has none", "Asia/Kolkata", civil(2026, 3, 8), 24 * 60],
    ["an ordinary day", NY, civil(2026, 3, 10), 24 * 60],
  ])("%s: %s on the day has the right length", (_name, zone, date, minutes) => {
    expect(dayLengthMinutes(date, zone)).toBe(minutes);
  });

  it("finds the instant of a wall time, in and out of DST", () => {
    expect(new Date(zonedToUtc(civil(2026, 1, 15), 9 * 60, NY)).toISOString()).toBe("2026-01-15T14:00:00.000Z");
    expect(new Date(zonedToUtc(civil(2026, 7, 15), 9 * 60, NY)).toISOString()).toBe("2026-07-15T13:00:00.000Z");
    expect(new Date(zonedToUtc(civil(2026, 3, 10), 9 * 60, "Asia/Kolkata")).toISOString()).toBe(
      "2026-03-10T03:30:00.000Z",
    );
  });

  it("a skipped wall time moves forward by the gap; a repeated one takes the first", () => {
    // 02:30 does not exist in New York on 8 March 2026: it becomes 03:30 EDT.
    const gap = zonedToUtc(civil(2026, 3, 8), 150, NY);
    expect(hourMinute(gap, NY)).toBe("03:30");
    expect(new Date(gap).toISOString()).toBe("2026-03-08T07:30:00.000Z");
    // 02:30 happens twice in Berlin on 25 October 2026: first in CEST (UTC+2).
    const twice = zonedToUtc(civil(2026, 10, 25), 150, BERLIN);
    expect(new Date(twice).toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(offsetMinutes(twice, BERLIN)).toBe(120);
    expect(offsetMinutes(twice + H, BERLIN)).toBe(60);
    expect(hourMinute(twice + H, BERLIN)).toBe("02:30");
  });

  it("writes RFC 3339 with the zone's offset at that instant", () => {
    expect(rfc3339(Date.UTC(2026, 2, 10, 15, 30), NY)).toBe("2026-03-10T11:30:00-04:00");
    expect(rfc3339(Date.UTC(2026, 2, 10, 15, 30), BERLIN)).toBe("2026-03-10T16:30:00+01:00");
    expect(rfc3339(Date.UTC(2026, 2, 10, 15, 30), "Asia/Kathmandu")).toBe("2026-03-10T21:15:00+05:45");
    expect(rfc3339(Date.UTC(2026, 2, 10, 15, 30), "UTC")).toBe("2026-03-10T15:30:00+00:00");
  });

  it("reads wall parts and dates in any zone", () => {
    const t = Date.UTC(2026, 2, 11, 3, 30);
    expect(dateIn(t, NY)).toEqual(civil(2026, 3, 10));
    expect(dateIn(t, BERLIN)).toEqual(civil(2026, 3, 11));
    expect(wallParts(t, "Asia/Tokyo")).toMatchObject({ hour: 12, minute: 30 });
  });

  it("shifts a series start by an occurrence's wall-clock move, across DST", () => {
    // A daily 09:00 series begun in January (EST); the 10 March occurrence (EDT) moved to
    // 10:30 the next day: the series now starts 10:30 on 16 January, EST.
    const master = zonedToUtc(civil(2026, 1, 15), 9 * 60, NY);
    const from = zonedToUtc(civil(2026, 3, 10), 9 * 60, NY);
    const to = zonedToUtc(civil(2026, 3, 11), 10 * 60 + 30, NY);
    expect(rfc3339(shiftWall(master, from, to, NY), NY)).toBe("2026-01-16T10:30:00-05:00");
    expect(shiftWall(master, from, from, NY)).toBe(master);
  });

  it("civil date helpers", () => {
    expect(startOfWeek(civil(2026, 3, 8))).toEqual(civil(2026, 3, 2));
    expect(startOfWeek(civil(2026, 3, 9))).toEqual(civil(2026, 3, 9));
    expect(addMonths(civil(2026, 1, 31), 1)).toEqual(civil(2026, 2, 28));
    expect(addMonths(civil(2026, 12, 15), 1)).toEqual(civil(2027, 1, 15));
  });

  it("searches the IANA list by words", () => {
    expect(searchZones("berlin")).toEqual([BERLIN]);
    expect(searchZones("new york")).toContain(NY);
    expect(searchZones("utc")).toContain("UTC");
    // ICU lists it as Asia/Calcutta; the list shows the current name.
    expect(searchZones("kolkata")).toEqual(["Asia/Kolkata"]);
  });
});

describe("grid axis on DST days", () => {
  it("2026-03-08 in New York has 23 hour rows; 02:00 is skipped", () => {
    const axis = buildAxis([civil(2026, 3, 8)], NY);
    expect(axis.labels).toHaveLength(23);
    expect(axis.labels.slice(0, 4)).toEqual(["00:00", "01:00", "03:00", "04:00"]);
    const col = axis.columns[0]!;
    // 14:00 EDT is 13 real hours after midnight: row 13.
    expect(positionOf(zonedToUtc(civil(2026, 3, 8), 14 * 60, NY), col)).toBe(13);
    expect(instantAt(13, col)).toBe(zonedToUtc(civil(2026, 3, 8), 14 * 60, NY));
  });

  it("2026-10-25 in Berlin has 25 hour rows; 02:00 comes twice", () => {
    const axis = buildAxis([civil(2026, 10, 25)], BERLIN);
    expect(axis.labels).toHaveLength(25);
    expect(axis.labels.slice(0, 5)).toEqual(["00:00", "01:00", "02:00", "02:00", "03:00"]);
    const col = axis.columns[0]!;
    const first = zonedToUtc(civil(2026, 10, 25), 150, BERLIN);
    expect(positionOf(first, col)).toBe(2.5);
    expect(positionOf(first + H, col)).toBe(3.5);
    expect(positionOf(col.end, col)).toBe(25);
  });

  it("a week keeps hours aligned: the short day leaves its missing row empty", () => {
    const monday = civil(2026, 3, 2);
    const axis = buildAxis(
      Array.from({ length: 7 }, (_, i) => civil(2026, 3, 2 + i)),
      NY,
    );
    expect(axis.labels).toHaveLength(24);
    const sunday = axis.columns[6]!;
    expect(sunday.missing).toEqual([2]);
    expect(sunday.rows).toHaveLength(23);
    expect(axis.columns[0]!.missing).toEqual([]);
    // 14:00 sits on row 14 on Monday and on the DST Sunday alike.
    expect(positionOf(zonedToUtc(monday, 14 * 60, NY), axis.columns[0]!)).toBe(14);
    expect(positionOf(zonedToUtc(civil(2026, 3, 8), 14 * 60, NY), sunday)).toBe(14);
    // A position in the missing row means the first instant after it (03:00 EDT).
    expect(hourMinute(instantAt(2.5, sunday), NY)).toBe("03:00");
  });

  it("a week with the 25-hour day gives other days an empty repeated row", () => {
    const axis = buildAxis(
      Array.from({ length: 7 }, (_, i) => civil(2026, 10, 19 + i)),
      BERLIN,
    );
    expect(axis.labels).toHaveLength(25);
    expect(axis.columns[0]!.missing).toEqual([3]);
    expect(axis.columns[6]!.missing).toEqual([]);
    expect(positionOf(zonedToUtc(civil(2026, 10, 19), 14 * 60, BERLIN), axis.columns[0]!)).toBe(15);
    expect(positionOf(zonedToUtc(civil(2026, 10, 25), 14 * 60, BERLIN), axis.columns[6]!)).toBe(15);
  });

  it("day starts come from the zone, not the machine", () => {
    expect(new Date(startOfDay(civil(2026, 10, 25), BERLIN)).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(new Date(startOfDay(civil(2026, 10, 26), BERLIN)).toISOString()).toBe("2026-10-25T23:00:00.000Z");
  });
});
