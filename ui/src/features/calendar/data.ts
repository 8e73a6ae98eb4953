// Calendar queries and writes: calendars, the instances of the range on screen, and
// saving a changed instance with an optimistic update that is rolled back on failure.
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { queryKeys } from "../../ipc/queryKeys";
import { toApiError } from "../../ipc/errors";
import { useBackendEvent } from "../sync/syncEvents";
import { parseInstant } from "./editorForm";
import { allDayDates } from "./layout";
import { addDays, daysBetween, isValidZone, parseIsoDate, rfc3339, shiftWall, zonedToUtc } from "./tz";
import {
  getEvent,
  listCalendars,
  listEvents,
  saveEvent,
  type EventInstance,
  type CalendarInfo,
  type EventDetail,
  type EventDraft,
  type SaveEventResult,
  type EditScope,
} from "../../ipc/bindings";

export const CALENDARS_KEY = ["calendars"] as const;
export const EVENTS_PREFIX = ["events"] as const;
export const EVENT_DETAIL_PREFIX = ["eventDetail"] as const;
export const EVENT_CALENDAR_CHANGED = "calendar://changed";

export function eventDetailKey(calendarId: number, uid: string, recurrenceId: string | null) {
  return [...EVENT_DETAIL_PREFIX, calendarId, uid, recurrenceId] as const;
}

export function useCalendars() {
  return useQuery({ queryKey: CALENDARS_KEY, queryFn: listCalendars });
}

/** The instances in [from, to), with floating times and all-day dates placed in `zone`. */
export function useEvents(from: number, to: number, zone: string) {
  return useQuery({
    queryKey: [...queryKeys.events(from, to), zone],
    queryFn: () => listEvents({ from, to, time_zone: zone }),
  });
}

/** Refetch what is on screen when the backend says calendar data changed. */
export function useCalendarChanged() {
  const queryClient = useQueryClient();
  const refetch = () => invalidateCalendar(queryClient);
  useBackendEvent<null>(EVENT_CALENDAR_CHANGED, refetch);
}

export function invalidateCalendar(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: EVENTS_PREFIX });
  void queryClient.invalidateQueries({ queryKey: CALENDARS_KEY });
  void queryClient.invalidateQueries({ queryKey: EVENT_DETAIL_PREFIX });
}

/** Same instance: one event row, one original start. */
export function sameInstance(a: EventInstance, b: EventInstance): boolean {
  return a.event_id === b.event_id && a.uid === b.uid && (a.recurrence_id ?? a.start) === (b.recurrence_id ?? b.start);
}

export function instanceKey(e: EventInstance): string {
  return `${e.event_id}:${e.recurrence_id ?? e.start}`;
}

/**
 * A draft for one occurrence, made fit for its scope. "All events" on an occurrence is
 * an edit of the series: the master's times move on the wall clock as the occurrence's
 * did (09:00 → 10:00 moves every instance to 10:00, also those across a DST change),
 * and recurrence_id is dropped so the series keeps its first date.
 */
export async function draftForScope(draft: EventDraft, occurrenceStart: number): Promise<EventDraft> {
  if (draft.scope !== "all" || draft.recurrence_id === null || draft.uid === null) return draft;
  const master = await getEvent({ calendar_id: draft.calendar_id, uid: draft.uid, recurrence_id: null });
  const zone = draft.time_zone;
  const newStart = parseInstant(draft.start);
  const newEnd = parseInstant(draft.end);
  const masterStart = parseInstant(master.start);
  const start = shiftWall(masterStart, occurrenceStart, newStart, zone);
  const end = draft.all_day ? shiftWall(masterStart, occurrenceStart, newEnd, zone) : start + (newEnd - newStart);
  return { ...draft, recurrence_id: null, start: rfc3339(start, zone), end: rfc3339(end, zone) };
}

/** The draft that saves `detail` unchanged (the editor and drags start from it). */
export function draftFromDetail(detail: EventDetail, scope: EditScope): EventDraft {
  return {
    calendar_id: detail.calendar_id,
    uid: detail.uid,
    recurrence_id: detail.recurrence_id,
    scope,
    summary: detail.summary,
    location: detail.location ?? "",
    description: detail.description ?? "",
    start: detail.start,
    end: detail.end,
    all_day: detail.all_day,
    time_zone: detail.time_zone,
    rrule: detail.rrule,
    attendees: detail.attendees.filter((a) => !a.organizer).map((a) => a.email),
    reminders_minutes: detail.reminders_minutes,
    meeting_kind: detail.meeting.kind,
  };
}

export interface MoveRequest {
  event: EventInstance;
  start: number;
  end: number;
  scope: EditScope;
  /** The zone the grid shows, used when the event has none of its own. */
  viewZone: string;
}

/**
 * Moves/resizes one instance: the cached lists show the new times at once (marked
 * pending); the event's full detail is read, saved with the new start and end, and
 * the lists refetched. On failure every cached list goes back to what it was and the
 * error is thrown for the caller to show.
 */
export async function moveEvent(queryClient: QueryClient, req: MoveRequest): Promise<SaveEventResult> {
  const { event, start, end, scope } = req;
  await queryClient.cancelQueries({ queryKey: EVENTS_PREFIX });
  const snapshot = queryClient.getQueriesData<EventInstance[]>({ queryKey: EVENTS_PREFIX });
  queryClient.setQueriesData<EventInstance[]>({ queryKey: EVENTS_PREFIX }, (old) =>
    old?.map((e) => (sameInstance(e, event) ? { ...e, start, end, pending: true } : e)),
  );
  try {
    const recurrenceId = event.recurrence_id ?? null;
    const detail = await getEvent({ calendar_id: event.calendar_id, uid: event.uid, recurrence_id: recurrenceId });
    const zone = isValidZone(detail.time_zone) ? detail.time_zone : req.viewZone;
    let times = { start: rfc3339(start, zone), end: rfc3339(end, zone) };
    if (event.all_day) {
      // Dates, not instants: the event's own dates move by the days it was dragged.
      const days = daysBetween(allDayDates(event, req.viewZone).first, allDayDates({ ...event, start, end }, req.viewZone).first);
      const shift = (text: string) => {
        const date = parseIsoDate(text) ?? { y: 1970, m: 1, d: 1 };
        return rfc3339(zonedToUtc(addDays(date, days), 0, zone), zone);
      };
      times = { start: shift(detail.start), end: shift(detail.end) };
    }
    const draft: EventDraft = {
      ...draftFromDetail(detail, scope),
      recurrence_id: recurrenceId,
      time_zone: zone,
      ...times,
    };
    const result = await saveEvent(await draftForScope(draft, event.start));
    invalidateCalendar(queryClient);
    return result;
  } catch (err) {
    for (const [key, data] of snapshot) queryClient.setQueryData(key, data);
    throw toApiError(err);
  }
}

/** Calendars by id, for colour, kind and visibility lookups. */
export function calendarMap(calendars: CalendarInfo[] | undefined): Map<number, CalendarInfo> {
  return new Map((calendars ?? []).map((c) => [c.id, c]));
}
