// Test helpers for the calendar: calendars and event details shaped like the contract.
import { mockBackend, type Handler } from "../../test/backend";
import { eventFixture } from "../../test/fixtures";
import type { EventInstance, CalendarInfo, EventDetail } from "../../ipc/bindings";

export function calendarFixture(id: number, overrides: Partial<CalendarInfo> = {}): CalendarInfo {
  return {
    id,
    account_id: 1,
    account_name: "Work",
    name: `Calendar ${id}`,
    color: "#3b6fe0",
    visible: true,
    read_only: false,
    kind: "caldav",
    ...overrides,
  };
}

export function calEventFixture(id: number, overrides: Partial<EventInstance> = {}): EventInstance {
  return {
    ...eventFixture(id),
    recurrence_id: null,
    status: "CONFIRMED",
    has_alarm: false,
    meeting_url: null,
    organizer: null,
    my_partstat: null,
    pending: false,
    conflict: null,
    ...overrides,
  };
}

export function detailFixture(overrides: Partial<EventDetail> = {}): EventDetail {
  return {
    calendar_id: 1,
    uid: "uid-1@example.test",
    recurrence_id: null,
    summary: "Standup",
    location: "Room 1",
    description: "Daily",
    start: "2026-03-10T11:30:00-04:00",
    end: "2026-03-10T12:30:00-04:00",
    all_day: false,
    time_zone: "America/New_York",
    rrule: null,
    attendees: [],
    reminders_minutes: [10],
    meeting: { kind: "none", url: null },
    recurring: false,
    read_only: false,
    broken: null,
    conflict: null,
    ...overrides,
  };
}

export const CALENDARS: CalendarInfo[] = [
  calendarFixture(1, { name: "Work", account_name: "Work CalDAV" }),
  calendarFixture(2, { name: "Team", account_id: 2, account_name: "Google", kind: "gcal", color: "#e0533b" }),
  calendarFixture(3, { name: "Holidays", account_id: 2, account_name: "Google", kind: "gcal", read_only: true }),
  calendarFixture(4, { name: "Outlook", account_id: 3, account_name: "Microsoft", kind: "graphcal" }),
];

/** The app's mocked backend plus the calendar commands. */
export function mockCalendarBackend(handlers: Record<string, Handler> = {}) {
  return mockBackend({
    list_calendars: () => CALENDARS,
    get_event: () => detailFixture(),
    save_event: (a) => ({ uid: (a?.args as { uid: string | null }).uid ?? "new-uid", conflict: null }),
    delete_event: () => null,
    update_calendar: (a) => {
      const args = a?.args as { id: number; visible?: boolean | null; color?: string | null };
      const cal = CALENDARS.find((c) => c.id === args.id)!;
      return { ...cal, ...(typeof args.visible === "boolean" ? { visible: args.visible } : {}), ...(args.color ? { color: args.color } : {}) };
    },
    resolve_conflict: () => null,
    respond_to_event: () => null,
    ...handlers,
  });
}
