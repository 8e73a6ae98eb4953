import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError } from "../../test/backend";
import { renderApp } from "../../test/render";
import { GUTTER_PX, HOUR_HEIGHT } from "./TimeGrid";
import { calEventFixture, detailFixture, mockCalendarBackend } from "./testing";

const NOW = new Date(2026, 2, 10, 12, 0); // Tue 10 Mar 2026, New York
const COL = 100;
const start = Date.UTC(2026, 2, 10, 15, 30); // Tue 11:30 EDT
const HOUR = 3_600_000;
const point = (col: number, hour: number) => ({ clientX: GUTTER_PX + col * COL + COL / 2, clientY: hour * HOUR_HEIGHT });

async function openWeek(expectEvents = true) {
  const rendered = renderApp();
  await rendered.user.click(await screen.findByTestId("nav-calendar"));
  if (expectEvents) await screen.findAllByTestId("event");
  else await screen.findByTestId("week-view");
  // The calendars are known (writable ones decide what can be created or moved).
  await waitFor(() => expect(screen.getByTestId("calendar-root").getAttribute("data-calendars")).toBe("4"));
  return rendered;
}

const column = (date: string) =>
  screen.getAllByTestId("day-column").find((c) => c.getAttribute("data-date") === date)!;
const editor = () => screen.getByTestId("event-editor");
const field = (id: string) => within(editor()).getByTestId(id) as HTMLInputElement;

const standup = (overrides = {}) => calEventFixture(1, { summary: "Standup", start, end: start + HOUR, ...overrides });

describe("event editor", () => {
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

  it("a click on empty grid creates an event there; every field reaches save_event", async () => {
    const backend = mockCalendarBackend();
    const { user } = await openWeek(false);
    fireEvent.pointerDown(column("2026-03-11"), { ...point(2, 9.1), button: 0 });
    fireEvent.pointerUp(window, point(2, 9.1));
    await screen.findByTestId("event-editor");
    expect([field("editor-start-date").value, field("editor-start-time").value, field("editor-end-time").value]).toEqual([
      "2026-03-11",
      "09:00",
      "10:00",
    ]);
    // Only writable calendars are offered.
    const options = within(field("editor-calendar")).getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual(["Work · Work CalDAV", "Team · Google", "Outlook · Microsoft"]);
    // Meet only on a Google calendar, Teams only on a Microsoft one.
    const meetingOptions = () => within(field("editor-meeting")).getAllByRole("option").map((o) => o.getAttribute("value"));
    expect(meetingOptions()).toEqual(["none", "custom"]);
    await user.selectOptions(field("editor-calendar"), "2");
    expect(meetingOptions()).toEqual(["none", "google_meet", "custom"]);
    await user.selectOptions(field("editor-meeting"), "google_meet");
    await user.selectOptions(field("editor-calendar"), "4");
    expect(meetingOptions()).toEqual(["none", "teams", "custom"]);
    expect(field("editor-meeting").value).toBe("none");
    await user.selectOptions(field("editor-meeting"), "teams");

    await user.type(field("editor-title"), "Planning");
    fireEvent.change(field("editor-end-time"), { target: { value: "10:30" } });
    await user.type(field("editor-attendee-input"), "ann@example.com{Enter}");
    expect(within(editor()).getAllByTestId("attendee").map((a) => a.getAttribute("data-email"))).toEqual(["ann@example.com"]);
    await user.selectOptions(field("editor-reminder-add"), "30");
    await user.selectOptions(field("editor-repeat"), "weekly");
    await user.click(field("editor-day-FR"));
    await user.type(field("editor-location"), "Room 4");
    await user.type(field("editor-description"), "Agenda");
    await user.click(field("editor-save"));

    await waitFor(() => expect(screen.queryByTestId("event-editor")).toBeNull());
    expect(backend.callsTo("save_event")).toEqual([
      {
        args: {
          calendar_id: 4,
          uid: null,
          recurrence_id: null,
          scope: "all",
          summary: "Planning",
          location: "Room 4",
          description: "Agenda",
          start: "2026-03-11T09:00:00-04:00",
          end: "2026-03-11T10:30:00-04:00",
          all_day: false,
          time_zone: "America/New_York",
          rrule: "FREQ=WEEKLY;BYDAY=WE,FR",
          attendees: ["ann@example.com"],
          reminders_minutes: [10, 30],
          meeting_kind: "teams",
        },
      },
    ]);
  });

  it("dragging on empty grid proposes the dragged range; the event's zone can differ from the view's", async () => {
    const backend = mockCalendarBackend();
    const { user } = await openWeek(false);
    fireEvent.pointerDown(column("2026-03-12"), { ...point(3, 13), button: 0 });
    fireEvent.pointerMove(window, point(3, 14));
    fireEvent.pointerMove(window, point(3, 15.5));
    expect(screen.getByTestId("create-preview").textContent).toBe("13:00–15:30");
    fireEvent.pointerUp(window, point(3, 15.5));
    await screen.findByTestId("event-editor");
    expect([field("editor-start-time").value, field("editor-end-time").value]).toEqual(["13:00", "15:30"]);
    await user.click(field("editor-zone-button"));
    await user.type(within(editor()).getByTestId("editor-zone-search"), "tokyo");
    await user.click(within(editor()).getByRole("option", { name: /Asia\/Tokyo/ }));
    await user.click(field("editor-save"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      start: "2026-03-12T13:00:00+09:00",
      end: "2026-03-12T15:30:00+09:00",
      time_zone: "Asia/Tokyo",
    });
  });

  it("a click in the all-day row creates an all-day event that day", async () => {
    const backend = mockCalendarBackend();
    const { user } = await openWeek(false);
    fireEvent.click(screen.getByTestId("allday-row"), { clientX: point(4, 0).clientX, clientY: 5 });
    await screen.findByTestId("event-editor");
    expect(field("editor-all-day").checked).toBe(true);
    expect([field("editor-start-date").value, field("editor-end-date").value]).toEqual(["2026-03-13", "2026-03-13"]);
    expect(within(editor()).queryByTestId("editor-start-time")).toBeNull();
    await user.type(field("editor-title"), "Offsite");
    fireEvent.change(field("editor-end-date"), { target: { value: "2026-03-14" } });
    await user.click(field("editor-save"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      summary: "Offsite",
      all_day: true,
      start: "2026-03-13T00:00:00-04:00",
      end: "2026-03-15T00:00:00-04:00",
    });
  });

  it("refuses an end before the start", async () => {
    const backend = mockCalendarBackend();
    const { user } = await openWeek(false);
    await user.click(screen.getByTestId("new-event"));
    fireEvent.change(field("editor-end-time"), { target: { value: "08:00" } });
    await user.click(field("editor-save"));
    expect(within(editor()).getByText("The event must end after it starts.")).toBeTruthy();
    expect(backend.callsTo("save_event")).toHaveLength(0);
  });

  it("edits an event: fields come from get_event, PARTSTATs are shown, changes are saved", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup()],
      get_event: () =>
        detailFixture({
          attendees: [
            { email: "boss@example.com", name: "Boss", partstat: "ACCEPTED", organizer: true },
            { email: "ann@example.com", name: "Ann", partstat: "ACCEPTED", organizer: false },
            { email: "bob@example.com", name: null, partstat: "TENTATIVE", organizer: false },
          ],
          meeting: { kind: "custom", url: "https://zoom.example/j/1" },
        }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await waitFor(() => expect(field("editor-title").value).toBe("Standup"));
    expect(field("editor-start-time").value).toBe("11:30");
    const partstats = within(editor())
      .getAllByTestId("attendee")
      .map((a) => [a.getAttribute("data-email"), within(a).getByTestId("partstat").textContent]);
    expect(partstats).toEqual([
      ["ann@example.com", "Accepted"],
      ["bob@example.com", "Maybe"],
    ]);
    expect(editor().textContent).toContain("Organizer: Boss");
    await user.clear(field("editor-title"));
    await user.type(field("editor-title"), "Standup (moved)");
    await user.click(within(editor()).getByRole("button", { name: "Remove bob@example.com" }));
    await user.click(field("editor-save"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      uid: "uid-1@example.test",
      scope: "all",
      summary: "Standup (moved)",
      attendees: ["ann@example.com"],
      meeting_kind: "custom",
      start: "2026-03-10T11:30:00-04:00",
    });
    await waitFor(() => expect(screen.queryByTestId("event-editor")).toBeNull());
  });

  it("saving a recurring instance asks which events change", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z" })],
      get_event: () => detailFixture({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z", rrule: "FREQ=DAILY" }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await waitFor(() => expect(field("editor-repeat").value).toBe("daily"));
    await user.type(field("editor-location"), " B");
    await user.click(field("editor-save"));
    await user.click(await screen.findByTestId("scope-this"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      scope: "this",
      recurrence_id: "2026-03-10T15:30:00Z",
      location: "Room 1 B",
      rrule: "FREQ=DAILY",
    });
  });

  it("renaming all events from one occurrence keeps the series' own first date and time", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z" })],
      get_event: (a) =>
        (a?.args as { recurrence_id: string | null }).recurrence_id === null
          ? detailFixture({ recurring: true, rrule: "FREQ=DAILY", start: "2026-02-02T11:30:00-05:00", end: "2026-02-02T12:30:00-05:00" })
          : detailFixture({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z", rrule: "FREQ=DAILY" }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await waitFor(() => expect(field("editor-title").value).toBe("Standup"));
    await user.type(field("editor-title"), " (all)");
    await user.click(field("editor-save"));
    await user.click(await screen.findByTestId("scope-all"));
    await waitFor(() => expect(backend.callsTo("save_event")).toHaveLength(1));
    expect(backend.callsTo("save_event")[0]?.args).toMatchObject({
      scope: "all",
      recurrence_id: null,
      summary: "Standup (all)",
      start: "2026-02-02T11:30:00-05:00",
      end: "2026-02-02T12:30:00-05:00",
    });
  });

  it("deletes a single event after a confirmation", async () => {
    const backend = mockCalendarBackend({ list_events: () => [standup()] });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await user.click(await within(editor()).findByTestId("editor-delete"));
    await user.click(screen.getByTestId("confirm-ok"));
    await waitFor(() => expect(backend.callsTo("delete_event")).toHaveLength(1));
    expect(backend.callsTo("delete_event")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", recurrence_id: null, scope: "all" },
    });
    await waitFor(() => expect(screen.queryByTestId("event-editor")).toBeNull());
  });

  it("deletes this and following instances of a recurring event", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z" })],
      get_event: () => detailFixture({ recurring: true, recurrence_id: "2026-03-10T15:30:00Z", rrule: "FREQ=DAILY" }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await user.click(await within(editor()).findByTestId("editor-delete"));
    await user.click(await screen.findByTestId("scope-following"));
    await waitFor(() => expect(backend.callsTo("delete_event")).toHaveLength(1));
    expect(backend.callsTo("delete_event")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", recurrence_id: "2026-03-10T15:30:00Z", scope: "following" },
    });
  });

  it("a failed delete says why and keeps the editor open", async () => {
    mockCalendarBackend({
      list_events: () => [standup()],
      delete_event: () => apiError("offline", "No network"),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await user.click(await within(editor()).findByTestId("editor-delete"));
    await user.click(screen.getByTestId("confirm-ok"));
    expect((await within(editor()).findByTestId("error-note")).textContent).toContain("No network");
  });

  it("a conflict shows what changed and lets me keep theirs or apply mine", async () => {
    const conflict = {
      message: "The event was changed on the server after you edited it.",
      changes: [
        { field: "summary", ours: "Standup", theirs: "Daily standup" },
        { field: "start", ours: "11:30", theirs: "12:00" },
      ],
    };
    const backend = mockCalendarBackend({
      list_events: () => [standup({ conflict: "changed on the server" })],
      get_event: () => detailFixture({ conflict }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    const banner = await within(editor()).findByTestId("conflict-banner");
    expect(banner.textContent).toContain("changed on the server after you edited it");
    expect(
      within(banner)
        .getAllByTestId("conflict-change")
        .map((r) => Array.from(r.querySelectorAll("td")).map((td) => td.textContent)),
    ).toEqual([
      ["summary", "Standup", "Daily standup"],
      ["start", "11:30", "12:00"],
    ]);
    await user.click(within(banner).getByTestId("conflict-apply-mine"));
    await waitFor(() => expect(backend.callsTo("resolve_conflict")).toHaveLength(1));
    expect(backend.callsTo("resolve_conflict")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", keep: "mine" },
    });
  });

  it("a save answered with a conflict shows the banner instead of closing", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup()],
      save_event: () => ({
        uid: "uid-1@example.test",
        conflict: { message: "Changed elsewhere", changes: [{ field: "location", ours: "Room 1", theirs: "Room 9" }] },
      }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    await waitFor(() => expect(field("editor-title").value).toBe("Standup"));
    await user.click(field("editor-save"));
    const banner = await within(editor()).findByTestId("conflict-banner");
    expect(banner.textContent).toContain("Room 9");
    await user.click(within(banner).getByTestId("conflict-keep-theirs"));
    await waitFor(() => expect(backend.callsTo("resolve_conflict")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", keep: "theirs" },
    }));
    await waitFor(() => expect(screen.queryByTestId("event-editor")).toBeNull());
  });

  it("RSVP buttons when I am invited", async () => {
    const backend = mockCalendarBackend({
      list_events: () => [standup({ my_partstat: "NEEDS-ACTION", organizer: "boss@example.com" })],
      get_event: () =>
        detailFixture({
          attendees: [
            { email: "boss@example.com", name: "Boss", partstat: "ACCEPTED", organizer: true },
            { email: "me@work.test", name: null, partstat: "NEEDS-ACTION", organizer: false },
          ],
        }),
    });
    const { user } = await openWeek();
    await user.dblClick(screen.getByTestId("event"));
    const rsvp = await within(editor()).findByTestId("rsvp");
    expect(rsvp.textContent).toContain("Boss invited you");
    await user.click(within(rsvp).getByTestId("rsvp-tentative"));
    await waitFor(() => expect(backend.callsTo("respond_to_event")).toHaveLength(1));
    expect(backend.callsTo("respond_to_event")[0]).toEqual({
      args: { calendar_id: 1, uid: "uid-1@example.test", recurrence_id: null, partstat: "TENTATIVE" },
    });
    await waitFor(() => expect(within(rsvp).getByTestId("rsvp-tentative").getAttribute("aria-pressed")).toBe("true"));
  });

  it("no RSVP for my own events; the detail pane opens the editor, Esc closes it", async () => {
    mockCalendarBackend({ list_events: () => [standup()] });
    const { user } = await openWeek();
    await user.click(screen.getByTestId("event"));
    expect(screen.getByTestId("event-detail")).toBeTruthy();
    await user.click(screen.getByTestId("event-open"));
    await waitFor(() => expect(field("editor-title").value).toBe("Standup"));
    expect(within(editor()).queryByTestId("rsvp")).toBeNull();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("event-editor")).toBeNull();
  });
});
