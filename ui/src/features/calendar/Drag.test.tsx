import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError } from "../../test/backend";
import { renderApp } from "../../test/render";
import { HOUR_HEIGHT, GUTTER_PX } from "./TimeGrid";
import { calEventFixture, detailFixture, mockCalendarBackend } from "./testing";

const NOW = new Date(2026, 2, 10, 12, 0); // Tue 10 Mar 2026, New York
const COL = 100; // px per day column in the mocked layout
const start = Date.UTC(2026, 2, 10, 15, 30); // Tue 11:30 EDT
const HOUR = 3_600_000;

/** Screen point of (day column, hour) in the mocked grid box at (0, 0). */
const point = (col: number, hour: number) => ({ clientX: GUTTER_PX + col * COL + COL / 2, clientY: hour * HOUR_HEIGHT });

async function openWeek() {
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-calendar"));
  await screen.findAllByTestId("event");
  return rendered;
}

const standup = () => screen.getAllByTestId("event").find((e) => e.getAttribute("data-summary") === "Standup")!;

function drag(el: Element, from: { clientX: number; clientY: number }, to: { clientX: number; clientY: number }) {
  fireEvent.pointerDown(el, { ...from, button: 0, pointerId: 1 });
  fireEvent.pointerMove(window, { clientX: (from.clientX + to.clientX) / 2, clientY: (from.clientY + to.clientY) / 2 });
  fireEvent.pointerMove(window, { ...to });
  fireEvent.pointerUp(window, { ...to });
}

describe("dragging events", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
      if (this.dataset.testid === "time-grid") return new DOMRect(0, 0, GUTTER_PX + 7 * COL, 24 * HOUR_HEIGHT);
      return new DOMRect(0, 0, 0, 0);
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it("moving a recurring instance asks for the scope, then saves with the new times", async () => {
    let finish: (v: unknown) => void = () => {};
    const backend = mockCalendarBackend({
      list_events: () => [
        calEventFixture(1, {
          summary: "Standup",
          start,
          end: start + HOUR,
          recurring: true,
          recurrence_id: "2026-03-10T15:30:00Z",
          uid: "uid-1@example.test",
        }),
      ],
      get_event: () => detailFixture({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z", rrule: "FREQ=DAILY" }),
      save_event: () => new Promise((resolve) => (finish = resolve)),
    });
    await openWeek();
    // Grab at 11:45 on Tuesday, drop at 14:45 on Thursday: starts 14:30 Thursday.
    drag(standup(), point(1, 11.75), point(3, 14.75));
    expect(await screen.findByTestId("scope-prompt")).toBeTruthy();
    expect(backend.callsTo("save_event")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("scope-following"));

    // Shown at once at its new place, marked as not yet synced.
    await waitFor(() => expect(standup().getAttribute("data-local-start")).toBe("2026-03-12T14:30"));
    expect(standup().closest("[data-testid=day-column]")?.getAttribute("data-date")).toBe("2026-03-12");
    expect(standup().getAttribute("data-pending")).toBe("true");

    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("get_event")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", recurrence_id: "2026-03-10T15:30:00Z" },
    });
    expect(backend.callsTo("save_event")[0]).toEqual({
      args: {
        calendar_id: 1,
        uid: "uid-1@example.test",
        recurrence_id: "2026-03-10T15:30:00Z",
        scope: "following",
        summary: "Standup",
        location: "Room 1",
        description: "Daily",
        start: "2026-03-12T14:30:00-04:00",
        end: "2026-03-12T15:30:00-04:00",
        all_day: false,
        time_zone: "America/New_York",
        rrule: "FREQ=DAILY",
        attendees: [],
        reminders_minutes: [10],
        meeting_kind: "none",
      },
    });
    finish({ uid: "uid-1@example.test", conflict: null });
    // Saved: the list is asked again.
    await waitFor(() => expect(backend.callsTo("list_events").length).toBeGreaterThan(1));
  });

  it("moving an occurrence for all events moves the series on the wall clock, from its first date", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [
        calEventFixture(1, {
          summary: "Standup",
          start,
          end: start + HOUR,
          recurring: true,
          recurrence_id: "2026-03-10T15:30:00Z",
        }),
      ],
      get_event: (a) => {
        const { recurrence_id } = a?.args as { recurrence_id: string | null };
        // The series began in February, before DST (EST).
        return recurrence_id === null
          ? detailFixture({ recurring: true, rrule: "FREQ=DAILY", start: "2026-02-02T11:30:00-05:00", end: "2026-02-02T12:30:00-05:00" })
          : detailFixture({ recurring: true, rrule: "FREQ=DAILY", recurrence_id });
      },
    });
    await openWeek();
    // 11:30 → 13:00 the same day.
    drag(standup(), point(1, 11.5), point(1, 13));
    fireEvent.click(await screen.findByTestId("scope-all"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("get_event").map((c) => (c?.args as { recurrence_id: string | null }).recurrence_id)).toEqual([
      "2026-03-10T15:30:00Z",
      null,
    ]);
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      scope: "all",
      recurrence_id: null,
      start: "2026-02-02T13:00:00-05:00",
      end: "2026-02-02T14:00:00-05:00",
      rrule: "FREQ=DAILY",
    });
  });

  it("cancelling the scope prompt leaves the event where it was", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", start, end: start + HOUR, recurring: true })],
    });
    await openWeek();
    drag(standup(), point(1, 11.75), point(2, 9));
    fireEvent.click(await screen.findByTestId("scope-cancel"));
    expect(screen.queryByTestId("scope-prompt")).toBeNull();
    expect(standup().getAttribute("data-local-start")).toBe("2026-03-10T11:30");
    expect(backend.callsTo("save_event")).toHaveLength(0);
  });

  it("a failed save puts the event back and says why", async () => {
    mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", start, end: start + HOUR })],
      save_event: () => apiError("offline", "The server could not be reached"),
    });
    await openWeek();
    drag(standup(), point(1, 11.5), point(1, 15.5));
    const error = await screen.findByTestId("action-error");
    expect(error.textContent).toContain("Could not move “Standup”");
    expect(error.textContent).toContain("The server could not be reached");
    expect(standup().getAttribute("data-local-start")).toBe("2026-03-10T11:30");
    expect(standup().getAttribute("data-pending")).toBeNull();
  });

  it("dragging the bottom edge resizes, snapped to 15 minutes (no prompt for a single event)", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", start, end: start + HOUR })],
    });
    await openWeek();
    const handle = standup().querySelector("[data-testid=resize-handle]")!;
    drag(handle, point(1, 12.5), point(1, 13 + 50 / 60));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(screen.queryByTestId("scope-prompt")).toBeNull();
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      scope: "all",
      recurrence_id: null,
      start: "2026-03-10T11:30:00-04:00",
      end: "2026-03-10T13:45:00-04:00",
    });
  });

  it("a move the server refuses with a conflict opens the event with what changed", async () => {
    mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", start, end: start + HOUR })],
      save_event: () => ({
        uid: "uid-1@example.test",
        conflict: { message: "Changed on the server", changes: [{ field: "start", ours: "15:30", theirs: "12:00" }] },
      }),
    });
    await openWeek();
    drag(standup(), point(1, 11.5), point(1, 15.5));
    const banner = await screen.findByTestId("conflict-banner");
    expect(banner.textContent).toContain("Changed on the server");
    expect(banner.textContent).toContain("12:00");
    expect(screen.getByTestId("event-editor")).toBeTruthy();
  });

  it("an all-day event drags to other days in the all-day row", async () => {
    const mid = (d: number) => new Date(2026, 2, d).getTime(); // midnight in New York
    const backend = mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Offsite", all_day: true, start: mid(11), end: mid(12) })],
      // Not answered during the test: the moved bar is the optimistic one.
      save_event: () => new Promise(() => {}),
      get_event: () =>
        detailFixture({ summary: "Offsite", all_day: true, start: "2026-03-11T00:00:00-04:00", end: "2026-03-12T00:00:00-04:00" }),
    });
    await openWeek();
    const bar = () => screen.getAllByTestId("event").find((e) => e.getAttribute("data-summary") === "Offsite")!;
    expect(bar().style.gridColumn).toBe("4 / 5");
    drag(bar(), { clientX: point(2, 0).clientX, clientY: 5 }, { clientX: point(4, 0).clientX, clientY: 5 });
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(bar().style.gridColumn).toBe("6 / 7");
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      all_day: true,
      scope: "all",
      start: "2026-03-13T00:00:00-04:00",
      end: "2026-03-14T00:00:00-04:00",
    });
  });

  it("events of read-only calendars do not move", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [calEventFixture(1, { summary: "Standup", calendar_id: 3, start, end: start + HOUR })],
    });
    await openWeek();
    expect(standup().querySelector("[data-testid=resize-handle]")).toBeNull();
    drag(standup(), point(1, 11.5), point(2, 15));
    expect(standup().getAttribute("data-local-start")).toBe("2026-03-10T11:30");
    expect(backend.callsTo("get_event")).toHaveLength(0);
  });
});
