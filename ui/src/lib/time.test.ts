import { describe, expect, it } from "vitest";
import { addLocalDays, formatBytes, localIsoMinute, startOfLocalWeek } from "./time";

describe("local time helpers", () => {
  it.each([
    ["a Wednesday", new Date(2026, 2, 11, 15), "2026-03-09T00:00"],
    ["a Monday at midnight", new Date(2026, 2, 9, 0, 0), "2026-03-09T00:00"],
    ["a Sunday night", new Date(2026, 2, 15, 23, 59), "2026-03-09T00:00"],
    ["the Sunday DST starts", new Date(2026, 2, 8, 12), "2026-03-02T00:00"],
    ["across a year end", new Date(2027, 0, 1, 9), "2026-12-28T00:00"],
  ])("the week of %s starts on Monday 00:00", (_name, date, expected) => {
    expect(localIsoMinute(startOfLocalWeek(date).getTime())).toBe(expected);
  });

  it("adds calendar days, not 24-hour blocks, across DST", () => {
    const saturday = new Date(2026, 2, 7);
    expect(localIsoMinute(addLocalDays(saturday, 2).getTime())).toBe("2026-03-09T00:00");
    expect(addLocalDays(saturday, 2).getTime() - saturday.getTime()).toBe(47 * 3_600_000);
  });

  it.each([
    [512, "512 B"],
    [2048, "2.0 KB"],
    [20_480, "20 KB"],
    [3 * 1024 * 1024, "3.0 MB"],
  ])("formats %i bytes as %s", (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });
});
