// Tauri events pushed by the backend. Outside Tauri (a plain browser on the dev server)
// there is no event bridge; listening then fails and is ignored.
import { listen, type EventCallback } from "@tauri-apps/api/event";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import type { AppStatus, OpenTarget, SyncHealth } from "../ipc/bindings";
import { queryKeys } from "../ipc/queryKeys";

export const EVENT_WORKSPACE_CHANGED = "workspace://changed";
export const EVENT_NOTIFICATION_OPEN = "notification://open";
export const EVENT_SYNC_PAUSED = "sync://paused";

function useTauriEvent<T>(name: string, handler: EventCallback<T>) {
  useEffect(() => {
    let disposed = false;
    let unlisten: (() => void) | undefined;
    listen<T>(name, handler).then(
      (fn) => {
        if (disposed) fn();
        else unlisten = fn;
      },
      () => {
        // Not running inside Tauri.
      },
    );
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [name, handler]);
}

/** Data-level events: anything on screen may be stale, or the paused flag flipped. */
export function useWorkspaceEvents() {
  const queryClient = useQueryClient();
  useTauriEvent<null>(
    EVENT_WORKSPACE_CHANGED,
    // Invalidation refetches the active queries (what is visible) and marks the rest stale.
    useStableCallback(() => void queryClient.invalidateQueries()),
  );
  useTauriEvent<boolean>(
    EVENT_SYNC_PAUSED,
    useStableCallback((event) => {
      const paused = event.payload;
      queryClient.setQueryData<SyncHealth>(queryKeys.syncHealth, (old) => (old ? { ...old, paused } : old));
      queryClient.setQueryData<AppStatus>(queryKeys.appStatus, (old) => (old ? { ...old, sync_paused: paused } : old));
    }),
  );
}

/** A clicked desktop notification opens its item. */
export function useNotificationOpen(open: (target: OpenTarget) => void) {
  useTauriEvent<OpenTarget>(
    EVENT_NOTIFICATION_OPEN,
    useStableCallback((event) => open(event.payload)),
  );
}

/** A callback with a fixed identity that always calls the latest `fn`. */
function useStableCallback<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  return useCallback((...args: A) => ref.current(...args), []);
}
