import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/backend";
import { eventFixture } from "../../test/fixtures";
import { renderApp } from "../../test/render";

const HOUR = 3_600_000;
// Tue 10 Mar 2026, noon in New York. US DST began on Sun 8 Mar 2026.
const NOW = new Date(2026, 2, 10, 12, 0);

async function openCalendar() {
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-calendar"));
  return rendered;
}

const eventEl = (summary: string) =>
  screen.getAllByTestId("event").find((e) => e.getAttribute("data-summary") === summary)!;

describe("calendar week view", () => {
  beforeEach(() => {
    // Only Date is faked: "today" is fixed, timers stay real.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("runs in a zone with DST (America/New_York)", () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe("America/New_York");
    expect(new Date(Date.UTC(2026, 0, 15)).getTimezoneOffset()).toBe(300);
    expect(new Date(Date.UTC(2026, 6, 15)).getTimezoneOffset()).toBe(240);
  });

  it("asks for Monday 00:00 to the next Monday 00:00, local time", async () => {
    const backend = mockBackend();
    await openCalendar();
    await screen.findByTestId("week-view");
    await waitFor(() => expect(backend.callsTo("list_events")).toHaveLength(1));
    expect(backend.callsTo("list_events")[0]).toEqual({
      args: { from: new Date(2026, 2, 9).getTime(), to: new Date(2026, 2, 16).getTime(), time_zone: "America/New_York" },
    });
    // Monday 9 March 00:00 EDT is 04:00 UTC.
    expect(new Date(2026, 2, 9).toISOString()).toBe("2026-03-09T04:00:00.000Z");
  });

  it("places an event at its local start time, in the right day column", async () => {
    const start = Date.UTC(2026, 2, 10, 15, 30); // 11:30 EDT
    mockBackend({ list_events: () => [eventFixture(1, { summary: "Standup", start, end: start + HOUR })] });
    await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.getAttribute("data-start")).toBe("2026-03-10T15:30:00.000Z");
    expect(ev.getAttribute("data-local-start")).toBe("2026-03-10T11:30");
    expect(ev.getAttribute("data-summary")).toBe("Standup");
    expect(ev.textContent).toContain("11:30–12:30");
    expect(ev.closest(".week__column")?.getAttribute("data-date")).toBe("2026-03-10");
    expect(ev.style.top).toBe(`${11.5 * 44}px`);
    expect(ev.style.height).toBe(`${44 - 2}px`);
  });

  it("shows an event written in another zone at the viewer's local time", async () => {
    // 09:00 in Berlin (CET, UTC+1) on Wed 11 March is 08:00 UTC, 04:00 in New York (EDT).
    const start = Date.UTC(2026, 2, 11, 8, 0);
    mockBackend({
      list_events: () => [eventFixture(2, { summary: "Berlin sync", start, end: start + HOUR, tzid: "Europe/Berlin" })],
    });
    await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.getAttribute("data-local-start")).toBe("2026-03-11T04:00");
    expect(ev.textContent).toContain("04:00–05:00");
  });

  it("puts overlapping events side by side and leaves others full width", async () => {
    const at = (h: number, m = 0) => new Date(2026, 2, 12, h, m).getTime();
    mockBackend({
      list_events: () => [
        eventFixture(1, { summary: "A", start: at(10), end: at(11) }),
        eventFixture(2, { summary: "B", start: at(10, 30), end: at(11, 30) }),
        eventFixture(3, { summary: "C", start: at(14), end: at(15) }),
      ],
    });
    await openCalendar();
    await screen.findAllByTestId("event");
    expect(eventEl("A").style.width).toBe("calc(50% - 3px)");
    expect(eventEl("B").style.width).toBe("calc(50% - 3px)");
    expect(eventEl("A").style.left).toBe("calc(0% + 1px)");
    expect(eventEl("B").style.left).toBe("calc(50% + 1px)");
    expect(eventEl("C").style.width).toBe("calc(100% - 3px)");
  });

  it("shows all-day events in the top row across the days they cover", async () => {
    mockBackend({
      list_events: () => [
        eventFixture(5, {
          summary: "Offsite",
          all_day: true,
          start: Date.UTC(2026, 2, 11),
          end: Date.UTC(2026, 2, 13),
        }),
      ],
    });
    await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.getAttribute("data-all-day")).toBe("true");
    expect(ev.closest(".week__allday")).not.toBeNull();
    expect(ev.closest(".week__column")).toBeNull();
    // Wednesday and Thursday: columns 3 and 4 of the grid after the gutter.
    expect(ev.style.gridColumn).toBe("4 / 6");
  });

  it("marks broken events with a warning style", async () => {
    mockBackend({
      list_events: () => [eventFixture(9, { summary: "Odd", broken: "RRULE could not be expanded" })],
    });
    await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.classList.contains("is-broken")).toBe(true);
    expect(ev.getAttribute("data-broken")).toBe("true");
    expect(ev.getAttribute("title")).toContain("RRULE could not be expanded");
  });

  it("prev/next/today move by a week, across the DST change", async () => {
    const sunday = Date.UTC(2026, 2, 8, 18, 0); // 14:00 EDT, the day clocks went forward
    const backend = mockBackend({
      list_events: (a) => {
        const { from } = a?.args as { from: number };
        return from === new Date(2026, 2, 2).getTime()
          ? [eventFixture(3, { summary: "DST day", start: sunday, end: sunday + HOUR })]
          : [];
      },
    });
    const { user } = await openCalendar();
    await screen.findByTestId("week-view");
    await user.click(screen.getByTestId("week-prev"));
    const ev = await screen.findByTestId("event");
    expect(backend.callsTo("list_events").at(-1)).toEqual({
      args: { from: new Date(2026, 2, 2).getTime(), to: new Date(2026, 2, 9).getTime(), time_zone: "America/New_York" },
    });
    // Mon 2 March 00:00 is EST (UTC-5); the week is 167 hours long.
    expect(new Date(2026, 2, 2).toISOString()).toBe("2026-03-02T05:00:00.000Z");
    expect(ev.getAttribute("data-local-start")).toBe("2026-03-08T14:00");
    expect(ev.style.top).toBe(`${14 * 44}px`);
    expect(ev.closest(".week__column")?.getAttribute("data-date")).toBe("2026-03-08");

    await user.click(screen.getByTestId("week-next"));
    await user.click(screen.getByTestId("week-next"));
    await waitFor(() =>
      expect(backend.callsTo("list_events").at(-1)).toEqual({
        args: { from: new Date(2026, 2, 16).getTime(), to: new Date(2026, 2, 23).getTime(), time_zone: "America/New_York" },
      }),
    );
    await user.click(screen.getByTestId("week-today"));
    expect(screen.getByTestId("week-view").getAttribute("data-week-start")).toBe("2026-03-09");
  });

  it("clicking an event shows its details", async () => {
    mockBackend({
      list_events: () => [eventFixture(1, { summary: "Review", location: "Room 4", calendar_name: "Team" })],
    });
    const { user } = await openCalendar();
    await user.click(await screen.findByTestId("event"));
    const detail = screen.getByTestId("event-detail");
    expect(within(detail).getByText("Room 4")).toBeTruthy();
    expect(detail.textContent).toContain("Team");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("event-detail")).toBeNull();
  });
});
