// Backend events about mail sync. Outside Tauri (a plain browser on the dev server) there
// is no event bridge; listening then fails and is ignored, as in app/backendEvents.ts.
import { listen, type EventCallback } from "@tauri-apps/api/event";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { queryKeys } from "../../ipc/queryKeys";
import { folderKeys } from "../inbox/folderKeys";

export const EVENT_SYNC_PROGRESS = "sync://progress";
export const EVENT_MAIL_CHANGED = "mail://changed";

/**
 * Calls the latest `handler` for every `name` event while the component is mounted.
 * `onListening` runs once the listener is registered: events sent before that moment
 * (registration is asynchronous) are lost, so a caller that keeps data fresh can catch up.
 */
export function useBackendEvent<T>(name: string, handler: EventCallback<T>, onListening?: () => void) {
  const latest = useRef(handler);
  const ready = useRef(onListening);
  useEffect(() => {
    latest.current = handler;
    ready.current = onListening;
  });
  useEffect(() => {
    let disposed = false;
    let unlisten: (() => void) | undefined;
    listen<T>(name, (event) => latest.current(event)).then(
      (fn) => {
        if (disposed) {
          fn();
        } else {
          unlisten = fn;
          ready.current?.();
        }
      },
      () => {
        // Not running inside Tauri.
      },
    );
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [name]);
}

/** The query prefixes that new mail can change. */
export const MAIL_QUERY_PREFIXES = [
  ["threads"],
  ["thread"],
  folderKeys.all,
  queryKeys.accounts,
  queryKeys.appStatus,
  queryKeys.stats,
] as const;

/** New mail was stored: refetch what is on screen (threads, folders, accounts, counts). */
export function useMailChangedEvents() {
  const queryClient = useQueryClient();
  const refetch = () => {
    for (const queryKey of MAIL_QUERY_PREFIXES) void queryClient.invalidateQueries({ queryKey });
  };
  // Mail a sync stored while the listener was being set up (e.g. the first pass of an
  // account added a moment ago) announced itself before anyone listened: catch up once.
  useBackendEvent<null>(EVENT_MAIL_CHANGED, refetch, refetch);
}
