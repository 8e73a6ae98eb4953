import { act, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "../../test/render";
import { emitTauriEvent } from "../../test/tauriEvents";
import { EVENT_CALENDAR_CHANGED } from "./data";
import { EVENT_OPEN_EVENT } from "./openEvent";
import { PREF_SECOND_ZONE, PREF_VIEW, PREF_ZONE } from "./prefs";
import { calEventFixture, detailFixture, mockCalendarBackend } from "./testing";

const HOUR = 3_600_000;
// Tue 10 Mar 2026, noon in New York (EDT since Sun 8 Mar).
const NOW = new Date(2026, 2, 10, 12, 0);

async function openCalendar() {
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-calendar"));
  return rendered;
}

const lastRange = (backend: ReturnType<typeof mockCalendarBackend>) =>
  backend.callsTo("list_events").at(-1)?.args as { from: number; to: number; time_zone: string } | undefined;

describe("calendar views", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("switches between day, week and month with the buttons and with d/w/m", async () => {
    const backend = mockCalendarBackend();
    const { user } = await openCalendar();
    await screen.findByTestId("week-view");
    expect(screen.getAllByTestId("day-column")).toHaveLength(7);

    await user.click(screen.getByTestId("view-day"));
    expect(screen.getAllByTestId("day-column").map((c) => c.getAttribute("data-date"))).toEqual(["2026-03-10"]);
    await waitFor(() =>
      expect(lastRange(backend)).toEqual({
        from: new Date(2026, 2, 10).getTime(),
        to: new Date(2026, 2, 11).getTime(),
        time_zone: "America/New_York",
      }),
    );
    expect(screen.getByTestId("week-label").textContent).toContain("March 10, 2026");
    expect(window.localStorage.getItem(PREF_VIEW)).toBe("day");

    await user.click(screen.getByTestId("view-month"));
    const cells = screen.getAllByTestId("month-cell");
    // March 2026: Monday 23 Feb to Sunday 5 April.
    expect(cells).toHaveLength(42);
    expect(cells[0]?.getAttribute("data-date")).toBe("2026-02-23");
    expect(cells.at(-1)?.getAttribute("data-date")).toBe("2026-04-05");
    await waitFor(() =>
      expect(lastRange(backend)).toEqual({
        from: new Date(2026, 1, 23).getTime(),
        to: new Date(2026, 3, 6).getTime(),
        time_zone: "America/New_York",
      }),
    );

    await user.keyboard("w");
    expect(screen.getByTestId("week-view")).toBeTruthy();
    await user.keyboard("d");
    expect(screen.getByTestId("day-view")).toBeTruthy();
    await user.keyboard("n");
    expect(screen.getAllByTestId("day-column")[0]?.getAttribute("data-date")).toBe("2026-03-11");
    await user.keyboard("pp");
    expect(screen.getAllByTestId("day-column")[0]?.getAttribute("data-date")).toBe("2026-03-09");
    await user.keyboard("t");
    expect(screen.getAllByTestId("day-column")[0]?.getAttribute("data-date")).toBe("2026-03-10");
    await user.keyboard("m");
    expect(screen.getByTestId("month-view")).toBeTruthy();
  });

  it("labels a week across two months with both", async () => {
    mockCalendarBackend();
    const { user } = await openCalendar();
    await screen.findByTestId("week-view");
    expect(screen.getByTestId("week-label").textContent).toBe("March 2026 · 9–15");
    await user.keyboard("nnn");
    expect(screen.getByTestId("week-label").textContent).toBe("Mar 30 – Apr 5, 2026");
  });

  it("month cells show the first events and +N more, which opens the day", async () => {
    const at = (h: number) => new Date(2026, 2, 12, h).getTime();
    mockCalendarBackend({
      list_events: () => [1, 2, 3, 4, 5].map((i) => calEventFixture(i, { summary: `M${i}`, start: at(8 + i), end: at(9 + i) })),
    });
    window.localStorage.setItem(PREF_VIEW, "month");
    const { user } = await openCalendar();
    await screen.findAllByTestId("event");
    const cell = screen.getAllByTestId("month-cell").find((c) => c.getAttribute("data-date") === "2026-03-12")!;
    expect(within(cell).getAllByTestId("event").map((e) => e.getAttribute("data-summary"))).toEqual(["M1", "M2"]);
    expect(within(cell).getByTestId("month-more").textContent).toBe("+3 more");
    await user.click(within(cell).getByTestId("month-more"));
    expect(screen.getByTestId("day-view")).toBeTruthy();
    expect(screen.getAllByTestId("day-column")[0]?.getAttribute("data-date")).toBe("2026-03-12");
    expect(screen.getAllByTestId("event")).toHaveLength(5);
  });

  it("the zone selector re-renders the grid in that zone and is remembered", async () => {
    const start = Date.UTC(2026, 2, 10, 15, 30); // 11:30 New York, 16:30 Berlin
    const backend = mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", start, end: start + HOUR })],
    });
    const { user } = await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.getAttribute("data-local-start")).toBe("2026-03-10T11:30");
    expect(screen.getByTestId("zone-abbr").textContent).toBe("EDT");

    await user.click(screen.getByTestId("zone-button"));
    await user.type(screen.getByTestId("zone-search"), "berlin");
    await user.click(screen.getByRole("option", { name: /Europe\/Berlin/ }));

    await waitFor(() => expect(screen.getByTestId("event").getAttribute("data-local-start")).toBe("2026-03-10T16:30"));
    const moved = screen.getByTestId("event");
    expect(moved.style.top).toBe(`${16.5 * 44}px`);
    expect(moved.textContent).toContain("16:30–17:30");
    expect(screen.getByTestId("calendar-root").getAttribute("data-zone")).toBe("Europe/Berlin");
    expect(window.localStorage.getItem(PREF_ZONE)).toBe("Europe/Berlin");
    // The week is Monday 00:00 to Monday 00:00 in Berlin.
    // The week is asked in that zone, which also places floating and all-day events.
    expect(lastRange(backend)).toEqual({
      from: Date.UTC(2026, 2, 8, 23),
      to: Date.UTC(2026, 2, 15, 23),
      time_zone: "Europe/Berlin",
    });
  });

  it("an optional second zone adds a gutter with the same rows in that zone", async () => {
    mockCalendarBackend();
    const { user } = await openCalendar();
    await screen.findByTestId("week-view");
    expect(screen.queryByTestId("second-gutter")).toBeNull();
    await user.click(screen.getByTestId("second-zone-button"));
    await user.type(screen.getByTestId("second-zone-search"), "kolkata");
    await user.click(screen.getByRole("option", { name: /Asia\/Kolkata/ }));
    const labels = within(screen.getByTestId("second-gutter"))
      .getAllByTestId("second-hour-label")
      .map((l) => l.textContent);
    const primary = screen.getAllByTestId("hour-label").map((l) => l.textContent);
    expect(labels).toHaveLength(primary.length);
    // 09:00 EDT on Tuesday is 18:30 in India.
    expect(primary[9]).toBe("09:00");
    expect(labels[9]).toBe("18:30");
    expect(screen.getByTestId("second-zone-abbr").textContent).toMatch(/GMT\+5:30|IST/);
    expect(window.localStorage.getItem(PREF_SECOND_ZONE)).toBe("Asia/Kolkata");

    await user.click(screen.getByTestId("second-zone-button"));
    await user.click(screen.getByRole("option", { name: "None" }));
    expect(screen.queryByTestId("second-gutter")).toBeNull();
  });

  it("2026-03-08 in New York shows 23 hours; 2026-10-25 in Berlin shows 25", async () => {
    vi.setSystemTime(new Date(2026, 2, 8, 12));
    window.localStorage.setItem(PREF_VIEW, "day");
    mockCalendarBackend();
    const first = await openCalendar();
    await screen.findByTestId("day-view");
    let labels = screen.getAllByTestId("hour-label").map((l) => l.textContent);
    expect(labels).toHaveLength(23);
    expect(labels.slice(1, 3)).toEqual(["01:00", "03:00"]);
    expect(screen.getByTestId("day-head").textContent).toContain("23h");
    first.unmount();

    vi.setSystemTime(new Date(Date.UTC(2026, 9, 25, 10)));
    window.localStorage.setItem(PREF_ZONE, "Europe/Berlin");
    await openCalendar();
    await screen.findByTestId("day-view");
    labels = screen.getAllByTestId("hour-label").map((l) => l.textContent);
    expect(labels).toHaveLength(25);
    expect(labels.slice(1, 5)).toEqual(["01:00", "02:00", "02:00", "03:00"]);
    expect(screen.getByTestId("zone-abbr").textContent).toMatch(/CEST|GMT\+2/);
  });

  it("marks broken, pending and conflicting events, and draws the now-line", async () => {
    const at = (h: number) => new Date(2026, 2, 10, h).getTime();
    mockCalendarBackend({
      list_events: () => [
        calEventFixture(1, { summary: "Odd", start: at(9), end: at(10), broken: "RRULE could not be expanded" }),
        calEventFixture(2, { summary: "Moved", start: at(13), end: at(14), pending: true }),
        calEventFixture(3, { summary: "Clash", start: at(15), end: at(16), conflict: "changed on the server" }),
      ],
    });
    await openCalendar();
    await screen.findAllByTestId("event");
    const byName = (s: string) => screen.getAllByTestId("event").find((e) => e.getAttribute("data-summary") === s)!;
    expect(within(byName("Odd")).getByTestId("broken-marker").querySelector("title")?.textContent).toBe(
      "RRULE could not be expanded",
    );
    expect(byName("Odd").classList.contains("is-broken")).toBe(true);
    expect(byName("Moved").getAttribute("data-pending")).toBe("true");
    expect(within(byName("Moved")).getByTestId("pending-marker")).toBeTruthy();
    expect(byName("Clash").getAttribute("data-conflict")).toBe("true");
    expect(byName("Clash").getAttribute("title")).toContain("changed on the server");
    const line = screen.getByTestId("now-line");
    expect(line.closest("[data-testid=day-column]")?.getAttribute("data-date")).toBe("2026-03-10");
    expect(line.style.top).toBe(`${12 * 44}px`);
  });

  it("calendar://changed refetches the events on screen", async () => {
    const backend = mockCalendarBackend();
    await openCalendar();
    await waitFor(() => expect(backend.callsTo("list_events")).toHaveLength(1));
    await act(async () => emitTauriEvent(EVENT_CALENDAR_CHANGED, null));
    await waitFor(() => expect(backend.callsTo("list_events")).toHaveLength(2));
  });
});

describe("invitations and reminders in the detail pane", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("shows my answer, answers from there, and shows the reminder and the meeting link", async () => {
    const start = Date.UTC(2026, 2, 10, 15, 30);
    const backend = mockCalendarBackend({
      list_events: () => [
        calEventFixture(1, {
          summary: "Review",
          start,
          end: start + HOUR,
          my_partstat: "NEEDS-ACTION",
          organizer: "boss@example.com",
          has_alarm: true,
          meeting_url: "https://meet.example/abc",
          recurrence_id: "2026-03-10T15:30:00Z",
        }),
      ],
      open_link: () => null,
    });
    const { user } = await openCalendar();
    const ev = await screen.findByTestId("event");
    expect(ev.classList.contains("is-invite")).toBe(true);
    await user.click(ev);
    const detail = screen.getByTestId("event-detail");
    expect(within(detail).getByTestId("my-answer").textContent).toBe("From boss@example.com. Not answered yet");
    expect(within(detail).getByTestId("has-reminder").textContent).toBe("Set");
    await user.click(within(detail).getByTestId("join-meeting"));
    expect(backend.callsTo("open_link")[0]).toEqual({ url: "https://meet.example/abc" });
    await user.click(within(detail).getByTestId("detail-rsvp-accepted"));
    await waitFor(() =>
      expect(backend.callsTo("respond_to_event")[0]).toEqual({
        args: { calendar_id: 1, uid: "uid-1@example.test", recurrence_id: "2026-03-10T15:30:00Z", partstat: "ACCEPTED" },
      }),
    );
    expect(within(detail).getByTestId("my-answer").textContent).toContain("Accepted");
  });
});

describe("instances of a repeating event", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("share an id but are selected one by one (click, then j/k)", async () => {
    const at = (d: number) => new Date(2026, 2, d, 9).getTime();
    mockCalendarBackend({
      list_events: () =>
        [9, 10, 11].map((d) =>
          calEventFixture(7, {
            summary: "Daily",
            recurring: true,
            start: at(d),
            end: at(d) + HOUR,
            recurrence_id: new Date(at(d)).toISOString(),
          }),
        ),
    });
    const { user } = await openCalendar();
    const instances = await screen.findAllByTestId("event");
    await user.click(instances[1]!);
    const selectedDate = () =>
      screen.getAllByTestId("event").find((e) => e.classList.contains("is-selected"))?.closest("[data-testid=day-column]")?.getAttribute("data-date");
    expect(selectedDate()).toBe("2026-03-10");
    expect(screen.getByTestId("event-detail").textContent).toContain("Tue");
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("j");
    expect(selectedDate()).toBe("2026-03-11");
    await user.keyboard("kk");
    expect(selectedDate()).toBe("2026-03-09");
  });
});

describe("a clicked reminder", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("opens the calendar at its event's week and shows the event", async () => {
    const start = Date.UTC(2026, 2, 17, 13); // Tue 17 March, 09:00 EDT
    const backend = mockCalendarBackend({
      list_events: (a) => {
        const { from } = a?.args as { from: number };
        return from === new Date(2026, 2, 16).getTime()
          ? [
              calEventFixture(3, { summary: "Other", start: start - 2 * HOUR, end: start - HOUR, uid: "other" }),
              calEventFixture(5, {
                summary: "Weekly review",
                start,
                end: start + HOUR,
                uid: "rev@example.test",
                recurring: true,
                recurrence_id: "2026-03-17T13:00:00Z",
              }),
            ]
          : [];
      },
      get_event: () =>
        detailFixture({ uid: "rev@example.test", start: "2026-03-17T09:00:00-04:00", end: "2026-03-17T10:00:00-04:00" }),
    });
    renderApp();
    await screen.findAllByTestId("thread-row");
    await act(async () => emitTauriEvent(EVENT_OPEN_EVENT, [1, "rev@example.test", "2026-03-17T13:00:00Z"]));
    const detail = await screen.findByTestId("event-detail");
    expect(detail.textContent).toContain("Weekly review");
    expect(document.querySelector("[data-view]")?.getAttribute("data-view")).toBe("calendar");
    expect(backend.callsTo("get_event")[0]).toEqual({
      args: { calendar_id: 1, uid: "rev@example.test", recurrence_id: "2026-03-17T13:00:00Z" },
    });
    expect(screen.getByTestId("week-view").getAttribute("data-week-start")).toBe("2026-03-16");
    const shown = screen.getAllByTestId("event").find((e) => e.classList.contains("is-selected"));
    expect(shown?.getAttribute("data-summary")).toBe("Weekly review");
  });
});

describe("zone picker", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  it("closes when focus goes elsewhere, and Enter takes the first match", async () => {
    mockCalendarBackend();
    const { user } = await openCalendar();
    await screen.findByTestId("week-view");
    await user.click(screen.getByTestId("zone-button"));
    expect(screen.getByTestId("zone-search")).toBeTruthy();
    await user.click(screen.getByTestId("view-day"));
    expect(screen.queryByTestId("zone-search")).toBeNull();
    await user.click(screen.getByTestId("zone-button"));
    await user.type(screen.getByTestId("zone-search"), "tokyo{Enter}");
    expect(screen.queryByTestId("zone-search")).toBeNull();
    expect(screen.getByTestId("calendar-root").getAttribute("data-zone")).toBe("Asia/Tokyo");
  });
});
