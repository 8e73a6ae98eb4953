import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError } from "../../test/backend";
import { renderApp } from "../../test/render";
import { calEventFixture, mockCalendarBackend } from "./testing";

const NOW = new Date(2026, 2, 10, 12, 0);
const at = (h: number) => new Date(2026, 2, 10, h).getTime();

async function openCalendar() {
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-calendar"));
  await screen.findAllByTestId("calendar-item");
  return rendered;
}

const item = (id: number) => screen.getAllByTestId("calendar-item").find((i) => i.getAttribute("data-calendar-id") === String(id))!;
const summaries = () => screen.queryAllByTestId("event").map((e) => e.getAttribute("data-summary"));

describe("calendar sidebar", () => {
  beforeEach(() => {
    window.localStorage.clear();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });

  const events = () => [
    calEventFixture(1, { summary: "Work thing", calendar_id: 1, start: at(9), end: at(10) }),
    calEventFixture(2, { summary: "Team thing", calendar_id: 2, start: at(11), end: at(12), color: "#e0533b" }),
  ];

  it("groups calendars by account with their colour and a read-only tag", async () => {
    mockCalendarBackend({ list_events: events });
    await openCalendar();
    const groups = screen.getAllByTestId("calendar-group");
    expect(groups.map((g) => g.getAttribute("data-account"))).toEqual(["Work CalDAV", "Google", "Microsoft"]);
    expect(within(groups[1]!).getAllByTestId("calendar-item").map((i) => i.textContent)).toEqual([
      "Team",
      "Holidaysread-only",
    ]);
    expect((within(item(2)).getByTestId("calendar-color") as HTMLInputElement).value).toBe("#e0533b");
  });

  it("unticking a calendar hides its events and tells the backend", async () => {
    const backend = mockCalendarBackend({ list_events: events });
    const { user } = await openCalendar();
    await waitFor(() => expect(summaries()).toEqual(["Work thing", "Team thing"]));
    await user.click(within(item(2)).getByTestId("calendar-visible"));
    expect(summaries()).toEqual(["Work thing"]);
    await waitFor(() => expect(backend.callsTo("update_calendar")).toHaveLength(1));
    expect(backend.callsTo("update_calendar")[0]).toEqual({ args: { id: 2, visible: false, color: null } });
    await user.click(within(item(2)).getByTestId("calendar-visible"));
    await waitFor(() => expect(summaries()).toEqual(["Work thing", "Team thing"]));
    expect(backend.callsTo("update_calendar")[1]).toEqual({ args: { id: 2, visible: true, color: null } });
  });

  it("calendars hidden already start hidden", async () => {
    mockCalendarBackend({
      list_events: events,
      list_calendars: () => [
        { id: 1, account_id: 1, account_name: "A", name: "Work", color: "#3b6fe0", visible: false, read_only: false, kind: "caldav" },
        { id: 2, account_id: 1, account_name: "A", name: "Team", color: "#e0533b", visible: true, read_only: false, kind: "caldav" },
      ],
    });
    await openCalendar();
    await waitFor(() => expect(summaries()).toEqual(["Team thing"]));
  });

  it("a refused change is undone and explained", async () => {
    mockCalendarBackend({ list_events: events, update_calendar: () => apiError("internal", "database is locked") });
    const { user } = await openCalendar();
    await waitFor(() => expect(summaries()).toHaveLength(2));
    await user.click(within(item(1)).getByTestId("calendar-visible"));
    expect(await screen.findByText("database is locked")).toBeTruthy();
    expect((within(item(1)).getByTestId("calendar-visible") as HTMLInputElement).checked).toBe(true);
    expect(summaries()).toEqual(["Work thing", "Team thing"]);
  });

  it("changing a colour recolours the calendar's events", async () => {
    const backend = mockCalendarBackend({ list_events: events });
    await openCalendar();
    await waitFor(() => expect(summaries()).toHaveLength(2));
    fireEvent.change(within(item(1)).getByTestId("calendar-color"), { target: { value: "#00aa55" } });
    await waitFor(() => expect(backend.callsTo("update_calendar")[0]).toEqual({ args: { id: 1, color: "#00aa55", visible: null } }));
    const work = screen.getAllByTestId("event").find((e) => e.getAttribute("data-summary") === "Work thing")!;
    expect(work.style.getPropertyValue("--event-color")).toBe("#00aa55");
  });
});
