import { describe, expect, it } from "vitest";
import { buildRule, formFromDetail, formRange, newForm, parseRule, reminderText, toDraft, validateForm } from "./editorForm";
import { CALENDARS, detailFixture } from "./testing";

describe("repeat rules", () => {
  it.each([
    [null, "none", []],
    ["FREQ=DAILY", "daily", []],
    ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "weekly", ["MO", "WE"]],
    ["FREQ=MONTHLY", "monthly", []],
    ["FREQ=YEARLY", "yearly", []],
    ["FREQ=MONTHLY;BYDAY=-1FR", "custom", []],
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "custom", []],
    ["FREQ=DAILY;COUNT=5", "custom", []],
  ])("%s reads as %s", (rule, repeat, days) => {
    const parsed = parseRule(rule);
    expect(parsed.repeat).toBe(repeat);
    expect(parsed.weekdays).toEqual(days);
  });

  it("an untouched rule is sent back as it was", () => {
    const form = formFromDetail(detailFixture({ rrule: "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231T000000Z" }), "UTC");
    expect(form.repeat).toBe("custom");
    expect(buildRule(form)).toBe("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231T000000Z");
  });

  it("weekly without days repeats on the start's weekday; days keep Monday-first order", () => {
    const form = { ...newForm(Date.UTC(2026, 2, 11, 14), Date.UTC(2026, 2, 11, 15), "UTC", CALENDARS), repeatTouched: true };
    expect(buildRule({ ...form, repeat: "weekly", weekdays: [] })).toBe("FREQ=WEEKLY;BYDAY=WE");
    expect(buildRule({ ...form, repeat: "weekly", weekdays: ["FR", "MO"] })).toBe("FREQ=WEEKLY;BYDAY=MO,FR");
    expect(buildRule({ ...form, repeat: "custom", customRule: "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29" })).toBe(
      "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    );
    expect(buildRule({ ...form, repeat: "none" })).toBeNull();
  });
});

describe("times in the event's zone", () => {
  it("shows a Berlin event on Berlin's clock and writes it back with Berlin's offset", () => {
    const detail = detailFixture({
      start: "2026-10-25T01:30:00+02:00",
      end: "2026-10-25T02:30:00+01:00",
      time_zone: "Europe/Berlin",
    });
    const form = formFromDetail(detail, "America/New_York");
    expect([form.startDate, form.startTime, form.endTime]).toEqual(["2026-10-25", "01:30", "02:30"]);
    // Across the fall-back hour: 2 real hours.
    const range = formRange(form)!;
    expect(range.end - range.start).toBe(2 * 3_600_000);
    const draft = toDraft(form, { uid: "u", recurrence_id: null }, "all");
    expect([draft.start, draft.end, draft.time_zone]).toEqual([
      "2026-10-25T01:30:00+02:00",
      "2026-10-25T02:30:00+01:00",
      "Europe/Berlin",
    ]);
    // Typed in again, a repeated wall time means its first occurrence.
    const retyped = toDraft({ ...form, endTime: "02:45" }, { uid: "u", recurrence_id: null }, "all");
    expect(retyped.end).toBe("2026-10-25T02:45:00+02:00");
  });

  it("all-day events show their last day and are written end-exclusive at midnight", () => {
    const form = formFromDetail(detailFixture({ all_day: true, start: "2026-03-11", end: "2026-03-13" }), "UTC");
    expect([form.startDate, form.endDate]).toEqual(["2026-03-11", "2026-03-12"]);
    const draft = toDraft({ ...form, timeZone: "America/New_York" }, { uid: "u", recurrence_id: null }, "all");
    expect([draft.start, draft.end, draft.all_day]).toEqual([
      "2026-03-11T00:00:00-04:00",
      "2026-03-13T00:00:00-04:00",
      true,
    ]);
  });
});

describe("validation", () => {
  const base = newForm(Date.UTC(2026, 2, 11, 14), Date.UTC(2026, 2, 11, 15), "UTC", CALENDARS);
  it("accepts a plain new event in the first writable calendar", () => {
    expect(base.calendarId).toBe(1);
    expect(validateForm(base, CALENDARS)).toEqual({});
  });
  it("flags an end before the start, a bad address, a bad rule, a read-only calendar, a foreign meeting kind", () => {
    const errors = validateForm(
      {
        ...base,
        endTime: "13:00",
        attendees: ["ok@example.com", "nope"],
        repeat: "custom",
        repeatTouched: true,
        customRule: "every tuesday",
        calendarId: 1,
        meetingKind: "teams",
      },
      CALENDARS,
    );
    expect(Object.keys(errors).sort()).toEqual(["attendees", "meeting", "rule", "time"]);
    expect(validateForm({ ...base, calendarId: 3 }, CALENDARS).calendar).toBe("That calendar is read-only.");
  });
});

it("reminder wording", () => {
  expect([0, 1, 10, 60, 120, 1440, 2880].map(reminderText)).toEqual([
    "At the start",
    "1 minute before",
    "10 minutes before",
    "1 hour before",
    "2 hours before",
    "1 day before",
    "2 days before",
  ]);
});
