// Calendar command contract, mirrored by hand until the generated bindings carry it
// (crates/api/src/dto.rs); then this file re-exports them and goes away. Field names are
// the Rust DTOs' (snake_case), like every other binding.
import { invoke } from "@tauri-apps/api/core";
import type { EventInstance } from "../../ipc/bindings";

export type CalendarKind = "local" | "caldav" | "gcal" | "graphcal";

export type CalendarInfo = {
  id: number;
  account_id: number;
  account_name: string;
  name: string;
  color: string;
  visible: boolean;
  read_only: boolean;
  kind: CalendarKind;
};

export type UpdateCalendarArgs = { id: number; visible?: boolean | null; color?: string | null };

export type ConflictChange = { field: string; ours: string | null; theirs: string | null };

export type ConflictInfo = { message: string; changes: Array<ConflictChange> };

/** A listed instance with the fields the editing UI reads (absent on older backends). */
export type CalEvent = EventInstance & {
  /** RFC 3339 original start of this instance of a recurring event. */
  recurrence_id?: string | null;
  status?: string | null;
  attendees_count?: number | null;
  has_alarm?: boolean;
  meeting_url?: string | null;
  organizer?: string | null;
  my_partstat?: string | null;
  /** A local change not yet on the server. */
  pending?: boolean;
  conflict?: string | null;
};

export type Partstat = "ACCEPTED" | "DECLINED" | "TENTATIVE";

export type MeetingKind = "none" | "google_meet" | "teams" | "custom";

export type Scope = "this" | "following" | "all";

export type Attendee = { email: string; name: string | null; partstat: string; organizer: boolean };

export type EventDetail = {
  calendar_id: number;
  uid: string;
  recurrence_id: string | null;
  summary: string;
  location: string | null;
  description: string | null;
  start: string;
  end: string;
  all_day: boolean;
  time_zone: string;
  rrule: string | null;
  attendees: Array<Attendee>;
  reminders_minutes: Array<number>;
  meeting: { kind: MeetingKind; url: string | null };
  recurring: boolean;
  read_only: boolean;
  broken: string | null;
  conflict: ConflictInfo | null;
};

export type GetEventArgs = { calendar_id: number; uid: string; recurrence_id: string | null };

export type EventDraft = {
  calendar_id: number;
  /** null creates a new event. */
  uid: string | null;
  recurrence_id: string | null;
  scope: Scope;
  summary: string;
  location: string;
  description: string;
  /** RFC 3339 with offset. */
  start: string;
  end: string;
  all_day: boolean;
  time_zone: string;
  rrule: string | null;
  attendees: Array<string>;
  reminders_minutes: Array<number>;
  meeting_kind: MeetingKind;
};

export type SaveEventResult = { uid: string; conflict: ConflictInfo | null };

export type DeleteEventArgs = { calendar_id: number; uid: string; recurrence_id: string | null; scope: Scope };

export type ResolveConflictArgs = { calendar_id: number; uid: string; keep: "theirs" | "mine" };

export type RespondArgs = { calendar_id: number; uid: string; recurrence_id: string | null; partstat: Partstat };

/** list_events with the viewer's zone (floating times and all-day dates are placed in it). */
export type ListEventsInArgs = { from: number; to: number; time_zone?: string };

export function listEventsIn(args: ListEventsInArgs): Promise<Array<CalEvent>> {
  return invoke("list_events", { args });
}

export function listCalendars(): Promise<Array<CalendarInfo>> {
  return invoke("list_calendars");
}

export function updateCalendar(args: UpdateCalendarArgs): Promise<CalendarInfo> {
  return invoke("update_calendar", { args });
}

export function getEvent(args: GetEventArgs): Promise<EventDetail> {
  return invoke("get_event", { args });
}

export function saveEvent(args: EventDraft): Promise<SaveEventResult> {
  return invoke("save_event", { args });
}

export function deleteEvent(args: DeleteEventArgs): Promise<null> {
  return invoke("delete_event", { args });
}

export function resolveConflict(args: ResolveConflictArgs): Promise<null> {
  return invoke("resolve_conflict", { args });
}

export function respondToEvent(args: RespondArgs): Promise<null> {
  return invoke("respond_to_event", { args });
}
