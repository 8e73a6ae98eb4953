// A clicked reminder notification opens the calendar at its event. The backend sends
// `notification://open-event` with [calendar_id, uid, recurrence_id]; the shell listens
// app-wide (the calendar may not be on screen) and the calendar takes the request.
import { useCallback, useSyncExternalStore } from "react";
import { useNavigation } from "../../app/navigation";
import { useBackendEvent } from "../sync/syncEvents";

export const EVENT_OPEN_EVENT = "notification://open-event";

export interface OpenEventRequest {
  calendar_id: number;
  uid: string;
  recurrence_id: string | null;
}

let pending: OpenEventRequest | null = null;
const listeners = new Set<() => void>();

function setPending(next: OpenEventRequest | null) {
  pending = next;
  for (const l of listeners) l();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** App-wide: a clicked reminder switches to the calendar and asks it to show the event. */
export function useOpenEventNotifications() {
  const nav = useNavigation();
  useBackendEvent<[number, string, string | null]>(EVENT_OPEN_EVENT, (event) => {
    const [calendar_id, uid, recurrence_id] = event.payload;
    setPending({ calendar_id, uid, recurrence_id });
    nav.go("calendar");
  });
}

/** The calendar's side: the request waiting to be shown, and how to mark it taken. */
export function usePendingOpenEvent(): [OpenEventRequest | null, () => void] {
  const request = useSyncExternalStore(subscribe, () => pending);
  const taken = useCallback(() => setPending(null), []);
  return [request, taken];
}
